"""Look-at from the eyes for VRM 0.x and 1.0 heads; licence notices from every VRM permission; expression
names in either VRM spelling; the skeleton view's lines; the keepsake credit line."""

from __future__ import annotations

import numpy as np
import pytest

from arwed.characters.base import CharacterCue
from arwed.characters.loader import load_character
from arwed.characters.permissions import credit_text, draw_credit_line, permission_notices, summarised_notices
from tests.characters.gltf_factory import humanoid_builder

HEAD = 4


def _vrm(tmp_path, version: str, eye_offset: tuple[float, float, float], name: str = "head"):
    """The test humanoid with the file's own eye position: VRM 1.0 lookAt or VRM 0.x firstPerson."""
    builder, nodes, _ = humanoid_builder(version)
    x, y, z = eye_offset
    if version == "1.0":
        builder.gltf.extensions["VRMC_vrm"]["lookAt"] = {"type": "bone", "offsetFromHeadBone": [x, y, z]}
    else:  # stored the Unity way: z flipped, in a model that faces -z
        builder.gltf.extensions["VRM"]["firstPerson"] = {
            "firstPersonBone": nodes[HEAD],
            "firstPersonBoneOffset": {"x": -x, "y": y, "z": z},
            "lookAtTypeName": "Bone",
        }
    return load_character(builder.write_glb(tmp_path / f"{name}.vrm"))


def _head(character):
    skeleton = character.skeleton()
    index = skeleton.humanoid["head"]
    return skeleton.positions_m[index].astype(float), skeleton.axes[index]


@pytest.mark.parametrize(
    "version, offset",
    [("0.x", (0.0, 0.12, 0.09)), ("1.0", (0.0, 0.12, 0.09)), ("0.x", (0.0, 0.45, 0.2))],
    ids=["vrm0", "vrm1", "vrm0-chibi"],
)
def test_the_face_turns_to_the_target_from_its_eyes(tmp_path, version, offset):
    character = _vrm(tmp_path, version, offset)
    scale = character.info.scale
    character.set_pose_mode("rest")
    character.pose(CharacterCue(0.0))
    head_rest, axes_rest = _head(character)
    eyes_rest = head_rest + np.asarray(offset) * scale
    character.set_pose_mode("idle")
    for relative in ((0.3, 0.35, 0.9), (-0.4, -0.3, 1.0), (0.0, 0.3, 0.7), (0.5, 0.0, 0.8)):
        target = eyes_rest + np.asarray(relative)
        character.reset()
        for k in range(120):
            character.pose(CharacterCue(k / 30.0, look_at_m=target))
        head, axes = _head(character)
        turn = axes @ axes_rest.T
        eyes = head + turn @ (np.asarray(offset) * scale)
        face = turn @ np.array([0.0, 0.0, 1.0])
        wanted = (target - eyes) / np.linalg.norm(target - eyes)
        error = np.degrees(np.arccos(np.clip(face @ wanted, -1.0, 1.0)))
        assert error < 5.0, (relative, error)
        if relative[1] > 0:  # the face of someone above its eyes is looked up to, never down at
            assert face[1] > 0.2


def test_the_chest_and_neck_share_the_turn(tmp_path):
    character = _vrm(tmp_path, "1.0", (0.0, 0.12, 0.09))
    character.set_pose_mode("rest")
    character.pose(CharacterCue(0.0))
    rest = character.skeleton().axes.copy()
    character.set_pose_mode("idle")
    for k in range(120):
        character.pose(CharacterCue(k / 30.0, look_at_m=np.array([1.2, 1.7, 0.8])))
    skeleton = character.skeleton()
    turned = {}
    for bone in ("chest", "neck", "head"):
        i = skeleton.humanoid[bone]
        relative = skeleton.axes[i] @ rest[i].T
        turned[bone] = np.degrees(np.arccos(np.clip((np.trace(relative) - 1) / 2, -1, 1)))
    assert 3.0 < turned["chest"] < turned["neck"] < turned["head"]


def test_every_vrm1_permission_reaches_the_notices(tmp_path):
    builder, _, _ = humanoid_builder("1.0")
    builder.gltf.extensions["VRMC_vrm"]["meta"] = {
        "name": "Strict",
        "authors": ["Ada"],
        "licenseUrl": "https://vrm.dev/licenses/1.0/",
        "avatarPermission": "onlyAuthor",
        "commercialUsage": "personalNonProfit",
        "creditNotation": "required",
        "allowRedistribution": False,
        "modification": "prohibited",
        "allowExcessivelyViolentUsage": False,
        "allowExcessivelySexualUsage": False,
        "allowPoliticalOrReligiousUsage": False,
        "allowAntisocialOrHateUsage": False,
        "otherLicenseUrl": "https://example.org/terms",
        "thirdPartyLicenses": "textures: CC BY 4.0",
    }
    info = load_character(builder.write_glb(tmp_path / "strict.vrm")).info
    text = "\n".join(info.notices)
    for field in builder.gltf.extensions["VRMC_vrm"]["meta"]:
        if field not in ("name", "authors"):
            assert field in text or builder.gltf.extensions["VRMC_vrm"]["meta"][field] in text, field
    assert "only its author may use this avatar: unless you are Ada" in text
    assert "personal, non-profit use only" in text and "credit required: name Ada" in text
    assert "do not pass the model file on" in text and "may not be modified" in text
    assert credit_text(info) == "Avatar: Strict by Ada (https://vrm.dev/licenses/1.0/)"


