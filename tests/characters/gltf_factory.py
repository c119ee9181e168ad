"""Small glTF/VRM files with known skeletons and meshes, built with pygltflib for the character tests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pygltflib

FLOAT, UBYTE, USHORT, UINT = 5126, 5121, 5123, 5125


@dataclass
class Bone:
    name: str
    parent: int  # index in the bone list, -1 for the root
    translation: tuple[float, float, float]
    rotation: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0)


@dataclass
class MeshSpec:
    positions: np.ndarray  # (V, 3)
    faces: np.ndarray  # (F, 3)
    joints: np.ndarray | None = None  # (V, 4) indices into the bone list
    weights: np.ndarray | None = None  # (V, 4)
    normals: np.ndarray | None = None
    uv: np.ndarray | None = None
    targets: list[tuple[str, np.ndarray]] = field(default_factory=list)  # (name, position deltas)


class GltfBuilder:
    """Accumulates binary data and accessors, then writes .glb or .gltf + .bin."""

    def __init__(self) -> None:
        self.gltf = pygltflib.GLTF2(asset=pygltflib.Asset(version="2.0", generator="arwed tests"))
        self.blob = bytearray()

    def accessor(self, array: np.ndarray, kind: str, component: int = FLOAT, count: int | None = None) -> int:
        dtype = {FLOAT: np.float32, UBYTE: np.uint8, USHORT: np.uint16, UINT: np.uint32}[component]
        data = np.ascontiguousarray(array, dtype=dtype)
        while len(self.blob) % 4:
            self.blob.append(0)
        offset = len(self.blob)
        self.blob.extend(data.tobytes())
        self.gltf.bufferViews.append(
            pygltflib.BufferView(buffer=0, byteOffset=offset, byteLength=data.nbytes)
        )
        rows = data.reshape(len(data), -1)
        acc = pygltflib.Accessor(
            bufferView=len(self.gltf.bufferViews) - 1,
            componentType=component,
            count=count if count is not None else len(data),
            type=kind,
        )
        if kind == "VEC3" and component == FLOAT and len(rows):
            acc.min = rows.min(axis=0).tolist()
            acc.max = rows.max(axis=0).tolist()
        self.gltf.accessors.append(acc)
        return len(self.gltf.accessors) - 1

    def add_bones(self, bones: list[Bone]) -> list[int]:
        first = len(self.gltf.nodes)
        for bone in bones:
            self.gltf.nodes.append(
                pygltflib.Node(
                    name=bone.name, translation=list(bone.translation), rotation=list(bone.rotation)
                )
            )
        for i, bone in enumerate(bones):
            if bone.parent >= 0:
                self.gltf.nodes[first + bone.parent].children.append(first + i)
        return list(range(first, first + len(bones)))

    def add_mesh(self, spec: MeshSpec, material: int | None = None, name: str = "body") -> int:
        attrs = pygltflib.Attributes(POSITION=self.accessor(spec.positions, "VEC3"))
        if spec.normals is not None:
            attrs.NORMAL = self.accessor(spec.normals, "VEC3")
        if spec.uv is not None:
            attrs.TEXCOORD_0 = self.accessor(spec.uv, "VEC2")
        if spec.joints is not None:
            attrs.JOINTS_0 = self.accessor(spec.joints, "VEC4", USHORT)
            attrs.WEIGHTS_0 = self.accessor(spec.weights, "VEC4")
        targets = [pygltflib.Attributes(POSITION=self.accessor(d, "VEC3")) for _, d in spec.targets]
        prim = pygltflib.Primitive(
            attributes=attrs,
            indices=self.accessor(spec.faces.reshape(-1), "SCALAR", UINT),
            material=material,
            targets=targets,
        )
        mesh = pygltflib.Mesh(name=name, primitives=[prim])
        if spec.targets:
            mesh.extras = {"targetNames": [n for n, _ in spec.targets]}
        self.gltf.meshes.append(mesh)
        return len(self.gltf.meshes) - 1

    def add_skin(self, joint_nodes: list[int]) -> int:
        """A skin whose bind pose is the nodes' current (rest) pose."""
        world = _world_matrices(self.gltf, joint_nodes)
        ibm = np.linalg.inv(world).transpose(0, 2, 1).reshape(-1, 16)  # column-major
        self.gltf.skins.append(
            pygltflib.Skin(joints=joint_nodes, inverseBindMatrices=self.accessor(ibm, "MAT4"))
        )
        return len(self.gltf.skins) - 1

    def add_node(
        self,
        name: str,
        mesh: int | None = None,
        skin: int | None = None,
        parent: int | None = None,
        translation=(0.0, 0.0, 0.0),
    ) -> int:
        self.gltf.nodes.append(pygltflib.Node(name=name, mesh=mesh, skin=skin, translation=list(translation)))
        index = len(self.gltf.nodes) - 1
        if parent is not None:
            self.gltf.nodes[parent].children.append(index)
        return index

    def set_scene(self, roots: list[int]) -> None:
        self.gltf.scenes = [pygltflib.Scene(nodes=roots)]
        self.gltf.scene = 0

    def add_animation(
        self,
        name: str,
        node: int,
        path: str,
        times: np.ndarray,
        values: np.ndarray,
        interpolation: str = "LINEAR",
    ) -> None:
        kind = {"rotation": "VEC4", "translation": "VEC3", "scale": "VEC3", "weights": "SCALAR"}[path]
        sampler = pygltflib.AnimationSampler(
            input=self.accessor(times, "SCALAR"),
            output=self.accessor(values, kind),
            interpolation=interpolation,
        )
        anim = next((a for a in self.gltf.animations if a.name == name), None)
        if anim is None:
            anim = pygltflib.Animation(name=name, channels=[], samplers=[])
            self.gltf.animations.append(anim)
        anim.samplers.append(sampler)
        anim.channels.append(
            pygltflib.AnimationChannel(
                sampler=len(anim.samplers) - 1, target=pygltflib.AnimationChannelTarget(node=node, path=path)
            )
        )

    def write_glb(self, path: Path) -> Path:
        self.gltf.buffers = [pygltflib.Buffer(byteLength=len(self.blob))]
        self.gltf.set_binary_blob(bytes(self.blob))
        self.gltf.save_binary(str(path))
        return path

    def write_gltf(self, path: Path, bin_uri: str | None = None) -> Path:
        """A .gltf JSON file with its buffer in a separate file named bin_uri (default: beside it)."""
        bin_uri = bin_uri or path.with_suffix(".bin").name
        self.gltf.buffers = [pygltflib.Buffer(byteLength=len(self.blob), uri=bin_uri)]
        if "/" not in bin_uri and ":" not in bin_uri:
            (path.parent / bin_uri).write_bytes(bytes(self.blob))
        path.write_text(self.gltf.to_json())
        return path


