"""The floor plane: calibration, the feet, body proportions, the default; steady yet adapting.

Tolerances (camera 1.2 m high tilted down 10 degrees, a 1.75 m person, realistic landmark noise):
- feet of a person standing still: normal within 1.5 degrees (posture biases the body's axis by up to
  about a degree), plane within 6 cm of the camera's height, and within 2 cm under the person;
- feet of a person walking about: normal within 0.5 degrees, camera height within 3 cm;
- body proportions (upper body only, level camera): normal within 1 degree, camera height within 5 cm.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from arwed.config import PlacementSettings, TrackingSettings
from arwed.geometry.floor import DEFAULT_CAMERA_HEIGHT_M, FloorEstimator, default_floor
from arwed.geometry.placement import Placer
from arwed.types import FloorPlane
from tests.geometry.synthetic import default_scene

NOISE = {"pixel_noise_px": 2.0, "world_noise_m": 0.015, "world_scale": 0.93}


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    return math.degrees(math.acos(float(np.clip(np.dot(a, b), -1.0, 1.0))))


def _run(scene, path, frames=300, calibrated=None, seed=4, **observe):
    rng = np.random.default_rng(seed)
    placer = Placer(scene.intrinsics, PlacementSettings(person_height_m=1.75), TrackingSettings(), calibrated)
    placements = []
    for i in range(frames):
        time_s = i / 30.0
        x_m, z_m = path(time_s)
        placements.append(
            placer.update(scene.observe(x_m, z_m, time_s=time_s, frame_index=i, rng=rng, **observe), time_s)
        )
    return placements


def test_floor_from_the_feet_of_a_person_standing_still():
    scene = default_scene()
    for seed in (4, 5):
        last = _run(scene, lambda t: (0.0, 3.0), seed=seed, **NOISE)[-1]
        assert last.floor.source == "feet" and "floor from the feet" in last.notes
        assert _angle_deg(last.floor.normal, scene.floor().normal) < 1.5
        assert last.floor.offset_m == pytest.approx(scene.camera_height_m, abs=0.06)
        assert abs(last.floor.signed_height_m(scene.floor_point(0.0, 3.0))) < 0.02


def test_floor_from_the_feet_of_a_person_walking_about():
    scene = default_scene()
    last = _run(scene, lambda t: (math.sin(0.8 * t), 3.0 + 0.8 * math.sin(0.53 * t)), **NOISE)[-1]
    assert last.floor.source == "feet"
    assert _angle_deg(last.floor.normal, scene.floor().normal) < 0.5
    assert last.floor.offset_m == pytest.approx(scene.camera_height_m, abs=0.03)


def test_floor_from_body_proportions_in_an_upper_body_view():
    scene = default_scene(camera_height_m=1.5, tilt_down_deg=0.0)  # a level camera close to the person
    first = scene.observe(0.0, 1.2)
    assert not (first.visibility[25:] > 0.5).any(), "the legs must be out of frame for this test"
    placements = _run(scene, lambda t: (0.0, 1.2), frames=150, **NOISE)
    last = placements[-1]
    assert last.floor.source == "proportions" and "floor from body proportions" in last.notes
    assert _angle_deg(last.floor.normal, scene.floor().normal) < 1.0
    assert last.floor.offset_m == pytest.approx(scene.camera_height_m, abs=0.05)
    assert abs(scene.floor().signed_height_m(last.anchor_m)) < 0.05


def test_calibrated_floor_is_used_when_given():
    scene = default_scene()
    calibrated = FloorPlane(normal=2.0 * scene.floor().normal, offset_m=2.0 * 1.2, source="calibration")
    placements = _run(scene, lambda t: (0.0, 3.0), frames=30, calibrated=calibrated, **NOISE)
    for placement in placements:
        assert placement.floor.source == "calibration"
        assert np.allclose(
            placement.floor.normal, scene.floor().normal
        ) and placement.floor.offset_m == pytest.approx(1.2)
        assert abs(scene.floor().signed_height_m(placement.anchor_m)) < 1e-9


def test_default_floor_before_any_evidence():
    floor = FloorEstimator().current(0.0, 1.0)
    assert floor.source == default_floor().source == "default"
    assert floor.offset_m == DEFAULT_CAMERA_HEIGHT_M
    assert np.allclose(floor.normal, [0.0, -1.0, 0.0])


def test_floor_is_steady_frame_to_frame():
    scene = default_scene()
    placements = _run(scene, lambda t: (0.0, 3.0), **NOISE)[90:]
    offsets = np.array([p.floor.offset_m for p in placements])
    normals = np.array([p.floor.normal for p in placements])
    assert np.max(np.abs(np.diff(offsets))) < 0.002  # no frame moves it by more than 2 mm
    assert max(_angle_deg(a, b) for a, b in zip(normals[1:], normals[:-1], strict=True)) < 0.1


def test_floor_glides_to_better_evidence():
    estimator = FloorEstimator()
    up = np.array([0.0, -1.0, 0.0])
    hip = np.array(
        [0.0, 0.2, 3.0]
    )  # proportions: hips 0.53 * 1.75 m above the floor, so 1.1275 m below the camera
    for i in range(20):
        estimator.observe(up, [], hip, 1.75, 1.0)
        proportions = estimator.current(i / 30.0, 1.0)
    assert proportions.source == "proportions"
    assert proportions.offset_m == pytest.approx(0.53 * 1.75 + 0.2, abs=1e-9)
    foot = np.array([0.0, 1.2, 3.0])  # the feet say the floor is 1.2 m below the camera
    offsets = []
    for i in range(20, 60):
        estimator.observe(up, [foot], hip, 1.75, 1.0)
        offsets.append(estimator.current(i / 30.0, 1.0).offset_m)
    steps = np.diff(offsets)
    assert np.all(steps >= -1e-12) and np.max(steps) < 0.05  # monotonic, no jump
    assert offsets[-1] == pytest.approx(1.2 + 0.015, abs=0.01)
