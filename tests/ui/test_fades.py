"""Blackout and hide fade over the operator's fade time: the ramp, the frames the fan-out publishes
(every stream; the keepsakes keep the picture through a blackout, the virtual camera fades) while it fades,
and fades that act and finish even when the pipeline stalls. The real app's fades and the recording of
both are driven with real keys in tests/ui/test_operator_xvfb.py."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest

from arwed.geometry.fade import FIRST_STEP_S, Fade
from arwed.session.state import ConsoleConfig, OutputConfig, load_console_config
from arwed.types import CompositeMode
from tests.ui.fakes import CHARACTER_BGR, CHARACTER_BOX, STAGE_GREY, make_session, wait_until


def test_a_fade_ramps_linearly_is_exact_at_its_end_and_turns_back_from_where_it_is():
    fade = Fade().towards(0.0, now_s=10.0, duration_s=0.4)
    assert fade.level(10.0) == 1.0 and fade.level(10.1) == pytest.approx(0.75)
    assert fade.level(10.3) == pytest.approx(0.25) and fade.level(10.4) == 0.0 and fade.settled(10.4)
    assert not fade.settled(10.39)
    back = fade.towards(1.0, now_s=10.3, duration_s=0.4)  # reversed at 0.25: 0.75 of the way left
    assert back.level(10.3) == pytest.approx(0.25) and back.level(10.61) == 1.0
    assert back.level(10.45) == pytest.approx(0.625)
    cut = Fade().towards(0.0, now_s=5.0, duration_s=0.0, first_step_s=FIRST_STEP_S)
    assert cut.level(5.0) == 0.0
    keyed = Fade().towards(0.0, now_s=5.0, duration_s=0.5, first_step_s=0.05)  # a key's: one step at once
    assert keyed.level(5.0) == pytest.approx(0.9) and keyed.level(5.45) == 0.0


def _collect_levels(
    session, stream: str, seconds: float, level: str = "curtain"
) -> list[tuple[float, float, np.ndarray]]:
    """(time, curtain or visibility, image) of every frame `stream` publishes for `seconds`."""
    seen, lock = [], threading.Lock()

    def on_frame(name: str) -> None:
        if name == stream:
            frame = session.tap(stream).latest()
            with lock:
                seen.append((time.monotonic(), getattr(frame, level), frame.image))

    session.frames.frame.connect(on_frame)
    time.sleep(seconds)
    session.frames.frame.disconnect(on_frame)
    return seen


def test_blackout_fades_every_published_frame_while_the_recording_keeps_the_picture(tmp_path):
    outputs = (OutputConfig(mode=CompositeMode.CAMERA_BLACK, screen="HDMI-1"),)
    session = make_session(ConsoleConfig(source="demo", fade_s=0.5, outputs=outputs))
    kept = []
    session.keepsakes.offer = lambda frame, now_s: kept.append(frame)  # what a recording gets
    try:
        session.start()
        assert wait_until(lambda: session.tap("camera-black").latest() is not None)
        started = time.monotonic()
        session.ceremony.set_blackout(True)
        seen = _collect_levels(session, "stage", 0.8)
        levels = [level for _, level, _ in seen]
        between = [level for level in levels if 0.0 < level < 1.0]
        assert len(between) >= 10, levels  # a fade, not a cut (60 Hz fake pipeline + the curtain's ticks)
        assert all(b <= a + 1e-9 for a, b in zip(levels, levels[1:], strict=False)), "never brightens"
        for at_s, level, image in seen:  # the picture itself is dimmed by the level
            assert level == pytest.approx(max(0.0, 1.0 - (at_s - started + FIRST_STEP_S) / 0.5), abs=0.08)
            assert image[5, 5, 0] == pytest.approx(STAGE_GREY * level, abs=1.5)
        assert levels[-1] == 0.0 and not seen[-1][2].any()
        glasses = session.tap("camera-black").latest()
        assert glasses.curtain == 0.0 and not glasses.image.any()  # every stream
        assert kept and all(
            frame.curtain == 1.0 and frame.image.any() for frame in kept
        )  # the keepsake keeps the picture
    finally:
        session.close()


def test_a_blackout_fades_to_black_on_time_even_when_the_pipeline_has_stalled():
    session = make_session(ConsoleConfig(source="demo", fade_s=0.3))
    try:
        session.start()
        assert wait_until(lambda: session.tap("stage").latest() is not None)
        done = threading.Event()
        session._control.submit(lambda: (session.scene.stop(), done.set()))  # no frame comes any more
        assert done.wait(5)
        session.ceremony.set_blackout(True)
        seen = _collect_levels(session, "stage", 0.6)
        levels = [level for _, level, _ in seen]
        assert sum(0.0 < level < 1.0 for level in levels) >= 5, levels  # the curtain's own ticks, ~30/s
        assert levels[-1] == 0.0
        x0, y0, x1, y1 = CHARACTER_BOX
        assert not session.tap("stage").latest().image[y0:y1, x0:x1].any()
        session.setup.set_fade_s(0.0)
        session.ceremony.set_blackout(False)
        session.ceremony.set_hidden(True)  # hide and show need no new frame either
        assert (session.tap("stage").latest().image[y0:y1, x0:x1] == STAGE_GREY).all()
        session.ceremony.set_hidden(False)
        assert (session.tap("stage").latest().image[y0:y1, x0:x1] == CHARACTER_BGR).all()
    finally:
        session.close()


def test_hide_fades_every_stream_from_the_frame_in_hand_and_zero_is_a_cut(tmp_path):
    from tests.ui.fakes import FakePipeline

    path = tmp_path / "console.yaml"
    outputs = (
        OutputConfig(mode=CompositeMode.CAMERA_BLACK, screen="HDMI-1"),
        OutputConfig(mode=CompositeMode.KEYED, screen="DP-1"),
    )
    session = make_session(ConsoleConfig(source="demo", outputs=outputs), config_path=path)
    x0, y0, x1, y1 = CHARACTER_BOX
    middle = ((y0 + y1) // 2, (x0 + x1) // 2)
    try:
        session.start()
        assert wait_until(lambda: all(session.tap(s).latest() is not None for s in ("stage", "keyed")))
        assert session.config.fade_s == 0.3  # the default: short
        session.ceremony.set_hidden(True)
        seen = _collect_levels(session, "stage", 0.5, level="visibility")
        between = [(level, image) for _, level, image in seen if 0.0 < level < 1.0]
        assert len(between) >= 5, [level for _, level, _ in seen]  # a fade, not a cut
        for level, image in between:  # him mixed with the camera's picture he was drawn on
            assert image[middle][2] == pytest.approx(STAGE_GREY + (255 - STAGE_GREY) * level, abs=1.5)
        assert seen[-1][1] == 0.0 and (seen[-1][2] == STAGE_GREY).all()  # the camera's picture alone
        assert not session.tap("camera-black").latest().image.any()  # black without him
        keyed = session.tap("keyed").latest().image
        assert (keyed == (0, 255, 0)).all(axis=2).all()  # the key colour without him
        assert not FakePipeline.instances[-1].character_hidden  # the pipeline goes on drawing him
        session.setup.set_fade_s(0.0)
        session.ceremony.set_hidden(False)
        assert session.tap("stage").latest().image[middle][2] == 255  # a cut: back at once
        session.ceremony.set_blackout(True)
        assert session.tap("stage").latest().curtain == 0.0  # a cut: black at once
    finally:
        session.close()
    assert load_console_config(path)[0].fade_s == 0.0  # saved with the set-up


def test_the_virtual_camera_fades_with_the_outputs_while_the_recording_keeps_the_picture():
    session = make_session(ConsoleConfig(source="demo", fade_s=0.4))
    sent, kept = [], []
    session.keepsakes._virtual_camera = SimpleNamespace(offer=lambda image, now_s: sent.append(image))
    session.keepsakes.offer = lambda frame, now_s: kept.append(frame)  # what a recording gets
    try:
        session.start()
        assert wait_until(lambda: len(sent) > 3)
        session.ceremony.set_blackout(True)
        time.sleep(0.6)
        greys = [int(image[5, 5, 0]) for image in list(sent)]
        assert sum(0 < grey < STAGE_GREY - 2 for grey in greys) >= 5, greys  # a fade, not a cut
        assert greys[-1] == 0
        assert kept[-1].image[5, 5, 0] == STAGE_GREY  # the keepsake keeps the picture
    finally:
        session.keepsakes._virtual_camera = None
        session.close()