def _world_matrices(gltf: pygltflib.GLTF2, nodes: list[int]) -> np.ndarray:
    from scipy.spatial.transform import Rotation

    parent = {c: i for i, n in enumerate(gltf.nodes) for c in n.children}

    def local(i: int) -> np.ndarray:
        n = gltf.nodes[i]
        m = np.eye(4)
        m[:3, :3] = Rotation.from_quat(n.rotation or [0, 0, 0, 1]).as_matrix()
        m[:3, 3] = n.translation or [0, 0, 0]
        return m

    def world(i: int) -> np.ndarray:
        return world(parent[i]) @ local(i) if i in parent else local(i)

    return np.array([world(i) for i in nodes])


def box(centre, size) -> tuple[np.ndarray, np.ndarray]:
    """8 corners and 12 triangles of an axis-aligned box."""
    c = np.asarray(centre, float)
    h = np.asarray(size, float) / 2
    corners = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float) * h + c
    faces = np.array(
        [
            [0, 1, 3],
            [0, 3, 2],
            [4, 6, 7],
            [4, 7, 5],
            [0, 4, 5],
            [0, 5, 1],
            [2, 3, 7],
            [2, 7, 6],
            [0, 2, 6],
            [0, 6, 4],
            [1, 5, 7],
            [1, 7, 3],
        ]
    )
    return corners, faces


# ---------------------------------------------------------------- a small humanoid in a T-pose
HUMANOID_BONES = [
    Bone("hips", -1, (0.0, 1.0, 0.0)),
    Bone("spine", 0, (0.0, 0.15, 0.0)),
    Bone("chest", 1, (0.0, 0.2, 0.0)),
    Bone("neck", 2, (0.0, 0.2, 0.0)),
    Bone("head", 3, (0.0, 0.1, 0.0)),
    Bone("leftUpperArm", 2, (0.18, 0.15, 0.0)),
    Bone("leftLowerArm", 5, (0.3, 0.0, 0.0)),
    Bone("leftHand", 6, (0.25, 0.0, 0.0)),
    Bone("rightUpperArm", 2, (-0.18, 0.15, 0.0)),
    Bone("rightLowerArm", 8, (-0.3, 0.0, 0.0)),
    Bone("rightHand", 9, (-0.25, 0.0, 0.0)),
    Bone("leftUpperLeg", 0, (0.1, -0.05, 0.0)),
    Bone("leftLowerLeg", 11, (0.0, -0.45, 0.0)),
    Bone("leftFoot", 12, (0.0, -0.42, 0.0)),
    Bone("rightUpperLeg", 0, (-0.1, -0.05, 0.0)),
    Bone("rightLowerLeg", 14, (0.0, -0.45, 0.0)),
    Bone("rightFoot", 15, (0.0, -0.42, 0.0)),
    Bone("hairRoot", 4, (0.0, 0.2, -0.15)),
    Bone("hair1", 17, (0.0, -0.1, 0.0)),
    Bone("hair2", 18, (0.0, -0.1, 0.0)),
]
HEAD_TOP = 1.0 + 0.15 + 0.2 + 0.2 + 0.1 + 0.25  # head bone + the head box's height
FOOT_BOTTOM = 1.0 - 0.05 - 0.45 - 0.42 - 0.04


