"""A character that never moves: any trimesh geometry, shown as a figure (props, unrigged models)."""

from __future__ import annotations

import numpy as np
import trimesh

from arwed.characters.base import CharacterCue, CharacterInfo, MaterialSpec, MeshPart, PosedPart


def _part_from_trimesh(name: str, mesh: trimesh.Trimesh, material: MaterialSpec) -> MeshPart:
    colors = None
    visual = mesh.visual
    if isinstance(visual, trimesh.visual.ColorVisuals) and visual.kind == "vertex":
        colors = (np.asarray(visual.vertex_colors, dtype=np.float32) / 255.0) ** np.float32(2.2)
    return MeshPart(
        name=name,
        faces=np.asarray(mesh.faces, dtype=np.int32),
        rest_positions_m=np.asarray(mesh.vertices, dtype=np.float32),
        rest_normals=np.asarray(mesh.vertex_normals, dtype=np.float32),
        material=material,
        vertex_colors=colors,
    )


class StaticCharacter:
    """Fixed geometry in character space (y up, facing +z, feet at y = 0)."""

    def __init__(self, parts: tuple[MeshPart, ...], info: CharacterInfo):
        self.parts = parts
        self.info = info
        self._posed = tuple(PosedPart(p.rest_positions_m, p.rest_normals) for p in parts)

    @classmethod
    def from_trimesh(
        cls, geometry: trimesh.Trimesh | trimesh.Scene, name: str, material: MaterialSpec | None = None
    ) -> StaticCharacter:
        meshes = geometry.dump() if isinstance(geometry, trimesh.Scene) else [geometry]
        parts = tuple(
            _part_from_trimesh(f"{name}/{i}", mesh, material or MaterialSpec())
            for i, mesh in enumerate(meshes)
        )
        height = float(max(p.rest_positions_m[:, 1].max() for p in parts))
        info = CharacterInfo(
            name=name,
            format="procedural",
            triangles=sum(len(p.faces) for p in parts),
            source_height_m=height,
            height_m=height,
            notices=("not rigged: look-at and gestures are off",),
        )
        return cls(parts, info)

    @property
    def height_m(self) -> float:
        return self.info.height_m

    def pose(self, cue: CharacterCue) -> tuple[PosedPart, ...]:
        return self._posed
