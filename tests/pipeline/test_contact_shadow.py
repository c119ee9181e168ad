"""The contact shadow follows the scene's light: a blob indoors, stretched away from a sharp sun."""

from __future__ import annotations

import numpy as np

from arwed.compositing import contact_shadow_outline_px
from arwed.geometry.camera import intrinsics_from_fov
from arwed.types import DirectionalLight, FloorPlane, Placement, SceneLight, TrackingState


def _placement() -> Placement:
    """Facing the camera, feet 3 m ahead on a floor 1.5 m below a level camera."""
    to_camera = np.eye(4)
    to_camera[:3, :3] = np.diag([1.0, -1.0, -1.0])  # glTF y up -> camera y down; facing the camera
    to_camera[:3, 3] = (0.0, 1.5, 3.0)
    return Placement(
        media_time_s=0.0,
        state=TrackingState.TRACKING,
        person_feet_m=np.array([-0.7, 1.5, 3.0]),
        person_head_m=np.array([-0.7, -0.1, 3.0]),
        person_depth_m=3.0,
        person_height_m=1.7,
        floor=FloorPlane(np.array([0.0, -1.0, 0.0]), 1.5, "default"),
        anchor_m=np.array([0.0, 1.5, 3.0]),
        character_to_camera=to_camera,
        opacity=1.0,
    )


def _centre(outline: np.ndarray) -> np.ndarray:
    return outline.mean(axis=0)


def test_soft_light_keeps_todays_blob():
    intrinsics = intrinsics_from_fov(1280, 720, 60.0)
    today = contact_shadow_outline_px(_placement(), intrinsics)
    indoors = contact_shadow_outline_px(_placement(), intrinsics, SceneLight())
    np.testing.assert_allclose(indoors, today)


def test_sun_from_the_left_throws_the_shadow_to_the_right_and_longer_when_lower():
    intrinsics = intrinsics_from_fov(1280, 720, 60.0)
    blob = contact_shadow_outline_px(_placement(), intrinsics)
    high = SceneLight(key=DirectionalLight((-0.5, -1.0, 0.0), (0.8, 0.8, 0.8)), shadow_softness=0.0)
    low = SceneLight(key=DirectionalLight((-1.0, -0.5, 0.0), (0.8, 0.8, 0.8)), shadow_softness=0.0)
    high_outline = contact_shadow_outline_px(_placement(), intrinsics, high)
    low_outline = contact_shadow_outline_px(_placement(), intrinsics, low)
    assert _centre(high_outline)[0] > _centre(blob)[0] + 5  # pushed right, away from the light
    assert np.ptp(low_outline[:, 0]) > np.ptp(high_outline[:, 0]) > np.ptp(blob[:, 0]) * 0.9


def test_light_from_behind_the_character_throws_the_shadow_towards_the_camera():
    intrinsics = intrinsics_from_fov(1280, 720, 60.0)
    blob = contact_shadow_outline_px(_placement(), intrinsics)
    backlight = SceneLight(key=DirectionalLight((0.0, -0.7, 1.0), (0.8, 0.8, 0.8)), shadow_softness=0.2)
    outline = contact_shadow_outline_px(_placement(), intrinsics, backlight)
    assert _centre(outline)[1] > _centre(blob)[1] + 5  # nearer the camera: lower in the picture


def test_light_below_the_floor_changes_nothing():
    intrinsics = intrinsics_from_fov(1280, 720, 60.0)
    blob = contact_shadow_outline_px(_placement(), intrinsics)
    odd = SceneLight(key=DirectionalLight((0.3, 1.0, 0.0), (0.8, 0.8, 0.8)), shadow_softness=0.0)
    np.testing.assert_allclose(contact_shadow_outline_px(_placement(), intrinsics, odd), blob)
