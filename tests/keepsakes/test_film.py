"""The keepsake film's parts without the real pipeline: the event log's format (written crash-safely, read
as hostile input), what the timeline says held when, the console's recording folder (fake pipeline), and
`arwed render --replay` refusing a broken folder with one line and exit code 2."""

from __future__ import annotations

import json
import os
import time
from types import SimpleNamespace

import numpy as np
import pytest

from arwed.config import Settings
from arwed.errors import InputFileError
from arwed.film import folder as film_folder
from arwed.film.log import EventLogWriter, read_event_log
from arwed.film.timeline import Timeline
from arwed.geometry.fade import FIRST_STEP_S
from arwed.session.state import ConsoleConfig
from arwed.video_writer import open_video_frames
from tests.ui.fakes import make_session, wait_until

START = {"t": 0.0, "event": "start", "version": 1, "fps": 30.0}


def _log(path, *lines: dict | str, end: str = "\n") -> None:
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    path.write_text(text + end, encoding="utf-8")


def test_the_writer_appends_whole_lines_that_the_reader_reads_back(tmp_path):
    path = tmp_path / "events.jsonl"
    clock = iter([10.5, 12.25]).__next__  # one reading per event written without its own time
    writer = EventLogWriter(path, origin_s=10.0, clock=clock)
    writer.write("start", t=0.0, version=1, fps=30.0, settings=Settings(), hidden=False)
    writer.write("hidden", value=True)  # 0.5 s in
    writer.write("placement", placement=Settings().placement.model_copy(update={"gap_m": 1.1}))  # 2.25 s
    writer.close()
    assert path.read_bytes().endswith(b"\n") and len(path.read_bytes().splitlines()) == 3
    log = read_event_log(path)
    assert [e.event for e in log.events] == ["hidden", "placement"]
    assert [e.t for e in log.events] == [0.5, 2.25]
    assert log.events[1].placement.gap_m == 1.1 and log.end_s is None and not log.notes


def test_a_torn_last_line_is_tolerated_and_said(tmp_path):
    path = tmp_path / "events.jsonl"
    _log(path, START, {"t": 1.0, "event": "hidden", "value": True}, '{"t": 2.0, "event": "blac', end="")
    log = read_event_log(path)
    assert [e.event for e in log.events] == ["hidden"]
    assert "last line was cut off" in log.notes[0]


@pytest.mark.parametrize(
    ("lines", "said"),
    [
        ([START, "not json", {"t": 1.0, "event": "stop"}], "line 2: not a JSON object"),
        ([START, {"t": 1.0, "event": "explode"}], "line 2: unknown event 'explode'"),
        ([START, {"t": -1.0, "event": "hidden", "value": True}], "line 2: field 't'"),
        ([START, {"t": 1.0, "event": "hidden", "value": "maybe"}], "line 2: field 'value'"),
        (
            [START, {"t": 1.0, "event": "placement", "placement": {"gap_m": 99}}],
            "line 2: field 'placement.gap_m'",
        ),
        ([START, '{"t": NaN, "event": "stop"}'], "line 2: not a JSON object"),
        ([START, "[" * 40 + "]" * 40], "line 2: not a JSON object"),
        ([{"t": 1.0, "event": "hidden", "value": True}], "line 1: a recording's event log starts with"),
        ([START, START], "line 2: a second 'start' event"),
        ([{**START, "version": 99}], "line 1: field 'version'"),
    ],
)
def test_a_broken_log_is_one_error_naming_the_line(tmp_path, lines, said):
    path = tmp_path / "events.jsonl"
    _log(path, *lines)
    with pytest.raises(InputFileError) as caught:
        read_event_log(path)
    assert said in str(caught.value) and str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_log_is_refused_when_it_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "events.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(InputFileError, match="FIFO"):
        read_event_log(fifo)


