"""The console's cue list: Page Down steps cues when a ceremony is loaded, the plain ladder otherwise;
the panel shows now, next and what Page Down does; his voice starts and stops with its cue."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from arwed.session.cue_desk import VoiceCue
from arwed.session.state import ConsoleConfig
from tests.ceremony.audio_files import tone, write_wav
from tests.ui.fakes import FakePipeline, make_session, wait_until

REPO = Path(__file__).resolve().parents[2]

CEREMONY = """\
name: console test
cues:
  - name: lights
    actions: [{blackout: off}]
    end: key
  - name: vows
    actions: [{say: vows.wav}]
    end: key
  - name: rings
    actions: [reach]
    end: key
"""


class Heard:
    def __init__(self, session):
        self.cues, self.voice = [], []
        session.events.cues.connect(self.cues.append)
        session.events.voice.connect(self.voice.append)


@pytest.fixture
def ceremony_file(tmp_path):
    write_wav(tmp_path / "vows.wav", tone(3.0), 48000)
    path = tmp_path / "ceremony.yaml"
    path.write_text(CEREMONY, encoding="utf-8")
    return path


@pytest.fixture
def session():
    s = make_session(ConsoleConfig(source="demo"))
    yield s
    s.close()


def _frame(stage, t: float) -> None:
    """What the render thread does each frame (the fake pipeline does not render)."""
    stage.frame(t, None, None, None)


def test_without_a_ceremony_the_keys_keep_their_plain_meaning(session):
    session.ceremony.set_blackout(True)
    session.step_forward()
    assert not session.ceremony.blackout
    session.step_back()
    assert session.ceremony.hidden


def test_page_down_steps_the_cues_and_page_up_goes_back(session, ceremony_file):
    heard = Heard(session)
    session.start()
    session.load_ceremony(str(ceremony_file))
    assert wait_until(lambda: heard.cues and heard.cues[-1].names == ("lights", "vows", "rings"), 60)
    assert heard.cues[-1].index == -1 and heard.cues[-1].page_down == "start 'lights'"
    stage = session.cues.stage
    assert wait_until(lambda: FakePipeline.instances and FakePipeline.instances[-1].ceremony is stage)
    session.ceremony.set_blackout(True)
    session.step_forward()  # out of the operator's blackout first, as without a ceremony
    _frame(stage, 0.5)
    assert not session.ceremony.blackout and heard.cues[-1].index == -1
    session.step_forward()  # then the cues
    _frame(stage, 1.0)
    assert heard.cues[-1].index == 0 and "start 'vows'" in heard.cues[-1].page_down
    session.step_forward()
    _frame(stage, 2.0)
    assert heard.cues[-1].index == 1
    # his voice starts when that frame is shown (the fake pipeline shows a stage frame every 1/60 s)
    assert wait_until(lambda: heard.voice == [VoiceCue(ceremony_file.parent / "vows.wav", True, 1.0, 0.0)])
    session.step_forward()
    _frame(stage, 2.5)
    assert heard.cues[-1].index == 2
    assert wait_until(lambda: heard.voice[-1] == VoiceCue(ceremony_file.parent / "vows.wav", False, 1.0))
    session.step_back()
    _frame(stage, 3.0)
    assert heard.cues[-1].index == 1  # the vows again, from their beginning
    assert wait_until(lambda: heard.voice[-1].playing)
    session.cues.start_from(2)
    _frame(stage, 4.0)
    assert heard.cues[-1].index == 2


def test_the_ceremony_is_saved_with_the_set_up_and_comes_back(tmp_path, ceremony_file):
    first = make_session(ConsoleConfig(source="demo"), tmp_path / "console.yaml")
    first.start()
    first.load_ceremony(str(ceremony_file))
    assert wait_until(lambda: first.config.ceremony == str(ceremony_file), 60)
    first.close()
    from arwed.session.state import load_console_config

    config, problem = load_console_config(tmp_path / "console.yaml")
    assert problem is None and config.ceremony == str(ceremony_file)
    second = make_session(config)
    heard = Heard(second)
    second.start()
    assert wait_until(lambda: heard.cues and heard.cues[-1].names == ("lights", "vows", "rings"), 60)
    second.close()


def test_a_broken_ceremony_is_a_notice_and_the_show_goes_on(session, tmp_path, caplog):
    heard = Heard(session)
    bad = tmp_path / "bad.yaml"
    bad.write_text("cues:\n  - end: whenever\n", encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="arwed.console"):
        session.load_ceremony(str(bad))
        assert wait_until(lambda: heard.cues and heard.cues[-1].problem, 60)
    assert "line 2, field 'cues[0].end'" in heard.cues[-1].problem
    assert not session.cues.loaded
    session.ceremony.set_blackout(True)
    session.step_forward()  # still the plain ladder
    assert not session.ceremony.blackout


def test_cue_panel_shows_now_next_and_page_down(qtbot, session, ceremony_file):
    from arwed.ui.cue_panel import CuePanel
    from arwed.ui.voice import VoicePlayer

    heard = Heard(session)
    voice = VoicePlayer()
    panel = CuePanel(session, voice)
    qtbot.addWidget(panel)
    assert not panel.start_button.isEnabled()
    session.load_ceremony(str(ceremony_file))
    assert wait_until(lambda: heard.cues, 60)
    panel.show_status(heard.cues[-1])
    assert panel.cue_list.count() == 3 and panel.now_label.text() == "Now: not started"
    assert panel.page_down_label.text() == "Page Down: start 'lights'"
    session.step_forward()
    _frame(session.cues.stage, 1.0)
    panel.show_status(heard.cues[-1])
    assert panel.now_label.text() == "Now: lights" and panel.next_label.text() == "Next: vows"
    if not VoicePlayer.has_device():
        assert "No audio output device" in panel.audio_label.text()


def test_voice_without_a_device_says_so_once_and_goes_on(qtbot, ceremony_file, caplog):
    from arwed.ui.voice import VoicePlayer

    voice = VoicePlayer()
    if VoicePlayer.has_device():
        pytest.skip("this machine has an audio output device")
    clip = ceremony_file.parent / "vows.wav"
    with caplog.at_level(logging.WARNING, logger="arwed.console"):
        voice.cue(VoiceCue(clip, True, 1.0, 0.5))
        voice.cue(VoiceCue(clip, False, 1.0))
        voice.cue(VoiceCue(clip, True, 1.0, 0.0))
    notices = [r for r in caplog.records if "no audio output device" in r.getMessage()]
    assert len(notices) == 1
    voice.set_volume(0.3)
    voice.stop()
    assert voice.playing is None


def test_a_console_recording_carries_his_voice_in_step_with_the_picture(tmp_path):
    """The recorder on the console's clock: black frames and a beep placed at the same moments come out
    of the written file within 40 ms of each other, also when the frames stall for longer than the
    writer holds audio back (the second beep must stay whole: a hole would be a third onset)."""
    import importlib.util

    import numpy as np

    from arwed.session.keepsakes import Recorder

    spec = importlib.util.spec_from_file_location("av_offset", REPO / "tools" / "av_offset.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    recorder = Recorder(tmp_path / "r.mp4", voice=True)
    recorder.start()
    bright, dark = np.full((120, 160, 3), 200, np.uint8), np.zeros((120, 160, 3), np.uint8)
    beep = tone(1.1, 48000, hz=1000.0, level=0.5)
    start = time.monotonic() + 100.0  # the console's monotonic clock (ahead: the idle writes wait)
    for i in range(int(3.6 * 30)):  # 3.6 s at 30 frames/s, as the render thread offers them
        t = start + i / 30.0
        if i in (30, 60):
            recorder.play_voice(beep, t)  # his voice starts with the cue that blacks out the picture
        if 62 <= i < 98:
            continue  # a stall of 1.2 s while the beep plays
        recorder.offer(dark if 30 <= i < 40 or 60 <= i < 70 else bright, t)
        if i in (45, 100):
            recorder.stop_voice(t)
        assert wait_until(lambda: recorder.queued == 0)  # in real time the writer keeps up
    recorder.stop()
    assert recorder.error is None
    measured = tool.main(str(tmp_path / "r.mp4"))
    assert measured["picture_onsets"] == 2 and measured["sound_onsets"] == 2, measured
    assert measured["offset_ms"]["max_abs"] <= 40.0, measured


def test_a_recording_started_with_a_ceremony_open_has_a_voice_track(session, ceremony_file, tmp_path):
    session.keepsakes.set_folder(str(tmp_path / "keep"))
    session.start()  # recording is refused until a source shows frames
    assert wait_until(lambda: session.tap("stage").latest() is not None)
    session.keepsakes.start_recording()
    assert session.keepsakes._recorder.voice is False  # no ceremony: the plain recording of before
    session.keepsakes.stop_recording()
    heard = Heard(session)
    session.load_ceremony(str(ceremony_file))
    assert wait_until(lambda: heard.cues, 60)
    session.keepsakes.start_recording()
    assert session.keepsakes._recorder.voice is True
    session.keepsakes.stop_recording()
