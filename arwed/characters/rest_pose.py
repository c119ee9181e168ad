"""A neutral standing pose built from the humanoid skeleton, whatever pose the model was authored in.

VRM 1.0 files are authored in a T-pose by the specification; VRM 0.x and plain glTF rigs (Mixamo,
Blender) may be authored crouched, mid-stride or holding something. Both poses here are made from the
bones' directions in the authored pose, turned in the canonical frame (y up, facing +z, left +x):

- the pelvis is levelled (no roll or yaw), the legs hang straight down from the hip joints (knees
  straight, both feet on the same floor), the feet keep their authored angle within a natural range;
- the torso stands upright (the lean of hips-to-neck is kept only within a few degrees), the neck
  within a few more, and the head keeps its authored orientation (it usually looks ahead), turned
  only with the pelvis; the feet likewise keep theirs (authored poses plant them flat), turned forwards;
- the collar bones point outwards within a natural range; the arms hang relaxed ("rest": slightly
  out and forwards, elbows a little bent; arms authored within a few degrees of that keep their own
  hang) or stretch out sideways ("tpose");
- hands line up with the forearm when the rig has finger bones to tell the hand's direction.

A model already in a proper T-pose changes only where the authored pose is outside those ranges.
"""

from __future__ import annotations

import numpy as np

from arwed.characters import quaternions as quat
from arwed.characters.humanoid import HumanoidMap
from arwed.characters.normalise import apply_world_rotation
from arwed.characters.skeleton import Skeleton

ARM_ANGLE_FROM_VERTICAL_DEG = 14.0  # upper arm hangs out from the body by this much
ARM_FORWARD = 0.06  # and slightly forward (fraction of its length)
ELBOW_BEND_DEG = 14.0
AUTHORED_ARM_TOLERANCE_DEG = 8.0  # arms authored hanging this close to the relaxed pose keep their own
TORSO_LEAN_TOLERANCE_DEG = 5.0  # hips-to-neck kept within this of vertical
NECK_TOLERANCE_DEG = 12.0
COLLAR_TOLERANCE_DEG = 20.0  # shoulder-to-upper-arm kept within this of straight outwards
FOOT_NEUTRAL_DOWN_DEG = 25.0  # ankle-to-toes points forward and this much down in a standing foot
FOOT_TOLERANCE_DEG = 20.0
DOWN = np.array([0.0, -1.0, 0.0])
UP = np.array([0.0, 1.0, 0.0])
FORWARD = np.array([0.0, 0.0, 1.0])


class _Poser:
    """Edits local rotations bone by bone, aiming in the canonical frame; world transforms kept current."""

    def __init__(self, skeleton: Skeleton, r_canon: np.ndarray, rot, trans, scale):
        self.skeleton = skeleton
        self.r_canon = r_canon
        self.q_canon = quat.from_matrix(r_canon)
        self.rot = rot.copy()
        self.trans = trans
        self.scale = scale
        self.world = skeleton.world_matrices(trans, self.rot, scale)

    def position(self, bone: int) -> np.ndarray:
        return self.r_canon @ self.world[bone, :3, 3]

    def direction(self, bone: int, child: int) -> np.ndarray | None:
        d = self.position(child) - self.position(bone)
        n = float(np.linalg.norm(d))
        return d / n if n > 1e-9 else None

    def to_model(self, q_canonical: np.ndarray) -> np.ndarray:
        return quat.multiply(quat.conjugate(self.q_canon), quat.multiply(q_canonical, self.q_canon))

    def turn(self, bone: int, delta_canonical: np.ndarray) -> None:
        """Pre-multiply the bone's world rotation by a canonical-frame rotation."""
        apply_world_rotation(self.skeleton, self.rot, bone, self.to_model(delta_canonical))
        self.world = self.skeleton.world_matrices(self.trans, self.rot, self.scale)

    def aim(self, bone: int, child: int, target: np.ndarray) -> None:
        current = self.direction(bone, child)
        if current is not None:
            self.turn(bone, quat.from_to(current, target))

    def keep_within(self, bone: int, child: int, neutral: np.ndarray, tolerance_deg: float) -> None:
        """Turn the bone the least so its direction lies within tolerance of neutral."""
        current = self.direction(bone, child)
        if current is None:
            return
        neutral = neutral / np.linalg.norm(neutral)
        angle = float(np.degrees(np.arccos(np.clip(current @ neutral, -1.0, 1.0))))
        if angle <= tolerance_deg:
            return
        limit = _towards(neutral, current, np.radians(tolerance_deg))
        self.turn(bone, quat.from_to(current, limit))

    def world_rotation(self, bone: int) -> np.ndarray:
        return self.skeleton.world_rotation(self.rot, bone)

    def set_world_rotation(self, bone: int, q_world_model: np.ndarray) -> None:
        parent = int(self.skeleton.parents[bone])
        parent_world = self.skeleton.world_rotation(self.rot, parent) if parent >= 0 else quat.IDENTITY
        self.rot[bone] = quat.normalize(quat.multiply(quat.conjugate(parent_world), q_world_model))
        self.world = self.skeleton.world_matrices(self.trans, self.rot, self.scale)


def _towards(neutral: np.ndarray, current: np.ndarray, angle_rad: float) -> np.ndarray:
    """The unit vector angle_rad away from neutral, in the plane towards current."""
    side = current - (current @ neutral) * neutral
    n = float(np.linalg.norm(side))
    if n < 1e-9:
        return neutral
    return neutral * np.cos(angle_rad) + side / n * np.sin(angle_rad)


