"""The procedural walk on the shipped groom: feet stay where they land, he arrives at his spot facing ahead."""

from __future__ import annotations

import numpy as np
import pytest

from arwed.ceremony.walk import Walk, _yaw_matrix
from arwed.characters.base import CharacterCue
from tests.ceremony.conftest import pose_with

FPS = 15.0


def _walk_frames(groom, walk):
    """Stage-space joints per frame across the walk."""

    class Layer:
        def apply(self, editor, t):
            walk.apply(editor, t)

    groom.reset()
    frames = []
    for t in np.arange(walk.start_s - 0.1, walk.end_s + 0.2, 1 / FPS):
        groom.pose(CharacterCue(time_s=float(t), body=Layer()))
        sk = groom.skeleton()
        root = walk.root(float(t))
        m = _yaw_matrix(root.yaw_rad)
        joints = {n: m @ sk.positions_m[i] + root.offset_m for n, i in sk.humanoid.items()}
        frames.append((float(t), joints))
    return frames


@pytest.fixture(scope="module")
def entrance(groom, tmp_path_factory):
    """An `enter` cue as the console and `arwed rehearse` run it: the ceremony built by the console's cue
    desk (session/cue_desk.py), directed frame by frame; his walk reads the model's own footprints.
    (t, stage-space joints, the walk) per frame."""
    from arwed.session.cue_desk import CueDesk

    path = tmp_path_factory.mktemp("enter") / "enter.yaml"
    path.write_text("cues:\n  - actions: [{enter: {distance_m: 2.4}}]\n    end: 8\n", encoding="utf-8")
    stage, _ = CueDesk(None, None, None, height_m=lambda: 1.8)._build(str(path))
    stage.director.start_at(0, 1.0)
    groom.reset()
    frames, walk, t = [], None, 1.0
    while walk is None or t < walk.end_s + 0.2:
        direction = stage.frame(t, None, None, None).direction
        walk = direction.body.walk or walk
        groom.pose(CharacterCue(time_s=t, body=direction.body))
        sk = groom.skeleton()
        root = direction.root_m
        joints = {n: root[:3, :3] @ sk.positions_m[i] + root[:3, 3] for n, i in sk.humanoid.items()}
        frames.append((t, joints))
        t += 1 / FPS
    return frames, walk


FLAT_M = 0.005  # an ankle within this of its height at landing: the foot is flat on the floor


def _worst_slide(frames, walk) -> tuple[float, int]:
    """How far a planted foot moved: its toes over the whole plant (a foot behind him rolls onto them),
    its ankle while the foot is flat (before the heel comes up)."""
    worst, plants_seen = 0.0, 0
    for side in ("left", "right"):
        for bone in ("Foot", "Toes"):
            anchor = None
            for t, joints in frames:
                if walk.foot(side, t)[3]:
                    here = joints[f"{side}{bone}"]
                    if anchor is None:
                        anchor = here
                        plants_seen += 1
                    if bone == "Toes" or abs(here[1] - anchor[1]) < FLAT_M:
                        worst = max(worst, float(np.linalg.norm(here - anchor)))
                else:
                    anchor = None
    return worst, plants_seen


def test_his_hips_rise_and_fall_a_little_and_a_foot_behind_him_rolls_onto_its_toes(entrance):
    """A walk, not a crouch: the hips sank 8.4 cm for the whole walk when a leg had to reach a flat foot
    as far behind as ahead; now they are lowest as a foot lands ahead and the foot behind peels off heel
    first."""
    frames, walk = entrance
    rest_hips = frames[0][1]["hips"][1]
    walking = [(t, j) for t, j in frames if walk.settle(t) >= 1.0]
    sink = [rest_hips - j["hips"][1] for _, j in walking]
    assert max(sink) < 0.05, f"the hips sank {max(sink) * 100:.1f} cm"
    assert max(sink) - min(sink) > 0.01  # they rise and fall with the steps
    heel_rise = []
    for side in ("left", "right"):
        landed = None
        for t, joints in walking:
            if walk.foot(side, t)[3]:
                landed = joints[f"{side}Foot"][1] if landed is None else landed
                heel_rise.append(joints[f"{side}Foot"][1] - landed)
            else:
                landed = None
    assert max(heel_rise) > 0.03  # the ankle of a foot still down rose 3 cm: the heel came off the floor


def test_planted_feet_slide_less_than_two_centimetres_walking_in(entrance):
    """In the console and in rehearsals alike (approximate footprints slid 2.3 cm in the console)."""
    frames, walk = entrance
    worst, plants_seen = _worst_slide(frames, walk)
    assert plants_seen >= 2 * 2 * (walk.steps // 2)
    assert worst < 0.02, f"a planted foot slid {worst * 100:.1f} cm"


def test_planted_feet_slide_less_than_two_centimetres_walking_out(groom):
    walk = Walk(1.0, (0.0, 0.0), (-2.4, 0.0), height_m=1.8, arriving=False)  # his feet read from the model
    frames = _walk_frames(groom, walk)
    worst, plants_seen = _worst_slide(frames, walk)
    assert plants_seen >= 2 * 2 * (walk.steps // 2)
    assert worst < 0.02, f"a planted foot slid {worst * 100:.1f} cm"
    rest_hips = frames[0][1]["hips"][1]
    sink = max(rest_hips - j["hips"][1] for t, j in frames if walk.settle(t) >= 1.0)
    assert sink < 0.055, f"the hips sank {sink * 100:.1f} cm"  # the body stops as his last steps land


def test_he_walks_in_from_the_side_and_ends_on_his_spot_facing_ahead(groom, entrance):
    frames, walk = entrance
    start, end = walk.root(walk.start_s), walk.root(walk.end_s)
    assert start.offset_m[0] == pytest.approx(2.4)
    assert np.allclose(end.offset_m, 0.0, atol=1e-9)
    assert end.yaw_rad == pytest.approx(0.0, abs=1e-9)
    assert abs(walk.root(walk.start_s + 1.5).yaw_rad) == pytest.approx(np.pi / 2, abs=0.01)  # along his way
    hips_x = [j["hips"][0] for _, j in frames]
    assert np.all(np.diff(hips_x) <= 1e-3)  # always forwards, never back
    # feet lift off the floor in the swing and are on it when planted
    lifts = [max(j["leftFoot"][1], j["rightFoot"][1]) for _, j in frames]
    assert max(lifts) > min(lifts) + 0.03
    t_end, last = frames[-1]
    rest, _ = pose_with(groom, lambda e, t: None, time_s=t_end)
    for side in ("left", "right"):  # he ends standing as at rest, feet on the rest footprints
        assert np.linalg.norm(last[f"{side}Foot"] - rest[f"{side}Foot"]) < 0.02
    knees = [
        np.degrees(
            np.arccos(
                np.clip(
                    np.dot(
                        (j["leftLowerLeg"] - j["leftUpperLeg"])
                        / np.linalg.norm(j["leftLowerLeg"] - j["leftUpperLeg"]),
                        (j["leftFoot"] - j["leftLowerLeg"])
                        / np.linalg.norm(j["leftFoot"] - j["leftLowerLeg"]),
                    ),
                    -1,
                    1,
                )
            )
        )
        for _, j in frames
    ]
    assert max(knees) < 70.0  # a walk, not a crouch


def test_a_given_duration_sets_the_pace():
    walk = Walk(
        0.0, (3.0, 0.0), (0.0, 0.0), 1.8, True, {"left": (0.1, 0.0), "right": (-0.1, 0.0)}, duration_s=8.0
    )
    assert walk.duration_s == pytest.approx(8.0, abs=0.05)
