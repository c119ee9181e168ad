"""load_character: a .glb/.gltf/.vrm file to a life-size, animated Character.

Everything that can be computed once is computed here: the skeleton, skinning weights as a sparse
matrix, the canonical orientation and arms-down rest pose, the life-size scale, expressions, clips and
spring bones. A bad file raises InputFileError (one line: the file and what is wrong), never a traceback.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from arwed.characters.animation import ClipPlayer, PoseArrays, read_clips
from arwed.characters.base import CharacterInfo, MeshPart
from arwed.characters.expressions import read_expressions
from arwed.characters.gltf_io import GltfDocument, read_gltf
from arwed.characters.humanoid import HumanoidMap, read_humanoid
from arwed.characters.lookat import LookAtController, read_look_at
from arwed.characters.materials import MaterialLibrary
from arwed.characters.meshes import RawPrimitive, read_primitives
from arwed.characters.meta import read_meta
from arwed.characters.model import CharacterRig, LoadedCharacter
from arwed.characters.normalise import Normalisation, canonical_rotation, life_size, static_facing
from arwed.characters.permissions import permission_notices
from arwed.characters.rest_pose import standing_pose
from arwed.characters.skeleton import Skeleton, build_skeleton
from arwed.characters.skinning import Skinner
from arwed.characters.springbones import read_spring_bones
from arwed.characters.stature import HEIGHT_TO, measure_stature, stature_notices
from arwed.errors import InputFileError

SUPPORTED_SUFFIXES = (".glb", ".gltf", ".vrm")
NOT_RIGGED = "not rigged: it stands as a static figure; look-at and gestures are off"
NOT_HUMANOID = "no humanoid skeleton recognised: look-at and gestures are off"


def load_character(
    path: str | Path, height_m: float = 1.80, height_to: str = "top-of-head"
) -> LoadedCharacter:
    """Load a glTF 2.0 / VRM 0.x / VRM 1.0 model, scaled so it stands height_m tall with its feet at y = 0.

    height_to: what the height measures, "top-of-head" (floor to the top of the skull) or "eyes".
    """
    path = Path(path)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise InputFileError(path, f"unsupported model type '{path.suffix}': use .vrm, .glb or .gltf")
    if not (0.1 <= height_m <= 10.0):
        raise InputFileError(path, f"target height {height_m} m is not plausible")
    if height_to not in HEIGHT_TO:
        raise ValueError(f"height_to must be one of {', '.join(HEIGHT_TO)}, not {height_to!r}")
    doc = read_gltf(path)
    try:
        return _build(doc, height_m, height_to)
    except InputFileError:
        raise
    except MemoryError:
        raise InputFileError(path, "is too large to load into memory") from None
    except Exception as exc:  # a malformed file must never show the user a traceback
        raise InputFileError(path, f"cannot be loaded ({exc.__class__.__name__}: {exc})") from None


def _build(doc: GltfDocument, height_m: float, height_to: str) -> LoadedCharacter:
    skeleton = build_skeleton(doc)
    primitives = read_primitives(doc, skeleton, MaterialLibrary(doc))
    if not primitives:
        raise doc.fail("has no triangle meshes to draw")
    inverse_binds = _inverse_binds(doc, skeleton)
    humanoid = read_humanoid(doc, skeleton, _bone_candidates(doc, skeleton, inverse_binds))
    is_vrm0 = doc.extension("VRM") is not None and doc.extension("VRMC_vrm") is None
    tpose_world = skeleton.rest_world()
    rotation = canonical_rotation(skeleton, humanoid, tpose_world, faces_minus_z=is_vrm0)
    skinner = Skinner(skeleton, primitives, inverse_binds)
    if humanoid.usable:
        trs = (skeleton.rest_rotation, skeleton.rest_translation, skeleton.rest_scale)
        rest_rotation = standing_pose(skeleton, humanoid, rotation, *trs, arms="relaxed")
        tpose_rotation = standing_pose(skeleton, humanoid, rotation, *trs, arms="tpose")
    else:
        rest_rotation = skeleton.rest_rotation.copy()
        tpose_rotation = skeleton.rest_rotation.copy()
    if not humanoid.usable and not inverse_binds:
        as_authored, _ = skinner.skin(tpose_world, np.eye(4), np.zeros(len(skinner.morphs)))
        rotation = static_facing(as_authored)
    morph_names, weight_slots, morphs_of_mesh, defaults = _morph_tables(skeleton, primitives)
    rest_world = skeleton.world_matrices(skeleton.rest_translation, rest_rotation, skeleton.rest_scale)
    rotate_only = np.eye(4)
    rotate_only[:3, :3] = rotation
    rest_positions, _ = skinner.skin(rest_world, rotate_only, defaults)
    look = read_look_at(doc)
    stature = measure_stature(
        rest_positions,
        _global_faces(primitives),
        skinner.dominant_nodes(),
        skeleton,
        humanoid,
        rest_world[:, :3, 3] @ rotation.T,
        None if look.eye_offset_model is None else rotation @ look.eye_offset_model,
    )
    hips = humanoid.get("hips")
    if hips is not None:
        centre = (rotation @ rest_world[hips, :3, 3])[[0, 2]]
    elif len(rest_positions):
        centre = (rest_positions.min(axis=0)[[0, 2]] + rest_positions.max(axis=0)[[0, 2]]) / 2.0
    else:
        centre = np.zeros(2)
    measured = stature.measured(height_to)
    scale, offset = life_size(stature.floor_y, measured, centre, height_m)
    if not (np.isfinite(measured) and measured > 1e-6) or not np.all(np.isfinite(rest_positions)):
        raise doc.fail("has no size to draw: its parts are scaled to nothing or its numbers are degenerate")
    normalisation = Normalisation(rotation, scale, offset, measured)
    tpose = PoseArrays(
        skeleton.rest_translation.copy(), tpose_rotation, skeleton.rest_scale.copy(), defaults.copy()
    )
    rest = PoseArrays(
        skeleton.rest_translation.copy(), rest_rotation, skeleton.rest_scale.copy(), defaults.copy()
    )
    mesh_of_node = {int(skeleton.gltf_index[p.node]): p.mesh_index for p in primitives}
    expressions = read_expressions(doc, morphs_of_mesh, morph_names, mesh_of_node)
    clips = read_clips(doc, skeleton)
    springs = read_spring_bones(doc, skeleton, rest_rotation)
    rigged = any(p.skin is not None for p in primitives) or bool(clips) or humanoid.usable
    rig = CharacterRig(
        skeleton,
        skinner,
        normalisation,
        humanoid,
        tpose,
        rest,
        ClipPlayer({c.name: c for c in clips}),
        expressions,
        springs,
        LookAtController(look.ranges),
        look.by_expression,
        weight_slots,
        rigged and humanoid.usable,
        eye_offset_model=_eye_offset(skeleton, humanoid, look, stature, rotation, rest_world),
        authored_head_rotation=_authored_head(skeleton, humanoid),
        bone_mask=_bone_mask(skeleton, humanoid, inverse_binds),
    )
    parts = _mesh_parts(primitives, skinner, rest_world, normalisation)
    info = _info(doc, parts, humanoid, normalisation, height_m, rigged, expressions, springs.active, clips)
    extra = stature_notices(stature, height_to, height_m, scale) + permission_notices(
        info.meta, info.vrm_version
    )
    info = replace(info, notices=info.notices + tuple(extra), source_path=str(doc.path), height_to=height_to)
    return LoadedCharacter(info, parts, rig)


def _global_faces(primitives: list[RawPrimitive]) -> np.ndarray:
    out, offset = [], 0
    for prim in primitives:
        out.append(prim.faces.astype(np.int64) + offset)
        offset += len(prim.positions)
    return np.concatenate(out) if out else np.zeros((0, 3), np.int64)


def _bone_mask(skeleton: Skeleton, humanoid: HumanoidMap, inverse_binds: dict) -> np.ndarray:
    mask = np.zeros(skeleton.count, dtype=bool)
    for nodes, _ in inverse_binds.values():
        mask[nodes] = True
    mask[list(humanoid.bones.values())] = True
    return mask


def _authored_head(skeleton: Skeleton, humanoid: HumanoidMap) -> np.ndarray | None:
    """(3, 3) the head's world axes as authored: the frame the VRM eye offset is given in."""
    head = humanoid.get("head")
    if head is None:
        return None
    axes = skeleton.rest_world()[head, :3, :3]
    return axes / np.maximum(np.linalg.norm(axes, axis=0), 1e-12)


