"""Her view rendered: the partner world-locked beside her, seen only when she looks his way, black elsewhere.

She stands 2.5 m from the camera; he stands 0.7 m to the image's right of her (her left), facing her.
Pictures go to $ARWED_EYES_PICTURES (default: the test's tmp folder) to be looked at.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from arwed.characters.base import CharacterCue
from arwed.characters.catalog import load_character_or_default
from arwed.geometry.anchor import character_to_camera
from arwed.geometry.head import HeadPose
from arwed.glasses import load_glasses_profile
from arwed.render.eyes import EyesView
from arwed.render.renderer import CharacterRenderer
from tests.eyes.simulation import GAP_M, HER_X_M, HER_Z_M, HeadState, World


@pytest.fixture(scope="module")
def scene():
    world = World()
    character = load_character_or_default(None, 1.80)
    renderer = CharacterRenderer()
    renderer.set_character(character)
    up = world.scene.level_to_camera @ np.array([0.0, -1.0, 0.0])
    anchor = world.scene.floor_point(HER_X_M + GAP_M, HER_Z_M)
    her_floor = world.scene.floor_point(HER_X_M, HER_Z_M)
    to_camera = character_to_camera(anchor, her_floor - anchor, up)  # he faces her
    posed = character.pose(CharacterCue(time_s=1.0))
    yield world, renderer, posed, to_camera
    renderer.close()


def _head(world: World, yaw_deg: float, opacity: float = 1.0) -> HeadPose:
    state = HeadState(HER_X_M, HER_Z_M, yaw_deg, 0.0)
    return HeadPose(0.0, world.eyes_m(state), world.head_rotation(state), 1.0, "face", opacity)


def _save(tmp_path: Path, name: str, image: np.ndarray) -> None:
    folder = Path(os.environ.get("ARWED_EYES_PICTURES", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(folder / f"{name}.png"), image)


def test_mono_shows_him_only_when_she_looks_his_way(scene, tmp_path) -> None:
    world, renderer, posed, to_camera = scene
    view = EyesView(load_glasses_profile("xreal-one"))
    coverage = {}
    for yaw in (0.0, 45.0, 75.0, 90.0, -90.0):
        image = view.render(renderer, posed, to_camera, _head(world, yaw))
        assert image.shape == (1080, 1920, 3)
        coverage[yaw] = float((image.max(axis=2) > 0).mean())
        _save(tmp_path, f"eyes-mono-yaw{yaw:+.0f}", image)
    assert coverage[90.0] > 0.2  # at arm's length and 44 degrees across: his face and collar fill it
    # looking at the camera, half turned (he is 45 degrees aside, her view reaches 22) or away: black
    assert coverage[0.0] == 0.0 and coverage[45.0] == 0.0 and coverage[-90.0] == 0.0
    assert coverage[75.0] > 0.1  # nearly turned to him: he is in view, off centre


def test_world_locked_when_her_head_turns(scene) -> None:
    world, renderer, posed, to_camera = scene
    view = EyesView(load_glasses_profile("xreal-one"))
    edges = []
    for yaw in (87.0, 90.0, 93.0):
        image = view.render(renderer, posed, to_camera, _head(world, yaw))
        columns = np.flatnonzero((image.max(axis=2) > 0).any(axis=0))
        assert columns[0] > 0  # his left edge is inside the picture
        edges.append(float(columns[0]))
    # she turns further left by 3 degrees: he moves right in her view by about focal * tan(3 degrees)
    # (a little less: her eyes swing round her neck towards him)
    shift = view.profile.focal_px * np.tan(np.radians(3.0))
    assert edges[1] - edges[0] == pytest.approx(shift, rel=0.3)
    assert edges[2] - edges[1] == pytest.approx(shift, rel=0.3)


def test_side_by_side_eyes_differ_by_disparity(scene, tmp_path) -> None:
    world, renderer, posed, to_camera = scene
    view = EyesView(load_glasses_profile("xreal-one-pro"))
    image = view.render(renderer, posed, to_camera, _head(world, 90.0))
    _save(tmp_path, "eyes-sbs-yaw+90", image)
    width = view.intrinsics.width_px
    left, right = image[:, :width], image[:, width:]
    assert (left.max(axis=2) > 0).mean() > 0.2 and (right.max(axis=2) > 0).mean() > 0.2
    left_cols = np.flatnonzero((left.max(axis=2) > 0).any(axis=0))
    right_cols = np.flatnonzero((right.max(axis=2) > 0).any(axis=0))
    # a near object sits further right in the left eye's picture than in the right eye's
    assert left_cols[0] > right_cols[0] or left_cols[-1] > right_cols[-1]


def test_fading_and_loss(scene) -> None:
    world, renderer, posed, to_camera = scene
    view = EyesView(load_glasses_profile("xreal-one"))
    full = view.render(renderer, posed, to_camera, _head(world, 90.0)).astype(np.float64).sum()
    half = view.render(renderer, posed, to_camera, _head(world, 90.0, opacity=0.5)).astype(np.float64).sum()
    assert half == pytest.approx(0.5 * full, rel=0.05)
    assert view.render(renderer, posed, to_camera, None).max() == 0
    assert view.render(renderer, posed, to_camera, _head(world, 90.0, opacity=0.0)).max() == 0
