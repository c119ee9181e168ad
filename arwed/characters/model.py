"""A loaded character that animates itself: the object `load_character` returns.

Each `pose(cue)` builds the frame's pose in layers, all in the model's own space:
1. the base: a T-pose ("tpose") or the neutral standing rest ("rest"), both made from the skeleton
   whatever pose the file was authored in (rest_pose.py), or for "idle" the rest pose or the playing
   glTF clip, cross-faded when clips change;
2. procedural life ("idle" only): breathing, weight shift, a slow sway, blinks, and head/eyes looking at
   the cue's target;
3. spring bones (hair, skirts) reacting to the motion and to the anchor's movement;
4. expressions and morph targets; then skinning, with the normalisation (canonical axes, life size,
   feet on the floor) folded into the skinning matrices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from arwed.characters import quaternions as quat
from arwed.characters.animation import ClipPlayer, PoseArrays
from arwed.characters.base import CharacterCue, CharacterInfo, MeshPart, PosedPart, SkeletonPose
from arwed.characters.expressions import ExpressionSet
from arwed.characters.humanoid import HumanoidMap
from arwed.characters.lookat import NECK_SHARE, TORSO_SHARE, LookAtController
from arwed.characters.normalise import Normalisation, apply_world_rotation
from arwed.characters.posing import PoseEditor
from arwed.characters.procedural import Blinker, idle_rotations
from arwed.characters.skeleton import Skeleton
from arwed.characters.skinning import Skinner
from arwed.characters.springbones import SpringBones

POSE_MODES = ("idle", "rest", "tpose")
MAX_FRAME_STEP_S = 0.25


@dataclass
class CharacterRig:
    """Everything a loaded character animates with, prepared at load time."""

    skeleton: Skeleton
    skinner: Skinner
    normalisation: Normalisation
    humanoid: HumanoidMap
    tpose: PoseArrays
    rest: PoseArrays
    player: ClipPlayer
    expressions: ExpressionSet
    springs: SpringBones
    look_at: LookAtController
    look_at_by_expression: bool
    weight_slots: dict[int, np.ndarray]  # skeleton node -> (targets, primitives) global morph indices
    rigged: bool
    eye_offset_model: np.ndarray | None = None  # head bone to the eyes (model axes, authored head), if known
    authored_head_rotation: np.ndarray | None = None  # (3, 3) the head's world axes as authored
    bone_mask: np.ndarray | None = None  # (N,) bool: skin joints and humanoid bones (not mesh nodes)
    blinker: Blinker = field(default_factory=Blinker)


class LoadedCharacter:
    """A glTF/VRM character at life size. See arwed/characters/README.md for the API."""

    def __init__(self, info: CharacterInfo, parts: tuple[MeshPart, ...], rig: CharacterRig):
        self.info = info
        self.parts = parts
        self.rig = rig
        self.pose_mode = "idle"
        self._last_t: float | None = None
        self._q_canon = quat.from_matrix(rig.normalisation.rotation)
        self._rest_world = rig.skeleton.world_matrices(
            rig.rest.translation, rig.rest.rotation, rig.rest.scale
        )
        self._last_world = self._rest_world

    @property
    def height_m(self) -> float:
        return self.info.height_m

    # ----------------------------------------------------------------- control
    def clip_names(self) -> tuple[str, ...]:
        return tuple(self.rig.player.clips)

    @property
    def playing_clip(self) -> str | None:
        return self.rig.player.active_name

    def play_clip(self, name: str | None, fade_s: float = 0.4, loop: bool = True) -> None:
        """Cross-fade to clip `name` (None: back to the rest pose) over fade_s seconds; KeyError if unknown."""
        self.rig.player.request(name, fade_s, loop)

    def expression_names(self) -> tuple[str, ...]:
        return tuple(n for n in self.rig.expressions.names if self.rig.expressions.has(n))

    def find_expression(self, name: str) -> str | None:
        """The expression a user's name means (any case; VRM 0.x and 1.0 preset names both), or None."""
        found = self.rig.expressions.find(name)
        return found if found is not None and self.rig.expressions.has(found) else None

    def set_pose_mode(self, mode: str) -> None:
        if mode not in POSE_MODES:
            raise ValueError(f"pose mode must be one of {', '.join(POSE_MODES)}, not {mode!r}")
        self.pose_mode = mode

    def reset(self) -> None:
        """Forget all motion state (springs, smoothing, blink schedule): for a seek or a new scene."""
        self.rig.springs.reset()
        self.rig.look_at.reset()
        self._last_t = None

    # ----------------------------------------------------------------- per frame
    def pose(self, cue: CharacterCue) -> tuple[PosedPart, ...]:
        rig = self.rig
        t = float(cue.time_s)
        dt = 0.0 if self._last_t is None else min(max(t - self._last_t, 0.0), MAX_FRAME_STEP_S)
        if self._last_t is not None and t < self._last_t - 1e-6:
            self.reset()
        self._last_t = t
        mode = self.pose_mode if self.pose_mode in POSE_MODES else "idle"
        if mode == "tpose":
            pose = rig.tpose.copy()
        elif mode == "rest":
            pose = rig.rest.copy()
        else:
            pose = rig.player.sample(t, rig.rest, rig.weight_slots).copy()
        find = rig.expressions.find
        requested = {find(k) or k: float(v) for k, v in cue.expressions.items()}
        if mode == "idle" and rig.rigged:
            self._idle(pose, t)
            if cue.body is not None:
                cue.body.apply(PoseEditor(self, pose), t)
            look_weights = self._look(pose, t, cue.look_at_m, cue.audience_m)
            for name, weight in look_weights.items():
                requested.setdefault(name, weight)
        if mode == "idle" and rig.expressions.has("blink"):
            requested["blink"] = max(requested.get("blink", 0.0), rig.blinker.weight(t))
        if rig.springs.active:
            motion = None
            if cue.root_motion_m is not None:
                motion = rig.normalisation.to_model_direction(np.asarray(cue.root_motion_m, float))
                motion = motion / rig.normalisation.scale
            rig.springs.update(pose.rotation, pose.translation, pose.scale, dt, motion)
        world = rig.skeleton.world_matrices(pose.translation, pose.rotation, pose.scale)
        self._last_world = world
        morph = pose.morph_weights + rig.expressions.morph_weights(requested)
        positions, normals = rig.skinner.skin(world, rig.normalisation.root, morph)
        return tuple(PosedPart(positions[s], normals[s]) for s in rig.skinner.part_slices)

    def skeleton(self) -> SkeletonPose:
        """Joint names, parents and positions (character space) of the last posed frame."""
        rig = self.rig
        root = rig.normalisation.root
        pos = self._last_world[:, :3, 3] @ root[:3, :3].T + root[:3, 3]
        return SkeletonPose(
            tuple(rig.skeleton.names),
            rig.skeleton.parents.copy(),
            pos.astype(np.float32),
            dict(rig.humanoid.bones),
            rig.bone_mask,
            _rotations(root[:3, :3] @ self._last_world[:, :3, :3]),
        )

    # ----------------------------------------------------------------- layers
    def _rotate(
        self, pose: PoseArrays, bone: int | None, axis: tuple[float, float, float], angle: float
    ) -> None:
        if bone is None or angle == 0.0:
            return
        q = quat.from_axis_angle(np.asarray(axis, float), angle)
        self._rotate_q(pose, bone, q)

    def _rotate_q(self, pose: PoseArrays, bone: int, q_canonical: np.ndarray) -> None:
        q_model = quat.multiply(quat.conjugate(self._q_canon), quat.multiply(q_canonical, self._q_canon))
        apply_world_rotation(self.rig.skeleton, pose.rotation, bone, q_model)

    def _idle(self, pose: PoseArrays, t: float) -> None:
        h = self.rig.humanoid
        idle = idle_rotations(t)
        self._rotate(pose, h.get("hips"), (0, 0, 1), idle.hips_roll)
        for leg in ("leftUpperLeg", "rightUpperLeg"):  # legs stay vertical so the feet stay planted
            self._rotate(pose, h.get(leg), (0, 0, 1), -idle.hips_roll)
        self._rotate(pose, h.get("spine"), (0, 0, 1), idle.spine_roll)
        chest = h.get("upperChest") or h.get("chest") or h.get("spine")
        self._rotate(pose, chest, (1, 0, 0), idle.chest_pitch)
        self._rotate(pose, h.get("leftShoulder"), (0, 0, 1), idle.shoulders_lift)
        self._rotate(pose, h.get("rightShoulder"), (0, 0, 1), -idle.shoulders_lift)
        # the head's slow sway starts in the spine: the shoulders go with it
        torso = h.get("upperChest") if h.get("upperChest") is not None else h.get("chest")
        neck = h.get("neck") if h.get("neck") is not None else h.get("head")
        self._rotate(pose, torso, (0, 1, 0), 0.4 * idle.head_sway)
        self._rotate(pose, neck, (0, 1, 0), 0.6 * idle.head_sway)

    def _look(
        self, pose: PoseArrays, t: float, target_m: np.ndarray | None, audience_m: np.ndarray | None = None
    ) -> dict[str, float]:
        rig = self.rig
        h = rig.humanoid
        head = h.get("head")
        if head is None:
            return {}
        spine = h.get("upperChest") or h.get("chest")
        body_bone = h.get("spine") if spine is not None else None
        body_bone = body_bone if body_bone is not None else h.get("hips")
        sk = rig.skeleton
        body_q = quat.IDENTITY
        if body_bone is not None:
            now = sk.world_rotation(pose.rotation, body_bone)
            rest = sk.world_rotation(rig.rest.rotation, body_bone)
            body_model = quat.multiply(now, quat.conjugate(rest))
            body_q = quat.multiply(self._q_canon, quat.multiply(body_model, quat.conjugate(self._q_canon)))
        direction = audience = None
        if target_m is not None:
            root = rig.normalisation.root
            eyes = self._eye_centre(self._last_world) @ root[:3, :3].T + root[:3, 3]
            direction = quat.rotate(quat.conjugate(body_q), np.asarray(target_m, float) - eyes)
            if audience_m is not None:
                audience = quat.rotate(quat.conjugate(body_q), np.asarray(audience_m, float) - eyes)
        gaze = rig.look_at.update(t, direction, audience)
        head_total = quat.multiply(
            body_q,
            quat.multiply(
                quat.from_euler_yxz(math.radians(gaze.head_yaw_deg), -math.radians(gaze.head_pitch_deg)),
                quat.conjugate(body_q),
            ),
        )
        # the torso (its bones evenly), the neck and the head share the turn: each carries its part of the total
        torso = [b for b in (h.get("spine"), h.get("chest"), h.get("upperChest")) if b is not None]
        shares = [(b, TORSO_SHARE / len(torso)) for b in torso] + [(h.get("neck"), NECK_SHARE)]
        carried = quat.IDENTITY
        for bone, share in shares:
            if bone is None:
                continue
            step = quat.slerp(quat.IDENTITY, head_total, share)
            self._rotate_q(pose, bone, step)
            carried = quat.multiply(step, carried)
        self._rotate_q(pose, head, quat.multiply(head_total, quat.conjugate(carried)))
        if rig.look_at_by_expression:
            return rig.look_at.look_expressions(gaze)
        for side, bone in (("left", h.get("leftEye")), ("right", h.get("rightEye"))):
            if bone is None:
                continue
            yaw, pitch = rig.look_at.eye_angles(gaze, left_eye=side == "left")
            eye_total = quat.multiply(
                body_q,
                quat.multiply(
                    quat.from_euler_yxz(
                        math.radians(gaze.head_yaw_deg + yaw), -math.radians(gaze.head_pitch_deg + pitch)
                    ),
                    quat.conjugate(body_q),
                ),
            )
            self._rotate_q(pose, bone, quat.multiply(eye_total, quat.conjugate(head_total)))
        return {}

    def _eye_centre(self, world: np.ndarray) -> np.ndarray:
        """Where the eyes are (model space) in a posed frame's world transforms: the previous frame's,
        so the gaze starts where the eyes ended after the last turn."""
        rig = self.rig
        h = rig.humanoid
        eyes = [h.bones[b] for b in ("leftEye", "rightEye") if b in h.bones]
        if eyes:
            return world[eyes, :3, 3].mean(axis=0)
        head = h.bones["head"]
        position = world[head, :3, 3]
        if rig.eye_offset_model is None or rig.authored_head_rotation is None:
            return position
        axes = world[head, :3, :3]
        axes = axes / np.maximum(np.linalg.norm(axes, axis=0), 1e-12)
        return position + axes @ (rig.authored_head_rotation.T @ rig.eye_offset_model)


def _rotations(matrices: np.ndarray) -> np.ndarray:
    """(N, 3, 3) rotation parts of scaled matrices (columns made unit length)."""
    return matrices / np.maximum(np.linalg.norm(matrices, axis=1, keepdims=True), 1e-12)
