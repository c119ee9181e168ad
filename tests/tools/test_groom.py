"""The generated default character: a valid VRM 1.0 file, life size, smoothly skinned, with working morphs.

The shipped files are read back with pygltflib and a few lines of numpy (not with the code that wrote
them), so these tests check what any glTF reader would see. One build runs, of the light variant (the
cheaper one, made by the same code): its bytes must equal the shipped light file's, and the full model
records a hash of the generator's source, so a change to the generator without a rebuild is caught
without building the full model again.
"""

from __future__ import annotations

import numpy as np
import pygltflib
import pytest
from scipy.spatial.transform import Rotation

from arwed.characters.base import CharacterCue
from arwed.characters.loader import load_character
from tools.groom import default_character as dc
from tools.groom import hair
from tools.groom import implicit_mesh as im

_DTYPES = {5120: np.int8, 5121: np.uint8, 5122: np.int16, 5123: np.uint16, 5125: np.uint32, 5126: np.float32}
_WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT4": 16}
_FINGERS = [
    f"{f}{s}" for f in ("Index", "Middle", "Ring", "Little") for s in ("Proximal", "Intermediate", "Distal")
]
REQUIRED_BONES = {
    "hips",
    "spine",
    "chest",
    "upperChest",
    "neck",
    "head",
    "leftEye",
    "rightEye",
    *(
        f"{side}{bone}"
        for side in ("left", "right")
        for bone in (
            "Shoulder",
            "UpperArm",
            "LowerArm",
            "Hand",
            "UpperLeg",
            "LowerLeg",
            "Foot",
            "Toes",
            "ThumbMetacarpal",
            "ThumbProximal",
            "ThumbDistal",
            *_FINGERS,
        )
    ),
}  # fmt: skip  -- every VRM 1.0 humanoid bone but the optional jaw
EXPRESSIONS = (
    "blink", "blinkLeft", "blinkRight", "aa", "ih", "ou", "ee", "oh", "happy", "sad", "angry", "surprised", "relaxed",
)  # fmt: skip


@pytest.fixture(scope="module")
def glb_bytes() -> bytes:
    return dc.variant_path("full").read_bytes()


@pytest.fixture(scope="module")
def gltf(glb_bytes) -> pygltflib.GLTF2:
    return pygltflib.GLTF2.load_from_bytes(glb_bytes)


@pytest.mark.slow  # builds the light variant in a child process (about 20 s on two cores)
def test_the_build_is_reproducible_byte_for_byte_and_the_shipped_files_are_current(gltf):
    shipped_light = dc.variant_path("light")
    assert shipped_light.exists(), "run: python -m tools.groom"
    assert dc.build_glb_reproducibly("light") == shipped_light.read_bytes(), (
        "arwed/assets/characters/groom_light.glb is stale: run python -m tools.groom"
    )
    assert gltf.asset.extras["generatorSourceSha256"] == dc.generator_source_hash(), (
        "arwed/assets/characters/groom.glb is stale: run python -m tools.groom"
    )


def test_shipped_sizes(glb_bytes):
    assert len(glb_bytes) < 2_500_000
    assert len(dc.variant_path("light").read_bytes()) < 0.8 * len(glb_bytes)


def read(gltf: pygltflib.GLTF2, index: int) -> np.ndarray:
    """An accessor as a float or int array, sparse and normalised accessors included."""
    blob = gltf.binary_blob()
    acc = gltf.accessors[index]
    width = _WIDTH[acc.type]
    dtype = np.dtype(_DTYPES[acc.componentType])
    if acc.bufferView is None:
        values = np.zeros((acc.count, width), dtype=dtype)
    else:
        view = gltf.bufferViews[acc.bufferView]
        start = (view.byteOffset or 0) + (acc.byteOffset or 0)
        values = np.frombuffer(blob, dtype=dtype, count=acc.count * width, offset=start).reshape(
            acc.count, width
        )
    if acc.sparse is not None:
        values = values.copy()
        iv = gltf.bufferViews[acc.sparse.indices.bufferView]
        idx = np.frombuffer(
            blob,
            dtype=_DTYPES[acc.sparse.indices.componentType],
            count=acc.sparse.count,
            offset=iv.byteOffset,
        )
        vv = gltf.bufferViews[acc.sparse.values.bufferView]
        values[idx] = np.frombuffer(
            blob, dtype=dtype, count=acc.sparse.count * width, offset=vv.byteOffset
        ).reshape(-1, width)
    if acc.normalized:
        values = values.astype(np.float64) / np.iinfo(dtype).max
    return values