def test_the_timeline_says_what_held_at_each_moment(tmp_path):
    path = tmp_path / "events.jsonl"
    wide = Settings().placement.model_copy(update={"gap_m": 1.4}).model_dump(mode="json")
    _log(
        path,
        START,
        {"t": 2.0, "event": "hidden", "value": True},
        {"t": 1.0, "event": "blackout", "value": True},  # out of order: sorted
        {"t": 3.0, "event": "blackout", "value": False},
        {"t": 4.0, "event": "placement", "placement": wide},
        {"t": 4.5, "event": "person", "point_px": [10, 20]},
        {"t": 5.0, "event": "cue_key", "key": "next"},
    )
    timeline = Timeline(read_event_log(path), Settings(), {"placement": {"facing_deg": 10.0}})
    assert [timeline.hidden_at(t) for t in (1.99, 2.0, 9)] == [False, True, True]
    assert [timeline.blackout_at(t) for t in (0.5, 1.0, 2.9, 3.0)] == [False, True, True, False]
    assert (
        timeline.settings_at(3.9).placement.gap_m == 0.7 and timeline.settings_at(4.0).placement.gap_m == 1.4
    )
    assert timeline.settings_at(4.0).placement.facing_deg == 10.0  # the user's option holds throughout
    assert timeline.people_clicked(4.0, 4.5) == [(10.0, 20.0)] and timeline.people_clicked(4.5, 9) == []
    assert timeline.changes_within(0.5, 3.0) == [1.0, 2.0]
    assert timeline.ceremony.keys == ("next",) and timeline.ceremony.times_s == (5.0,)
    assert [timeline.curtain_at(t) for t in (0.5, 1.0, 2.9, 3.0)] == [1.0, 0.0, 0.0, 1.0]  # cuts (no fade_s)


def test_the_timeline_fades_as_the_console_did_and_turns_back_from_where_it_was(tmp_path):
    path = tmp_path / "events.jsonl"
    _log(
        path,
        {**START, "fade_s": 0.5},
        {"t": 1.0, "event": "hidden", "value": True, "fade_s": 0.5},
        {"t": 1.25, "event": "hidden", "value": False, "fade_s": 0.5},  # halfway: back from 0.5
        {"t": 2.0, "event": "blackout", "value": True, "fade_s": 2.0},
    )
    log = read_event_log(path)
    assert log.start.fade_s == 0.5 and log.events[0].fade_s == 0.5
    timeline = Timeline(log, Settings())
    step = FIRST_STEP_S  # each fade's first step is taken with the key, as live
    halfway = 1.0 - (0.25 + step) / 0.5  # where it turned back, 0.25 s in
    back_s = (1.0 - halfway) * 0.5  # the way back takes its share of the fade time
    visibility = [timeline.visibility_at(t) for t in (0.99, 1.1, 1.25, 1.35, 1.25 + back_s, 3.0)]
    expected = [1.0, 1.0 - (0.1 + step) / 0.5, halfway + step / 0.5, halfway + (0.1 + step) / 0.5, 1.0, 1.0]
    assert visibility == pytest.approx(expected)
    assert [timeline.curtain_at(t) for t in (1.99, 2.5, 4.0)] == pytest.approx([1.0, 0.75 - step / 2.0, 0.0])
    assert timeline.hidden_at(1.1) and timeline.blackout_at(2.5)  # where each is going, at once


