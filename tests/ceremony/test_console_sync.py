"""His voice against the picture in the console, on a machine that draws slowly: the console's real
session (cue desk, frame fan-out, recorder and writer) with a stand-in pipeline whose render thread
directs each frame by the ceremony and takes a fifth of a second to draw it.

A marker ceremony cuts him out of the picture and back in, each time with a tone; the recording's two
written files are measured as tools/console_av_offset.py measures a real console's. And a source
changed mid-ceremony (a new pipeline whose source time starts again at 0) neither restarts nor jumps
the ceremony."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from arwed.session.state import ConsoleConfig
from arwed.types import CompositeFrame
from tests.ceremony.audio_files import tone, write_wav
from tests.ui.fakes import (
    CHARACTER_BGR,
    CHARACTER_BOX,
    FRAME_SIZE,
    STAGE_GREY,
    FakePipeline,
    make_session,
    wait_until,
)

REPO = Path(__file__).resolve().parents[2]
DRAW_S = 0.2  # a slow machine: each frame takes this long to draw after its direction is known

MARKERS = """\
name: marker
cues:
  - name: settle
    actions: [idle]
    end: 0.3
  - name: gone
    actions: [{say: tone.wav}, {fade: {to: out, duration_s: 0}}]
    end: 1.0
  - name: back
    actions: [{say: tone.wav}, {fade: {to: in, duration_s: 0}}]
    end: 1.0
"""


class SlowPipeline(FakePipeline):
    """The render thread as the real pipeline runs it: the frame's ceremony direction first (on its
    capture time, with the source's own time running slow, as a demo's does under load), then the
    drawing, then the outputs."""

    def _run(self) -> None:
        index = 0
        while not self._stop.is_set():
            captured = time.monotonic()
            media = index / 30.0  # a source that falls behind the wall clock, from 0 for each pipeline
            stage = self.ceremony
            shown = True
            if stage is not None:
                direction = stage.frame(media, None, None, None, capture_time_s=captured).direction
                shown = direction.opacity > 0.5
            if self._stop.wait(DRAW_S):
                return
            for output in list(self.outputs):
                output.deliver(self._slow_frame(output.settings.mode, index, captured, media, shown))
            index += 1

    def _slow_frame(self, mode, index, captured, media, shown) -> CompositeFrame:
        width, height = FRAME_SIZE
        image = np.full((height, width, 3), STAGE_GREY, np.uint8)
        camera = image.copy()
        x0, y0, x1, y1 = CHARACTER_BOX
        if shown:
            image[y0:y1, x0:x1] = CHARACTER_BGR
        return CompositeFrame(
            image=image,
            frame_index=index,
            capture_time_s=captured,
            media_time_s=media,
            mode=mode,
            placement=None,
            character_bbox_px=tuple(float(v) for v in CHARACTER_BOX) if shown else None,
            camera_image=camera,
        )


@pytest.fixture
def markers(tmp_path):
    write_wav(tmp_path / "tone.wav", tone(0.5, 48000, hz=1000.0, level=0.5), 48000)
    path = tmp_path / "markers.yaml"
    path.write_text(MARKERS, encoding="utf-8")
    return path


def _tool():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "console_av_offset", REPO / "tools" / "console_av_offset.py"
    )
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_his_voice_stays_with_the_picture_when_drawing_is_slow_and_the_source_changes(tmp_path, markers):
    session = make_session(ConsoleConfig(source="demo"), pipeline_factory=SlowPipeline)
    heard = []
    session.events.voice.connect(heard.append)
    try:
        session.keepsakes.set_folder(str(tmp_path / "keep"))
        session.load_ceremony(str(markers))
        assert wait_until(lambda: session.cues.loaded, 60)
        session.start()
        assert wait_until(lambda: session.tap("stage").latest() is not None, 30)
        assert session.keepsakes.start_recording()
        time.sleep(0.2)
        pressed_s = time.monotonic()
        session.step_forward()  # the first cue
        director = session.cues.stage.director
        runner = director.runner
        assert wait_until(lambda: runner.index == 1 and director.audio, 10)  # 'gone': the first tone
        time.sleep(0.55)  # the tone is over
        started = [(r.index, r.start_s) for r in runner.log]
        first = FakePipeline.instances[-1]
        session.scene.set_source("second.mp4")  # a new pipeline: its source's time starts again at 0
        assert wait_until(lambda: FakePipeline.instances[-1] is not first and runner.finished, 15)
        time.sleep(0.4)
        recording = session.keepsakes.recording.parent
        session.keepsakes.stop_recording()
    finally:
        session.close()
    log = runner.log
    assert [(r.index, r.start_s) for r in log[: len(started)]] == started  # nothing started again
    assert [r.index for r in log] == [0, 1, 2]
    # the console's ceremony runs on the wall clock (his voice's), not on a source's own time: the first
    # cue began on the first frame after the key, the next at their times across the change
    assert pressed_s <= log[0].start_s < pressed_s + 2 * DRAW_S + 0.5
    assert log[2].start_s - log[0].start_s == pytest.approx(0.3 + 1.0, abs=1e-6)
    assert [v.playing for v in heard].count(True) == 2  # each tone once: none began again
    measured = _tool().measure(recording)
    # two cuts and two tones, each tone with its cut
    assert measured["picture_onsets"] == 2 and measured["sound_onsets"] == 2, measured
    assert len(measured["pairs"]) == 2, measured
    assert measured["offset_ms"]["max_abs"] < 100.0, measured  # a frame's drawing time ahead was 200 ms


def test_the_ceremony_clock_never_goes_back():
    """Any clock a stage is given that starts again (a rehearsal's or replay's video time here) is
    carried on from where the ceremony was."""
    from arwed.ceremony.stage import CeremonyClock

    clock = CeremonyClock()
    first = [clock(t) for t in (5.0, 5.5, 6.0)]
    again = [clock(t) for t in (0.0, 0.5, 1.0)]
    assert first == [5.0, 5.5, 6.0] and again == [6.0, 6.5, 7.0]
