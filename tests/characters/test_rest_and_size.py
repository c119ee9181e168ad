"""The standing rest pose from the skeleton whatever the authored pose, and height from the skeleton."""

from __future__ import annotations

import numpy as np
import pytest

from arwed.characters.base import CharacterCue
from arwed.characters.loader import NOT_HUMANOID, NOT_RIGGED, load_character
from tests.characters.gltf_factory import (
    CROUCH_ROTATIONS,
    FOOT_BOTTOM,
    HEAD_TOP,
    HUMANOID_BONES,
    MIXAMO_NAMES,
    Bone,
    GltfBuilder,
    MeshSpec,
    box,
    humanoid_mesh,
    posed_humanoid_builder,
    with_boxes,
    without_bone_boxes,
)

TRUE_HEIGHT = HEAD_TOP - FOOT_BOTTOM  # the generated figure, floor to the top of its head box
HEAD = [b.name for b in HUMANOID_BONES].index("head")


def joints(character, mode: str) -> dict[str, np.ndarray]:
    character.set_pose_mode(mode)
    character.pose(CharacterCue(0.0))
    skeleton = character.skeleton()
    return {bone: skeleton.positions_m[i] for bone, i in skeleton.humanoid.items()}


def angle_deg(u: np.ndarray, v: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip(u @ v / np.linalg.norm(u) / np.linalg.norm(v), -1, 1))))


@pytest.fixture(scope="module")
def crouched(tmp_path_factory):
    builder, _, _ = posed_humanoid_builder(CROUCH_ROTATIONS, MIXAMO_NAMES)
    return load_character(builder.write_glb(tmp_path_factory.mktemp("crouch") / "soldier.glb"))


def test_a_crouched_mid_stride_rig_stands_up_straight(crouched):
    tpose = joints(crouched, "tpose")
    at = joints(crouched, "rest")
    for side in ("left", "right"):
        thigh = at[f"{side}LowerLeg"] - at[f"{side}UpperLeg"]
        shin = at[f"{side}Foot"] - at[f"{side}LowerLeg"]
        assert angle_deg(thigh, shin) < 5.0  # knees straight
        assert angle_deg(thigh, np.array([0.0, -1.0, 0.0])) < 5.0  # legs vertical
        shoulder, hand = at[f"{side}UpperArm"], at[f"{side}Hand"]
        arm = np.linalg.norm(at[f"{side}LowerArm"] - shoulder) + np.linalg.norm(hand - at[f"{side}LowerArm"])
        assert hand[1] < shoulder[1] - 0.8 * arm  # arms hang down
        assert abs(tpose[f"{side}Hand"][1] - tpose[f"{side}UpperArm"][1]) < 0.03  # and stretch out in a T
    # weight on both feet: the feet at one height, the hips over the middle between them
    assert abs(at["leftFoot"][1] - at["rightFoot"][1]) < 0.01
    middle = (at["leftFoot"] + at["rightFoot"]) / 2
    assert np.hypot(*(at["hips"] - middle)[[0, 2]]) < 0.03
    assert angle_deg(at["neck"] - at["hips"], np.array([0.0, 1.0, 0.0])) < 6.0  # upright torso
    # facing +z with the left side on +x, standing on the floor
    assert at["leftUpperLeg"][0] > 0 > at["rightUpperLeg"][0]
    crouched.set_pose_mode("rest")
    points = np.concatenate([p.positions_m for p in crouched.pose(CharacterCue(0.0))])
    assert abs(points[:, 1].min()) < 0.01
    assert abs(crouched.info.source_height_m - TRUE_HEIGHT) < 0.02  # as tall standing as the T-posed twin


def test_the_crouch_stays_standing_in_idle(crouched):
    crouched.set_pose_mode("idle")
    for k in range(20):
        points = np.concatenate([p.positions_m for p in crouched.pose(CharacterCue(k * 0.3))])
        assert abs(points[:, 1].min()) < 0.02


