"""Side, gap and facing: the character's spot and rotation on a known floor."""

from __future__ import annotations

import math

import numpy as np
import pytest

from arwed.geometry.anchor import anchor_beside, character_to_camera, facing_direction, side_direction
from tests.geometry.synthetic import default_scene

SCENE = default_scene()  # camera 1.2 m high, tilted down 10 degrees
FLOOR = SCENE.floor()
PERSON = SCENE.floor_point(0.0, 3.0)


def _pose(lateral_m: float, facing_deg: float) -> tuple[np.ndarray, np.ndarray]:
    anchor = anchor_beside(PERSON, FLOOR, lateral_m)
    forward = facing_direction(anchor, PERSON, FLOOR, facing_deg, math.copysign(1.0, lateral_m))
    return anchor, character_to_camera(anchor, forward, FLOOR.normal)


def test_side_direction_is_image_right_laid_on_the_floor():
    assert np.allclose(side_direction(FLOOR), SCENE.side_direction(), atol=1e-9)
    assert abs(np.dot(side_direction(FLOOR), FLOOR.normal)) < 1e-12


@pytest.mark.parametrize(("lateral_m", "expected_x"), [(0.7, 0.7), (-0.7, -0.7), (1.2, 1.2)])
def test_anchor_is_on_the_floor_at_the_gap_on_the_chosen_side(lateral_m, expected_x):
    anchor = anchor_beside(PERSON, FLOOR, lateral_m)
    assert abs(FLOOR.signed_height_m(anchor)) < 1e-9
    assert np.linalg.norm(anchor - PERSON) == pytest.approx(abs(lateral_m), abs=1e-9)
    assert np.allclose(anchor, SCENE.floor_point(expected_x, 3.0), atol=1e-9)
    # right of the person in the image means larger pixel x
    assert (anchor[0] / anchor[2] > PERSON[0] / PERSON[2]) == (lateral_m > 0)


@pytest.mark.parametrize("lateral_m", [0.7, -0.7])
@pytest.mark.parametrize("facing_deg", [0.0, 30.0, 90.0, -45.0, 180.0])
def test_rotation_is_proper_with_up_along_the_floor_normal(lateral_m, facing_deg):
    anchor, matrix = _pose(lateral_m, facing_deg)
    rotation = matrix[:3, :3]
    assert np.allclose(rotation.T @ rotation, np.eye(3), atol=1e-9)
    assert np.linalg.det(rotation) == pytest.approx(1.0, abs=1e-9)
    assert np.allclose(rotation[:, 1], FLOOR.normal, atol=1e-9)
    assert np.allclose(matrix[:3, 3], anchor) and np.allclose(matrix[3], [0, 0, 0, 1])
    assert np.allclose(matrix @ np.array([0, 0, 0, 1.0]), np.append(anchor, 1.0))


def _heading_to(anchor, forward, target):
    """Signed angle in degrees from forward to the target, on the floor."""
    offset = target - anchor
    offset = offset - np.dot(offset, FLOOR.normal) * FLOOR.normal
    offset /= np.linalg.norm(offset)
    return math.degrees(math.atan2(np.dot(np.cross(forward, offset), FLOOR.normal), np.dot(forward, offset)))


@pytest.mark.parametrize("lateral_m", [0.7, -0.7])
def test_facing_0_faces_the_camera_and_90_faces_the_person(lateral_m):
    anchor, at_camera = _pose(lateral_m, 0.0)
    camera_on_floor = FLOOR.project(np.zeros(3))
    assert _heading_to(anchor, at_camera[:3, 2], camera_on_floor) == pytest.approx(0.0, abs=1e-6)
    _, at_person = _pose(lateral_m, 90.0)
    assert _heading_to(anchor, at_person[:3, 2], PERSON) == pytest.approx(0.0, abs=1e-6)
    _, between = _pose(lateral_m, 30.0)
    turned = _heading_to(anchor, at_camera[:3, 2], anchor + between[:3, 2])
    to_person = _heading_to(anchor, at_camera[:3, 2], PERSON)
    assert turned == pytest.approx(to_person / 3.0, abs=1e-6)  # a third of the way towards the person


def test_character_facing_the_camera_has_its_left_on_the_image_right():
    _, matrix = _pose(0.7, 0.0)
    character_left = matrix[:3, 0]  # glTF +x is the character's own left
    assert character_left[0] > 0.95
    character_up = matrix[:3, 1]
    assert character_up[1] < -0.95  # camera y points down
