"""Bone edits in character space for a layer outside this package (a ceremony's walk, bow or reach).

A `BodyLayer` (on `CharacterCue.body`) gets a `PoseEditor` over the frame's pose after the idle motion
and before the look-at, so the head still finds its target on a bowed or turned body. The editor speaks
character space only (y up, facing +z, metres, feet at y = 0): the layer never sees the model's own axes,
units or bone names beyond the VRM humanoid names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

from arwed.characters import quaternions as quat
from arwed.characters.normalise import apply_world_rotation

if TYPE_CHECKING:
    from arwed.characters.animation import PoseArrays
    from arwed.characters.model import LoadedCharacter


class BodyLayer(Protocol):
    def apply(self, editor: PoseEditor, time_s: float) -> None: ...


class PoseEditor:
    """Reads and turns humanoid bones of one frame's pose, in character space."""

    def __init__(self, character: LoadedCharacter, pose: PoseArrays):
        self._rig = character.rig
        self._pose = pose
        self._rest_world = character._rest_world  # computed once at load
        root = self._rig.normalisation.root
        self._root_linear = root[:3, :3]
        self._root_offset = root[:3, 3]
        self._q_canon = quat.from_matrix(self._rig.normalisation.rotation)

    @property
    def height_m(self) -> float:
        return float(self._rig.normalisation.scale * self._rig.normalisation.source_height)

    @property
    def pose(self) -> PoseArrays:
        """The frame's pose being edited (a layer may write a clip's channels into it)."""
        return self._pose

    @property
    def clips(self) -> dict:
        """The model's own animation clips by name (arwed.characters.animation.Clip)."""
        return self._rig.player.clips

    def reading(self, pose: PoseArrays) -> PoseEditor:
        """An editor of the same character over another pose (to measure a clip without touching this one)."""
        other = object.__new__(PoseEditor)
        other.__dict__.update(self.__dict__)
        other._pose = pose
        return other

    def bone_index(self, bone: str) -> int:
        """The skeleton index of a humanoid bone (a clip channel's node)."""
        return self._index(bone)

    def has(self, bone: str) -> bool:
        return bone in self._rig.humanoid.bones

    def _index(self, bone: str) -> int:
        return self._rig.humanoid.bones[bone]

    def _node_world(self, index: int) -> np.ndarray:
        pose = self._pose
        return self._rig.skeleton.node_world(pose.translation, pose.rotation, pose.scale, index)

    def position_m(self, bone: str) -> np.ndarray:
        """The bone's joint in character space."""
        p = self._node_world(self._index(bone))[:3, 3]
        return self._root_linear @ p + self._root_offset

    def rest_position_m(self, bone: str) -> np.ndarray:
        p = self._rest_world[self._index(bone), :3, 3]
        return self._root_linear @ p + self._root_offset

    def rotation(self, bone: str) -> np.ndarray:
        """The bone's world rotation in character axes, relative to its rest pose (identity at rest)."""
        sk, index = self._rig.skeleton, self._index(bone)
        now = sk.world_rotation(self._pose.rotation, index)
        rest = sk.world_rotation(self._rig.rest.rotation, index)
        model = quat.multiply(now, quat.conjugate(rest))
        return quat.multiply(self._q_canon, quat.multiply(model, quat.conjugate(self._q_canon)))

    def rotate(self, bone: str, q_character: np.ndarray) -> None:
        """Turn the bone (and everything below it) by a rotation given in character axes, about its joint."""
        q_model = quat.multiply(quat.conjugate(self._q_canon), quat.multiply(q_character, self._q_canon))
        apply_world_rotation(self._rig.skeleton, self._pose.rotation, self._index(bone), q_model)

    def move(self, bone: str, offset_m: np.ndarray) -> None:
        """Shift the bone (the hips, say) by a character-space offset, keeping its rotation."""
        index = self._index(bone)
        parent = int(self._rig.skeleton.parents[index])
        linear = self._root_linear
        if parent >= 0:
            linear = linear @ self._node_world(parent)[:3, :3]
        self._pose.translation[index] += np.linalg.solve(linear, np.asarray(offset_m, dtype=np.float64))
