"""The renderer draws life size: a character of known height covers exactly its projected height."""

from __future__ import annotations

import numpy as np
import pytest

from arwed.characters.base import CharacterCue
from arwed.characters.figure import procedural_humanoid
from arwed.geometry.camera import intrinsics_from_fov, project_points
from arwed.render.renderer import CharacterRenderer

# character space (y up, facing +z) -> camera (y down, z forward): the character faces the camera
FACING_CAMERA = np.diag([-1.0, -1.0, 1.0])
FACING_CAMERA = np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]])


def _pose(anchor_m):
    transform = np.eye(4)
    transform[:3, :3] = FACING_CAMERA
    transform[:3, 3] = anchor_m
    return transform


@pytest.fixture(scope="module")
def renderer():
    renderer = CharacterRenderer()
    yield renderer
    renderer.close()


@pytest.mark.parametrize(("height_m", "anchor_m"), [(1.80, (0.4, 1.2, 3.0)), (1.60, (-0.6, 1.0, 4.5))])
def test_rendered_height_matches_projected_life_size(renderer, height_m, anchor_m):
    character = procedural_humanoid(height_m)
    renderer.set_character(character)
    intrinsics = intrinsics_from_fov(1280, 720, 60.0)
    layer = renderer.render(character.pose(CharacterCue(0.0)), _pose(anchor_m), intrinsics)
    feet = np.array(anchor_m)
    head = feet - np.array([0.0, height_m, 0.0])
    expected = project_points(intrinsics, np.array([feet, head]))
    expected_height_px = expected[0, 1] - expected[1, 1]
    x0, y0, x1, y1 = layer.character_bbox_px
    visible_bottom = min(y1, 720.0)
    assert visible_bottom - y0 == pytest.approx(min(expected[0, 1], 720.0) - expected[1, 1], rel=0.03)
    assert y0 == pytest.approx(expected[1, 1], abs=0.03 * expected_height_px)
    assert (x0 + x1) / 2 == pytest.approx(expected[0, 0], abs=0.02 * expected_height_px)


def test_region_render_equals_full_frame_render(renderer):
    character = procedural_humanoid(1.8)
    renderer.set_character(character)
    intrinsics = intrinsics_from_fov(640, 360, 60.0)
    posed = character.pose(CharacterCue(0.0))
    transform = _pose((0.2, 1.0, 3.0))
    renderer.max_software_pixels = None  # full resolution for both, to compare pixel by pixel
    try:
        cropped = renderer.render(posed, transform, intrinsics)
        full = renderer.render(posed, transform, intrinsics, region_px=(0, 0, 640, 360))
    finally:
        renderer.max_software_pixels = 120_000
    x0, y0 = cropped.origin_px
    h, w = cropped.rgba.shape[:2]
    assert (
        cropped.rgba.shape[0] < 360 and cropped.rgba.shape[1] < 640
    )  # only the character's region was drawn
    difference = np.abs(full.rgba[y0 : y0 + h, x0 : x0 + w].astype(int) - cropped.rgba.astype(int))
    assert np.mean(difference > 8) < 0.01
    assert cropped.character_bbox_px == pytest.approx(full.character_bbox_px, abs=1.0)


def test_depth_is_distance_along_the_optical_axis(renderer):
    character = procedural_humanoid(1.8)
    renderer.set_character(character)
    intrinsics = intrinsics_from_fov(640, 360, 60.0)
    layer = renderer.render(character.pose(CharacterCue(0.0)), _pose((0.0, 0.9, 3.0)), intrinsics)
    covered = layer.depth_m[layer.rgba[:, :, 3] == 255]
    assert covered.size > 1000
    assert np.median(covered) == pytest.approx(3.0, abs=0.15)  # the body's front is a little nearer than 3 m


def test_out_of_view_and_faded_out_render_nothing(renderer):
    character = procedural_humanoid(1.8)
    renderer.set_character(character)
    intrinsics = intrinsics_from_fov(640, 360, 60.0)
    posed = character.pose(CharacterCue(0.0))
    behind = renderer.render(posed, _pose((0.0, 1.0, -3.0)), intrinsics)
    faded = renderer.render(posed, _pose((0.0, 1.0, 3.0)), intrinsics, opacity=0.0)
    assert behind.rgba.size == 0 and behind.character_bbox_px is None
    assert faded.rgba.size == 0
    half = renderer.render(posed, _pose((0.0, 1.0, 3.0)), intrinsics, opacity=0.5)
    assert 100 <= half.rgba[:, :, 3].max() <= 130


def test_reduced_resolution_keeps_the_life_size_box(renderer):
    character = procedural_humanoid(1.8)
    renderer.set_character(character)
    intrinsics = intrinsics_from_fov(1280, 720, 60.0)
    posed = character.pose(CharacterCue(0.0))
    transform = _pose((0.3, 1.0, 2.2))
    renderer.max_software_pixels = None
    try:
        sharp = renderer.render(posed, transform, intrinsics)
        renderer.max_software_pixels = 20_000
        coarse = renderer.render(posed, transform, intrinsics)
    finally:
        renderer.max_software_pixels = 120_000
    assert coarse.rgba.shape == sharp.rgba.shape and coarse.origin_px == sharp.origin_px
    assert coarse.character_bbox_px == pytest.approx(sharp.character_bbox_px, abs=4.0)