def test_a_console_recording_keeps_the_clean_feed_and_the_log_of_what_happened(tmp_path):
    session = make_session(ConsoleConfig(source="demo", keepsake_dir=str(tmp_path)))
    try:
        session.start()
        assert wait_until(lambda: session.tap("stage").latest() is not None)
        assert session.keepsakes.start_recording()
        stage = session.status().recording
        time.sleep(0.4)
        session.acted("toggle_hidden")
        session.ceremony.set_hidden(True)
        time.sleep(0.4)
        session.ceremony.set_blackout(True)
        time.sleep(0.4)
        session.ceremony.set_blackout(False)
        session.choose_person_at((100, 90))
        gap = session.settings.placement.model_copy(update={"gap_m": 1.3})
        session.update_settings(session.settings.model_copy(update={"placement": gap}))
        time.sleep(0.4)
        session.keepsakes.stop_recording()
        assert wait_until(lambda: not (stage.parent / f".{stage.name}.unfinished").exists(), timeout_s=10)
    finally:
        session.close()
    folder = stage.parent
    assert stage == film_folder.stage_video(folder) and folder.parent.parent == tmp_path
    log = read_event_log(film_folder.event_log(folder))
    assert log.start.source == "demo" and log.start.hidden is False and log.start.settings == Settings()
    kinds = [(e.event, getattr(e, "value", None)) for e in log.events]
    assert kinds == [
        ("key", None),
        ("hidden", True),
        ("blackout", True),
        ("blackout", False),
        ("person", None),
        ("placement", None),
        ("stop", None),
    ]
    assert 0.3 < log.events[1].t < 0.8 and log.events[-1].t > 1.5
    assert log.events[-2].placement.gap_m == 1.3
    assert log.start.fade_s == 0.3 and [e.fade_s for e in log.events[1:4]] == [0.3, 0.3, 0.3]
    # both videos on one timeline: the clean feed has no character, the stage shows him until he is hidden
    stage_frames = dict((round(t * 30), image) for image, t in open_video_frames(stage)[1])
    camera_frames = dict(
        (round(t * 30), image) for image, t in open_video_frames(film_folder.camera_video(folder))[1]
    )
    assert max(camera_frames) >= 40 and abs(max(camera_frames) - max(stage_frames)) <= 2
    assert all(abs(int(image[100, 250, 2]) - 128) < 12 for image in camera_frames.values())  # grey: no red
    hidden_s, shown_slots, fading = log.events[1].t, 0, []
    for slot, image in stage_frames.items():
        if slot / 30 < hidden_s - 0.07:
            assert image[100, 250, 2] > 200, slot  # the red character before he was hidden
            shown_slots += 1
        elif slot / 30 > hidden_s + 0.3 + 0.07:
            assert image[100, 250, 2] < 150, slot  # gone once the 0.3 s fade is over
        elif slot / 30 > hidden_s + 0.07:
            fading.append(int(image[100, 250, 2]))
    assert shown_slots >= 5
    assert sum(150 < red < 235 for red in fading) >= 3, fading  # the fade is in the keepsake


def test_the_replay_fades_hide_and_blackout_frame_time_by_frame_time_as_the_console_did(tmp_path):
    from arwed.commands.replay import _FilmWriter
    from arwed.types import CompositeFrame, CompositeMode, Frame

    path = tmp_path / "events.jsonl"
    _log(
        path,
        START,
        {"t": 1.0, "event": "hidden", "value": True, "fade_s": 0.5},
        {"t": 2.0, "event": "blackout", "value": True, "fade_s": 0.4},
    )
    timeline = Timeline(read_event_log(path), Settings())
    written: list[np.ndarray] = []

    def write(image, slots=1):
        written.extend([image.copy()] * slots)

    sink = SimpleNamespace(writer=SimpleNamespace(fps=30.0, write=write, duration_s=0.0, frames_written=0))
    camera = np.full((20, 20, 3), 100, np.uint8)

    def render(frame, result, outputs, visibility, ceremony):
        image = camera.copy()
        if visibility > 0.0:
            image[5:15, 5:15] = (0, 0, 250)  # him
        outputs[0].deliver(
            CompositeFrame(
                image,
                frame.index,
                0.0,
                frame.media_time_s,
                CompositeMode.STAGE,
                None,
                None,
                camera_image=camera,
            )
        )

    writer = _FilmWriter(sink, timeline, None)
    output = SimpleNamespace(deliver=writer.deliver)
    for index in range(0, 75, 3):  # a frame every third frame time: each is shown three times
        sink.writer.frames_written = len(written)
        result = SimpleNamespace(frame=Frame(camera, index, 0.0, index / 30.0))
        writer.render(SimpleNamespace(render=render), result, output, None, (index + 3) / 30.0)
    red = [int(image[10, 10, 2]) for image in written]
    grey = [int(image[0, 0, 0]) for image in written]
    for slot in range(75):
        t = (slot + 1) / 30.0 - 1e-6  # what held at the end of the frame time
        visibility = 1.0 if t < 1.0 else max(0.0, 1.0 - (t - 1.0 + FIRST_STEP_S) / 0.5)
        curtain = 1.0 if t < 2.0 else max(0.0, 1.0 - (t - 2.0 + FIRST_STEP_S) / 0.4)
        assert red[slot] == pytest.approx((100 + 150 * visibility) * curtain, abs=1.5), slot
        assert grey[slot] == pytest.approx(100 * curtain, abs=1.0), slot
    assert sum(100 < r < 250 for r in red[:60]) >= 12  # every frame time of the hide's fade its own level
