"""One canonical character: facing +z with y up, life size, feet on y = 0.

- Orientation comes from the skeleton itself (the left side must be +x, the head above the hips), snapped
  to the nearest quarter turn, so VRM 0.x (which faces -z), VRM 1.0 and plain glTF rigs all end the same.
- The standing rest pose comes from rest_pose.py; its height (stature.py: floor to top of head, or to
  the eyes) is scaled to the target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arwed.characters import quaternions as quat
from arwed.characters.humanoid import HumanoidMap
from arwed.characters.skeleton import Skeleton


@dataclass(frozen=True)
class Normalisation:
    rotation: np.ndarray  # (3, 3) model space -> canonical axes
    scale: float
    offset_m: np.ndarray  # (3,) added after rotation and scale
    source_height: float  # model units, floor to top of head in the rest pose

    @property
    def root(self) -> np.ndarray:
        """(4, 4) model space -> character space."""
        m = np.eye(4)
        m[:3, :3] = self.rotation * self.scale
        m[:3, 3] = self.offset_m
        return m

    def to_model_direction(self, v: np.ndarray) -> np.ndarray:
        return self.rotation.T @ np.asarray(v, dtype=np.float64)

    def to_model_point(self, p: np.ndarray) -> np.ndarray:
        return self.rotation.T @ ((np.asarray(p, dtype=np.float64) - self.offset_m) / self.scale)


def canonical_rotation(
    skeleton: Skeleton, humanoid: HumanoidMap, rest_world: np.ndarray, faces_minus_z: bool
) -> np.ndarray:
    """The rotation (3x3) that makes the character face +z, y up, its left hand towards +x."""
    pos = rest_world[:, :3, 3]
    bones = humanoid.bones
    up = left = None
    if "hips" in bones and "head" in bones:
        up = pos[bones["head"]] - pos[bones["hips"]]
    for l_name, r_name in (
        ("leftUpperArm", "rightUpperArm"),
        ("leftUpperLeg", "rightUpperLeg"),
        ("leftShoulder", "rightShoulder"),
    ):
        if l_name in bones and r_name in bones:
            left = pos[bones[l_name]] - pos[bones[r_name]]
            break
    if up is None or left is None or np.linalg.norm(up) < 1e-9 or np.linalg.norm(left) < 1e-9:
        if faces_minus_z:
            return np.diag([-1.0, 1.0, -1.0])
        return np.eye(3)
    u = up / np.linalg.norm(up)
    lft = left - np.dot(left, u) * u
    lft /= max(np.linalg.norm(lft), 1e-12)
    fwd = np.cross(lft, u)
    frame = np.stack([lft, u, fwd])  # rows: where model directions go
    return _snap_to_axes(frame)


def static_facing(positions: np.ndarray) -> np.ndarray:
    """A quarter-turn about y that makes a figure without a skeleton face +z, judged from its shape.

    The shoulders (or arms) are the widest horizontal extent, so the figure faces along the other
    horizontal axis; the feet stick out forwards from under the body, which gives the sign.
    """
    if len(positions) < 10:
        return np.eye(3)
    low, high = positions.min(axis=0), positions.max(axis=0)
    height = high[1] - low[1]
    if height <= 0:
        return np.eye(3)
    facing_axis = 0 if (high[2] - low[2]) > 1.2 * (high[0] - low[0]) else 2
    rel_y = (positions[:, 1] - low[1]) / height
    feet = positions[rel_y < 0.04, facing_axis]
    body = positions[(rel_y > 0.3) & (rel_y < 0.6), facing_axis]
    if len(feet) == 0 or len(body) == 0:
        return np.eye(3)
    ahead = float(np.median(feet) - np.median(body))
    sign = 1.0 if ahead >= 0 else -1.0
    if facing_axis == 2:
        return np.diag([sign, 1.0, sign])
    # facing +x or -x: turn about y so that direction becomes +z
    return np.array([[0.0, 0.0, -sign], [0.0, 1.0, 0.0], [sign, 0.0, 0.0]])


def _snap_to_axes(frame: np.ndarray) -> np.ndarray:
    snapped = np.zeros((3, 3))
    for row in range(3):
        axis = int(np.argmax(np.abs(frame[row])))
        snapped[row, axis] = np.sign(frame[row, axis])
    if np.allclose(snapped @ snapped.T, np.eye(3)) and np.linalg.det(snapped) > 0:
        return snapped
    return frame


def apply_world_rotation(skeleton: Skeleton, rot: np.ndarray, bone: int, delta_model: np.ndarray) -> None:
    """Pre-multiply a bone's world rotation by delta (model space), keeping its parent: edits rot in place."""
    parent = int(skeleton.parents[bone])
    parent_world = skeleton.world_rotation(rot, parent) if parent >= 0 else quat.IDENTITY
    local_delta = quat.multiply(quat.conjugate(parent_world), quat.multiply(delta_model, parent_world))
    rot[bone] = quat.normalize(quat.multiply(local_delta, rot[bone]))


def life_size(
    floor_y: float, measured_height: float, centre_xz: np.ndarray, height_m: float
) -> tuple[float, np.ndarray]:
    """(scale, offset): the measured height (model units, canonical axes) becomes height_m, the floor y = 0,
    the centre (x, z) the origin."""
    scale = height_m / measured_height if measured_height > 1e-9 else 1.0
    offset = np.array([-centre_xz[0] * scale, -floor_y * scale, -centre_xz[1] * scale])
    return scale, offset