def primitives(gltf):
    for mesh in gltf.meshes:
        for prim in mesh.primitives:
            yield mesh, prim


def test_light_enough_for_a_software_renderer(gltf):
    # On two cores with llvmpipe, drawing and skinning cost grows with the triangles and vertices, and every
    # draw call costs its uniforms and state (an outline is a second draw of its triangles): the small parts
    # share a palette, the body is the light variant's, the trousers have no outline. The old groom drew
    # 36,508 triangles in 17 draw calls; this one, outlines included, draws fewer.
    outlined = {
        i
        for i, m in enumerate(gltf.materials)
        if m.extensions["VRMC_materials_mtoon"]["outlineWidthMode"] != "none"
    }
    assert {gltf.materials[i].name for i in outlined} == {"suit", "skin", "hair"}
    drawn = sum(
        (gltf.accessors[prim.indices].count // 3) * (1 + (prim.material in outlined))
        for _, prim in primitives(gltf)
    )
    vertices = sum(gltf.accessors[prim.attributes.POSITION].count for _, prim in primitives(gltf))
    draws = sum(1 + (prim.material in outlined) for _, prim in primitives(gltf))
    assert drawn <= 42_000 and vertices <= 16_000 and draws <= 16


def test_simplify_keeps_a_closed_surface_on_the_shape():
    shape = im.union(
        im.sphere([0.0, 0.0, 0.0], 0.1), im.round_cone([0.0, 0.0, 0.0], [0.0, 0.2, 0.0], 0.05, 0.03), k=0.02
    )
    fine = im.mesh_implicit(shape, [-0.13, -0.13, -0.13], [0.13, 0.26, 0.13], 0.007)
    coarse = im.simplify(shape, fine, 0.001, 0.04)
    again = im.simplify(shape, fine, 0.001, 0.04)
    assert len(coarse.faces) < 0.5 * len(fine.faces)
    assert np.array_equal(coarse.faces, again.faces) and np.array_equal(coarse.vertices, again.vertices)
    # Every vertex is one of the originals (so on the surface, with its normal), every edge has two triangles.
    assert np.abs(shape(coarse.vertices)).max() < 1e-5
    edges = np.sort(
        np.concatenate([coarse.faces[:, [0, 1]], coarse.faces[:, [1, 2]], coarse.faces[:, [2, 0]]]), axis=1
    )
    _, counts = np.unique(edges, axis=0, return_counts=True)
    assert np.all(counts == 2)

    # Outward winding kept: the enclosed volume is positive and close to the fine mesh's.
    def volume(m):
        p = m.vertices[m.faces]
        return np.einsum("ij,ij->i", p[:, 0], np.cross(p[:, 1], p[:, 2])).sum() / 6.0

    assert volume(coarse) == pytest.approx(volume(fine), rel=0.03)


def test_valid_vrm_1_0(gltf):
    assert gltf.asset.version == "2.0"
    assert gltf.extensionsUsed == ["VRMC_vrm", "VRMC_materials_mtoon", "VRMC_springBone"]
    vrm = gltf.extensions["VRMC_vrm"]
    assert vrm["specVersion"] == "1.0"
    meta = vrm["meta"]
    assert meta["authors"] == ["arwed"] and meta["name"]
    assert meta["licenseUrl"] == "https://vrm.dev/licenses/1.0/"
    assert meta["avatarPermission"] == "everyone" and meta["allowRedistribution"] is True
    for _, prim in primitives(gltf):
        position = gltf.accessors[prim.attributes.POSITION]
        assert position.min is not None and position.max is not None
        assert np.allclose(read(gltf, prim.attributes.POSITION).min(axis=0), position.min, atol=1e-6)
        for target in prim.targets or []:
            assert gltf.accessors[target["POSITION"]].min is not None
        faces = read(gltf, prim.indices).reshape(-1, 3)
        assert faces.max() < position.count


def test_skeleton_has_the_vrm_humanoid_bones(gltf):
    bones = gltf.extensions["VRMC_vrm"]["humanoid"]["humanBones"]
    assert set(bones) >= REQUIRED_BONES
    skin_joints = set(gltf.skins[0].joints)
    for name, bone in bones.items():
        assert gltf.nodes[bone["node"]].name == name
        assert bone["node"] in skin_joints
        assert gltf.nodes[bone["node"]].rotation is None  # VRM 1.0: no rotation in the rest pose


def test_weights_are_normalised_with_at_most_four_influences(gltf):
    joint_count = len(gltf.skins[0].joints)
    for mesh, prim in primitives(gltf):
        joints = read(gltf, prim.attributes.JOINTS_0)
        weights = read(gltf, prim.attributes.WEIGHTS_0)
        assert joints.shape[1] == 4 and weights.shape == joints.shape
        assert np.allclose(weights.sum(axis=1), 1.0, atol=1e-6), mesh.name
        assert joints.max() < joint_count


def _world_joints(gltf) -> dict[str, np.ndarray]:
    parents = {c: i for i, n in enumerate(gltf.nodes) for c in (n.children or [])}
    out = {}
    for i in gltf.skins[0].joints:
        node = gltf.nodes[i]
        pos, j = np.zeros(3), i
        while j is not None:
            pos += np.asarray(gltf.nodes[j].translation or [0, 0, 0])
            j = parents.get(j)
        out[node.name] = pos
    return out


def test_life_size_feet_on_the_floor_facing_plus_z(gltf):
    positions: dict[str, np.ndarray] = {}
    for mesh, prim in primitives(gltf):
        pos = read(gltf, prim.attributes.POSITION)
        positions[mesh.name] = np.concatenate([positions[mesh.name], pos]) if mesh.name in positions else pos
    everything = np.concatenate(list(positions.values()))
    assert everything[:, 1].max() == pytest.approx(dc.HEIGHT_M, abs=1e-4)
    assert everything[:, 1].min() == pytest.approx(0.0, abs=1e-4)
    joints = _world_joints(gltf)
    # The character's left is +x, the face and toes point to +z.
    assert joints["leftUpperArm"][0] > 0.1 and joints["rightUpperArm"][0] < -0.1
    face = positions["face"]
    nose_tip = face[np.argmax(face[:, 2])]
    assert abs(nose_tip[0]) < 0.01 and nose_tip[2] > joints["head"][2] + 0.08
    assert joints["leftToes"][2] > joints["leftFoot"][2] + 0.1
    # About 7.5 heads tall: chin to crown between 0.22 and 0.26 m.
    front = face[(np.abs(face[:, 0]) < 0.01) & (face[:, 2] > nose_tip[2] - 0.05)]
    chin = front[:, 1].min()
    assert 0.22 < dc.HEIGHT_M - chin < 0.26


def _targets(gltf, mesh_name: str) -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    mesh = next(m for m in gltf.meshes if m.name == mesh_name)
    names = mesh.extras["targetNames"]
    out = {n: [] for n in names}
    for prim in mesh.primitives:
        pos = read(gltf, prim.attributes.POSITION)
        for name, target in zip(names, prim.targets, strict=True):
            out[name].append((pos, read(gltf, target["POSITION"])))
    return out


def test_blink_closes_the_eyelids(gltf):
    joints = _world_joints(gltf)
    targets = _targets(gltf, "eyelids")
    for side, other in (("Left", "right"), ("Right", "left")):
        pos, delta = targets[f"blink{side}"][0]
        moved = np.linalg.norm(delta, axis=1) > 1e-4
        eye = joints[f"{side[0].lower()}{side[1:]}Eye"]
        assert moved.sum() > 50
        # Every moving vertex is on this eye's lids, and the upper lid comes down over the eye (~1 cm).
        assert np.all(np.linalg.norm(pos[moved] - eye, axis=1) < 0.02)
        assert delta[moved, 1].min() < -0.007
        assert np.all(np.linalg.norm(pos[moved] - joints[f"{other}Eye"], axis=1) > 0.04)
    preset = gltf.extensions["VRMC_vrm"]["expressions"]["preset"]
    assert len(preset["blink"]["morphTargetBinds"]) == 2


def test_every_expression_moves_the_face(gltf):
    preset = gltf.extensions["VRMC_vrm"]["expressions"]["preset"]
    for name in EXPRESSIONS:
        binds = preset[name]["morphTargetBinds"]
        assert binds, name
        moved = 0
        for bind in binds:
            mesh = gltf.meshes[gltf.nodes[bind["node"]].mesh]
            assert 0 <= bind["index"] < len(mesh.extras["targetNames"])
            for prim in mesh.primitives:
                delta = read(gltf, prim.targets[bind["index"]]["POSITION"])
                moved += int((np.linalg.norm(delta, axis=1) > 5e-4).sum())
        assert moved > 20, name  # at least half a millimetre, on a visible patch of the face


def test_every_humanoid_bone_drives_the_mesh(gltf):
    """Each bone carries vertices (the eyes carry the eyeballs, every finger bone its segment)."""
    bones = gltf.extensions["VRMC_vrm"]["humanoid"]["humanBones"]
    names = [gltf.nodes[j].name for j in gltf.skins[0].joints]
    carried = dict.fromkeys(names, 0)
    for _, prim in primitives(gltf):
        joints = read(gltf, prim.attributes.JOINTS_0).astype(np.int64)
        weights = read(gltf, prim.attributes.WEIGHTS_0)
        for k in range(4):
            strong = weights[:, k] > 0.3
            for j, count in zip(*np.unique(joints[strong, k], return_counts=True), strict=True):
                carried[names[j]] += int(count)
    for bone in bones:
        assert carried[bone] >= 10, bone


def test_aa_opens_the_mouth(gltf):
    pos, delta = (
        np.concatenate([p for p, _ in _targets(gltf, "face")["aa"]]),
        np.concatenate([d for _, d in _targets(gltf, "face")["aa"]]),
    )
    moved = np.linalg.norm(delta, axis=1) > 1e-3
    assert moved.sum() > 100
    mouth_y = (
        pos[np.argmax(np.where(np.abs(pos[:, 0]) < 0.005, pos[:, 2], -1.0)), 1] - 0.035
    )  # below the nose tip
    # The lower lip and chin drop by about a centimetre; nothing above the nose moves.
    assert delta[:, 1].min() < -0.008
    assert np.all(pos[moved, 1] < mouth_y + 0.03)
    lowest = pos[np.argmin(delta[:, 1])]
    assert abs(lowest[0]) < 0.03 and lowest[2] > 0.04


def _skinned(gltf, rotations: dict[str, Rotation]):
    """Linear blend skinning of every primitive with the given local joint rotations (rest: no rotation)."""
    joints = _world_joints(gltf)
    names = [gltf.nodes[j].name for j in gltf.skins[0].joints]
    parent_of = {c: n.name for n in gltf.nodes for c in (n.children or [])}
    world = {}
    for name in names:  # parents come before their children in the generated skin
        node_index = next(i for i, n in enumerate(gltf.nodes) if n.name == name)
        local = np.eye(4)
        if name in rotations:
            local[:3, :3] = rotations[name].as_matrix()
        to, back = np.eye(4), np.eye(4)
        to[:3, 3], back[:3, 3] = joints[name], -joints[name]
        parent = parent_of.get(node_index)
        world[name] = (world[parent] if parent in world else np.eye(4)) @ to @ local @ back
    mats = np.stack([world[n] for n in names])
    for mesh, prim in primitives(gltf):
        pos = read(gltf, prim.attributes.POSITION).astype(np.float64)
        j = read(gltf, prim.attributes.JOINTS_0).astype(np.int64)
        w = read(gltf, prim.attributes.WEIGHTS_0)
        m = np.einsum("vk,vkij->vij", w, mats[j])
        posed = np.einsum("vij,vj->vi", m[:, :3, :3], pos) + m[:, :3, 3]
        yield mesh.name, read(gltf, prim.indices).reshape(-1, 3).astype(np.int64), pos, posed


def test_bending_elbows_and_knees_90_degrees_tears_nothing(gltf):
    bend = {
        "leftLowerArm": Rotation.from_euler("x", -90, degrees=True),
        "rightLowerArm": Rotation.from_euler("x", -90, degrees=True),
        "leftLowerLeg": Rotation.from_euler("x", 90, degrees=True),
        "rightLowerLeg": Rotation.from_euler("x", 90, degrees=True),
        "leftUpperArm": Rotation.from_euler("z", 60, degrees=True),
    }
    moved_any = False
    for name, faces, rest, posed in _skinned(gltf, bend):
        edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
        rest_len = np.linalg.norm(rest[edges[:, 0]] - rest[edges[:, 1]], axis=1)
        posed_len = np.linalg.norm(posed[edges[:, 0]] - posed[edges[:, 1]], axis=1)
        # No spikes and no tearing: every edge stays within 2.5 cm of its rest length and under 3x it
        # (a bent elbow squeezes and stretches cloth, it never pulls a sheet across a gap).
        assert np.all(posed_len < np.maximum(3.0 * rest_len, rest_len + 0.006)), name
        assert np.all(np.abs(posed_len - rest_len) < 0.025), name
        moved_any |= bool(np.abs(posed - rest).max() > 0.2)
    assert moved_any  # the pose really moved the limbs


def _rays_hit(triangles: np.ndarray, origins: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Whether each ray (origin, direction) crosses any of the triangles (n, 3, 3): Moller-Trumbore."""
    a, b, c = triangles[:, 0], triangles[:, 1], triangles[:, 2]
    e1, e2 = b - a, c - a
    hits = []
    for o, d in zip(origins, directions, strict=True):
        p = np.cross(d, e2)
        det = np.einsum("ij,ij->i", e1, p)
        ok = np.abs(det) > 1e-15
        inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
        t = o - a
        u = np.einsum("ij,ij->i", t, p) * inv
        q = np.cross(t, e1)
        v = (q @ d) * inv
        dist = np.einsum("ij,ij->i", e2, q) * inv
        hits.append(bool(np.any(ok & (u >= 0) & (v >= 0) & (u + v <= 1) & (dist > 0))))
    return np.array(hits)


def test_lids_wrap_the_eyeball_and_leave_an_almond_open_in_front(gltf):
    skin = []
    for mesh, prim in primitives(gltf):
        if mesh.name not in ("eyes", "lashes"):
            pos = read(gltf, prim.attributes.POSITION).astype(np.float64)
            skin.append(pos[read(gltf, prim.indices).reshape(-1, 3).astype(np.int64)])
    skin = np.concatenate(skin)
    joints = _world_joints(gltf)

    def rays_from(eye: np.ndarray, azimuth_deg, elevation_deg, reach_m: float = 0.05) -> np.ndarray:
        a, e = np.meshgrid(np.radians(azimuth_deg), np.radians(elevation_deg))
        d = np.stack([np.sin(a) * np.cos(e), np.sin(e), np.cos(a) * np.cos(e)], axis=-1).reshape(-1, 3)
        near = skin[np.linalg.norm(skin.mean(axis=1) - eye, axis=1) < reach_m]
        return _rays_hit(near, eye + 1.02 * dc._EYE_RADIUS * d, d)

    for side, outward in (("leftEye", 1.0), ("rightEye", -1.0)):
        eye = joints[side]
        # Seen from the side, skin covers the eyeball's sides all round: no white ball beside the lids.
        sides = np.concatenate([np.linspace(78.0, 110.0, 9), -np.linspace(78.0, 110.0, 9)])
        assert rays_from(eye, sides, np.linspace(-40.0, 40.0, 9)).all(), side
        # From the front the eye shows between the lids, iris and white (the socket's rim clips the almond's
        # inner corner, by the nose).
        assert not rays_from(eye, outward * np.linspace(-30.0, 40.0, 8), [0.0, 6.0], reach_m=0.018).any(), (
            side
        )


def test_every_lock_of_hair_is_a_spring_that_collides_with_the_head(gltf):
    springs = gltf.extensions["VRMC_springBone"]
    assert len(springs["colliders"]) >= 2 and springs["colliderGroups"][0]["colliders"]
    names = {s["name"] for s in springs["springs"]}
    assert names == {lock.name for lock in hair.LOCKS} and len(names) >= 15
    for spring in springs["springs"]:
        chain = [gltf.nodes[j["node"]].name for j in spring["joints"]]
        assert chain == [f"{spring['name']}_{i}" for i in range(2)]
        assert spring["colliderGroups"] == [0]


def test_the_hair_sways_and_settles_within_two_seconds_when_still():
    character = load_character(dc.variant_path("full"))
    character.set_pose_mode("rest")
    skeleton = character.skeleton()
    tips = [skeleton.names.index(f"{lock.name}_1") for lock in hair.LOCKS]
    fps = 30.0

    def tips_from_head(t: float, motion=None) -> np.ndarray:
        character.pose(CharacterCue(t, root_motion_m=motion))
        s = character.skeleton()
        return s.positions_m[tips] - s.positions_m[s.humanoid["head"]]

    t = 0.0
    for _ in range(10):
        rest = tips_from_head(t)
        t += 1.0 / fps
    swing = 0.0
    for _ in range(8):  # a quick step to his left: 4 cm a frame
        swing = max(swing, float(np.abs(tips_from_head(t, np.array([0.04, 0.0, 0.0])) - rest).max()))
        t += 1.0 / fps
    assert swing > 0.004  # the locks trail behind the motion
    still = []
    for _ in range(int(2.0 * fps)):  # then he stands still for two seconds
        still.append(tips_from_head(t))
        t += 1.0 / fps
    assert np.abs(still[-1] - rest).max() < 0.001  # back where they hang, within a millimetre
    assert np.abs(still[-1] - still[-2]).max() < 1e-4  # and no longer moving


def test_no_outline_round_the_eyes(gltf):
    """The skin of the sockets has no outline: its inverted hull drew a dark ring round a closed eye."""
    joints = _world_joints(gltf)
    outlined = {
        i
        for i, m in enumerate(gltf.materials)
        if m.extensions["VRMC_materials_mtoon"]["outlineWidthMode"] != "none"
    }
    for _, prim in primitives(gltf):
        if prim.material in outlined:
            pos = read(gltf, prim.attributes.POSITION)
            for eye in ("leftEye", "rightEye"):
                # (1.16 radii when the ring showed, 0.78 before the sockets lost their outline)
                assert np.linalg.norm(pos - joints[eye], axis=1).min() > 1.3 * dc._EYE_RADIUS