def _eye_offset(skeleton, humanoid, look, stature, rotation, rest_world) -> np.ndarray | None:
    """Head bone to the eyes, model axes of the authored pose: the file's, else the measured eye height."""
    head = humanoid.get("head")
    if head is None or not humanoid.usable:
        return None
    if look.eye_offset_model is not None:
        return look.eye_offset_model
    if humanoid.get("leftEye") is not None or humanoid.get("rightEye") is not None:
        return None  # the eye bones themselves say where the eyes are
    head_y = float((rotation @ rest_world[head, :3, 3])[1])
    return rotation.T @ np.array([0.0, stature.eyes_y - head_y, 0.0])


def _inverse_binds(doc: GltfDocument, skeleton: Skeleton) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    to_skeleton = skeleton.index_of_gltf()
    out = {}
    for s_index, skin in enumerate(doc.gltf.skins or []):
        where = f"skins[{s_index}]"
        joints = skin.joints or []
        if not joints or any(j not in to_skeleton for j in joints):
            raise doc.fail("lists a joint that is not a node of the scene", where)
        nodes = np.array([to_skeleton[j] for j in joints], dtype=np.int64)
        if skin.inverseBindMatrices is None:
            ibm = np.tile(np.eye(4), (len(joints), 1, 1))
        else:
            raw = doc.accessor(skin.inverseBindMatrices)
            if raw.shape[1] != 16 or len(raw) < len(joints):
                raise doc.fail("inverseBindMatrices must hold one MAT4 per joint", where)
            ibm = raw[: len(joints)].astype(np.float64).reshape(-1, 4, 4).transpose(0, 2, 1)  # column-major
            if not np.all(np.isfinite(ibm)):
                raise doc.fail("inverseBindMatrices contain non-finite numbers", where)
        out[s_index] = (nodes, ibm)
    return out


