"""How tall a character is, from its skeleton: the floor under its feet, the top of its head, its eyes.

The whole mesh's bounding box is the wrong measure: antennae, hats, hair buns and props stick out above
the head, a missing head shrinks it. Here:

- the floor is the lowest point of the mesh that belongs to the legs (lower legs, feet, toes); without
  leg meshes, the foot bones less an ankle height;
- the top of the head is measured on the mesh that belongs to the head (vertices the head bone or its
  children move most), slice by slice upwards from the head bone: the skull carries surface in every
  slice, while thin things on top (an antenna, a strand of hair, a small bun) carry little and are cut
  off. Without a head mesh it is estimated from the skeleton with an adult's proportions;
- the eyes are the eye bones, else the VRM look-at offset from the head bone, else part-way up the head.

Everything is in the canonical frame of the rest pose (y up), in the model's own units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arwed.characters.humanoid import HumanoidMap
from arwed.characters.skeleton import Skeleton

HEIGHT_TO = ("top-of-head", "eyes")
SLICES = 64
SAMPLES = 20000
SKULL_DENSITY = 0.3  # a slice is skull while its surface per height is at least this share of the head's
HEAD_ABOVE_HEAD_BONE = 0.11  # an adult's top of head above the head bone, of the head bone's height
ANKLE_HEIGHT = 0.1  # the foot bone above the floor, of the leg's length (hips to foot)
EYES_UP_THE_HEAD = 0.4  # eyes between the head bone and the top of the head, without eye bones
ADULT_HEAD_SHARE = 0.13  # an adult's neck-to-top of head, of the height
CHIBI_HEAD_SHARE = 0.25  # a head a quarter of the height or more: chibi proportions
LEG_BONES = ("LowerLeg", "Foot", "Toes")


@dataclass(frozen=True)
class Stature:
    floor_y: float
    head_top_y: float
    eyes_y: float
    neck_y: float | None  # where the head starts (neck bone, else head bone), for proportions
    head_from_mesh: bool
    feet_from_mesh: bool
    humanoid: bool

    @property
    def height(self) -> float:
        return self.head_top_y - self.floor_y

    @property
    def eye_height(self) -> float:
        return self.eyes_y - self.floor_y

    def measured(self, height_to: str) -> float:
        """The length that the target height stands for: to the top of the head, or to the eyes."""
        return self.eye_height if height_to == "eyes" else self.height

    @property
    def head_share(self) -> float | None:
        """Neck to top of head, as a share of the height (about 0.13 for an adult)."""
        if self.neck_y is None or self.height <= 0:
            return None
        return (self.head_top_y - self.neck_y) / self.height

    @property
    def chibi(self) -> bool:
        share = self.head_share
        return share is not None and share >= CHIBI_HEAD_SHARE


def measure_stature(
    positions: np.ndarray,
    faces: np.ndarray,
    dominant_node: np.ndarray,
    skeleton: Skeleton,
    humanoid: HumanoidMap,
    joints: np.ndarray,
    eye_offset: np.ndarray | None = None,
) -> Stature:
    """positions (V, 3) and joints (N, 3): the rest pose in canonical axes; faces (F, 3) global vertex
    indices; dominant_node (V,): the skeleton node that moves each vertex most; eye_offset: canonical
    vector from the head bone to the eyes (VRM look-at), if the file gives one."""
    low_all = float(positions[:, 1].min()) if len(positions) else 0.0
    high_all = float(positions[:, 1].max()) if len(positions) else 0.0
    head = humanoid.get("head")
    if not humanoid.usable or head is None:
        return Stature(low_all, high_all, low_all + 0.93 * (high_all - low_all), None, False, False, False)
    floor, feet_from_mesh = _floor(positions, dominant_node, skeleton, humanoid, joints, low_all)
    head_y = float(joints[head, 1])
    in_head = _subtree_mask(skeleton, head)[dominant_node] if len(dominant_node) else np.zeros(0, bool)
    top = _skull_top(positions, faces, in_head, head_y)
    head_from_mesh = top is not None
    if top is None:
        top = head_y + HEAD_ABOVE_HEAD_BONE * max(head_y - floor, 0.0)
    eyes = [humanoid.get(b) for b in ("leftEye", "rightEye") if humanoid.get(b) is not None]
    if eyes:
        eyes_y = float(np.mean(joints[eyes, 1]))
    elif eye_offset is not None:
        eyes_y = head_y + float(eye_offset[1])
    else:
        eyes_y = head_y + EYES_UP_THE_HEAD * (top - head_y)
    eyes_y = min(eyes_y, top)
    neck = humanoid.get("neck")
    neck_y = float(joints[neck, 1]) if neck is not None else head_y
    return Stature(floor, float(top), float(eyes_y), neck_y, head_from_mesh, feet_from_mesh, True)


def _subtree_mask(skeleton: Skeleton, root: int) -> np.ndarray:
    """Which nodes are root or below it (parents precede children, so one pass suffices)."""
    mask = np.zeros(skeleton.count, dtype=bool)
    mask[root] = True
    for node in range(root + 1, skeleton.count):
        parent = int(skeleton.parents[node])
        if parent >= 0 and mask[parent]:
            mask[node] = True
    return mask


def _floor(positions, dominant_node, skeleton, humanoid, joints, low_all) -> tuple[float, bool]:
    legs = np.zeros(skeleton.count, dtype=bool)
    for side in ("left", "right"):
        for part in LEG_BONES:
            bone = humanoid.get(side + part)
            if bone is not None:
                legs |= _subtree_mask(skeleton, bone)
    if len(dominant_node) and legs.any():
        on_legs = legs[dominant_node]
        if on_legs.any():
            return float(positions[on_legs, 1].min()), True
    feet = [humanoid.get(side + "Foot") for side in ("left", "right")]
    feet = [f for f in feet if f is not None]
    hips = humanoid.get("hips")
    if feet and hips is not None:
        foot_y = float(np.mean(joints[feet, 1]))
        return foot_y - ANKLE_HEIGHT * max(float(joints[hips, 1]) - foot_y, 0.0), False
    return low_all, False


def _skull_top(positions: np.ndarray, faces: np.ndarray, in_head: np.ndarray, head_y: float) -> float | None:
    """The top of the skull: the highest slice above the head bone still carrying skull-like surface."""
    if not in_head.any() or len(faces) == 0:
        return None
    tri = faces[in_head[faces].all(axis=1)]
    if len(tri) == 0:
        return None
    a, b, c = positions[tri[:, 0]], positions[tri[:, 1]], positions[tri[:, 2]]
    area = 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1)
    if area.sum() <= 0:
        return None
    # Points spread over the surface by area (fixed seed: the same model always measures the same)
    rng = np.random.default_rng(0)
    pick = rng.choice(len(tri), size=SAMPLES, p=area / area.sum())
    u, v = rng.random(SAMPLES), rng.random(SAMPLES)
    flip = u + v > 1.0
    u[flip], v[flip] = 1.0 - u[flip], 1.0 - v[flip]
    y = a[pick, 1] + u * (b[pick, 1] - a[pick, 1]) + v * (c[pick, 1] - a[pick, 1])
    y = np.concatenate([y, positions[tri.ravel(), 1]])
    y = y[y >= head_y]
    if len(y) < 50:
        return None
    high = float(y.max())
    if high - head_y <= 1e-9:
        return None
    edges = np.linspace(head_y, high, SLICES + 1)
    density, _ = np.histogram(y, bins=edges)
    reference = float(np.median(density[np.clip(np.searchsorted(edges, y, side="right") - 1, 0, SLICES - 1)]))
    dense = density >= SKULL_DENSITY * reference
    top_slice = -1
    gap = 0
    for k in range(SLICES):  # upwards from the head bone; one thin slice (a seam) does not end the skull
        if dense[k]:
            top_slice, gap = k, 0
        else:
            gap += 1
            if gap > 1 and top_slice >= 0:
                break
    if top_slice < 0:
        return None
    return float(edges[top_slice + 1])


def stature_notices(stature: Stature, height_to: str, height_m: float, scale: float) -> list[str]:
    """What the user should know about the model's size: unusual scale, chibi proportions, estimates."""
    notices = []
    if scale < 0.5 or scale > 2.0:
        what = "to its eyes" if height_to == "eyes" else "tall"
        notices.append(
            f"scaled x{scale:.3g} to stand {height_m:.2f} m {what}: the model measures "
            f"{stature.measured(height_to):.3g} of its own units; check that it was made in metres"
        )
    share = stature.head_share
    if stature.chibi and share is not None:
        head_m = share * stature.height * scale
        notices.append(
            f"chibi proportions: the head is {share:.0%} of the height (an adult's is about "
            f"{ADULT_HEAD_SHARE:.0%}), so it is {head_m:.2f} m tall at this size; a smaller height "
            "or measuring the height to the eyes may suit it better"
        )
    if stature.humanoid and not stature.head_from_mesh:
        notices.append("no head mesh found: the top of the head is estimated from the skeleton")
    if stature.humanoid and not stature.feet_from_mesh:
        notices.append("no leg or foot mesh found: the floor is estimated from the foot bones")
    return notices