def humanoid_mesh(bones: list[Bone]) -> tuple[MeshSpec, np.ndarray]:
    """A box per bone segment, each rigidly weighted to its bone, a head box with a nose and eyelids."""
    world = np.zeros((len(bones), 3))
    for i, b in enumerate(bones):
        world[i] = (world[b.parent] if b.parent >= 0 else 0) + np.asarray(b.translation)
    positions, faces, joints = [], [], []

    def add(centre, size, bone):
        v, f = box(centre, size)
        faces.append(f + sum(len(p) for p in positions))
        positions.append(v)
        joints.append(np.full(len(v), bone))

    names = [b.name for b in bones]
    for i, b in enumerate(bones):
        if b.parent >= 0 and not b.name.startswith("hair") and b.name != "head":
            a, c = world[b.parent], world[i]
            length = np.abs(c - a)
            add((a + c) / 2, np.maximum(length, 0.06), b.parent)
    head = names.index("head")
    add(world[head] + [0, 0.125, 0], (0.2, 0.25, 0.2), head)
    add(world[head] + [0, 0.1, 0.12], (0.03, 0.03, 0.04), head)  # nose, on the face side (+z)
    for k in (17, 18):
        add((world[k] + world[k + 1]) / 2, (0.04, 0.1, 0.02), k)
    for foot in ("leftFoot", "rightFoot"):
        i = names.index(foot)
        add(world[i] + [0, -0.02, 0.06], (0.08, 0.04, 0.2), i)  # toes forward
    pos = np.concatenate(positions)
    joint = np.zeros((len(pos), 4), dtype=np.uint16)
    joint[:, 0] = np.concatenate(joints)
    weight = np.zeros((len(pos), 4), dtype=np.float32)
    weight[:, 0] = 1.0
    face_arr = np.concatenate(faces)
    blink = np.zeros_like(pos)
    nose = slice(len(pos) - 8 * 5, len(pos) - 8 * 4)  # the nose box moves for the 'blink' test morph
    blink[nose, 1] = -0.02
    happy = np.zeros_like(pos)
    happy[nose, 0] = 0.01
    return MeshSpec(pos, face_arr, joint, weight, targets=[("blink", blink), ("happy", happy)]), world


