"""The console's model without Qt: ceremony safety, outputs, sources, characters, closing."""

from __future__ import annotations

import dataclasses
import logging
import threading

import numpy as np
import pytest

from arwed.session.console import NO_CAMERA
from arwed.session.state import ConsoleConfig, OutputConfig, load_console_config
from arwed.types import CompositeMode
from tests.ui.fakes import CHARACTER_BGR, CHARACTER_BOX, STAGE_GREY, FakePipeline, make_session, wait_until


@pytest.fixture
def session():
    s = make_session(ConsoleConfig(source="demo"))
    s.start()
    assert wait_until(lambda: s.tap("stage").latest() is not None)
    yield s
    s.close()


def _has_character(frame) -> bool:
    x0, y0, x1, y1 = CHARACTER_BOX
    return bool(np.all(frame.image[(y0 + y1) // 2, (x0 + x1) // 2] == CHARACTER_BGR))


def test_frames_reach_the_stage_tap_with_depth_and_focal_length(session):
    frame = session.tap("stage").latest()
    assert _has_character(frame) and frame.has_character
    assert frame.character_depth_m == pytest.approx(2.5)
    assert frame.fx_px == pytest.approx(160 / np.tan(np.radians(30)))  # 320 px wide, 60 degree default
    status = session.status()
    assert status.running and status.source == "demo" and status.tracking == "tracking"
    assert wait_until(lambda: session.status().fps > 10)


def test_hide_acts_on_the_frame_in_hand_and_no_later_frame_shows_him(session):
    session.setup.set_fade_s(0.0)
    session.ceremony.set_hidden(True)
    at_once = session.tap("stage").latest()  # before any new frame could be drawn without him
    assert not at_once.has_character and not _has_character(at_once) and at_once.visibility == 0.0
    seen_after_hide = []

    def listener(stream):
        seen_after_hide.append(session.tap(stream).latest())

    session.frames.frame.connect(listener)
    assert wait_until(lambda: len(seen_after_hide) > 5)
    session.frames.frame.disconnect(listener)
    assert not any(frame.has_character or _has_character(frame) for frame in seen_after_hide)
    assert not FakePipeline.instances[-1].character_hidden  # he is still drawn: showing him is as quick
    session.ceremony.set_hidden(False)
    assert _has_character(session.tap("stage").latest())


def test_a_frame_drawn_with_him_after_the_hide_is_shown_without_him_or_not_at_all():
    s = make_session(ConsoleConfig(source="demo", fade_s=0.0))
    s.ceremony.set_hidden(True)  # as if the operator pressed hide while this frame was being rendered
    from tests.ui.fakes import FakePipeline as Fake

    fake = Fake(None, s.settings, None, outputs=())
    composite = fake._frame(CompositeMode.STAGE, 0, hidden=False)
    s.frames.deliverer("stage")(composite)
    shown = s.tap("stage").latest()
    assert not _has_character(shown) and not shown.has_character and (shown.image == STAGE_GREY).all()
    s.frames.clear()
    without_camera = fake._frame(CompositeMode.STAGE, 1, hidden=False)
    s.frames.deliverer("stage")(dataclasses.replace(without_camera, camera_image=None))
    assert s.tap("stage").latest() is None  # no picture without him to show: not shown at all
    s.close()


def test_clicker_ladder_steps_between_blackout_hidden_and_shown(session):
    states = []
    for step in ("back", "back", "back", "forward", "forward", "forward"):
        session.ceremony.step_back() if step == "back" else session.ceremony.step_forward()
        states.append((session.ceremony.hidden, session.ceremony.blackout))
    assert states == [
        (True, False),
        (True, True),
        (True, True),
        (True, False),
        (False, False),
        (False, False),
    ]


def test_lock_reaches_the_placement(session):
    session.ceremony.set_locked(True)
    pipeline = FakePipeline.instances[-1]
    assert pipeline.settings_updates[-1].placement.locked
    assert session.status().locked
    session.ceremony.set_locked(False)
    assert not pipeline.settings_updates[-1].placement.locked


def test_outputs_add_streams_to_the_pipeline_and_remove_them(session):
    pipeline = FakePipeline.instances[-1]
    assert [o.name for o in pipeline.outputs] == ["stage"]
    glasses = session.outputs.add(
        OutputConfig(mode=CompositeMode.CAMERA_BLACK, screen="DP-1", side_by_side=True)
    )
    session.outputs.add(OutputConfig(mode=CompositeMode.STAGE, screen="HDMI-1"))
    assert [o.name for o in pipeline.outputs] == ["stage", "camera-black"]
    assert pipeline.outputs[1].settings.mode is CompositeMode.CAMERA_BLACK
    assert wait_until(lambda: session.tap("camera-black").latest() is not None)
    assert session.tap("camera-black").latest().image[0, 0].tolist() == [0, 0, 0]
    session.outputs.remove(glasses)
    assert [o.name for o in pipeline.outputs] == ["stage"]


def test_no_camera_at_all_says_so_and_offers_the_demo(caplog):
    caplog.set_level(logging.WARNING, logger="arwed")
    s = make_session(ConsoleConfig(), cameras=())
    s.start()
    assert wait_until(lambda: s.status().problem is not None)
    assert s.status().problem == NO_CAMERA and not s.status().running
    assert "No camera found" in caplog.text
    s.scene.set_source("demo")
    assert wait_until(lambda: s.status().running)
    assert s.status().problem is None
    s.close()


def test_first_camera_is_the_default_source():
    s = make_session(
        ConsoleConfig(), cameras=["camera:0"], source_opener=lambda spec: type("S", (), {"name": spec})()
    )
    s.start()
    assert wait_until(lambda: s.status().running)
    assert s.status().source == "camera:0"
    s.close()


def test_a_source_that_fails_leaves_the_show_running(session, caplog):
    caplog.set_level(logging.ERROR, logger="arwed")
    running = FakePipeline.instances[-1]
    session.scene.set_source("/videos/gone.missing")
    assert wait_until(lambda: "gone.missing" in caplog.text)
    assert session.status().source == "demo" and running.running


def test_bad_character_keeps_the_previous_one_and_says_why(session, caplog):
    caplog.set_level(logging.ERROR, logger="arwed")
    pipeline = FakePipeline.instances[-1]
    session.scene.set_character("/models/bad.vrm")
    assert wait_until(lambda: "bad.vrm" in caplog.text)
    assert "not a glTF or VRM file" in caplog.text and "keeping figure" in caplog.text
    assert pipeline.characters_set == [] and session.config.character is None
    session.scene.set_character("/models/good.vrm")
    assert wait_until(lambda: len(pipeline.characters_set) == 1)
    assert session.status().character == "good.vrm"


def test_bad_character_with_the_real_loader(tmp_path, caplog):
    from arwed.characters.catalog import load_character_or_default

    caplog.set_level(logging.ERROR, logger="arwed")
    broken = tmp_path / "broken.glb"
    broken.write_bytes(b"this is not a model")
    s = make_session(ConsoleConfig(source="demo"), character_loader=load_character_or_default)
    s.start()
    assert wait_until(lambda: s.status().running, timeout_s=20)
    before = s.status().character
    s.scene.set_character(str(broken))
    assert wait_until(lambda: "broken.glb" in caplog.text, timeout_s=20)
    assert s.status().character == before
    assert FakePipeline.instances[-1].characters_set == []
    s.close()


def test_calibration_restarts_the_pipeline_with_the_profile(session):
    first = FakePipeline.instances[-1]
    session.scene.set_calibration("/profiles/hall.yaml")
    assert wait_until(lambda: FakePipeline.instances[-1] is not first and FakePipeline.instances[-1].running)
    assert FakePipeline.instances[-1].profile.path == "/profiles/hall.yaml"
    assert not first.running
    assert session.config.calibration == "/profiles/hall.yaml"


def test_height_change_reloads_the_character_at_the_new_size(session):
    pipeline = FakePipeline.instances[-1]
    placement = session.settings.placement.model_copy(update={"character_height_m": 1.62})
    session.update_settings(session.settings.model_copy(update={"placement": placement}))
    assert wait_until(lambda: pipeline.characters_set and pipeline.characters_set[-1].height_m == 1.62)


def test_close_saves_the_set_up_and_leaves_no_threads(tmp_path):
    path = tmp_path / "console.yaml"
    s = make_session(ConsoleConfig(source="demo"), config_path=path)
    s.start()
    s.outputs.add(OutputConfig(mode=CompositeMode.CAMERA_BLACK, screen="DP-1"))
    s.set_shortcut("snapshot", ("F12",))
    assert wait_until(lambda: s.status().running)
    assert s.close()
    assert not any(t.name.startswith("arwed") and t.is_alive() for t in threading.enumerate())
    saved, notice = load_console_config(path)
    assert notice is None and saved.source == "demo"
    assert saved.outputs == (OutputConfig(mode=CompositeMode.CAMERA_BLACK, screen="DP-1"),)
    assert saved.shortcuts == {"snapshot": ("F12",)}
    again = make_session(saved, config_path=path)
    assert list(again.outputs.current().values()) == list(saved.outputs)
    assert again.shortcuts.action_for("F12") == "snapshot"
    again.close()


def test_snapshot_and_recording_write_keepsakes(session, tmp_path):
    session.keepsakes.set_folder(str(tmp_path))
    session.keepsakes.snapshot()
    assert wait_until(lambda: list(tmp_path.glob("*/snapshot-*.png")))
    session.keepsakes.start_recording()
    assert session.status().recording is not None
    assert wait_until(
        lambda: session.keepsakes._recorder is not None and session.keepsakes._recorder.frames_written > 10
    )
    session.keepsakes.stop_recording()
    assert wait_until(
        lambda: list(tmp_path.glob("*/recording-*/stage.mp4")) and session.status().recording is None
    )


def test_a_frame_that_cannot_be_shown_is_logged_and_the_last_good_one_stays(session, caplog):
    caplog.set_level(logging.ERROR, logger="arwed")
    good = session.tap("stage").latest()
    deliver = session.frames.deliverer("stage")
    original = session.tap("stage").put
    session.tap("stage").put = lambda frame: (_ for _ in ()).throw(MemoryError("no room"))
    broken = FakePipeline.instances[-1]._frame(CompositeMode.STAGE, 99999, hidden=False)
    deliver(broken)  # must not raise into the render thread
    session.tap("stage").put = original
    assert "frame 99999 could not be shown" in caplog.text
    assert good is not None and FakePipeline.instances[-1].running


def test_a_broken_calibration_profile_is_reported_and_the_previous_stays(tmp_path, caplog):
    pytest.importorskip("arwed.calibrate.profile")
    from arwed.session.console import _load_profile

    caplog.set_level(logging.ERROR, logger="arwed")
    broken = tmp_path / "hall.yaml"
    broken.write_text("camera_matrix: [1, 2\n", encoding="utf-8")
    s = make_session(ConsoleConfig(source="demo"), profile_loader=_load_profile)
    s.start()
    assert wait_until(lambda: s.status().running)
    first = FakePipeline.instances[-1]
    s.scene.set_calibration(str(broken))
    assert wait_until(lambda: "hall.yaml" in caplog.text)
    assert s.config.calibration is None and FakePipeline.instances[-1] is first and first.running
    s.close()
