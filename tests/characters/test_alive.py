"""Clips, blending, idle life, blinks, expressions, look-at and spring bones on generated characters."""

from __future__ import annotations

import math

import numpy as np
import pytest

from arwed.characters import quaternions as quat
from arwed.characters.animation import Channel
from arwed.characters.base import CharacterCue
from arwed.characters.expressions import Expression, ExpressionSet
from arwed.characters.loader import load_character
from arwed.characters.lookat import FACE_FROM_AUDIENCE_MAX_DEG, HEAD_YAW_LIMIT_DEG
from tests.characters.gltf_factory import humanoid_builder

FPS = 30.0


def z_turn(deg: float) -> np.ndarray:
    return quat.from_axis_angle(np.array([0.0, 0.0, 1.0]), math.radians(deg))


def angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    return math.degrees(2 * math.acos(min(1.0, abs(float(np.dot(a, b))))))


# ------------------------------------------------------------------ clip sampling
def test_linear_rotation_is_slerped():
    channel = Channel(0, "rotation", np.array([0.0, 1.0]), np.array([z_turn(0), z_turn(90)]), "LINEAR")
    assert angle_deg(channel.sample(0.5), z_turn(45)) < 1e-6
    assert angle_deg(channel.sample(-1.0), z_turn(0)) < 1e-6  # clamped before the first key
    assert angle_deg(channel.sample(5.0), z_turn(90)) < 1e-6


def test_step_holds_the_previous_key():
    channel = Channel(
        0, "translation", np.array([0.0, 1.0, 2.0]), np.array([[0, 0, 0], [1, 0, 0], [2, 0, 0.0]]), "STEP"
    )
    np.testing.assert_allclose(channel.sample(0.99), [0, 0, 0])
    np.testing.assert_allclose(channel.sample(1.5), [1, 0, 0])


def test_cubic_spline_follows_hermite_tangents():
    # value 0 -> 1 over 2 s with out-tangent 1/s at the start and in-tangent 0 at the end
    values = np.array([[[0.0], [0.0], [1.0]], [[0.0], [1.0], [0.0]]])
    channel = Channel(0, "translation", np.array([0.0, 2.0]), values, "CUBICSPLINE")
    u = 0.5
    expected = (u**3 - 2 * u**2 + u) * 2.0 + (-2 * u**3 + 3 * u**2) * 1.0
    np.testing.assert_allclose(channel.sample(1.0), [expected], atol=1e-12)
    np.testing.assert_allclose(channel.sample(2.0), [1.0])


# ------------------------------------------------------------------ a generated partner with clips
@pytest.fixture
def partner_path(tmp_path):
    builder, nodes, _ = humanoid_builder("1.0", springs=True)
    times = np.array([0.0, 1.0, 2.0])
    arm = nodes[5]
    builder.add_animation("raise", arm, "rotation", times, np.array([z_turn(0), z_turn(30), z_turn(0)]))
    builder.add_animation("lower", arm, "rotation", times, np.array([z_turn(-80), z_turn(-70), z_turn(-80)]))
    return builder.write_glb(tmp_path / "partner.vrm")


def hand(character, cue: CharacterCue) -> np.ndarray:
    character.pose(cue)
    skeleton = character.skeleton()
    return skeleton.positions_m[skeleton.humanoid["leftHand"]]


def test_clips_are_listed_and_played(partner_path):
    character = load_character(partner_path)
    assert character.clip_names() == ("raise", "lower")
    character.set_pose_mode("rest")
    rest_hand = hand(character, CharacterCue(0.0))
    character.set_pose_mode("idle")
    character.play_clip("raise", fade_s=0.0)
    raised = hand(character, CharacterCue(1.0))
    assert raised[1] > rest_hand[1] + 0.5  # the clip lifts the arm above the relaxed rest
    assert character.playing_clip == "raise"
    with pytest.raises(KeyError):
        character.play_clip("moonwalk")


def test_changing_clip_cross_fades_without_a_pop(partner_path):
    def biggest_step(fade_s: float) -> float:
        character = load_character(partner_path)
        character.play_clip("raise", fade_s=0.0)
        previous = hand(character, CharacterCue(0.0))
        steps = []
        for k in range(1, 60):
            t = k / FPS
            if k == 15:
                character.play_clip("lower", fade_s=fade_s)
            now = hand(character, CharacterCue(t))
            steps.append(float(np.linalg.norm(now - previous)))
            previous = now
        return max(steps)

    popped, blended = biggest_step(0.0), biggest_step(0.5)
    assert popped > 0.4  # switching instantly jumps the hand across
    assert blended < 0.1  # blending moves it a few centimetres per frame at most
    assert blended < popped / 5


def test_stopping_a_clip_fades_back_to_rest(partner_path):
    character = load_character(partner_path)
    character.set_pose_mode("rest")
    rest_hand = hand(character, CharacterCue(0.0))
    character.reset()
    character.set_pose_mode("idle")
    character.play_clip("raise", fade_s=0.0)
    hand(character, CharacterCue(0.0))
    character.play_clip(None, fade_s=0.4)
    hand(character, CharacterCue(0.5))
    back = hand(character, CharacterCue(1.0))
    assert np.linalg.norm(back - rest_hand) < 0.05  # idle motion only


