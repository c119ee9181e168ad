"""A simple figure made of rounded solids, for tests and as a last-resort stand-in character."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import trimesh

from arwed.characters.base import MaterialSpec
from arwed.characters.static import StaticCharacter

SUIT = MaterialSpec(name="suit", base_color_factor=(0.05, 0.05, 0.07, 1.0), roughness_factor=0.7)
SKIN = MaterialSpec(name="skin", base_color_factor=(0.80, 0.55, 0.42, 1.0), roughness_factor=0.6)
SHIRT = MaterialSpec(name="shirt", base_color_factor=(0.9, 0.9, 0.88, 1.0), roughness_factor=0.6)


def _capsule(
    start: tuple[float, float, float], end: tuple[float, float, float], radius: float
) -> trimesh.Trimesh:
    start_v, end_v = np.asarray(start, float), np.asarray(end, float)
    length = float(np.linalg.norm(end_v - start_v))
    capsule = trimesh.creation.capsule(height=length, radius=radius, count=[16, 16])
    capsule.apply_transform(trimesh.geometry.align_vectors([0, 0, 1], (end_v - start_v) / length))
    capsule.apply_translation((start_v + end_v) / 2.0)
    return capsule


def procedural_humanoid(height_m: float = 1.80) -> StaticCharacter:
    """A standing figure exactly `height_m` tall (floor to the top of the head), facing +z."""
    s = height_m / 1.80  # proportions below are for a 1.80 m figure
    suit = [
        _capsule((0.10, 0.06, 0), (0.10, 0.50, 0), 0.075),  # legs
        _capsule((-0.10, 0.06, 0), (-0.10, 0.50, 0), 0.075),
        _capsule((0.09, 0.50, 0), (0.09, 0.95, 0), 0.09),
        _capsule((-0.09, 0.50, 0), (-0.09, 0.95, 0), 0.09),
        _capsule((0.0, 0.98, 0), (0.0, 1.38, 0), 0.17),  # torso
        _capsule((0.22, 1.40, 0), (0.26, 1.12, 0.0), 0.055),  # upper arms, relaxed
        _capsule((-0.22, 1.40, 0), (-0.26, 1.12, 0.0), 0.055),
        _capsule((0.26, 1.12, 0), (0.27, 0.86, 0.05), 0.045),  # forearms
        _capsule((-0.26, 1.12, 0), (-0.27, 0.86, 0.05), 0.045),
        _capsule((0.10, 0.04, 0.03), (0.10, 0.04, 0.12), 0.04),  # shoes
        _capsule((-0.10, 0.04, 0.03), (-0.10, 0.04, 0.12), 0.04),
    ]
    skin = [
        _capsule((0.0, 1.47, 0), (0.0, 1.55, 0), 0.05),  # neck
        trimesh.creation.icosphere(subdivisions=3, radius=0.115).apply_translation((0, 1.685, 0.0)),
        trimesh.creation.icosphere(subdivisions=2, radius=0.045).apply_translation((0.27, 0.82, 0.05)),
        trimesh.creation.icosphere(subdivisions=2, radius=0.045).apply_translation((-0.27, 0.82, 0.05)),
    ]
    shirt = [_capsule((0.0, 1.25, 0.10), (0.0, 1.42, 0.09), 0.05)]
    groups = [
        (trimesh.util.concatenate(pieces), material)
        for pieces, material in ((suit, SUIT), (skin, SKIN), (shirt, SHIRT))
    ]
    low = min(mesh.bounds[0][1] for mesh, _ in groups)
    high = max(mesh.bounds[1][1] for mesh, _ in groups)
    stretch = height_m / (high - low)  # feet exactly on y = 0, the head's top exactly at height_m
    parts = []
    for mesh, material in groups:
        mesh.apply_translation((0.0, -low, 0.0))
        mesh.apply_transform(np.diag([s, stretch, s, 1.0]))
        parts.extend(StaticCharacter.from_trimesh(mesh, "procedural", material).parts)
    figure = StaticCharacter.from_trimesh(groups[0][0], "procedural")
    info = replace(
        figure.info, triangles=sum(len(p.faces) for p in parts), source_height_m=height_m, height_m=height_m
    )
    return StaticCharacter(tuple(parts), info)
