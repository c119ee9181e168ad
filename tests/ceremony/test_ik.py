"""Two-bone IK against constructed ground truth, in pure geometry and on the shipped groom's arm."""

from __future__ import annotations

import numpy as np
import pytest

from arwed.ceremony.ik import HingeLimits, hinge_bend_deg, reach_m, solve_chain
from arwed.ceremony.limbs import ARM_LIMITS, arm_bones, chain_lengths, place_chain
from arwed.ceremony.reach import ELBOW_POLE, ArmReach, hand_direction
from tests.ceremony.conftest import pose_with

UPPER, LOWER = 0.30, 0.26
POLE = np.array([0.35, -1.0, -0.45])


def _random_reachable(rng, root, count, limits=ARM_LIMITS):
    lo = np.sqrt(UPPER**2 + LOWER**2 - 2 * UPPER * LOWER * np.cos(np.radians(180 - limits.max_bend_deg)))
    out = []
    while len(out) < count:
        d = rng.normal(size=3)
        d /= np.linalg.norm(d)
        out.append(root + d * rng.uniform(lo + 0.01, UPPER + LOWER - 0.005))
    return out


def test_reachable_targets_are_reached_within_a_centimetre_with_the_hinge_inside_its_limits():
    rng = np.random.default_rng(1)
    root = np.array([0.19, 1.43, 0.0])
    for target in _random_reachable(rng, root, 300):
        s = solve_chain(root, UPPER, LOWER, target, POLE, ARM_LIMITS)
        assert s.reached
        assert np.linalg.norm(s.end_m - target) < 0.01
        assert np.linalg.norm(s.middle_m - root) == pytest.approx(UPPER, abs=1e-9)  # bones keep their length
        assert np.linalg.norm(s.end_m - s.middle_m) == pytest.approx(LOWER, abs=1e-9)
        bend = hinge_bend_deg(root, s.middle_m, s.end_m)
        assert ARM_LIMITS.min_bend_deg - 1e-6 <= bend <= ARM_LIMITS.max_bend_deg + 1e-6
        # never backwards: the elbow sits on the pole's side of the shoulder-wrist line
        axis = (s.end_m - root) / np.linalg.norm(s.end_m - root)
        off_line = s.middle_m - root - np.dot(s.middle_m - root, axis) * axis
        pole_side = POLE - np.dot(POLE, axis) * axis
        if np.linalg.norm(pole_side) > 0.1 and bend > 1.0:
            assert np.dot(off_line, pole_side) > 0


def test_too_close_targets_fold_only_to_the_limit():
    root = np.zeros(3)
    s = solve_chain(root, UPPER, LOWER, np.array([0.0, -0.02, 0.0]), POLE, ARM_LIMITS)
    assert not s.reached
    assert s.bend_deg == pytest.approx(ARM_LIMITS.max_bend_deg)


@pytest.mark.parametrize("distance_m", [0.6, 0.9, 2.5])
def test_unreachable_target_is_pointed_at_with_the_elbow_bent_5_to_30_degrees(distance_m):
    root = np.array([0.2, 1.4, 0.0])
    direction = np.array([0.6, -0.3, 0.7]) / np.linalg.norm([0.6, -0.3, 0.7])
    target = root + direction * distance_m
    s = solve_chain(root, UPPER, LOWER, target, POLE, ARM_LIMITS)
    assert not s.reached
    assert 5.0 <= hinge_bend_deg(root, s.middle_m, s.end_m) <= 30.0
    to_target = target - s.end_m
    cos = np.dot(s.end_m - root, to_target) / np.linalg.norm(s.end_m - root) / np.linalg.norm(to_target)
    assert cos > np.cos(np.radians(1.0))  # the hand is on the line to the target


def test_reach_is_the_straight_arm():
    assert reach_m(UPPER, LOWER, HingeLimits(min_bend_deg=0.0)) == pytest.approx(UPPER + LOWER)


def test_groom_arm_reaches_targets_within_a_centimetre(groom):
    rng = np.random.default_rng(5)
    joints, _ = pose_with(groom, lambda e, t: None)
    shoulder = joints["leftUpperArm"]
    lengths = None

    def measure(editor, t):
        return chain_lengths(editor, arm_bones("left"))

    _, lengths = pose_with(groom, measure)
    reach = sum(lengths)
    for _ in range(12):
        d = rng.normal(size=3) * np.array([1.0, 0.6, 1.0]) + np.array([0.8, -0.4, 0.9])  # out, down, forwards
        target = shoulder + d / np.linalg.norm(d) * rng.uniform(0.45, 0.95) * reach

        def solve(editor, t, target=target):
            return place_chain(editor, arm_bones("left"), target, np.array(ELBOW_POLE), ARM_LIMITS)

        joints, solution = pose_with(groom, solve)
        assert solution.reached
        assert np.linalg.norm(joints["leftHand"] - target) < 0.01
        bend = hinge_bend_deg(joints["leftUpperArm"], joints["leftLowerArm"], joints["leftHand"])
        assert 0.0 <= bend <= ARM_LIMITS.max_bend_deg + 0.5


def test_groom_reach_follows_her_wrist_and_offers_a_hand_when_she_is_far(groom):
    near = np.array([0.4, 1.1, 0.25])  # beside and in front of his left hip
    reach = ArmReach(start_s=0.0)
    joints, report = pose_with(groom, lambda e, t: reach.apply(e, t, near), time_s=5.0)
    assert not report.offering
    assert np.linalg.norm(joints["leftHand"] - near) < 0.01

    far = np.array([2.5, 1.1, 0.6])
    reach = ArmReach(start_s=0.0)
    joints, report = pose_with(groom, lambda e, t: reach.apply(e, t, far), time_s=5.0)
    assert report.offering
    hand = joints["leftHand"]
    assert 0.85 < hand[1] < 1.3  # about the hip's height
    assert hand[2] > joints["hips"][2] + 0.15  # held out in front of him
    assert hand[0] > joints["leftUpperArm"][0]  # towards her side


def test_unreachable_target_on_the_groom_points_the_hand_at_it(groom):
    target = np.array([0.95, 1.2, 0.55])  # a little beyond his arm, leaning included

    def solve(editor, t):
        place_chain(editor, arm_bones("left"), target, np.array(ELBOW_POLE), ARM_LIMITS)
        from arwed.ceremony.reach import ArmReach as _A

        _A._turn_hand(editor, "left", target, False, 1.0)
        return hand_direction(editor, "left")

    joints, pointing = pose_with(groom, solve)
    bend = hinge_bend_deg(joints["leftUpperArm"], joints["leftLowerArm"], joints["leftHand"])
    assert 5.0 <= bend <= 30.0
    to_target = (target - joints["leftHand"]) / np.linalg.norm(target - joints["leftHand"])
    assert np.dot(pointing, to_target) > np.cos(np.radians(10.0))


def test_reach_lets_go_smoothly(groom):
    wrist = np.array([0.4, 1.1, 0.25])
    reach = ArmReach(start_s=0.0)
    reach.release(3.0)
    hands = []
    for t in np.arange(2.9, 4.2, 1 / 30):
        joints, _ = pose_with(groom, lambda e, tt: reach.apply(e, tt, wrist), time_s=float(t))
        hands.append(joints["leftHand"])
    steps = np.linalg.norm(np.diff(np.array(hands), axis=0), axis=1)
    assert steps.max() < 0.05  # never more than 5 cm between frames at 30 fps
    rest, _ = pose_with(groom, lambda e, t: None, time_s=4.5)
    assert np.linalg.norm(hands[-1] - rest["leftHand"]) < 0.03  # back at his side
    assert reach.finished(4.0)
