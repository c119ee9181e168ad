"""One canonical character whatever the file: facing +z, arms down, life size, feet on the floor."""

from __future__ import annotations

import numpy as np
import pytest

from arwed.characters.base import CharacterCue
from arwed.characters.humanoid import normalise_name
from arwed.characters.loader import load_character
from tests.characters.gltf_factory import humanoid_builder


@pytest.fixture(params=["1.0", "0.x", None], ids=["vrm1", "vrm0", "gltf"])
def generated(request, tmp_path):
    builder, _, _ = humanoid_builder(request.param)
    suffix = ".vrm" if request.param else ".glb"
    return load_character(builder.write_glb(tmp_path / f"partner{suffix}"))


def joint(character, bone: str) -> np.ndarray:
    skeleton = character.skeleton()
    return skeleton.positions_m[skeleton.humanoid[bone]]


def posed_points(character, mode: str = "rest") -> np.ndarray:
    character.set_pose_mode(mode)
    return np.concatenate([p.positions_m for p in character.pose(CharacterCue(time_s=0.0))])


def test_every_format_faces_plus_z_with_its_left_hand_at_plus_x(generated):
    posed_points(generated)
    nose_z = max(p.rest_positions_m[:, 2].max() for p in generated.parts)
    head = joint(generated, "head")
    assert nose_z > head[2] + 0.05  # the nose (and toes) stick out on the +z side
    assert joint(generated, "leftUpperArm")[0] > 0.1 > -0.1 > joint(generated, "rightUpperArm")[0]
    assert joint(generated, "leftFoot")[2] < nose_z


def test_life_size_is_exact_with_feet_on_the_floor(tmp_path):
    builder, _, _ = humanoid_builder("1.0")
    path = builder.write_glb(tmp_path / "p.vrm")
    for height in (1.80, 1.62):
        character = load_character(path, height_m=height)
        points = posed_points(character)
        assert abs(points[:, 1].max() - height) < 1e-3
        assert abs(points[:, 1].min()) < 1e-3
        assert character.info.height_m == height
        assert abs(character.info.source_height_m - 1.86) < 1e-4  # the generated figure's own height
        assert abs(character.info.scale - height / 1.86) < 1e-6
        hips = joint(character, "hips")
        assert abs(hips[0]) < 1e-4 and abs(hips[2]) < 1e-4  # centred over the origin


def test_rest_pose_brings_the_arms_down_from_the_t_pose(generated):
    posed_points(generated, "tpose")
    t_hand = joint(generated, "leftHand")
    assert abs(t_hand[1] - joint(generated, "leftUpperArm")[1]) < 0.02  # arms out sideways as authored
    posed_points(generated, "rest")
    for side, sign in (("left", 1), ("right", -1)):
        shoulder, hand = joint(generated, f"{side}UpperArm"), joint(generated, f"{side}Hand")
        assert hand[1] < shoulder[1] - 0.4  # well below the shoulder
        assert 0.0 < sign * (hand[0] - shoulder[0]) < 0.25  # a little out from the body, not across it
        assert hand[2] > shoulder[2] - 0.02  # hanging slightly forward, never behind
        elbow = joint(generated, f"{side}LowerArm")
        upper, lower = elbow - shoulder, hand - elbow
        bend = np.degrees(np.arccos(np.dot(upper, lower) / np.linalg.norm(upper) / np.linalg.norm(lower)))
        assert 5.0 < bend < 30.0  # a relaxed elbow


def test_idle_keeps_the_feet_planted(tmp_path):
    builder, _, _ = humanoid_builder("1.0")
    character = load_character(builder.write_glb(tmp_path / "p.vrm"))
    lows = []
    for k in range(60):
        points = np.concatenate([p.positions_m for p in character.pose(CharacterCue(time_s=k * 0.25))])
        lows.append(points[:, 1].min())
    assert max(abs(v) for v in lows) < 0.01


@pytest.mark.parametrize(
    "name, expected",
    [
        ("mixamorig:LeftForeArm", ("left", "forearm")),
        ("UpperArm.L", ("left", "upperarm")),
        ("upperarm_r", ("right", "upperarm")),
        ("Bip01 L Thigh", ("left", "thigh")),
        ("Right knee", ("right", "knee")),
        ("J_Bip_C_Spine", (None, "spine")),
        ("J_Bip_L_UpperArm", ("left", "upperarm")),
    ],
)
def test_bone_names_split_into_side_and_part(name, expected):
    assert normalise_name(name) == expected


def test_name_mapper_handles_mixamo_and_blender_rigs(tmp_path):
    from arwed.characters.humanoid import map_by_names
    from arwed.characters.skeleton import Skeleton

    for names in (
        [
            "mixamorig:Hips",
            "mixamorig:Spine",
            "mixamorig:Spine1",
            "mixamorig:Neck",
            "mixamorig:Head",
            "mixamorig:LeftArm",
            "mixamorig:LeftForeArm",
            "mixamorig:LeftHand",
            "mixamorig:LeftUpLeg",
            "mixamorig:LeftLeg",
            "mixamorig:LeftFoot",
        ],
        [
            "Hips",
            "Spine",
            "Chest",
            "Neck",
            "Head",
            "UpperArm.L",
            "LowerArm.L",
            "Hand.L",
            "UpperLeg.L",
            "LowerLeg.L",
            "Foot.L",
        ],
    ):
        parents = np.array([-1, 0, 1, 2, 3, 2, 5, 6, 0, 8, 9])
        skeleton = Skeleton(
            names,
            parents,
            np.arange(len(names)),
            np.zeros((11, 3)),
            np.tile([0, 0, 0, 1.0], (11, 1)),
            np.ones((11, 3)),
            [np.arange(11)],
        )
        mapped = map_by_names(skeleton, set(range(11)))
        assert mapped == {
            "hips": 0,
            "spine": 1,
            "chest": 2,
            "neck": 3,
            "head": 4,
            "leftUpperArm": 5,
            "leftLowerArm": 6,
            "leftHand": 7,
            "leftUpperLeg": 8,
            "leftLowerLeg": 9,
            "leftFoot": 10,
        }