def test_vrm1_permissions_left_out_get_the_defaults_and_say_so():
    notices = permission_notices({"licenseUrl": "https://vrm.dev/licenses/1.0/"}, "1.0")
    assert any("avatarPermission: onlyAuthor, not stated" in n for n in notices)
    assert any("creditNotation: required, not stated" in n for n in notices)
    assert permission_notices({"generator": "Blender"}, None) == []


def test_the_log_gets_one_licence_line_with_who_commercial_use_and_credit():
    notices = permission_notices({"authors": "Ana", "licenseUrl": "https://vrm.dev/licenses/1.0/"}, "1.0")
    size = "chibi proportions: the head is 27% of the height"
    folded = summarised_notices([*notices, size])
    assert folded == [
        "licence: only its author may use this avatar; personal, non-profit use only; credit required"
        f" ({len(notices)} terms in all: arwed preview --info)",
        size,
    ]
    assert summarised_notices([size]) == [size]  # plain glTF: nothing to fold


def test_every_vrm0_permission_reaches_the_notices():
    meta = {
        "author": "Bo",
        "allowedUserName": "ExplicitlyLicensedPerson",
        "violentUssageName": "Disallow",
        "sexualUssageName": "Allow",
        "commercialUssageName": "Disallow",
        "licenseName": "CC_BY_NC_ND",
        "otherPermissionUrl": "https://example.org/permissions",
        "otherLicenseUrl": "https://example.org/licence",
    }
    text = "\n".join(permission_notices(meta, "0.x"))
    for field in meta:
        if field != "author":
            assert field in text, field
    assert "licensed separately" in text and "personal, non-profit use only" in text
    assert "credit required: name Bo" in text and "may not be modified" in text
    assert "violent use not allowed" in text and "sexual use allowed" in text


@pytest.mark.parametrize("version", ["0.x", "1.0"])
def test_expression_names_in_either_vrm_spelling(tmp_path, version):
    builder, _, _ = humanoid_builder(version)
    character = load_character(builder.write_glb(tmp_path / "face.vrm"))
    for name in ("happy", "joy", "Joy", "HAPPY"):
        assert character.find_expression(name) == "happy"
    assert character.find_expression("blink") == "blink" and character.find_expression("smile") is None
    assert set(character.info.expressions) == {"blink", "happy"}
    assert character.info.expression_aliases["joy"] == "happy"
    character.set_pose_mode("rest")
    neutral = np.concatenate([p.positions_m for p in character.pose(CharacterCue(0.0))])
    joy = np.concatenate([p.positions_m for p in character.pose(CharacterCue(0.0, expressions={"Joy": 1.0}))])
    assert np.abs(joy - neutral).max() > 0.005  # the 0.x name moves the face on either version


def test_the_skeleton_view_draws_no_line_from_the_armature_root_to_the_hips(tmp_path):
    builder, nodes, body = humanoid_builder(None)
    root = builder.add_node("Armature")
    builder.gltf.nodes[root].children.append(nodes[0])
    builder.set_scene([root, body])
    character = load_character(builder.write_glb(tmp_path / "rigged.glb"))
    character.pose(CharacterCue(0.0))
    skeleton = character.skeleton()
    lines = skeleton.bone_lines()
    hips = skeleton.humanoid["hips"]
    assert all(child != hips for _, child in lines)
    assert (hips, skeleton.humanoid["spine"]) in lines and len(lines) >= 15


def test_the_credit_line_sits_in_the_bottom_left_corner():
    image = np.full((720, 1280, 3), 200, np.uint8)
    draw_credit_line(image, "Avatar: Strict by Ada (https://vrm.dev/licenses/1.0/)")
    changed = np.argwhere(np.any(image != 200, axis=2))
    assert len(changed) > 500
    assert changed[:, 0].min() > 720 - 60 and changed[:, 1].max() < 1280 // 2
    narrow = np.full((120, 160, 3), 200, np.uint8)
    draw_credit_line(narrow, "Avatar: a model with a very long name by a great many authors indeed")
    assert np.any(narrow[:, -10:] == 200)  # cut to fit, never past the edge
