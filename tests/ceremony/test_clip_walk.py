"""`enter`/`exit` with the model's own walk clip (the shipped groom given a synthetic walk cycle): the clip
is found by its name, played at the rate that makes its stride match the path's speed, without its own
travel across the floor; without one the procedural walk stays."""

from __future__ import annotations

import math

import numpy as np
import pytest

from arwed.ceremony.clip_walk import ClipWalk, walk_clip
from arwed.ceremony.walk import Walk
from arwed.characters import quaternions as quat
from arwed.characters.animation import Channel, Clip
from tests.ceremony.conftest import pose_with

CYCLE_S = 1.2
SWING_DEG = 25.0


def _walk_cycle(groom) -> Clip:
    """Thighs swinging opposite each other about his left-right axis, and hips sliding forwards."""

    def build(editor, t):
        times = np.linspace(0.0, CYCLE_S, 13)
        channels = []
        for side, sign in (("left", 1.0), ("right", -1.0)):
            values = []
            for key_t in times:
                pose = editor.pose.copy()
                angle = sign * math.radians(SWING_DEG) * math.sin(2 * math.pi * key_t / CYCLE_S)
                editor.reading(pose).rotate(
                    f"{side}UpperLeg", quat.from_axis_angle(np.array([1.0, 0, 0]), angle)
                )
                values.append(pose.rotation[editor.bone_index(f"{side}UpperLeg")].copy())
            channels.append(
                Channel(editor.bone_index(f"{side}UpperLeg"), "rotation", times, np.array(values), "LINEAR")
            )
        hips = editor.bone_index("hips")
        start = editor.pose.translation[hips].copy()
        travel = np.array([start + np.array([0.0, 0.0, 0.4 * k / 12]) for k in range(13)])
        channels.append(Channel(hips, "translation", times, travel, "LINEAR"))
        return Clip("Walk_Cycle", CYCLE_S, channels), editor

    _, (clip, _) = pose_with(groom, build, time_s=0.0)
    return clip


def test_the_walk_clip_is_found_by_its_name():
    cycle, start, idle = (Clip(name, 1.0, []) for name in ("Walk_Cycle", "walk_start", "Idle"))
    assert walk_clip({"Idle": idle}) is None
    assert walk_clip({"walk_start": start, "Walk_Cycle": cycle, "Idle": idle}) is cycle
    assert walk_clip({"walk_start": start}) is start
    assert walk_clip({"walk": Clip("walk", 0.05, [])}) is None  # a single pose, not a cycle


@pytest.fixture
def groom_with_walk(groom):
    clip = _walk_cycle(groom)
    groom.rig.player.clips["Walk_Cycle"] = clip
    try:
        yield groom, clip
    finally:
        del groom.rig.player.clips["Walk_Cycle"]


def _feet(groom):
    joints, _ = pose_with(groom, lambda e, t: None, time_s=0.0)
    return {s: (float(joints[f"{s}Foot"][0]), float(joints[f"{s}Foot"][2])) for s in ("left", "right")}


def test_enter_walks_with_the_models_clip_at_the_paths_speed(groom_with_walk):
    groom, clip = groom_with_walk
    walk = Walk(0.0, (2.4, 0.0), (0.0, 0.0), height_m=1.8, arriving=True, foot_xz=_feet(groom))
    middle = (walk.start_s + walk.end_s) / 2

    def walked(editor, t):
        walk.apply(editor, t)
        return editor.pose.copy(), walk._clip_walker, editor

    groom.reset()
    _, (pose, walker, editor) = pose_with(groom, walked, time_s=middle)
    assert isinstance(walker, ClipWalk)
    # the clip's stride, measured independently: thighs of length L swinging +-25 deg put the feet up to
    # 2 L sin 25 deg apart, so a cycle of two steps covers twice that
    thigh_and_shin = np.linalg.norm(
        editor.rest_position_m("leftUpperLeg") - editor.rest_position_m("leftFoot")
    )
    expected = 2 * 2 * thigh_and_shin * math.sin(math.radians(SWING_DEG)) / CYCLE_S
    print(f"clip speed {walker.clip_speed_m_s:.3f} m/s (expected {expected:.3f}), rate {walker.rate:.2f}")
    assert walker.clip_speed_m_s == pytest.approx(expected, rel=0.15)
    assert walker.rate * walker.clip_speed_m_s == pytest.approx(walk.speed_m_s, rel=1e-6)
    thigh = editor.bone_index("leftUpperLeg")
    want = next(c for c in clip.channels if c.node == thigh).sample(walker.local_time(middle))
    assert abs(abs(float(np.dot(pose.rotation[thigh], want))) - 1.0) < 1e-6  # the clip's thigh, exactly
    hips = editor.bone_index("hips")
    assert pose.translation[hips][[0, 2]] == pytest.approx(clip.channels[-1].sample(0.0)[[0, 2]], abs=1e-9)


def test_without_a_walk_clip_the_procedural_walk_stays(groom):
    walk = Walk(0.0, (2.4, 0.0), (0.0, 0.0), height_m=1.8, arriving=True, foot_xz=_feet(groom))
    groom.reset()
    pose_with(groom, lambda e, t: walk.apply(e, t), time_s=(walk.start_s + walk.end_s) / 2)
    assert getattr(walk, "_clip_walker", None) is None
