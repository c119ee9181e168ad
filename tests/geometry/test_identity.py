"""The rule for telling the followed person from someone else the tracker switched to."""

from __future__ import annotations

import numpy as np

from arwed.geometry.identity import (
    CONFIRM_OTHER_S,
    JUMP_TOLERANCE_M,
    MAX_PERSON_SPEED_MPS,
    PersonGate,
    Verdict,
)

HERE = np.array([0.0, 0.0, 3.0])
THERE = np.array([-1.5, 0.0, 3.0])


def test_first_person_is_new_and_small_moves_are_the_same_person():
    gate = PersonGate()
    assert gate.check(HERE, 0.0, 2.0) is Verdict.NEW
    assert gate.check(HERE + [0.05, 0.0, 0.1], 1 / 30, 2.0) is Verdict.SAME


def test_walking_speed_is_allowed_after_a_gap():
    gate = PersonGate()
    gate.check(HERE, 0.0, 2.0)
    walked = HERE + [JUMP_TOLERANCE_M + 0.9 * MAX_PERSON_SPEED_MPS * 0.5, 0.0, 0.0]
    assert gate.check(walked, 0.5, 2.0) is Verdict.SAME


def test_a_jump_is_someone_else_until_they_persist():
    gate = PersonGate()
    gate.check(HERE, 0.0, 2.0)
    first_seen_s = 1 / 30
    time_s = first_seen_s
    while gate.check(THERE, time_s, 2.0) is Verdict.OTHER:
        time_s += 1 / 30
        assert time_s < 2.0
    assert gate.replaced  # the NEW verdict replaced the person followed
    switch_at = time_s
    assert CONFIRM_OTHER_S <= switch_at - first_seen_s < CONFIRM_OTHER_S + 0.05
    assert gate.check(THERE, switch_at + 1 / 30, 2.0) is Verdict.SAME


def test_the_followed_person_coming_back_cancels_the_other():
    gate = PersonGate()
    gate.check(HERE, 0.0, 2.0)
    assert gate.check(THERE, 0.1, 2.0) is Verdict.OTHER
    assert gate.check(HERE, 0.2, 2.0) is Verdict.SAME
    assert gate.check(THERE, 0.3, 2.0) is Verdict.OTHER  # a fresh candidate: the clock restarts


def test_anyone_is_accepted_after_the_character_has_faded():
    gate = PersonGate()
    gate.check(HERE, 0.0, 2.0)
    assert gate.check(THERE, 2.5, 2.0) is Verdict.NEW
    assert not gate.replaced