# ------------------------------------------------------------------ expressions and blinks
def nose_centre(character, cue: CharacterCue) -> np.ndarray:
    parts = character.pose(cue)
    points = parts[0].positions_m
    return points[len(points) - 40 : len(points) - 32].mean(axis=0)  # the nose box (see gltf_factory)


def test_expressions_by_name_move_vertices(partner_path):
    character = load_character(partner_path)
    character.set_pose_mode("rest")
    assert set(character.expression_names()) >= {"blink", "happy"}
    neutral = nose_centre(character, CharacterCue(0.0))
    happy = nose_centre(character, CharacterCue(0.0, expressions={"happy": 1.0}))
    half = nose_centre(character, CharacterCue(0.0, expressions={"happy": 0.5}))
    scale = character.info.scale
    np.testing.assert_allclose(happy - neutral, [0.01 * scale, 0, 0], atol=1e-5)
    np.testing.assert_allclose(half - neutral, [0.005 * scale, 0, 0], atol=1e-5)
    unknown = nose_centre(character, CharacterCue(0.0, expressions={"smug": 1.0}))
    np.testing.assert_allclose(unknown, neutral, atol=1e-6)


def test_idle_blinks_naturally(partner_path):
    character = load_character(partner_path)
    heads = []
    for k in range(int(12 * FPS)):
        cue = CharacterCue(k / FPS)
        nose = nose_centre(character, cue)
        skeleton = character.skeleton()
        heads.append(nose[1] - skeleton.positions_m[skeleton.humanoid["head"]][1])
    drop = max(heads) - np.asarray(heads)  # the test 'blink' morph lowers the nose by 2 cm
    closed = drop > 0.015
    starts = np.flatnonzero(closed[1:] & ~closed[:-1])
    assert 2 <= len(starts) <= 8  # a blink every 2-6 s over 12 s
    assert closed.mean() < 0.1  # eyes open most of the time
    gaps = np.diff(starts) / FPS
    assert len(set(np.round(gaps, 1))) > 1 or len(gaps) < 2  # not a metronome


def test_blocking_expression_stops_blinks(partner_path):
    character = load_character(partner_path)
    heads = []
    for k in range(int(8 * FPS)):
        nose = nose_centre(character, CharacterCue(k / FPS, expressions={"happy": 1.0}))
        skeleton = character.skeleton()
        heads.append(nose[1] - skeleton.positions_m[skeleton.humanoid["head"]][1])
    assert max(heads) - min(heads) < 0.01  # happy has overrideBlink = block


def test_vrm_override_and_binary_rules():
    idx = np.array([0])
    expressions = ExpressionSet(
        {
            "blink": Expression("blink", [(idx, 1.0)]),
            "happy": Expression("happy", [(np.array([1]), 1.0)], override_blink="blend"),
            "angry": Expression("angry", [(np.array([2]), 1.0)], is_binary=True, override_blink="block"),
            "aa": Expression("aa", [(np.array([3]), 1.0)], is_binary=True),
            "sad": Expression("sad", [(np.array([4]), 1.0)], override_mouth="blend"),
        },
        morph_count=5,
    )
    assert expressions.resolve({"blink": 1.0, "happy": 0.25})["blink"] == pytest.approx(0.75)
    assert expressions.resolve({"blink": 1.0, "angry": 0.4})["blink"] == 1.0  # binary 0.4 -> 0: no effect
    assert expressions.resolve({"blink": 1.0, "angry": 0.6})["blink"] == 0.0
    assert expressions.resolve({"aa": 0.7})["aa"] == 1.0
    assert expressions.resolve({"aa": 1.0, "sad": 0.1})["aa"] == 0.0  # a binary target is suppressed outright
    assert expressions.resolve({"happy": 3.0})["happy"] == 1.0  # clamped
    np.testing.assert_allclose(expressions.morph_weights({"blink": 1.0, "happy": 0.5}), [0.5, 0.5, 0, 0, 0])


def test_vrm0_preset_names_are_translated(tmp_path):
    builder, _, _ = humanoid_builder("0.x")
    character = load_character(builder.write_glb(tmp_path / "old.vrm"))
    assert {"blink", "happy"} <= set(character.expression_names())
    assert character.info.vrm_version == "0.x"
    assert character.info.meta["author"] == "arwed tests"
    assert character.info.license == "CC0"


# ------------------------------------------------------------------ look-at
def face_yaw(character, cue: CharacterCue) -> float:
    nose = nose_centre(character, cue)
    skeleton = character.skeleton()
    head = skeleton.positions_m[skeleton.humanoid["head"]]
    d = nose - head
    return math.degrees(math.atan2(d[0], d[2]))


