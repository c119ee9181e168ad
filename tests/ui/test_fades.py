"""Blackout and hide fade over the operator's fade time: the ramp, the frames the fan-out publishes
(every stream; the keepsakes keep the picture) while it fades, and a fade that finishes even when the pipeline
stalls. The real pipeline's hide fade and the recording of both are driven with real keys in
tests/ui/test_operator_xvfb.py."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from arwed.geometry.fade import Fade
from arwed.session.state import ConsoleConfig, OutputConfig, load_console_config
from arwed.types import CompositeMode
from tests.ui.fakes import CHARACTER_BOX, STAGE_GREY, make_session, wait_until


def test_a_fade_ramps_linearly_is_exact_at_its_end_and_turns_back_from_where_it_is():
    fade = Fade().towards(0.0, now_s=10.0, duration_s=0.4)
    assert fade.level(10.0) == 1.0 and fade.level(10.1) == pytest.approx(0.75)
    assert fade.level(10.3) == pytest.approx(0.25) and fade.level(10.4) == 0.0 and fade.settled(10.4)
    assert not fade.settled(10.39)
    back = fade.towards(1.0, now_s=10.3, duration_s=0.4)  # reversed at 0.25: 0.75 of the way left
    assert back.level(10.3) == pytest.approx(0.25) and back.level(10.61) == 1.0
    assert back.level(10.45) == pytest.approx(0.625)
    cut = Fade().towards(0.0, now_s=5.0, duration_s=0.0)
    assert cut.level(5.0) == 0.0


def _collect_levels(session, stream: str, seconds: float) -> list[tuple[float, float, np.ndarray]]:
    """(time, curtain, image) of every frame `stream` publishes for `seconds`."""
    seen, lock = [], threading.Lock()

    def on_frame(name: str) -> None:
        if name == stream:
            frame = session.tap(stream).latest()
            with lock:
                seen.append((time.monotonic(), frame.curtain, frame.image))

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
            assert level == pytest.approx(max(0.0, 1.0 - (at_s - started) / 0.5), abs=0.08)
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
    finally:
        session.close()


def test_hide_tells_the_pipeline_the_fade_time_and_zero_is_a_cut(tmp_path):
    from tests.ui.fakes import FakePipeline

    path = tmp_path / "console.yaml"
    session = make_session(ConsoleConfig(source="demo"), config_path=path)
    try:
        session.start()
        assert wait_until(lambda: session.tap("stage").latest() is not None)
        assert session.config.fade_s == 0.3  # the default: short
        session.ceremony.set_hidden(True)
        pipeline = FakePipeline.instances[-1]
        assert pipeline.character_hidden and pipeline.fade_s == 0.3
        session.setup.set_fade_s(0.0)
        session.ceremony.set_hidden(False)
        assert pipeline.fade_s == 0.0
        session.ceremony.set_blackout(True)
        assert session.tap("stage").latest().curtain == 0.0  # a cut: black at once
    finally:
        session.close()
    assert load_console_config(path)[0].fade_s == 0.0  # saved with the set-up


def test_a_frame_rendered_before_the_hide_is_dropped_but_a_fading_one_is_shown():
    from arwed.session.frames import FrameFanOut
    from arwed.types import CompositeFrame

    hidden = [False]
    fan_out = FrameFanOut(lambda: hidden[0], lambda w, h: 500.0, lambda frame, now_s: None)

    def frame(index: int, visibility: float) -> CompositeFrame:
        image = np.full((4, 4, 3), 100, np.uint8)
        return CompositeFrame(
            image, index, 0.0, 0.0, CompositeMode.STAGE, None, (0, 0, 2, 2), visibility=visibility
        )

    deliver = fan_out.deliverer("stage")
    hidden[0] = True
    deliver(frame(1, 1.0))  # drawn before the pipeline heard of the hide
    assert fan_out.tap("stage").latest() is None
    deliver(frame(2, 0.6))  # the fade's frame
    assert fan_out.tap("stage").latest().frame_index == 2
