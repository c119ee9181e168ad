"""A generated model the size of a typical VRoid Studio avatar, for benchmarks (not a unit test).

About 50 000 vertices skinned to four joints each, 50 morph targets on the face, and 30 hair chains of
five spring joints with a head collider: what a real VRM asks of pose() every frame.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.characters.gltf_factory import HUMANOID_BONES, Bone, GltfBuilder, MeshSpec

VERTICES = 50_000
MORPHS = 50
HAIR_CHAINS = 30
HAIR_JOINTS = 5


def write_heavy_vrm(path: Path, seed: int = 1) -> Path:
    rng = np.random.default_rng(seed)
    bones = [Bone(b.name, b.parent, b.translation) for b in HUMANOID_BONES if not b.name.startswith("hair")]
    head = [b.name for b in bones].index("head")
    chains = []
    for c in range(HAIR_CHAINS):
        angle = 2 * np.pi * c / HAIR_CHAINS
        parent = head
        chain = []
        for j in range(HAIR_JOINTS):
            offset = (0.1 * np.sin(angle), 0.18, 0.1 * np.cos(angle)) if j == 0 else (0.0, -0.06, 0.0)
            bones.append(Bone(f"hair{c}_{j}", parent, offset))
            parent = len(bones) - 1
            chain.append(parent)
        chains.append(chain)
    builder = GltfBuilder()
    nodes = builder.add_bones(bones)
    world = np.zeros((len(bones), 3))
    for i, b in enumerate(bones):
        world[i] = (world[b.parent] if b.parent >= 0 else 0) + np.asarray(b.translation)
    anchor = rng.integers(0, len(bones), VERTICES)
    positions = world[anchor] + rng.normal(0, 0.03, (VERTICES, 3))
    joints = np.stack([anchor] + [rng.integers(0, len(bones), VERTICES) for _ in range(3)], axis=1)
    weights = np.column_stack([np.full(VERTICES, 0.7), rng.dirichlet([1, 1, 1], VERTICES) * 0.3])
    faces = rng.integers(0, VERTICES, (VERTICES * 2, 3))
    face_vertices = np.flatnonzero(anchor == head)[:2000]
    targets = []
    for m in range(MORPHS):
        delta = np.zeros((VERTICES, 3))
        delta[face_vertices] = rng.normal(0, 0.003, (len(face_vertices), 3))
        targets.append((["blink", "happy", "aa"][m] if m < 3 else f"morph{m}", delta))
    mesh = builder.add_mesh(MeshSpec(positions, faces, joints, weights, targets=targets))
    skin = builder.add_skin(nodes)
    body = builder.add_node("body", mesh=mesh, skin=skin)
    builder.set_scene([nodes[0], body])
    names = [b.name for b in HUMANOID_BONES if not b.name.startswith("hair")]
    builder.gltf.extensions["VRMC_vrm"] = {
        "specVersion": "1.0",
        "meta": {"name": "heavy", "authors": ["arwed"], "licenseUrl": "x"},
        "humanoid": {"humanBones": {n: {"node": nodes[i]} for i, n in enumerate(names)}},
        "expressions": {"preset": {"blink": {"morphTargetBinds": [{"node": body, "index": 0, "weight": 1}]}}},
    }
    builder.gltf.extensions["VRMC_springBone"] = {
        "specVersion": "1.0",
        "colliders": [{"node": nodes[head], "shape": {"sphere": {"offset": [0, 0.1, 0], "radius": 0.09}}}],
        "colliderGroups": [{"colliders": [0]}],
        "springs": [
            {
                "joints": [
                    {
                        "node": nodes[j],
                        "stiffness": 0.8,
                        "gravityPower": 0.2,
                        "dragForce": 0.4,
                        "hitRadius": 0.01,
                    }
                    for j in chain
                ],
                "colliderGroups": [0],
            }
            for chain in chains
        ],
    }
    builder.gltf.extensionsUsed = ["VRMC_vrm", "VRMC_springBone"]
    return builder.write_glb(path)
