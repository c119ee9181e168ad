"""What the renderer needs from a character, whatever file it came from.

A character is a fixed set of mesh parts (topology, materials, textures never change) whose vertex
positions and normals are recomputed every frame by `Character.pose`. Coordinates are character space:
glTF axes (y up, facing +z), metres, feet at y = 0, already scaled to life size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from arwed.characters.mtoon import MToonSpec

AlphaMode = Literal["OPAQUE", "MASK", "BLEND"]


@dataclass(frozen=True)
class MaterialSpec:
    name: str = "default"
    base_color_factor: tuple[float, float, float, float] = (0.8, 0.8, 0.8, 1.0)  # linear RGBA
    base_color_texture: np.ndarray | None = None  # (h, w, 3 or 4) uint8, sRGB
    alpha_mode: AlphaMode = "OPAQUE"
    alpha_cutoff: float = 0.5
    double_sided: bool = False
    unlit: bool = False
    metallic_factor: float = 0.0
    roughness_factor: float = 0.8
    emissive_factor: tuple[float, float, float] = (0.0, 0.0, 0.0)
    emissive_texture: np.ndarray | None = None  # (h, w, 3 or 4) uint8, sRGB
    shade_color_factor: tuple[float, float, float] | None = None  # MToon's shadow tint (linear RGB), if any
    mtoon: MToonSpec | None = None  # the whole MToon material, when the model has one


@dataclass(frozen=True)
class MeshPart:
    """One drawable primitive: fixed topology and material."""

    name: str
    faces: np.ndarray  # (F, 3) int32
    rest_positions_m: np.ndarray  # (V, 3) float32
    rest_normals: np.ndarray  # (V, 3) float32, unit length
    material: MaterialSpec = field(default_factory=MaterialSpec)
    uv: np.ndarray | None = None  # (V, 2) float32, glTF convention (v down)
    vertex_colors: np.ndarray | None = None  # (V, 4) float32 linear RGBA


@dataclass(frozen=True)
class PosedPart:
    positions_m: np.ndarray  # (V, 3) float32
    normals: np.ndarray  # (V, 3) float32


@dataclass(frozen=True)
class CharacterInfo:
    """Facts about a loaded character, for the preview panel and `--info` JSON."""

    name: str
    format: str  # "glTF", "VRM" or "procedural"
    vrm_version: str | None = None  # "0.x" or "1.0"
    triangles: int = 0
    humanoid: bool = False
    bones_mapped: tuple[str, ...] = ()
    bones_missing: tuple[str, ...] = ()
    source_height_m: float = 0.0
    height_m: float = 0.0
    scale: float = 1.0
    license: str | None = None
    meta: dict[str, str] = field(default_factory=dict)  # author, permissions, ...
    notices: tuple[str, ...] = ()  # e.g. "not rigged: look-at and gestures are off"
    expressions: tuple[str, ...] = ()  # names that move the face (VRM 1.0 preset names where they apply)
    expression_aliases: dict[str, str] = field(default_factory=dict)  # other spellings: "joy" -> "happy"
    source_path: str | None = None  # the file it was loaded from
    height_to: str = "top-of-head"  # what height_m measures ("top-of-head" or "eyes")


@dataclass(frozen=True)
class CharacterCue:
    """What the scene asks of the character this frame."""

    time_s: float
    look_at_m: np.ndarray | None = None  # (3,) target in character space (the person's head), or None
    audience_m: np.ndarray | None = (
        None  # (3,) where the guests watch from (the camera), character space, or None
    )
    expressions: dict[str, float] = field(default_factory=dict)  # preset name -> weight 0..1
    root_motion_m: np.ndarray | None = None  # (3,) how far the anchor moved since the last cue (spring bones)
    body: object | None = None  # a posing.BodyLayer (walk, bow, reach) applied before the look-at


class Character(Protocol):
    info: CharacterInfo
    parts: tuple[MeshPart, ...]

    @property
    def height_m(self) -> float: ...

    def pose(self, cue: CharacterCue) -> tuple[PosedPart, ...]:
        """Animate to the cue's time and return one PosedPart per entry in `parts`, same order."""
        ...


@dataclass(frozen=True)
class SkeletonPose:
    """The joints of a posed character, for a preview's skeleton overlay (character space, metres)."""

    names: tuple[str, ...]
    parents: np.ndarray  # (J,) int, index of each joint's parent in this list, -1 for a root
    positions_m: np.ndarray  # (J, 3) float32 world positions
    humanoid: dict[str, int] = field(default_factory=dict)  # VRM bone name -> joint index
    drawn: np.ndarray | None = None  # (J,) bool: which joints a skeleton view draws (bones, not helpers)
    axes: np.ndarray | None = None  # (J, 3, 3) each joint's world rotation in character space

    def bone_lines(self) -> list[tuple[int, int]]:
        """(parent, child) pairs a skeleton view draws: bones of the body, never the chain above the hips
        (an armature's root stands on the floor; a line from it to the hips is no bone)."""
        drawn = self.drawn if self.drawn is not None else np.ones(len(self.names), dtype=bool)
        above_hips: set[int] = set()
        node = self.humanoid.get("hips", -1)
        while node >= 0:
            above_hips.add(node)
            node = int(self.parents[node])
        return [
            (int(parent), child)
            for child, parent in enumerate(self.parents)
            if parent >= 0 and drawn[child] and drawn[parent] and child not in above_hips
        ]


class RiggedCharacter(Character, Protocol):
    """A Character with a skeleton: a pose mode, clips and a skeleton view (what loaded models offer)."""

    pose_mode: str  # "idle" (alive), "rest" (arms down, still) or "tpose" (as authored)

    def skeleton(self) -> SkeletonPose: ...

    def clip_names(self) -> tuple[str, ...]: ...

    def play_clip(self, name: str | None, fade_s: float = 0.4, loop: bool = True) -> None: ...
