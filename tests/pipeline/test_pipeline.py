"""The threaded loop: order, resilience to a failing frame, live mode, and a clean stop."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np

from arwed.capture.demo import DemoSource
from arwed.characters.figure import procedural_humanoid
from arwed.config import Settings
from arwed.pipeline import LatestSlot, Output, Pipeline
from arwed.pipeline.head import EyesOutputs
from arwed.render.renderer import CharacterRenderer
from arwed.types import CompositeMode


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


def test_the_end_of_a_live_stream_comes_after_its_last_frame():
    slot, stop = LatestSlot(), threading.Event()
    slot.send("last frame", stop)
    slot.send(None, stop)  # the source ended before the last frame was taken
    assert slot.receive(stop) == "last frame"  # still rendered
    assert slot.receive(stop) is None and slot.receive(stop) is None


def test_offline_run_delivers_every_frame_in_order_and_draws_each_viewpoint_once(monkeypatch):
    frames = 8
    settings = Settings()
    rendered: list[tuple[int, int]] = []  # (width, height) of the view each render call drew
    real_render = CharacterRenderer.render

    def counting_render(self, posed, to_camera, intrinsics, **options):
        rendered.append((intrinsics.width_px, intrinsics.height_px))
        return real_render(self, posed, to_camera, intrinsics, **options)

    monkeypatch.setattr(CharacterRenderer, "render", counting_render)
    her_views = []
    real_draw = EyesOutputs.draw

    def counting_draw(self, *args):
        her_views.append(1)
        return real_draw(self, *args)

    monkeypatch.setattr(EyesOutputs, "draw", counting_draw)
    got: dict[str, list] = {}

    def output(name: str, mode: CompositeMode) -> Output:
        composite = settings.composite.model_copy(update={"mode": mode})
        return Output(name, composite, lambda frame, name=name: got.setdefault(name, []).append(frame))

    outputs = [
        output("projector", CompositeMode.STAGE),
        output("window", CompositeMode.STAGE),
        output("glasses", CompositeMode.CAMERA_BLACK),
        output("key", CompositeMode.KEYED),
        output("her left glasses", CompositeMode.EYES),
        output("her spare glasses", CompositeMode.EYES),
    ]
    pipeline = Pipeline(
        DemoSource(frames=frames, size_px=(640, 360)), settings, procedural_humanoid(), outputs=outputs
    )
    pipeline.run()
    assert pipeline.error is None
    assert all([f.frame_index for f in got[o.name]] == list(range(frames)) for o in outputs)
    assert got["projector"][-1].placement is not None and got["projector"][-1].character_bbox_px is not None
    assert {"tracking", "render", "composite", "eyes"} <= set(pipeline.timings.medians())
    with_character = sum(f.character_bbox_px is not None for f in got["projector"])
    assert with_character >= 2  # the demo's person is found from the first frames on
    camera_renders = sum(size == (640, 360) for size in rendered)
    assert (
        camera_renders == with_character
    )  # once a frame for the two stage, the camera-black and the keyed outputs
    assert len(her_views) == frames  # her view: drawn once a frame for both eyes outputs
    eyes_per_view = 2 if pipeline.glasses.stereo else 1
    assert len(rendered) - camera_renders <= eyes_per_view * with_character
    for mine, spare in zip(got["her left glasses"], got["her spare glasses"], strict=True):
        assert mine.image is spare.image  # one picture of her view for both (each sink copies what it keeps)


class _FlakyCharacter:
    """The stand-in figure, except that posing fails on some frames."""

    def __init__(self, failing_frames: set[int]):
        self._figure = procedural_humanoid()
        self.info, self.parts = self._figure.info, self._figure.parts
        self._failing = failing_frames
        self._calls = 0
        self.cues = {}  # time -> the cue posed for it

    @property
    def height_m(self) -> float:
        return self._figure.height_m

    def pose(self, cue):
        self._calls += 1
        self.cues[cue.time_s] = cue
        if self._calls in self._failing:
            raise ValueError("a broken frame")
        return self._figure.pose(cue)


def test_a_failing_frame_is_logged_once_and_the_loop_goes_on(caplog):
    settings, frames = Settings(), []
    source = DemoSource(frames=10, size_px=(640, 360))
    character = _FlakyCharacter({3, 4, 5})
    pipeline = Pipeline(source, settings, character, outputs=[_collecting_output(settings, frames)])
    with caplog.at_level(logging.ERROR, logger="arwed.pipeline"):
        _run(pipeline)
    assert len(frames) == 10 and pipeline.error is None
    without_character = [f.frame_index for f in frames if f.character_bbox_px is None]
    assert len(without_character) == 3  # those frames show the camera image alone; the rest carry on
    assert sum("a broken frame" in r.getMessage() or r.exc_info is not None for r in caplog.records) == 1
    # he is told where the guests watch from (the camera, in his own space), to cheat his face out to them
    placed = [f for f in frames if f.placement is not None and f.placement.state.value == "tracking"]
    assert placed
    for f in placed:
        audience = character.cues[f.media_time_s].audience_m
        to_camera = f.placement.character_to_camera
        assert np.allclose(to_camera[:3, :3] @ audience + to_camera[:3, 3], 0.0, atol=1e-6)


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
    # after the stall the source goes on like a camera (no burst to catch up to its end), and so does
    # rendering: before, the backlog burst through the rest of the 45 frames and three frames were all
    assert len(frames) - 3 >= 5
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