def standing_pose(
    skeleton: Skeleton,
    humanoid: HumanoidMap,
    rotation_model_to_canonical: np.ndarray,
    local_rotation: np.ndarray,
    local_translation: np.ndarray,
    local_scale: np.ndarray,
    arms: str = "relaxed",
) -> np.ndarray:
    """Local rotations (N, 4) of the neutral standing pose; arms "relaxed" (hanging) or "tpose" (out)."""
    p = _Poser(skeleton, rotation_model_to_canonical, local_rotation, local_translation, local_scale)
    h = humanoid
    head = h.get("head")
    authored_head = p.world_rotation(head) if head is not None else None
    feet = {side: h.get(side + "Foot") for side in ("left", "right")}
    authored_feet = {s: p.world_rotation(f) for s, f in feet.items() if f is not None}
    level = _level_pelvis(p, h)
    _upright_torso(p, h)
    if head is not None and authored_head is not None:  # turned with the pelvis, not with the lean
        p.set_world_rotation(head, quat.multiply(p.to_model(level), authored_head))
    turn = _yaw_of(level)  # the feet turn to face forwards with the pelvis but stay flat
    for side in ("left", "right"):
        foot = authored_feet.get(side)
        _straight_leg(p, h, side, None if foot is None else quat.multiply(p.to_model(turn), foot))
    for side, sign in (("left", 1.0), ("right", -1.0)):
        _arm(p, h, side, sign, arms)
    return p.rot


def _level_pelvis(p: _Poser, h: HumanoidMap) -> np.ndarray:
    """Turn the hips so the hip joints lie level and side by side (no roll, no yaw); the turn, canonical."""
    hips, left, right = h.get("hips"), h.get("leftUpperLeg"), h.get("rightUpperLeg")
    if hips is None or left is None or right is None:
        return quat.IDENTITY
    across = p.position(left) - p.position(right)
    if np.linalg.norm(across) < 1e-9:
        return quat.IDENTITY
    delta = quat.from_to(across, np.array([1.0, 0.0, 0.0]))
    p.turn(hips, delta)
    return delta


def _yaw_of(q: np.ndarray) -> np.ndarray:
    """The part of a rotation about the vertical (its twist about y)."""
    twist = np.array([0.0, q[1], 0.0, q[3]])
    return quat.normalize(twist) if np.linalg.norm(twist) > 1e-9 else quat.IDENTITY.copy()


def _upright_torso(p: _Poser, h: HumanoidMap) -> None:
    hips, spine = h.get("hips"), h.get("spine")
    neck, head = h.get("neck"), h.get("head")
    top = neck if neck is not None else head
    if hips is None or spine is None or top is None:
        return
    lean = p.position(top) - p.position(spine)  # measured from the bone that turns
    if np.linalg.norm(lean) > 1e-9:
        lean /= np.linalg.norm(lean)
        angle = float(np.degrees(np.arccos(np.clip(lean @ UP, -1.0, 1.0))))
        if angle > TORSO_LEAN_TOLERANCE_DEG:
            limit = _towards(UP, lean, np.radians(TORSO_LEAN_TOLERANCE_DEG))
            p.turn(spine, quat.from_to(lean, limit))
    if neck is not None and head is not None:
        p.keep_within(neck, head, UP, NECK_TOLERANCE_DEG)


def _straight_leg(p: _Poser, h: HumanoidMap, side: str, authored_foot: np.ndarray | None) -> None:
    upper, lower, foot = (h.get(side + b) for b in ("UpperLeg", "LowerLeg", "Foot"))
    if upper is None or lower is None:
        return
    p.aim(upper, lower, DOWN)
    if foot is None:
        return
    p.aim(lower, foot, DOWN)
    if authored_foot is not None:
        p.set_world_rotation(foot, authored_foot)
    toes = h.get(side + "Toes")
    if toes is not None:
        down = np.radians(FOOT_NEUTRAL_DOWN_DEG)
        neutral = np.array([0.0, -np.sin(down), np.cos(down)])
        p.keep_within(foot, toes, neutral, FOOT_TOLERANCE_DEG)


def _aim_unless_close(p: _Poser, bone: int, child: int, target: np.ndarray, tolerance_deg: float) -> None:
    """Aim the bone at the target unless the authored direction already lies within the tolerance of it."""
    current = p.direction(bone, child)
    if current is not None and np.degrees(np.arccos(np.clip(current @ target, -1.0, 1.0))) <= tolerance_deg:
        return
    p.aim(bone, child, target)


def _arm(p: _Poser, h: HumanoidMap, side: str, sign: float, arms: str) -> None:
    shoulder, upper, lower, hand = (h.get(side + b) for b in ("Shoulder", "UpperArm", "LowerArm", "Hand"))
    if upper is None or lower is None:
        return
    outwards = np.array([sign, 0.0, 0.0])
    if shoulder is not None:
        p.keep_within(shoulder, upper, outwards, COLLAR_TOLERANCE_DEG)
    if arms == "tpose":
        upper_target = outwards
        lower_target = outwards
    else:
        angle = np.radians(ARM_ANGLE_FROM_VERTICAL_DEG)
        upper_target = np.array([sign * np.sin(angle), -np.cos(angle), ARM_FORWARD])
        upper_target /= np.linalg.norm(upper_target)
        bend = np.radians(ELBOW_BEND_DEG)
        lower_target = _towards(upper_target, FORWARD, bend)
    keep = AUTHORED_ARM_TOLERANCE_DEG if arms != "tpose" else 0.0
    _aim_unless_close(p, upper, lower, upper_target, keep)
    if hand is None:
        return
    _aim_unless_close(p, lower, hand, lower_target, keep)
    finger = next(
        (h.get(side + f) for f in ("MiddleProximal", "IndexProximal", "RingProximal") if h.get(side + f)),
        None,
    )
    if finger is not None:
        p.aim(hand, finger, lower_target)
