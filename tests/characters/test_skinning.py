"""Skinning maths checked exactly on a generated two-bone glTF."""

from __future__ import annotations

import numpy as np
import pytest

from arwed.characters import quaternions as quat
from arwed.characters.gltf_io import read_gltf
from arwed.characters.loader import _inverse_binds
from arwed.characters.materials import MaterialLibrary
from arwed.characters.meshes import read_primitives
from arwed.characters.skeleton import build_skeleton
from arwed.characters.skinning import Skinner
from tests.characters.gltf_factory import Bone, GltfBuilder, MeshSpec


def two_bone_file(tmp_path, with_morph: bool = False):
    """Root at the origin, child 1 m up. Vertex 0 on the child, 1 on the root, 2 split half and half."""
    builder = GltfBuilder()
    nodes = builder.add_bones([Bone("root", -1, (0.0, 0.0, 0.0)), Bone("child", 0, (0.0, 1.0, 0.0))])
    positions = np.array([[0.0, 1.5, 0.0], [0.0, 0.5, 0.0], [0.2, 1.0, 0.0], [0.0, 1.5, 0.1]])
    normals = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    joints = np.array([[1, 0, 0, 0], [0, 0, 0, 0], [0, 1, 0, 0], [1, 0, 0, 0]])
    weights = np.array([[1, 0, 0, 0], [1, 0, 0, 0], [0.5, 0.5, 0, 0], [1, 0, 0, 0]], dtype=float)
    targets = (
        [("lift", np.array([[0, 0, 0], [0, 0.25, 0], [0, 0, 0], [0, 0, 0]], float))] if with_morph else []
    )
    spec = MeshSpec(
        positions, np.array([[0, 1, 2], [0, 2, 3]]), joints, weights, normals=normals, targets=targets
    )
    mesh = builder.add_mesh(spec)
    skin = builder.add_skin(nodes)
    body = builder.add_node("body", mesh=mesh, skin=skin)
    builder.set_scene([nodes[0], body])
    return builder.write_glb(tmp_path / "two_bones.glb")


def rig(path):
    doc = read_gltf(path)
    skeleton = build_skeleton(doc)
    prims = read_primitives(doc, skeleton, MaterialLibrary(doc))
    return skeleton, Skinner(skeleton, prims, _inverse_binds(doc, skeleton))


def skin_with(skeleton, skinner, rotations: dict[int, np.ndarray], morphs=None):
    rot = skeleton.rest_rotation.copy()
    for node, q in rotations.items():
        rot[node] = q
    world = skeleton.world_matrices(skeleton.rest_translation, rot, skeleton.rest_scale)
    return skinner.skin(world, np.eye(4), np.zeros(len(skinner.morphs)) if morphs is None else morphs)


def test_rest_pose_reproduces_the_mesh(tmp_path):
    skeleton, skinner = rig(two_bone_file(tmp_path))
    positions, normals = skin_with(skeleton, skinner, {})
    np.testing.assert_allclose(positions, [[0, 1.5, 0], [0, 0.5, 0], [0.2, 1.0, 0], [0, 1.5, 0.1]], atol=1e-6)
    np.testing.assert_allclose(normals[0], [1, 0, 0], atol=1e-6)


def test_child_bone_rotated_90_degrees_moves_its_vertices_exactly(tmp_path):
    skeleton, skinner = rig(two_bone_file(tmp_path))
    child = skeleton.names.index("child")
    q = quat.from_axis_angle(np.array([0.0, 0.0, 1.0]), np.pi / 2)  # +x turns to +y
    positions, normals = skin_with(skeleton, skinner, {child: q})
    # vertex 0 sits 0.5 m above the child joint: it swings to 0.5 m on the -x side
    np.testing.assert_allclose(positions[0], [-0.5, 1.0, 0.0], atol=1e-5)
    # vertex 1 belongs to the root: unmoved
    np.testing.assert_allclose(positions[1], [0.0, 0.5, 0.0], atol=1e-5)
    # vertex 2 is half root (stays at (0.2, 1, 0)) and half child (goes to (0, 1.2, 0))
    np.testing.assert_allclose(positions[2], [0.1, 1.1, 0.0], atol=1e-5)
    np.testing.assert_allclose(positions[3], [-0.5, 1.0, 0.1], atol=1e-5)
    np.testing.assert_allclose(normals[0], [0.0, 1.0, 0.0], atol=1e-5)  # normals turn with the bone
    np.testing.assert_allclose(normals[3], [0.0, 0.0, 1.0], atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(normals, axis=1), 1.0, atol=1e-6)


def test_root_rotation_carries_the_child_and_the_root_transform_applies(tmp_path):
    skeleton, skinner = rig(two_bone_file(tmp_path))
    root_joint = skeleton.names.index("root")
    q = quat.from_axis_angle(np.array([1.0, 0.0, 0.0]), np.pi / 2)  # +y turns to +z
    rot = skeleton.rest_rotation.copy()
    rot[root_joint] = q
    world = skeleton.world_matrices(skeleton.rest_translation, rot, skeleton.rest_scale)
    to_character = np.diag([2.0, 2.0, 2.0, 1.0])
    to_character[:3, 3] = [1.0, 0.0, 0.0]
    positions, _ = skinner.skin(world, to_character, np.zeros(0))
    np.testing.assert_allclose(positions[0], [1.0, 0.0, 3.0], atol=1e-5)  # (0, 0, 1.5) * 2 + (1, 0, 0)
    np.testing.assert_allclose(positions[1], [1.0, 0.0, 1.0], atol=1e-5)


def test_morph_target_is_applied_before_skinning(tmp_path):
    skeleton, skinner = rig(two_bone_file(tmp_path, with_morph=True))
    assert [m.name for m in skinner.morphs] == ["lift"]
    positions, _ = skin_with(skeleton, skinner, {}, morphs=np.array([0.5]))
    np.testing.assert_allclose(positions[1], [0.0, 0.625, 0.0], atol=1e-6)
    np.testing.assert_allclose(positions[0], [0.0, 1.5, 0.0], atol=1e-6)


def test_unchanged_input_returns_the_cached_result(tmp_path):
    skeleton, skinner = rig(two_bone_file(tmp_path))
    first = skin_with(skeleton, skinner, {})
    again = skin_with(skeleton, skinner, {})
    assert again[0] is first[0]


@pytest.mark.parametrize("angle_deg", [30.0, 90.0, 180.0])
def test_quaternion_helpers_agree_with_scipy(angle_deg):
    from scipy.spatial.transform import Rotation

    axis = np.array([0.3, -0.5, 0.8])
    q = quat.from_axis_angle(axis, np.radians(angle_deg))
    expected = Rotation.from_rotvec(axis / np.linalg.norm(axis) * np.radians(angle_deg))
    np.testing.assert_allclose(quat.to_matrix(q), expected.as_matrix(), atol=1e-12)
    v = np.array([0.1, 0.7, -0.2])
    np.testing.assert_allclose(quat.rotate(q, v), expected.apply(v), atol=1e-12)
    p = quat.from_axis_angle(np.array([1.0, 0.0, 0.0]), 0.4)
    composed = Rotation.from_quat(p) * expected
    np.testing.assert_allclose(quat.to_matrix(quat.multiply(p, q)), composed.as_matrix(), atol=1e-12)
    u, w = np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.3, 0.9])
    np.testing.assert_allclose(quat.rotate(quat.from_to(u, w), u), w / np.linalg.norm(w), atol=1e-12)