def humanoid_builder(vrm: str | None = "1.0", springs: bool = False) -> tuple[GltfBuilder, list[int], int]:
    """A T-posed humanoid as VRM 1.0, VRM 0.x (facing -z, as 0.x files do) or plain glTF (vrm=None)."""
    bones = [Bone(b.name, b.parent, b.translation, b.rotation) for b in HUMANOID_BONES]
    if vrm == "0.x":  # VRM 0.x models face -z: mirror x and z of everything
        bones = [
            Bone(b.name, b.parent, (-b.translation[0], b.translation[1], -b.translation[2])) for b in bones
        ]
    builder = GltfBuilder()
    nodes = builder.add_bones(bones)
    spec, _ = humanoid_mesh(HUMANOID_BONES)
    if vrm == "0.x":  # the same figure turned half way round about y (a rotation: windings stay)
        turn = np.array([-1.0, 1.0, -1.0])
        spec.positions = spec.positions * turn
        spec.targets = [(n, d * turn) for n, d in spec.targets]
    mesh = builder.add_mesh(spec)
    skin = builder.add_skin(nodes)
    body = builder.add_node("body", mesh=mesh, skin=skin)
    builder.set_scene([nodes[0], body])
    humanoid_names = [b.name for b in bones if not b.name.startswith("hair")]
    if vrm == "1.0":
        ext = {
            "specVersion": "1.0",
            "meta": {
                "name": "Test Partner",
                "authors": ["arwed tests"],
                "licenseUrl": "https://vrm.dev/licenses/1.0/",
                "avatarPermission": "onlyAuthor",
                "commercialUsage": "personalNonProfit",
                "allowRedistribution": False,
                "modification": "prohibited",
            },
            "humanoid": {"humanBones": {n: {"node": nodes[i]} for i, n in enumerate(humanoid_names)}},
            "expressions": {
                "preset": {
                    "blink": {"morphTargetBinds": [{"node": body, "index": 0, "weight": 1.0}]},
                    "happy": {
                        "morphTargetBinds": [{"node": body, "index": 1, "weight": 1.0}],
                        "overrideBlink": "block",
                    },
                }
            },
        }
        builder.gltf.extensions["VRMC_vrm"] = ext
        builder.gltf.extensionsUsed.append("VRMC_vrm")
        if springs:
            builder.gltf.extensions["VRMC_springBone"] = {
                "specVersion": "1.0",
                "colliders": [
                    {"node": nodes[4], "shape": {"sphere": {"offset": [0, 0.12, 0], "radius": 0.1}}}
                ],
                "colliderGroups": [{"name": "head", "colliders": [0]}],
                "springs": [
                    {
                        "name": "hair",
                        "colliderGroups": [0],
                        "joints": [
                            {
                                "node": nodes[17],
                                "stiffness": 1.0,
                                "gravityPower": 0.0,
                                "dragForce": 0.4,
                                "hitRadius": 0.02,
                            },
                            {
                                "node": nodes[18],
                                "stiffness": 1.0,
                                "gravityPower": 0.0,
                                "dragForce": 0.4,
                                "hitRadius": 0.02,
                            },
                            {"node": nodes[19]},
                        ],
                    }
                ],
            }
            builder.gltf.extensionsUsed.append("VRMC_springBone")
    elif vrm == "0.x":
        ext = {
            "specVersion": "0.0",
            "meta": {"title": "Old Partner", "author": "arwed tests", "licenseName": "CC0"},
            "humanoid": {"humanBones": [{"bone": n, "node": nodes[i]} for i, n in enumerate(humanoid_names)]},
            "blendShapeMaster": {
                "blendShapeGroups": [
                    {
                        "name": "Blink",
                        "presetName": "blink",
                        "binds": [{"mesh": mesh, "index": 0, "weight": 100}],
                    },
                    {
                        "name": "Joy",
                        "presetName": "joy",
                        "binds": [{"mesh": mesh, "index": 1, "weight": 100}],
                    },
                ]
            },
            "secondaryAnimation": {"boneGroups": [], "colliderGroups": []},
        }
        builder.gltf.extensions["VRM"] = ext
        builder.gltf.extensionsUsed.append("VRM")
    return builder, nodes, body


def write_json_with(path: Path, document: dict) -> Path:
    path.write_text(json.dumps(document))
    return path


# ---------------------------------------------------------------- humanoids authored in other poses
MIXAMO_NAMES = {
    "hips": "mixamorig:Hips",
    "spine": "mixamorig:Spine",
    "chest": "mixamorig:Spine1",
    "neck": "mixamorig:Neck",
    "head": "mixamorig:Head",
    "leftUpperArm": "mixamorig:LeftArm",
    "leftLowerArm": "mixamorig:LeftForeArm",
    "leftHand": "mixamorig:LeftHand",
    "rightUpperArm": "mixamorig:RightArm",
    "rightLowerArm": "mixamorig:RightForeArm",
    "rightHand": "mixamorig:RightHand",
    "leftUpperLeg": "mixamorig:LeftUpLeg",
    "leftLowerLeg": "mixamorig:LeftLeg",
    "leftFoot": "mixamorig:LeftFoot",
    "rightUpperLeg": "mixamorig:RightUpLeg",
    "rightLowerLeg": "mixamorig:RightLeg",
    "rightFoot": "mixamorig:RightFoot",
    "hairRoot": "hair_root",
    "hair1": "hair_1",
    "hair2": "hair_2",
}


def _quat(axis, degrees: float) -> tuple[float, float, float, float]:
    axis = np.asarray(axis, float) / np.linalg.norm(axis)
    half = np.radians(degrees) / 2
    x, y, z = axis * np.sin(half)
    return (float(x), float(y), float(z), float(np.cos(half)))


def _qmul(a, b):
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return (
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
        aw * bw - ax * bx - ay * by - az * bz,
    )


