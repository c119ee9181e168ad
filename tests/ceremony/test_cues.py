"""The cue engine and the director: timed, audio and key ends; Page Down and Page Up; what each cue leaves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from arwed.ceremony.cues import BEFORE, CueRunner
from arwed.ceremony.director import CeremonyDirector, StageView
from arwed.ceremony.script import parse_ceremony
from tests.ceremony.audio_files import tone, write_wav

FEET = {"left": (0.1, -0.02), "right": (-0.1, -0.02)}
HER = StageView(
    her_head_m=np.array([-0.7, 1.6, 0.1]),
    her_wrists_m=(np.array([-0.45, 1.0, 0.15]),),
    camera_m=np.array([1.0, 1.4, 3.0]),
    camera_right_m=np.array([-0.9, 0.0, 0.4]),
)


def _ceremony(tmp_path: Path, cues: list[dict]):
    write_wav(tmp_path / "vows.wav", tone(2.0), 48000)
    ceremony = parse_ceremony({"cues": cues}, None, tmp_path / "c.yaml")
    return ceremony, {tmp_path / "vows.wav": 2.0}


def test_timed_and_audio_cues_hand_over_at_their_exact_end_times(tmp_path):
    ceremony, durations = _ceremony(
        tmp_path,
        [
            {"actions": ["idle"], "end": 1.25},
            {"actions": [{"say": "vows.wav"}], "end": "audio"},
            {"end": "key"},
            {"end": 2},
        ],
    )
    runner = CueRunner(ceremony, durations)
    assert runner.index == BEFORE and "start" in runner.describe_next()
    runner.start(10.0)
    runner.update(10.9)
    assert runner.index == 0
    runner.update(14.0)  # long after: both timed cues ended, each at its own time, not at 14.0
    assert runner.index == 2
    assert [(r.start_s, r.end_s, r.ended_by) for r in runner.log[:2]] == [
        (10.0, 11.25, "time"),
        (11.25, 13.25, "audio"),
    ]
    runner.update(100.0)
    assert runner.index == 2  # waits for the key
    runner.page_down(101.0)
    assert runner.index == 3 and runner.log[2].ended_by == "key"
    runner.update(103.0)
    assert runner.finished and runner.log[-1].end_s == 103.0
    runner.page_down(104.0)  # nothing after the end
    assert runner.finished


def test_page_down_cuts_a_cue_short_and_page_up_starts_the_previous_one_again(tmp_path):
    ceremony, durations = _ceremony(tmp_path, [{"end": 5}, {"end": 5}, {"end": 5}])
    runner = CueRunner(ceremony, durations)
    runner.page_down(0.0)  # before the first cue: starts it
    assert runner.index == 0 and runner.started_s == 0.0
    runner.page_down(1.0)
    assert runner.index == 1 and runner.log[0].end_s == 1.0
    runner.page_up(2.0)
    assert runner.index == 0 and runner.started_s == 2.0 and runner.log[1].ended_by == "back"
    runner.page_up(3.0)
    runner.page_up(3.5)
    assert runner.index == BEFORE
    runner.start(4.0, index=2)  # a rehearsal from any cue
    assert runner.index == 2 and runner.log[-1].name == "cue 3"


def _director(tmp_path, cues):
    ceremony, durations = _ceremony(tmp_path, cues)
    return CeremonyDirector(ceremony, durations, 1.8, FEET)


def test_he_is_off_stage_until_he_enters_and_walks_in_from_the_side_away_from_her(tmp_path):
    director = _director(
        tmp_path,
        [
            {"actions": ["blackout"], "end": "key"},
            {"actions": [{"blackout": False}, {"enter": {"duration_s": 4}}], "end": 4.5},
            {"end": "key"},
        ],
    )
    first = director.direct(0.0, HER)
    assert first.cue_index == BEFORE and first.opacity == 0.0  # his first movement is an entrance
    director.page_down()
    dark = director.direct(0.1, HER)
    assert dark.blackout and dark.cue_index == 0
    director.page_down()
    start = director.direct(0.2, HER)
    assert not start.blackout
    assert start.root_m[0, 3] > 2.0  # her head is on his right (x < 0): he comes from his left
    middle = director.direct(2.2, HER)
    assert 0.0 < middle.root_m[0, 3] < start.root_m[0, 3] and middle.opacity == 1.0
    end = director.direct(4.8, HER)
    assert np.allclose(end.root_m, np.eye(4)) and end.cue_index == 2
    director.page_up()  # back to the entrance: he is off stage again and walks in anew
    again = director.direct(5.0, HER)
    assert again.cue_index == 1 and again.root_m[0, 3] > 2.0


def test_expressions_fade_and_stay_and_the_voice_stops_with_its_cue(tmp_path):
    director = _director(
        tmp_path,
        [
            {
                "actions": [
                    {"expression": {"name": "happy", "weight": 0.8, "fade_s": 1.0}},
                    {"say": "vows.wav"},
                ],
                "end": "key",
            },
            {"end": "key"},
        ],
    )
    director.start_at(0, 0.0)
    assert director.direct(0.0, HER).expressions.get("happy", 0.0) == pytest.approx(0.0)
    half = director.direct(0.5, HER)
    assert half.expressions["happy"] == pytest.approx(0.4)
    assert half.body.speech is not None  # speaking
    director.page_down()
    later = director.direct(1.5, HER)
    assert later.expressions["happy"] == pytest.approx(0.8)  # held after its cue
    assert later.body.speech is None
    assert [(p.start_s, p.stop_s) for p in director.audio] == [(0.0, 1.5)]


def test_reach_lets_go_when_its_cue_ends(tmp_path):
    director = _director(tmp_path, [{"actions": ["reach"], "end": 3}, {"end": "key"}])
    director.start_at(0, 0.0)
    during = director.direct(1.0, HER)
    assert len(during.body.reaches) == 1 and during.body.wrists_local
    reach = during.body.reaches[0]
    director.direct(3.2, HER)
    assert reach.release_s == 3.0 and 0.0 < reach.weight(3.2) < 1.0
    assert director.direct(4.5, HER).body.reaches == []
