"""Mesh primitives of a glTF scene as plain arrays: geometry, UVs, colours, skin influences, morph targets."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from arwed.characters.gltf_io import GltfDocument
from arwed.characters.materials import LoadedMaterial, MaterialLibrary
from arwed.characters.skeleton import Skeleton

INFLUENCES = 4  # joints per vertex kept for skinning (glTF's JOINTS_0/WEIGHTS_0; more are folded in)


@dataclass
class MorphTarget:
    name: str
    delta_positions: np.ndarray  # (V, 3) float32
    delta_normals: np.ndarray | None  # (V, 3) float32


@dataclass
class RawPrimitive:
    name: str
    node: int  # skeleton index of the node holding the mesh
    mesh_index: int  # glTF mesh index
    skin: int | None  # glTF skin index, or None for a mesh rigidly attached to its node
    positions: np.ndarray  # (V, 3) float32, in the mesh's own (bind) space
    normals: np.ndarray  # (V, 3) float32
    faces: np.ndarray  # (F, 3) int32
    material: LoadedMaterial
    uv: np.ndarray | None = None
    colors: np.ndarray | None = None
    joints: np.ndarray | None = None  # (V, 4) indices into the skin's joint list
    weights: np.ndarray | None = None  # (V, 4) float32, rows sum to 1
    morphs: list[MorphTarget] = field(default_factory=list)
    default_weights: np.ndarray | None = None  # mesh.weights


def read_primitives(doc: GltfDocument, skeleton: Skeleton, materials: MaterialLibrary) -> list[RawPrimitive]:
    nodes = doc.gltf.nodes or []
    meshes = doc.gltf.meshes or []
    primitives: list[RawPrimitive] = []
    for sk_index, gltf_index in enumerate(skeleton.gltf_index):
        node = nodes[int(gltf_index)]
        if node.mesh is None:
            continue
        if not 0 <= node.mesh < len(meshes):
            raise doc.fail(f"refers to mesh {node.mesh}, which does not exist", f"nodes[{gltf_index}].mesh")
        mesh = meshes[node.mesh]
        skin = (
            node.skin if isinstance(node.skin, int) and 0 <= node.skin < len(doc.gltf.skins or []) else None
        )
        names = _target_names(mesh)
        for p_index, prim in enumerate(mesh.primitives or []):
            where = f"meshes[{node.mesh}].primitives[{p_index}]"
            raw = _read_primitive(doc, prim, where, materials)
            if raw is None:
                continue
            label = mesh.name or skeleton.names[sk_index]
            raw.name = f"{label}.{p_index}" if len(mesh.primitives) > 1 else label
            raw.node, raw.mesh_index = sk_index, int(node.mesh)
            raw.skin = skin if raw.joints is not None else None
            raw.morphs = _read_morphs(doc, prim, names, len(raw.positions), where)
            if mesh.weights:
                raw.default_weights = np.asarray(mesh.weights, dtype=np.float32)
            primitives.append(raw)
    return primitives


def _target_names(mesh) -> list[str]:
    extras = mesh.extras if isinstance(mesh.extras, dict) else {}
    names = extras.get("targetNames")
    return [str(n) for n in names] if isinstance(names, list) else []


def _read_primitive(doc: GltfDocument, prim, where: str, materials: MaterialLibrary) -> RawPrimitive | None:
    attrs = prim.attributes
    mode = 4 if prim.mode is None else prim.mode
    if mode not in (4, 5, 6):
        doc.warnings.append(f"{where}: points and lines are not drawn (mode {mode})")
        return None
    if attrs is None or attrs.POSITION is None:
        raise doc.fail("has no POSITION attribute", where)
    positions = doc.accessor(attrs.POSITION).astype(np.float32)
    if positions.shape[1] != 3 or not np.all(np.isfinite(positions)):
        raise doc.fail("POSITION must be finite VEC3 values", where)
    count = len(positions)
    faces = _faces(doc, prim, mode, count, where)
    if len(faces) == 0:
        return None
    material = materials.get(prim.material)
    normals = None
    if attrs.NORMAL is not None:
        normals = doc.accessor(attrs.NORMAL).astype(np.float32)
        if normals.shape != positions.shape:
            normals = None
    normals = _unit(normals) if normals is not None else vertex_normals(positions, faces)
    uv = _attribute(doc, attrs, f"TEXCOORD_{material.transform.tex_coord}", count, 2)
    if uv is not None:
        uv = material.transform.apply(uv.astype(np.float32))
    colors = _attribute(doc, attrs, "COLOR_0", count, None)
    if colors is not None:
        colors = colors.astype(np.float32)
        if colors.shape[1] == 3:
            colors = np.concatenate([colors, np.ones((count, 1), np.float32)], axis=1)
    joints, weights = _influences(doc, attrs, count, where)
    return RawPrimitive(
        name="",
        node=-1,
        mesh_index=-1,
        skin=None,
        positions=positions,
        normals=normals,
        faces=faces,
        material=material,
        uv=uv,
        colors=colors,
        joints=joints,
        weights=weights,
    )


def _attribute(doc: GltfDocument, attrs, name: str, count: int, width: int | None) -> np.ndarray | None:
    index = getattr(attrs, name, None)
    if index is None:
        return None
    values = doc.accessor(index)
    if len(values) != count or (width is not None and values.shape[1] != width):
        doc.warnings.append(f"attribute {name} has the wrong size and is ignored")
        return None
    return values


def _faces(doc: GltfDocument, prim, mode: int, count: int, where: str) -> np.ndarray:
    if prim.indices is not None:
        indices = doc.accessor(prim.indices)[:, 0].astype(np.int64)
        if indices.size and (indices.min() < 0 or indices.max() >= count):
            raise doc.fail("has an index past the end of its vertices", where)
    else:
        indices = np.arange(count, dtype=np.int64)
    if mode == 4:
        faces = indices[: len(indices) // 3 * 3].reshape(-1, 3)
    elif mode == 5:  # strip: alternate winding
        n = max(len(indices) - 2, 0)
        k = np.arange(n)
        a, b, c = indices[k], indices[k + 1], indices[k + 2]
        odd = k % 2 == 1
        faces = np.stack([np.where(odd, b, a), np.where(odd, a, b), c], axis=1)
    else:  # fan
        n = max(len(indices) - 2, 0)
        k = np.arange(n)
        faces = np.stack([np.full(n, indices[0] if n else 0), indices[k + 1], indices[k + 2]], axis=1)
    return faces.astype(np.int32)


def _influences(
    doc: GltfDocument, attrs, count: int, where: str
) -> tuple[np.ndarray | None, np.ndarray | None]:
    if attrs.JOINTS_0 is None or attrs.WEIGHTS_0 is None:
        return None, None
    joint_sets = [doc.accessor(attrs.JOINTS_0).astype(np.int64)]
    weight_sets = [doc.accessor(attrs.WEIGHTS_0).astype(np.float32)]
    if getattr(attrs, "JOINTS_1", None) is not None and getattr(attrs, "WEIGHTS_1", None) is not None:
        joint_sets.append(doc.accessor(attrs.JOINTS_1).astype(np.int64))
        weight_sets.append(doc.accessor(attrs.WEIGHTS_1).astype(np.float32))
    if any(j.shape != (count, 4) for j in joint_sets) or any(w.shape != (count, 4) for w in weight_sets):
        raise doc.fail("JOINTS/WEIGHTS must be VEC4 with one entry per vertex", where)
    joints = np.concatenate(joint_sets, axis=1)
    weights = np.clip(np.concatenate(weight_sets, axis=1), 0.0, None)
    if joints.shape[1] > INFLUENCES:  # keep the strongest four
        order = np.argsort(-weights, axis=1)[:, :INFLUENCES]
        joints = np.take_along_axis(joints, order, axis=1)
        weights = np.take_along_axis(weights, order, axis=1)
    total = weights.sum(axis=1, keepdims=True)
    empty = total[:, 0] <= 1e-8
    weights = np.where(total > 1e-8, weights / np.maximum(total, 1e-8), 0.0)
    weights[empty, 0] = 1.0
    joints[empty, 0] = 0
    return joints, weights.astype(np.float32)


def _read_morphs(doc: GltfDocument, prim, names: list[str], count: int, where: str) -> list[MorphTarget]:
    morphs = []
    for t_index, target in enumerate(prim.targets or []):
        if not isinstance(target, dict):
            target = getattr(target, "__dict__", {})
        name = names[t_index] if t_index < len(names) else f"target{t_index}"
        dpos = np.zeros((count, 3), np.float32)
        if target.get("POSITION") is not None:
            dpos = doc.accessor(target["POSITION"]).astype(np.float32)
        dnrm = doc.accessor(target["NORMAL"]).astype(np.float32) if target.get("NORMAL") is not None else None
        if dpos.shape != (count, 3) or (dnrm is not None and dnrm.shape != (count, 3)):
            raise doc.fail(f"morph target {t_index} does not match the vertex count", where)
        morphs.append(MorphTarget(name, dpos, dnrm))
    return morphs


def vertex_normals(positions: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted vertex normals, for meshes that ship without them."""
    tri = positions[faces].astype(np.float64)
    face_n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals = np.zeros((len(positions), 3))
    for k in range(3):
        np.add.at(normals, faces[:, k], face_n)
    return _unit(normals.astype(np.float32), fallback=(0.0, 1.0, 0.0))


def _unit(v: np.ndarray, fallback: tuple[float, float, float] = (0.0, 1.0, 0.0)) -> np.ndarray:
    norm = np.linalg.norm(v, axis=1, keepdims=True)
    out = np.where(norm > 1e-12, v / np.maximum(norm, 1e-12), np.asarray(fallback, np.float32))
    return out.astype(np.float32)
