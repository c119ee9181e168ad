"""The threaded loop: order, resilience to a failing frame, live mode, and a clean stop."""

from __future__ import annotations

import logging
import threading
import time

from arwed.capture.demo import DemoSource
from arwed.characters.figure import procedural_humanoid
from arwed.config import Settings
from arwed.pipeline import LatestSlot, Output, Pipeline


def _run(pipeline: Pipeline, timeout_s: float = 60.0) -> None:
    pipeline.start()
    assert pipeline.wait(timeout_s), "the pipeline did not finish"
    pipeline.stop()


def _collecting_output(settings: Settings, frames: list) -> Output:
    return Output("test", settings.composite, frames.append)


def test_latest_slot_keeps_only_the_newest():
    slot = LatestSlot()
    assert slot.take(timeout_s=0.01) is LatestSlot.NOTHING
    for value in (1, 2, 3):
        slot.put(value)
    assert slot.take(timeout_s=0.01) == 3
    assert slot.take(timeout_s=0.01) is LatestSlot.NOTHING  # nothing newer since


def test_offline_run_delivers_every_frame_in_order():
    settings, frames = Settings(), []
    source = DemoSource(frames=8, size_px=(640, 360))
    pipeline = Pipeline(
        source, settings, procedural_humanoid(), outputs=[_collecting_output(settings, frames)]
    )
    _run(pipeline)
    assert pipeline.error is None
    assert [f.frame_index for f in frames] == list(range(8))
    assert frames[-1].placement is not None and frames[-1].character_bbox_px is not None
    assert {"tracking", "render", "composite"} <= set(pipeline.timings.medians())


class _FlakyCharacter:
    """The stand-in figure, except that posing fails on some frames."""

    def __init__(self, failing_frames: set[int]):
        self._figure = procedural_humanoid()
        self.info, self.parts = self._figure.info, self._figure.parts
        self._failing = failing_frames
        self._calls = 0

    @property
    def height_m(self) -> float:
        return self._figure.height_m

    def pose(self, cue):
        self._calls += 1
        if self._calls in self._failing:
            raise ValueError("a broken frame")
        return self._figure.pose(cue)


def test_a_failing_frame_is_logged_once_and_the_loop_goes_on(caplog):
    settings, frames = Settings(), []
    source = DemoSource(frames=10, size_px=(640, 360))
    pipeline = Pipeline(
        source, settings, _FlakyCharacter({3, 4, 5}), outputs=[_collecting_output(settings, frames)]
    )
    with caplog.at_level(logging.ERROR, logger="arwed.pipeline"):
        _run(pipeline)
    assert len(frames) == 10 and pipeline.error is None
    without_character = [f.frame_index for f in frames if f.character_bbox_px is None]
    assert len(without_character) == 3  # those frames show the camera image alone; the rest carry on
    assert sum("a broken frame" in r.getMessage() or r.exc_info is not None for r in caplog.records) == 1


def test_live_mode_keeps_up_after_a_stall_and_stops_cleanly():
    settings, frames = Settings(), []
    source = DemoSource(frames=45, size_px=(640, 360), realtime=True)
    delivered_s: list[float] = []

    def deliver(frame) -> None:
        frames.append(frame)
        delivered_s.append(time.monotonic())
        if len(frames) == 3:
            time.sleep(0.25)  # the render thread stalls once (a slow output, a page fault)

    pipeline = Pipeline(
        source, settings, procedural_humanoid(), outputs=[Output("test", settings.composite, deliver)]
    )
    before = {t.name for t in threading.enumerate()}
    _run(pipeline)
    # The newest frame wins: how many frames a loaded machine renders in 1.5 s varies, but none piles up,
    # so each one is shown soon after its capture (45 queued frames would be seconds late at the end).
    assert len(frames) >= 8
    latencies_s = [shown - f.capture_time_s for f, shown in zip(frames, delivered_s, strict=True)]
    gaps_s = [b - a for a, b in zip(delivered_s, delivered_s[1:], strict=False)]
    slowest_render_s = max([latencies_s[0], *gaps_s])  # the first frame also compiles the shaders
    assert max(latencies_s) < 3 * slowest_render_s + 0.2
    indices = [f.frame_index for f in frames]
    assert indices == sorted(indices)
    # after the stall the source goes on like a camera (no burst to catch up) and so does rendering
    assert indices[-1] >= 40 and len(frames) - 3 >= 5
    assert not {t.name for t in threading.enumerate() if t.is_alive()} - before


def test_a_pipeline_never_run_leaves_no_thread():
    before = {t.ident for t in threading.enumerate()}
    settings = Settings()
    pipeline = Pipeline(DemoSource(frames=2, size_px=(320, 180)), settings, procedural_humanoid())
    assert pipeline.outputs == ()
    assert {t.ident for t in threading.enumerate() if t.is_alive()} <= before


def test_stop_in_the_middle_returns_promptly():
    settings = Settings()
    source = DemoSource(frames=10_000, size_px=(320, 180), realtime=True, loop=True)
    pipeline = Pipeline(
        source, settings, procedural_humanoid(), outputs=[Output("x", settings.composite, lambda f: None)]
    )
    pipeline.start()
    time.sleep(1.0)
    started = time.monotonic()
    pipeline.stop()
    assert time.monotonic() - started < 6.0
    assert not any(t.name.startswith("arwed ") and t.is_alive() for t in threading.enumerate())
