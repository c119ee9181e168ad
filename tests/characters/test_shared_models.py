"""Every model in ../shared/models loads, maps its humanoid, stands life-size facing +z, animates and renders."""

from __future__ import annotations

import numpy as np
import pytest

from arwed.characters.base import CharacterCue
from arwed.characters.humanoid import REQUIRED_BONES
from arwed.characters.loader import NOT_RIGGED, load_character
from tests.conftest import shared_path

pytestmark = pytest.mark.shared

MODELS = [
    "RobotExpressive.glb",
    "CesiumMan.glb",
    "cryptovoxels.vrm",
    "VRMC_vrm_expressions_isBinary_Overrides.vrm",
    "VRMC_materials_mtoon_UV_Animation_Test.vrm",
]
WHOLE_FIGURES = ("RobotExpressive.glb", "CesiumMan.glb", "cryptovoxels.vrm")
FEET_ON_THE_FLOOR = ("CesiumMan.glb", "cryptovoxels.vrm")  # the robot's long arms reach below its soles

_cache: dict[str, object] = {}


def model(name: str):
    path = shared_path("models", name)
    if name not in _cache:
        _cache[name] = load_character(path)
    return _cache[name]


def points(character, cue: CharacterCue) -> np.ndarray:
    return np.concatenate([p.positions_m for p in character.pose(cue)])


@pytest.mark.parametrize("name", MODELS)
def test_loads_poses_and_stands_life_size(name):
    character = model(name)
    assert character.parts and character.info.triangles > 0
    character.set_pose_mode("rest")
    rest = points(character, CharacterCue(0.0))
    if name in WHOLE_FIGURES:  # nothing sticks out above the head: the skeleton's height is the mesh's
        assert abs(rest[:, 1].max() - 1.80) < 0.02
    if name in FEET_ON_THE_FLOOR:
        assert abs(rest[:, 1].min()) < 0.02
    if character.info.humanoid:
        skeleton = character.skeleton()
        at = {bone: skeleton.positions_m[i] for bone, i in skeleton.humanoid.items()}
        assert at["head"][1] < 1.80 - 0.05  # the head bone sits below the top of the head
        for foot in ("leftFoot", "rightFoot"):
            assert 0.0 < at[foot][1] < 0.2  # the ankles just above the floor
    character.set_pose_mode("idle")
    for k in range(10):
        posed = character.pose(
            CharacterCue(
                k / 30.0, look_at_m=np.array([0.8, 1.6, 0.6]), root_motion_m=np.array([0.01, 0.0, 0.0])
            )
        )
        assert len(posed) == len(character.parts)
        for part, pose in zip(character.parts, posed, strict=True):
            assert pose.positions_m.shape == part.rest_positions_m.shape
            assert np.all(np.isfinite(pose.positions_m)) and np.all(np.isfinite(pose.normals))


@pytest.mark.parametrize("name", MODELS)
def test_renders_a_centred_figure(name):
    from tests.characters.render_helper import render_front

    character = model(name)
    character.set_pose_mode("rest")
    image = render_front(character, character.pose(CharacterCue(0.0)))
    alpha = image[:, :, 3] > 0
    assert alpha.mean() > 0.005, "nothing drawn"
    rows = np.flatnonzero(alpha.any(axis=1))
    cols = np.flatnonzero(alpha.any(axis=0))
    centre_x = (cols[0] + cols[-1]) / 2 / image.shape[1]
    assert 0.3 < centre_x < 0.7  # centred over the origin
    if name in WHOLE_FIGURES:  # (the VRM samples are test panels hung on a skeleton, not a figure)
        assert (rows[-1] - rows[0]) / image.shape[0] > 0.75  # framed on its height, it spans about 85 %


def test_cryptovoxels_vrm0_maps_all_43_bones_and_turns_to_face_plus_z():
    character = model("cryptovoxels.vrm")
    info = character.info
    assert info.format == "VRM" and info.vrm_version == "0.x"
    assert len(info.bones_mapped) == 43 and info.humanoid and not info.bones_missing
    assert info.meta["author"] == "jin" and info.license.startswith("Other")
    character.set_pose_mode("rest")
    character.pose(CharacterCue(0.0))
    skeleton = character.skeleton()
    at = {bone: skeleton.positions_m[i] for bone, i in skeleton.humanoid.items()}
    assert at["leftToes"][2] > at["leftFoot"][2] + 0.03  # toes point +z
    assert at["leftUpperArm"][0] > 0 > at["rightUpperArm"][0]  # left hand on +x
    for side in ("left", "right"):
        assert at[f"{side}Hand"][1] < at[f"{side}UpperArm"][1] - 0.4  # arms down, not a T-pose


def test_robot_maps_blender_names_plays_clips_and_expressions():
    character = model("RobotExpressive.glb")
    info = character.info
    assert info.format == "glTF" and info.humanoid
    assert {
        "hips",
        "spine",
        "chest",
        "neck",
        "head",
        "leftUpperArm",
        "leftLowerArm",
        "rightUpperArm",
        "rightLowerArm",
        "leftUpperLeg",
        "leftLowerLeg",
        "leftFoot",
        "rightFoot",
    } <= set(info.bones_mapped)
    assert set(info.bones_missing) == {"leftHand", "rightHand"}  # the robot's palms hang off the forearm
    assert len(character.clip_names()) == 14 and "Wave" in character.clip_names()
    character.set_pose_mode("idle")
    before = points(character, CharacterCue(10.0))
    character.play_clip("Wave", fade_s=0.2)
    character.pose(CharacterCue(10.1))
    waving = points(character, CharacterCue(11.0))
    assert np.abs(waving - before).max() > 0.2
    character.play_clip(None, fade_s=0.0)
    neutral = points(character, CharacterCue(12.0))
    for expression in ("angry", "sad", "surprised"):
        assert expression in character.expression_names()
        changed = points(character, CharacterCue(12.0, expressions={expression: 1.0}))
        assert np.abs(changed - neutral).max() > 0.005


def test_cesium_man_is_a_static_figure_with_a_notice():
    character = model("CesiumMan.glb")
    assert character.info.notices[0] == NOT_RIGGED
    assert not character.info.humanoid and character.clip_names() == ()
    a = points(character, CharacterCue(0.0, look_at_m=np.array([1.0, 1.6, 1.0])))
    b = points(character, CharacterCue(2.0, look_at_m=np.array([-1.0, 1.6, 1.0])))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "name, bones",
    [("VRMC_vrm_expressions_isBinary_Overrides.vrm", 22), ("VRMC_materials_mtoon_UV_Animation_Test.vrm", 53)],
)
def test_vrm1_samples_read_meta_humanoid_and_materials(name, bones):
    character = model(name)
    info = character.info
    assert info.vrm_version == "1.0" and info.humanoid
    assert len(info.bones_mapped) == bones and set(REQUIRED_BONES) <= set(info.bones_mapped)
    assert info.meta["authors"] == "pixiv Inc." and info.license == "https://vrm.dev/licenses/1.0/"
    assert info.meta["allowRedistribution"] == "yes"
    if "mtoon" in name:
        material = character.parts[0].material
        assert material.shade_color_factor == (1.0, 1.0, 1.0)
        assert material.mtoon is not None and not material.unlit  # MToon takes precedence over unlit
        assert material.mtoon.shade_multiply_texture is not None and material.base_color_texture is not None
    else:
        assert any("happy" in n and "not shown" in n for n in info.notices)