# A soldier crouched mid-stride: hips turned and tilted, left thigh forward and knee bent deep, right leg
# back, torso leaning forward, head up to look ahead, arms bent in front as if holding something.
CROUCH_ROTATIONS = {
    "hips": _qmul(_quat((0, 1, 0), 15.0), _quat((0, 0, 1), 6.0)),
    "spine": _quat((1, 0, 0), 25.0),
    "head": _quat((1, 0, 0), -20.0),
    "leftUpperLeg": _quat((1, 0, 0), -55.0),
    "leftLowerLeg": _quat((1, 0, 0), 85.0),
    "rightUpperLeg": _quat((1, 0, 0), 20.0),
    "rightLowerLeg": _quat((1, 0, 0), 60.0),
    "leftFoot": _quat((1, 0, 0), -30.0),  # planted flat
    "rightFoot": _quat((1, 0, 0), -80.0),  # planted flat too
    "leftUpperArm": _qmul(_quat((0, 1, 0), -50.0), _quat((0, 0, 1), -50.0)),
    "leftLowerArm": _quat((0, 1, 0), -80.0),
    "rightUpperArm": _qmul(_quat((0, 1, 0), 50.0), _quat((0, 0, 1), 50.0)),
    "rightLowerArm": _quat((0, 1, 0), 80.0),
}


def posed_humanoid_builder(
    rotations: dict[str, tuple[float, float, float, float]],
    names: dict[str, str] | None = None,
    bones: list[Bone] | None = None,
    mesh: MeshSpec | None = None,
) -> tuple[GltfBuilder, list[int], int]:
    """A plain glTF humanoid authored in a pose: the T-posed figure's bones turned by `rotations`
    (local, xyzw, by humanoid name), its mesh moved with them and bound in that pose."""
    from scipy.spatial.transform import Rotation

    bones = bones or HUMANOID_BONES
    spec = mesh or humanoid_mesh(bones)[0]
    names = names or {}
    posed = [
        Bone(names.get(b.name, b.name), b.parent, b.translation, rotations.get(b.name, (0.0, 0.0, 0.0, 1.0)))
        for b in bones
    ]

    def world(blist: list[Bone]) -> np.ndarray:
        out = np.zeros((len(blist), 4, 4))
        for i, b in enumerate(blist):
            local = np.eye(4)
            local[:3, :3] = Rotation.from_quat(b.rotation).as_matrix()
            local[:3, 3] = b.translation
            out[i] = out[b.parent] @ local if b.parent >= 0 else local
        return out

    before, after = world(bones), world(posed)
    move = after @ np.linalg.inv(before)
    joint = spec.joints[:, 0].astype(int)
    homogeneous = np.c_[spec.positions, np.ones(len(spec.positions))]
    positions = np.einsum("vij,vj->vi", move[joint], homogeneous)[:, :3]
    targets = [(n, np.einsum("vij,vj->vi", move[joint][:, :3, :3], d)) for n, d in spec.targets]
    moved = MeshSpec(positions, spec.faces, spec.joints, spec.weights, targets=targets)
    builder = GltfBuilder()
    nodes = builder.add_bones(posed)
    mesh_index = builder.add_mesh(moved)
    skin = builder.add_skin(nodes)
    body = builder.add_node("body", mesh=mesh_index, skin=skin)
    builder.set_scene([nodes[0], body])
    return builder, nodes, body


def with_boxes(spec: MeshSpec, boxes: list[tuple[tuple, tuple, int]]) -> MeshSpec:
    """The mesh with more boxes (centre, size, bone index), each rigid to its bone."""
    positions, faces = [spec.positions], [spec.faces]
    joints, weights = [spec.joints], [spec.weights]
    count = len(spec.positions)
    for centre, size, bone in boxes:
        v, f = box(centre, size)
        positions.append(v)
        faces.append(f + count)
        j = np.zeros((len(v), 4), np.uint16)
        j[:, 0] = bone
        w = np.zeros((len(v), 4), np.float32)
        w[:, 0] = 1.0
        joints.append(j)
        weights.append(w)
        count += len(v)
    extra = count - len(spec.positions)
    targets = [(n, np.r_[d, np.zeros((extra, 3))]) for n, d in spec.targets]
    return MeshSpec(
        np.concatenate(positions),
        np.concatenate(faces),
        np.concatenate(joints),
        np.concatenate(weights),
        targets=targets,
    )


def without_bone_boxes(spec: MeshSpec, bone: int) -> MeshSpec:
    """The mesh without the vertices (and faces) rigid to one bone: e.g. a body without its head."""
    keep = spec.joints[:, 0] != bone
    index = np.cumsum(keep) - 1
    faces = spec.faces[keep[spec.faces].all(axis=1)]
    return MeshSpec(
        spec.positions[keep],
        index[faces],
        spec.joints[keep],
        spec.weights[keep],
        targets=[(n, d[keep]) for n, d in spec.targets],
    )