@pytest.mark.parametrize(
    "target_deg, expected_deg",
    [(20.0, 20.0), (-HEAD_YAW_LIMIT_DEG, -HEAD_YAW_LIMIT_DEG), (80.0, HEAD_YAW_LIMIT_DEG), (170.0, 0.0)],
)
def test_head_turns_towards_the_target_within_limits(partner_path, target_deg, expected_deg):
    character = load_character(partner_path)
    head_height = character.skeleton().positions_m[character.skeleton().humanoid["head"]][1] + 0.08
    a = math.radians(target_deg)
    target = np.array([2.0 * math.sin(a), head_height, 2.0 * math.cos(a)])
    yaws = [face_yaw(character, CharacterCue(k / FPS, look_at_m=target)) for k in range(int(3 * FPS))]
    assert abs(yaws[-1] - expected_deg) < 4.0  # idle sway adds up to two degrees
    steps = np.abs(np.diff(yaws))
    assert steps.max() < 200.0 / FPS + 1.0  # smooth: bounded angular speed, no snap


@pytest.mark.parametrize(
    "target_deg, audience_deg, expected_deg",
    [
        # her to his left, the camera ahead on his right: his face stops three-quarter from the camera
        (80.0, -30.0, -30.0 + FACE_FROM_AUDIENCE_MAX_DEG),
        (20.0, -85.0, 0.0),  # turned to her, the camera at his side: the head never turns away from her
        (80.0, 150.0, HEAD_YAW_LIMIT_DEG),  # a camera behind him sees no face: no cheating out
    ],
)
def test_the_head_cheats_out_to_the_audience_while_he_looks_at_her(
    partner_path, target_deg, audience_deg, expected_deg
):
    character = load_character(partner_path)
    head_height = character.skeleton().positions_m[character.skeleton().humanoid["head"]][1] + 0.08

    def at(deg: float, distance_m: float) -> np.ndarray:
        a = math.radians(deg)
        return np.array([distance_m * math.sin(a), head_height, distance_m * math.cos(a)])

    def cue(k: int) -> CharacterCue:
        return CharacterCue(k / FPS, look_at_m=at(target_deg, 0.7), audience_m=at(audience_deg, 3.0))

    yaws = [face_yaw(character, cue(k)) for k in range(int(3 * FPS))]
    assert abs(yaws[-1] - expected_deg) < 4.0
    assert np.abs(np.diff(yaws)).max() < 200.0 / FPS + 1.0


def test_head_pitches_up_towards_a_high_target(partner_path):
    character = load_character(partner_path)
    target = np.array([0.0, 3.0, 1.0])
    for k in range(int(3 * FPS)):
        nose = nose_centre(character, CharacterCue(k / FPS, look_at_m=target))
    skeleton = character.skeleton()
    d = nose - skeleton.positions_m[skeleton.humanoid["head"]]
    rest_pitch = math.degrees(math.atan2(0.1, 0.12))
    pitch = math.degrees(math.atan2(d[1], d[2]))
    assert 20.0 < pitch - rest_pitch < 27.0  # limited to 25 degrees up


# ------------------------------------------------------------------ spring bones
def hair_tip(character, cue: CharacterCue) -> np.ndarray:
    character.pose(cue)
    skeleton = character.skeleton()
    head = skeleton.positions_m[skeleton.humanoid["head"]]
    return skeleton.positions_m[skeleton.names.index("hair2")] - head


def test_spring_bones_swing_when_the_character_moves_and_settle_back(partner_path):
    character = load_character(partner_path)
    character.set_pose_mode("rest")
    t = 0.0
    for _ in range(30):
        rest = hair_tip(character, CharacterCue(t))
        t += 1 / FPS
    assert np.linalg.norm(hair_tip(character, CharacterCue(t)) - rest) < 1e-4  # still: nothing moves
    moved = []
    for _ in range(6):  # the anchor slides 5 cm a frame towards +x
        t += 1 / FPS
        moved.append(hair_tip(character, CharacterCue(t, root_motion_m=np.array([0.05, 0.0, 0.0]))))
    lag = moved[-1] - rest
    assert lag[0] < -0.01  # the hair trails behind the motion
    for _ in range(int(4 * FPS)):
        t += 1 / FPS
        settled = hair_tip(character, CharacterCue(t))
    assert np.linalg.norm(settled - rest) < 2e-3


def test_spring_colliders_keep_hair_out_of_the_head(partner_path):
    character = load_character(partner_path)
    character.set_pose_mode("rest")
    scale = character.info.scale
    t = 0.0
    for _ in range(40):  # shove the character backwards hard: the hair swings forward into the head
        t += 1 / FPS
        tip = hair_tip(character, CharacterCue(t, root_motion_m=np.array([0.0, 0.0, -0.08])))
        sphere_centre = np.array([0.0, 0.12 * scale, 0.0])
        # the length constraint after each push may sink it a few millimetres, as in the reference algorithm
        assert np.linalg.norm(tip - sphere_centre) > (0.1 + 0.02) * scale - 0.005
