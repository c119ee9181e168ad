"""Honest metric scale on constructed ground truth: MediaPipe's skeleton is 1.60 m whatever the person's size.

A 1.90 m person 3 m from a known camera; MediaPipe's world skeleton is scaled to 1.60 m (what it reports
for everyone, measured on real adults and on a rendered 1.90 m figure); 1.5 px and 1 cm of noise.
"""

from __future__ import annotations

import numpy as np
import pytest

from arwed.config import PlacementSettings, TrackingSettings
from arwed.geometry import body
from arwed.geometry.placement import Placer
from tests.geometry.synthetic import default_scene

FPS = 30.0
TRUE_HEIGHT_M = 1.90
SKELETON = {"world_scale": 1.60 / TRUE_HEIGHT_M, "pixel_noise_px": 1.5, "world_noise_m": 0.01}


def _run(
    placement: PlacementSettings, frames: int = 120, calibrated=False, scene=None, x_m=0.0, z_m=3.0, seed=0
):
    scene = scene or default_scene()
    placer = Placer(scene.intrinsics, placement, TrackingSettings(), scene.floor() if calibrated else None)
    rng = np.random.default_rng(seed)
    out = []
    for i in range(frames):
        t = i / FPS
        observation = scene.observe(
            x_m, z_m, time_s=t, frame_index=i, rng=rng, height_m=TRUE_HEIGHT_M, **SKELETON
        )
        out.append(placer.update(observation, t))
    return scene, out


def _hip_depth_m(scene, x_m=0.0, z_m=3.0) -> float:
    points = scene.body_in_camera(x_m, z_m, TRUE_HEIGHT_M)
    return float(body.midpoint(points, body.LEFT_HIP, body.RIGHT_HIP)[2])


def _depth_error(scene, placements) -> float:
    depths = np.array([p.person_depth_m for p in placements[60:]])
    return float(np.median(depths) / _hip_depth_m(scene) - 1.0)


def test_with_the_height_given_the_depth_is_within_3_percent():
    scene, out = _run(PlacementSettings(person_height_m=TRUE_HEIGHT_M))
    error = _depth_error(scene, out)
    print(f"depth error with the height given: {100 * error:+.2f} %")
    assert abs(error) < 0.03
    assert out[-1].person_height_source == "given"


def test_without_it_the_error_is_the_assumption_not_the_skeletons():
    scene, out = _run(PlacementSettings())
    error = _depth_error(scene, out)
    expected = 1.70 / TRUE_HEIGHT_M - 1.0  # -10.5 %
    print(f"depth error assumed 1.70 m: {100 * error:+.2f} % (the assumption: {100 * expected:+.2f} %)")
    assert error == pytest.approx(expected, abs=0.02)
    assert out[-1].person_height_m == pytest.approx(1.70, abs=0.005)
    assert out[-1].person_height_source == "assumed"
    assert any("assumed" in note for note in out[-1].notes)
    # the assumption is a setting
    _, taller = _run(PlacementSettings(assumed_person_height_m=1.85), frames=30)
    assert taller[-1].person_height_m == pytest.approx(1.85, abs=0.005)


def test_with_a_calibrated_floor_the_height_is_measured_within_3_cm():
    scene, out = _run(PlacementSettings(), frames=150, calibrated=True)
    measured = out[-1].person_height_m
    print(f"measured height {measured:.3f} m (true {TRUE_HEIGHT_M})")
    assert measured == pytest.approx(TRUE_HEIGHT_M, abs=0.03)
    assert out[-1].person_height_source == "measured"


@pytest.mark.parametrize("upper_body", [False, True])
def test_a_still_person_gives_a_still_anchor_after_the_first_second(upper_body):
    scene = default_scene(camera_height_m=1.5, tilt_down_deg=0.0) if upper_body else default_scene()
    z_m = 1.2 if upper_body else 3.0
    _, out = _run(PlacementSettings(side="auto" if upper_body else "right"), frames=150, scene=scene, z_m=z_m)
    anchors = np.array([p.anchor_m for p in out[30:]])
    drift = float(np.max(np.linalg.norm(anchors - anchors[0], axis=1)))
    first_second = float(
        np.max(np.linalg.norm(np.array([p.anchor_m for p in out[:30]]) - anchors[0], axis=1))
    )
    print(
        f"{'upper body' if upper_body else 'full body'}: anchor moves {100 * drift:.2f} cm after the first second ({100 * first_second:.1f} cm within it)"
    )
    assert drift < 0.02
