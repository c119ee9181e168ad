"""Recordings in the console's model (fake pipeline, no Qt): refused without a source, marked while under
way, repaired after a crash, the set-up saved on every change, the disk space measured."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from arwed.session import keepsakes, recovery
from arwed.session.disk_space import LOW_SPACE_S, RecordingSpace, measure_space
from arwed.session.state import ConsoleConfig, load_console_config
from arwed.video_writer import playable_length
from tests.conftest import REPO_ROOT
from tests.ui.fakes import make_session, wait_until


def test_recording_with_no_source_is_refused_saying_why(tmp_path, caplog):
    session = make_session(ConsoleConfig(keepsake_dir=str(tmp_path)))  # never started: nothing runs
    try:
        with caplog.at_level(logging.WARNING, logger="arwed.console"):
            assert session.keepsakes.start_recording() is False
        assert session.status().recording is None
        assert "recording refused: no source is running" in caplog.text
        assert not list(tmp_path.rglob("*.mp4"))
    finally:
        session.close()


def test_a_recording_is_marked_while_under_way_and_unmarked_when_saved(tmp_path, caplog):
    session = make_session(ConsoleConfig(source="demo", keepsake_dir=str(tmp_path)))
    try:
        session.start()
        assert wait_until(lambda: session.tap("stage").latest() is not None)
        spaces = []
        session.events.recording_space.connect(spaces.append)
        assert session.keepsakes.start_recording()
        video = session.status().recording
        assert wait_until(lambda: recovery.marker_path(video).exists())
        assert wait_until(lambda: any(s.seconds_left is not None for s in spaces), timeout_s=8)
        with caplog.at_level(logging.INFO, logger="arwed.console"):
            session.keepsakes.stop_recording()
            assert wait_until(lambda: "recording saved" in caplog.text)
        assert not recovery.marker_path(video).exists()
        frames, seconds = playable_length(video)
        assert frames > 30 and seconds > 2.0
        space = spaces[-1]
        assert space.free_bytes > 0 and space.bytes_per_s > 0
        assert space.seconds_left == pytest.approx(space.free_bytes / space.bytes_per_s)
    finally:
        session.close()


def test_the_set_up_is_saved_whenever_it_changes(tmp_path):
    path = tmp_path / "console.yaml"
    session = make_session(ConsoleConfig(), config_path=path)
    try:
        session.keepsakes.set_folder(str(tmp_path / "elsewhere"))
        assert wait_until(lambda: path.exists() and "elsewhere" in path.read_text(), timeout_s=3)
        settings = session.settings
        placement = settings.placement.model_copy(update={"character_height_m": 1.91})
        session.update_settings(settings.model_copy(update={"placement": placement}))
        assert wait_until(lambda: "1.91" in path.read_text(), timeout_s=3)
        config, notice = load_console_config(path)  # whole at every moment: it always validates
        assert notice is None and config.settings.placement.character_height_m == pytest.approx(1.91)
    finally:
        session.close()


def _write_then_die(video, seconds: float) -> None:
    """A recorder in another process killed with SIGKILL (os._exit skips every close) while recording."""
    code = textwrap.dedent(
        f"""
        import os, time, numpy as np
        from pathlib import Path
        from arwed.session import keepsakes
        recorder = keepsakes.Recorder(Path({str(video)!r}))
        recorder.start()
        start = time.monotonic()
        while time.monotonic() - start < {seconds}:
            now = time.monotonic()
            recorder.offer(np.full((180, 320, 3), int(now * 50) % 255, np.uint8), now)
            time.sleep(1 / 30)
        os.kill(os.getpid(), 9)
        """
    )
    subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    )


def test_a_killed_recording_is_repaired_and_measured_at_the_next_start(tmp_path, caplog):
    day = tmp_path / "2031-06-14"
    day.mkdir()
    video = day / "recording-153005.mp4"
    _write_then_die(video, 4.0)
    assert recovery.marker_path(video).exists()
    with open(video, "ab") as file:  # a torn fragment, as a power cut in the middle of a write leaves
        file.write((5000).to_bytes(4, "big") + b"moof" + os.urandom(600))
    session = make_session(ConsoleConfig(keepsake_dir=str(tmp_path)))
    try:
        with caplog.at_level(logging.WARNING, logger="arwed.console"):
            found = session.keepsakes.recover()
        assert [item.path for item in found] == [video]
        assert found[0].duration_s >= 4.0 - 2.0
        assert f"recovered an unfinished recording: {video}" in caplog.text
        assert not recovery.marker_path(video).exists()
        assert session.keepsakes.recover() == []  # said once
    finally:
        session.close()


def test_disk_space_is_the_free_bytes_over_the_growth_rate(tmp_path):
    video = tmp_path / "a.mp4"
    video.write_bytes(b"x" * 3_000_000)
    assert measure_space([video], 1.0).seconds_left is None  # too early to know the rate
    space = measure_space([video], 3.0)
    assert space.bytes_per_s == pytest.approx(1_000_000)
    assert space.seconds_left == pytest.approx(space.free_bytes / 1_000_000)
    low = RecordingSpace(free_bytes=int(5e8), bytes_per_s=1e6, seconds_left=500.0)
    assert low.low and "8 min left" in low.describe()
    assert not RecordingSpace(int(1e12), 1e6, 1e6).low and LOW_SPACE_S == 600


def test_recorder_that_falls_behind_drops_frames_never_blocks():
    recorder = keepsakes.Recorder.__new__(keepsakes.Recorder)
    keepsakes._FrameWorker.__init__(recorder, "test")  # not started: nothing takes from the queue
    for i in range(keepsakes.QUEUE_FRAMES + 5):  # at 30 frames/s the count is the bound
        recorder.offer(np.zeros((4, 4, 3), np.uint8), i / 30.0)
    assert recorder.dropped == 5
    slow = keepsakes.Recorder.__new__(keepsakes.Recorder)
    keepsakes._FrameWorker.__init__(slow, "test")
    for i in range(10):  # at 5 frames/s the time is: no more than QUEUE_SPAN_S of frames a kill would lose
        slow.offer(np.zeros((4, 4, 3), np.uint8), i * 0.2)
    queued = [t for _, t in slow._frames]
    assert queued[-1] - queued[0] <= keepsakes.QUEUE_SPAN_S and len(queued) == slow.queued == 3
    assert slow.dropped == 7