def _bone_candidates(doc: GltfDocument, skeleton: Skeleton, inverse_binds: dict) -> set[int]:
    joints = {int(j) for nodes, _ in inverse_binds.values() for j in nodes}
    if joints:
        return joints
    nodes = doc.gltf.nodes or []
    return {i for i, g in enumerate(skeleton.gltf_index) if nodes[int(g)].mesh is None}


def _morph_tables(skeleton: Skeleton, primitives: list[RawPrimitive]):
    """Global morph numbering (as the Skinner stores them) and the lookups clips and expressions need."""
    names: list[str] = []
    per_node: dict[int, list[list[int]]] = {}
    per_mesh: dict[int, list[list[int]]] = {}
    defaults: list[float] = []
    for prim in primitives:
        node_slots = per_node.setdefault(prim.node, [])
        for k, morph in enumerate(prim.morphs):
            index = len(names)
            names.append(morph.name)
            while len(node_slots) <= k:
                node_slots.append([])
            node_slots[k].append(index)
            dw = prim.default_weights
            defaults.append(float(dw[k]) if dw is not None and k < len(dw) else 0.0)
        per_mesh[prim.mesh_index] = per_node[prim.node]
    # clips write one weight per target; all primitives of the mesh share it
    weight_slots = {node: _SlotList(slots) for node, slots in per_node.items() if slots}
    return names, weight_slots, per_mesh, np.asarray(defaults, dtype=np.float64)


class _SlotList:
    """Morph indices of one node's targets: indexing with target k gives all primitives' copies of it."""

    def __init__(self, slots: list[list[int]]):
        self._slots = [np.asarray(s, dtype=np.int64) for s in slots]
        self.shape = (len(slots),)

    def __getitem__(self, k: int) -> np.ndarray:
        return self._slots[k]


def _mesh_parts(
    primitives: list[RawPrimitive], skinner: Skinner, rest_world: np.ndarray, normalisation: Normalisation
) -> tuple[MeshPart, ...]:
    positions, normals = skinner.skin(rest_world, normalisation.root, np.zeros(len(skinner.morphs)))
    parts = []
    for prim, s in zip(primitives, skinner.part_slices, strict=True):
        parts.append(
            MeshPart(
                name=prim.name,
                faces=prim.faces,
                rest_positions_m=positions[s].copy(),
                rest_normals=normals[s].copy(),
                material=prim.material.spec,
                uv=prim.uv,
                vertex_colors=prim.colors,
            )
        )
    return tuple(parts)


def _info(
    doc: GltfDocument,
    parts,
    humanoid: HumanoidMap,
    normalisation: Normalisation,
    height_m: float,
    rigged: bool,
    expressions,
    springs: bool,
    clips,
) -> CharacterInfo:
    title, licence, meta = read_meta(doc)
    vrm_version = (
        "1.0"
        if doc.extension("VRMC_vrm") is not None
        else "0.x"
        if doc.extension("VRM") is not None
        else None
    )
    notices = list(dict.fromkeys(doc.warnings))
    if not rigged:
        notices.insert(0, NOT_RIGGED)
    elif not humanoid.usable:
        notices.insert(0, NOT_HUMANOID)
    if humanoid.source == "names" and humanoid.bones:
        missing = f"; not found: {', '.join(humanoid.missing)}" if humanoid.missing else ""
        notices.append(f"humanoid bones mapped by name: {len(humanoid.bones)} bones{missing}")
    hidden = [e.name for e in expressions.expressions.values() if e.material_binds and not e.moves_vertices]
    if hidden:
        notices.append("expressions that only change materials/textures are not shown: " + ", ".join(hidden))
    if clips:
        meta = {**meta, "clips": ", ".join(c.name for c in clips)}
    if springs:
        meta = {**meta, "spring_bones": "yes"}
    return CharacterInfo(
        name=title or doc.path.stem,
        format="VRM" if vrm_version else "glTF",
        vrm_version=vrm_version,
        triangles=int(sum(len(p.faces) for p in parts)),
        humanoid=humanoid.usable,
        bones_mapped=tuple(humanoid.bones),
        bones_missing=humanoid.missing if rigged else (),
        source_height_m=normalisation.source_height,
        height_m=height_m,
        scale=normalisation.scale,
        license=licence,
        meta=meta,
        notices=tuple(notices),
        expressions=tuple(n for n in expressions.names if expressions.has(n)),
        expression_aliases={
            alias: name
            for alias, name in sorted(expressions.aliases.items())
            if alias != name.lower() and expressions.has(name)
        },
    )