def _write(tmp_path, name: str, spec: MeshSpec, bones=HUMANOID_BONES) -> object:
    builder, _, _ = posed_humanoid_builder({}, bones=bones, mesh=spec)
    return builder.write_glb(tmp_path / name)


def test_an_antenna_does_not_make_the_figure_smaller(tmp_path):
    spec, world = humanoid_mesh(HUMANOID_BONES)
    top = world[HEAD] + [0.0, 0.25, 0.0]
    antenna = with_boxes(
        spec, [(tuple(top + [0.03, 0.2, 0.0]), (0.012, 0.4, 0.012), HEAD)]
    )  # on the head bone
    character = load_character(_write(tmp_path, "antenna.glb", antenna))
    assert abs(character.info.source_height_m - TRUE_HEIGHT) < 0.02  # the skull's top, not the antenna's
    at = joints(character, "rest")
    points = np.concatenate([p.positions_m for p in character.pose(CharacterCue(0.0))])
    head_top = at["head"][1] + 0.25 * character.info.scale
    assert abs(head_top - 1.80) < 0.02  # life size means the head, the antenna sticks out above
    assert points[:, 1].max() > 2.1


def test_a_chibi_is_measured_by_its_head_and_named(tmp_path):
    bones = [Bone(b.name, b.parent, b.translation) for b in HUMANOID_BONES]
    spec, world = humanoid_mesh(bones)
    big = without_bone_boxes(spec, HEAD)
    big = with_boxes(big, [(tuple(world[HEAD] + [0.0, 0.35, 0.0]), (0.7, 0.7, 0.6), HEAD)])
    character = load_character(_write(tmp_path, "chibi.glb", big, bones))
    expected = world[HEAD][1] + 0.7 - FOOT_BOTTOM
    assert abs(character.info.source_height_m - expected) < 0.02
    assert any(n.startswith("chibi proportions") for n in character.info.notices)
    eyes = load_character(tmp_path / "chibi.glb", height_to="eyes")
    assert eyes.info.scale > character.info.scale * 1.1  # its eyes are well below the top of its head


def test_a_headless_body_estimates_its_head(tmp_path):
    spec, world = humanoid_mesh(HUMANOID_BONES)
    body = without_bone_boxes(spec, HEAD)
    for hair in ("hairRoot", "hair1"):  # the hair hangs from the head too
        body = without_bone_boxes(body, [b.name for b in HUMANOID_BONES].index(hair))
    character = load_character(_write(tmp_path, "headless.glb", body))
    head_y = world[HEAD][1] - FOOT_BOTTOM
    assert abs(character.info.source_height_m - head_y * 1.11) < 0.02  # an adult's head on top
    assert "no head mesh found: the top of the head is estimated from the skeleton" in character.info.notices


def test_a_non_humanoid_is_scaled_whole_and_an_odd_scale_is_named(tmp_path):
    builder = GltfBuilder()
    bones = builder.add_bones([Bone("root", -1, (0, 0, 0)), Bone("arm", 0, (0, 0.3, 0))])
    v, f = box((0.0, 0.243, 0.0), (0.3, 0.486, 0.3))
    joint = np.zeros((8, 4), np.uint16)
    weight = np.zeros((8, 4), np.float32)
    weight[:, 0] = 1
    mesh = builder.add_mesh(MeshSpec(v, f, joint, weight))
    skin = builder.add_skin(bones)
    builder.set_scene([bones[0], builder.add_node("cube", mesh=mesh, skin=skin)])
    character = load_character(builder.write_glb(tmp_path / "cube.glb"))
    assert character.info.notices[0] in (NOT_HUMANOID, NOT_RIGGED)
    assert abs(character.info.scale - 1.80 / 0.486) < 1e-3
    assert any(n.startswith("scaled x3.7 to stand 1.80 m tall") for n in character.info.notices)
    small = load_character(tmp_path / "cube.glb", height_m=0.5)
    assert not any(n.startswith("scaled") for n in small.info.notices)  # x1.03 is nothing to mention
