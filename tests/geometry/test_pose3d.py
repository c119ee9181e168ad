"""PnP puts the synthetic skeleton where it was placed."""

from __future__ import annotations

import numpy as np
import pytest

from arwed.geometry.body import estimate_height_m
from arwed.geometry.pose3d import BodyPoseSolver
from tests.geometry.synthetic import LOWER_BODY, default_scene, world_landmarks


def _true_hip(scene, x_m, z_m, yaw_deg=0.0):
    return scene.body_in_camera(x_m, z_m, yaw_deg=yaw_deg)[[23, 24]].mean(axis=0)


@pytest.mark.parametrize(("x_m", "z_m", "yaw_deg"), [(0.0, 3.0, 0.0), (-0.8, 2.5, 0.0), (0.6, 4.0, 35.0)])
def test_recovers_the_person_position_within_2cm_noise_free(x_m, z_m, yaw_deg):
    scene = default_scene()
    pose = BodyPoseSolver(scene.intrinsics).solve(scene.observe(x_m, z_m, yaw_deg=yaw_deg))
    assert pose is not None
    assert np.linalg.norm(pose.translation_m - _true_hip(scene, x_m, z_m, yaw_deg)) < 0.02
    assert np.allclose(pose.landmarks_m, scene.body_in_camera(x_m, z_m, yaw_deg=yaw_deg), atol=0.02)
    assert pose.reprojection_rms_px < 0.1


def test_upper_body_only_still_solves():
    scene = default_scene()
    pose = BodyPoseSolver(scene.intrinsics).solve(scene.observe(0.0, 3.0, hidden=LOWER_BODY))
    assert pose is not None and not pose.visible[LOWER_BODY].any()
    assert np.linalg.norm(pose.translation_m - _true_hip(scene, 0.0, 3.0)) < 0.02


def test_depth_follows_the_skeleton_scale():
    scene = default_scene()
    small = scene.observe(0.0, 3.0, world_scale=0.9)  # MediaPipe's skeleton 10 % too small
    solver = BodyPoseSolver(scene.intrinsics)
    too_near = solver.solve(small)
    rescaled = solver.solve(small, scale=1.0 / 0.9)
    true_depth = _true_hip(scene, 0.0, 3.0)[2]
    assert too_near.translation_m[2] == pytest.approx(0.9 * true_depth, rel=0.01)
    assert rescaled.translation_m[2] == pytest.approx(true_depth, abs=0.02)


def test_too_few_visible_landmarks_gives_none():
    scene = default_scene()
    observation = scene.observe(0.0, 3.0, hidden=list(range(5, 33)))
    assert BodyPoseSolver(scene.intrinsics).solve(observation) is None


def test_height_estimate_of_the_standing_body():
    assert estimate_height_m(world_landmarks(1.75)) == pytest.approx(1.75, abs=0.02)
    assert estimate_height_m(world_landmarks(1.55)) == pytest.approx(1.55, abs=0.02)
