"""Where the character stands and which way it faces: pure geometry on the floor plane.

All vectors are in camera coordinates (x right, y down, z forward, metres). The character's own space is
glTF's: y up, facing +z, feet at the origin; its +x is its own left.
"""

from __future__ import annotations

import math

import numpy as np

from arwed.types import FloorPlane

MIN_FACING_DISTANCE_M = 0.15  # closer than this to the person, "towards the person" means "sideways"


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The cross product of two 3-vectors (np.cross is slow for single vectors)."""
    return np.array((a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]))


def in_plane(vector: np.ndarray, normal: np.ndarray) -> np.ndarray | None:
    """The unit direction of a vector's component along the plane, or None when it is (nearly) normal to it."""
    flat = np.asarray(vector, dtype=np.float64) - float(np.dot(vector, normal)) * normal
    length = float(np.linalg.norm(flat))
    return flat / length if length > 1e-9 else None


def side_direction(floor: FloorPlane) -> np.ndarray:
    """The camera's x axis (image right) laid on the floor: the direction 'right' means beside the person."""
    direction = in_plane(np.array([1.0, 0.0, 0.0]), floor.normal)
    if direction is None:  # a camera looking straight down or up: fall back to the image's other axis
        direction = cross(floor.normal, np.array([0.0, 1.0, 0.0]))
        direction /= np.linalg.norm(direction)
    return direction


def side_sign(side: str) -> float:
    """+1 for the character on the image's right of the person, -1 for the left."""
    return 1.0 if side == "right" else -1.0


def anchor_beside(person_floor_m: np.ndarray, floor: FloorPlane, lateral_m: float) -> np.ndarray:
    """The floor point `lateral_m` to the image's right (negative: left) of the person's floor point."""
    return floor.project(np.asarray(person_floor_m, dtype=np.float64) + lateral_m * side_direction(floor))


def facing_direction(
    anchor_m: np.ndarray,
    person_floor_m: np.ndarray,
    floor: FloorPlane,
    facing_deg: float,
    lateral_sign: float,
) -> np.ndarray:
    """The character's forward direction on the floor.

    0 degrees faces the camera, 90 faces the person exactly, values in between turn proportionally
    (the turn from 'camera' to 'person' is scaled so that 90 lands on the person); negative turns away.
    """
    up = floor.normal
    to_camera = in_plane(-np.asarray(anchor_m, dtype=np.float64), up)
    if to_camera is None:
        to_camera = in_plane(np.array([0.0, 0.0, -1.0]), up)
    offset = np.asarray(person_floor_m, dtype=np.float64) - anchor_m
    to_person = in_plane(offset, up) if np.linalg.norm(offset) > MIN_FACING_DISTANCE_M else None
    if to_person is None:
        to_person = -lateral_sign * side_direction(floor)
    angle_to_person = math.atan2(
        float(np.dot(cross(to_camera, to_person), up)), float(np.dot(to_camera, to_person))
    )
    turn = math.radians(facing_deg) * angle_to_person / (math.pi / 2.0)
    return math.cos(turn) * to_camera + math.sin(turn) * cross(up, to_camera)


def character_to_camera(anchor_m: np.ndarray, forward: np.ndarray, up: np.ndarray) -> np.ndarray:
    """The 4x4 rigid transform from character space (glTF: y up, +z forward) into camera coordinates."""
    y_axis = np.asarray(up, dtype=np.float64)
    z_axis = in_plane(forward, y_axis)
    if z_axis is None:  # forward along up cannot happen for directions from facing_direction; be safe
        z_axis = in_plane(np.array([0.0, 0.0, -1.0]), y_axis)
    if z_axis is None:
        z_axis = in_plane(np.array([0.0, 1.0, 0.0]), y_axis)
    x_axis = cross(y_axis, z_axis)  # glTF is right-handed: x = y cross z
    matrix = np.eye(4)
    matrix[:3, 0], matrix[:3, 1], matrix[:3, 2], matrix[:3, 3] = x_axis, y_axis, z_axis, anchor_m
    return matrix
