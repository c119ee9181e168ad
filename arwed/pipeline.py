"""The per-frame loop, its threads and its timing: the one place where stages meet.

    source -> tracking -> placement -> character animation -> render -> composite -> outputs

Three worker threads: capture, tracking (MediaPipe + placement), and rendering (animation, render,
composite, outputs). Two ways to run:
- offline (files): every frame is tracked and rendered, in order, through short queues, so the stages
  still overlap in time;
- live (cameras, streams, the realtime demo): the newest frame wins. Tracking works on the newest frame
  it can get; rendering composites every captured frame with the newest placement.
A failure in one frame is logged and the loop goes on with the last good result.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from arwed.capture.sources import FrameSource
from arwed.characters.base import Character, CharacterCue
from arwed.compositing import Compositor
from arwed.config import CompositeSettings, Settings
from arwed.geometry.camera import intrinsics_from_fov
from arwed.geometry.placement import Placer
from arwed.render.renderer import CharacterRenderer
from arwed.tracking.pose import PoseTracker
from arwed.types import CameraIntrinsics, CompositeFrame, Frame, Placement, PoseObservation, RenderedLayer

if TYPE_CHECKING:
    from arwed.calibrate.profile import CalibrationProfile

log = logging.getLogger(__name__)

QUEUE_DEPTH = 3
MAX_DISTINCT_ERRORS = 50  # distinct per-frame failures logged in full; beyond that, counted by type
TIMING_WINDOW = 3000  # frames of per-stage timings kept for medians (100 s at 30 fps)
STAGES = ("capture", "tracking", "placement", "animation", "render", "composite", "output")


@dataclass(frozen=True)
class TrackingResult:
    frame_index: int
    observation: PoseObservation | None
    placement: Placement | None


@dataclass
class Output:
    """One composited output: its own mode and settings, fed every rendered frame on the render thread."""

    name: str
    settings: CompositeSettings
    deliver: Callable[[CompositeFrame], None]
    compositor: Compositor = field(init=False)

    def __post_init__(self) -> None:
        self.compositor = Compositor(self.settings)


class LatestSlot:
    """Holds one value; `put` replaces it, `take` waits for a value newer than the last one taken."""

    NOTHING = object()  # what `take` returns when nothing new came in time

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._value = None
        self._version = 0
        self._taken = 0

    def put(self, value) -> None:
        with self._cond:
            self._value, self._version = value, self._version + 1
            self._cond.notify_all()

    def take(self, timeout_s: float):
        with self._cond:
            if not self._cond.wait_for(lambda: self._version != self._taken, timeout=timeout_s):
                return LatestSlot.NOTHING
            self._taken = self._version
            return self._value

    def peek(self):
        with self._cond:
            return self._value


class _FrameErrors:
    """Logs a per-frame failure in full the first time, then only counts repeats (no log flood mid-ceremony)."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def report(self, what: str, frame_index: int, exc: BaseException) -> None:
        key = f"{what}: {exc.__class__.__name__}: {str(exc)[:200]}"
        if key not in self._seen and len(self._seen) >= MAX_DISTINCT_ERRORS:
            key = f"{what}: {exc.__class__.__name__}"  # messages that differ every frame: count by type
        count = self._seen.get(key, 0) + 1
        self._seen[key] = count
        if count == 1:
            log.error("%s failed on frame %d; going on without it", what, frame_index, exc_info=exc)
        elif count in (10, 100, 1000) or count % 10000 == 0:
            log.error("%s failed again (%d times so far): %s", what, count, key)


class _Timings:
    """Per-stage durations in milliseconds over the last TIMING_WINDOW frames (for medians), under a lock.

    Bounded, so a three-hour ceremony does not grow memory; `counts` keeps the totals."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.samples: dict[str, deque[float]] = {
            name: deque(maxlen=TIMING_WINDOW) for name in (*STAGES, "latency")
        }
        self.counts: dict[str, int] = dict.fromkeys(self.samples, 0)

    def add(self, stage: str, ms: float) -> None:
        with self._lock:
            self.samples[stage].append(ms)
            self.counts[stage] += 1

    def medians(self) -> dict[str, float]:
        with self._lock:
            return {k: float(np.median(v)) for k, v in self.samples.items() if v}


class Pipeline:
    def __init__(
        self,
        source: FrameSource,
        settings: Settings,
        character: Character,
        profile: CalibrationProfile | None = None,
        outputs: list[Output] | None = None,
        live: bool | None = None,
        max_frames: int | None = None,
    ):
        self.source = source
        self.settings = settings
        self.profile = profile
        self.outputs = outputs or []
        self.live = source.is_live if live is None else live
        self.max_frames = max_frames
        self.timings = _Timings()
        self.frame_errors = _FrameErrors()
        self.frames_rendered = 0
        self.frames_with_person = 0
        self.last_state: str = "lost"
        self.renderer_name = ""
        self.error: BaseException | None = None
        self.character_hidden = False
        self.source_stale = False  # a live source is repeating its last frame (camera unplugged)
        self._character = character
        self._pending_character: Character | None = None
        self._pending_settings: Settings | None = None
        self._stop = threading.Event()
        self._done = threading.Event()
        self._tracker_ready = threading.Event()
        self._renderer_ready = threading.Event()
        self._frames_to_track: queue.Queue | LatestSlot = (
            LatestSlot() if self.live else queue.Queue(QUEUE_DEPTH)
        )
        self._frames_to_render: queue.Queue | LatestSlot = (
            LatestSlot() if self.live else queue.Queue(QUEUE_DEPTH)
        )
        self._tracked: queue.Queue | LatestSlot = LatestSlot() if self.live else queue.Queue(QUEUE_DEPTH)
        self._threads: list[threading.Thread] = []
        self._intrinsics: dict[tuple[int, int], CameraIntrinsics] = {}
        self._last_anchor_m: np.ndarray | None = None
        self._started_s = 0.0
        self._finished_s = 0.0

    # ----- control (any thread) -------------------------------------------------------------------------

    def start(self) -> None:
        self._started_s = time.monotonic()
        for name, target in (
            ("capture", self._capture_loop),
            ("tracking", self._tracking_loop),
            ("render", self._render_loop),
        ):
            thread = threading.Thread(target=self._guarded(target), name=f"arwed {name}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def wait(self, timeout_s: float | None = None) -> bool:
        return self._done.wait(timeout_s)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5.0)
        self.source.close()

    def set_character(self, character: Character) -> None:
        self._pending_character = character

    def update_settings(self, settings: Settings) -> None:
        self._pending_settings = settings

    @property
    def elapsed_s(self) -> float:
        end = self._finished_s or time.monotonic()
        return max(1e-9, end - self._started_s)

    @property
    def fps(self) -> float:
        return self.frames_rendered / self.elapsed_s

    # ----- threads ----------------------------------------------------------------------------------------

    def _guarded(self, loop: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                loop()
            except BaseException as exc:  # a stage that cannot even start: stop the whole run, report it
                log.exception("%s failed", threading.current_thread().name)
                self.error = self.error or exc
                self._stop.set()
                self._done.set()

        return run

    def _capture_loop(self) -> None:
        # Frames wait for MediaPipe and the renderer to be ready (a second or two), so that the run does
        # not start with a backlog of frames without the character.
        while not self._stop.is_set() and not (
            self._tracker_ready.wait(0.1) and self._renderer_ready.wait(0.1)
        ):
            pass
        count = 0
        while not self._stop.is_set() and (self.max_frames is None or count < self.max_frames):
            started = time.perf_counter()
            frame = self.source.read()
            if frame is None:
                break
            self.timings.add("capture", (time.perf_counter() - started) * 1000.0)
            self.source_stale = frame.stale  # the source logs the loss and the return itself
            self._hand_over(self._frames_to_track, frame)
            if self.live:
                self._hand_over(self._frames_to_render, frame)
            count += 1
        self._hand_over(self._frames_to_track, None)
        if self.live:
            self._hand_over(self._frames_to_render, None)

    def _hand_over(self, channel: queue.Queue | LatestSlot, item) -> None:
        if isinstance(channel, LatestSlot):
            channel.put(item)
            return
        while not self._stop.is_set():
            try:
                channel.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def _receive(self, channel: queue.Queue | LatestSlot):
        """The next item; None at the end of the stream or on stop."""
        while not self._stop.is_set():
            if isinstance(channel, LatestSlot):
                item = channel.take(timeout_s=0.1)
                if item is LatestSlot.NOTHING:
                    continue
                return item
            try:
                return channel.get(timeout=0.1)
            except queue.Empty:
                continue
        return None

    def _tracking_loop(self) -> None:
        tracker = PoseTracker(self.settings.tracking)
        tracker.warm_up()
        self._tracker_ready.set()
        placer: Placer | None = None
        try:
            while True:
                frame = self._receive(self._frames_to_track)
                if frame is None:
                    break
                placer = placer or self._make_placer(frame)
                started = time.monotonic()
                result = self._track_one(tracker, placer, frame)
                self._hand_over(self._tracked, (frame, result) if not self.live else result)
                if (
                    self.live
                ):  # leave the CPU to rendering between tracking frames (placement is filtered anyway)
                    self._stop.wait(
                        max(0.0, 1.0 / self.settings.tracking.live_rate_hz - (time.monotonic() - started))
                    )
        finally:
            tracker.close()
            if not self.live:
                self._hand_over(self._tracked, None)

    def _make_placer(self, frame: Frame) -> Placer:
        floor = self.profile.floor if self.profile else None
        return Placer(self._intrinsics_for(frame), self.settings.placement, self.settings.tracking, floor)

    def _intrinsics_for(self, frame: Frame) -> CameraIntrinsics:
        size = frame.size_px
        cached = self._intrinsics.get(size)
        if cached is None:
            if self.profile is not None:
                cached = self.profile.intrinsics_for(*size)
            else:
                cached = intrinsics_from_fov(*size, self.settings.camera.default_hfov_deg)
            self._intrinsics[size] = cached
        return cached

    def _track_one(self, tracker: PoseTracker, placer: Placer, frame: Frame) -> TrackingResult:
        settings = self._pending_settings
        if settings is not None and settings.placement is not placer.settings:
            placer.update_settings(settings.placement)
        started = time.perf_counter()
        observation = None
        try:
            observation = tracker.process(frame)
        except Exception as exc:
            self.frame_errors.report("tracking", frame.index, exc)
        tracked = time.perf_counter()
        placement = placer.update(observation, frame.media_time_s)
        placed = time.perf_counter()
        self.timings.add("tracking", (tracked - started) * 1000.0)
        self.timings.add("placement", (placed - tracked) * 1000.0)
        return TrackingResult(frame.index, observation, placement)

    def _render_loop(self) -> None:
        renderer = CharacterRenderer()
        renderer.set_character(self._character)
        self.renderer_name = renderer.renderer_name()
        renderer.warm_up(self._character.pose(CharacterCue(time_s=0.0)))
        self._renderer_ready.set()
        last_result: TrackingResult | None = None
        try:
            while True:
                frame, result = self._next_to_render(last_result)
                if frame is None:
                    break
                last_result = result or last_result
                self._render_one(renderer, frame, last_result)
        finally:
            renderer.close()
            self._finished_s = time.monotonic()
            self._done.set()

    def _next_to_render(self, last: TrackingResult | None) -> tuple[Frame | None, TrackingResult | None]:
        if not self.live:
            item = self._receive(self._tracked)
            return item if item is not None else (None, None)
        frame = self._receive(self._frames_to_render)
        newest = self._tracked.peek()
        return frame, newest if newest is not None else last

    def _render_one(self, renderer: CharacterRenderer, frame: Frame, result: TrackingResult | None) -> None:
        self._apply_pending(renderer)
        placement = result.placement if result else None
        mask = result.observation.segmentation_mask if result and result.observation else None
        intrinsics = self._intrinsics_for(frame)
        layer, times = None, {}
        try:
            layer, times = self._draw_character(renderer, frame, placement, intrinsics)
        except Exception as exc:
            self.frame_errors.report("rendering", frame.index, exc)
        started = time.perf_counter()
        for output in self.outputs:
            image = output.compositor.compose(frame.image_bgr, layer, placement, intrinsics, mask)
            composed = time.perf_counter()
            output.deliver(self._composite_frame(frame, image, output, placement, layer, times))
            times["output"] = times.get("output", 0.0) + (time.perf_counter() - composed) * 1000.0
            times["composite"] = times.get("composite", 0.0) + (composed - started) * 1000.0
            started = time.perf_counter()
        for stage, ms in times.items():
            self.timings.add(stage, ms)
        self.timings.add("latency", (time.monotonic() - frame.capture_time_s) * 1000.0)
        self.frames_rendered += 1
        self.frames_with_person += int(result is not None and result.observation is not None)
        self.last_state = placement.state.value if placement else "lost"

    def _draw_character(
        self,
        renderer: CharacterRenderer,
        frame: Frame,
        placement: Placement | None,
        intrinsics: CameraIntrinsics,
    ) -> tuple[RenderedLayer | None, dict[str, float]]:
        if placement is None or placement.opacity <= 0.0 or self.character_hidden:
            return None, {}
        started = time.perf_counter()
        rotation, translation = placement.character_to_camera[:3, :3], placement.character_to_camera[:3, 3]
        look_at = rotation.T @ (placement.person_head_m - translation)  # rigid: the inverse is the transpose
        moved = None if self._last_anchor_m is None else rotation.T @ (translation - self._last_anchor_m)
        self._last_anchor_m = translation.copy()  # spring bones (hair, coat tails) react to the walk
        cue = CharacterCue(time_s=frame.media_time_s, look_at_m=look_at, root_motion_m=moved)
        posed = self._character.pose(cue)
        animated = time.perf_counter()
        layer = renderer.render(posed, placement.character_to_camera, intrinsics, opacity=placement.opacity)
        rendered = time.perf_counter()
        return layer, {"animation": (animated - started) * 1000.0, "render": (rendered - animated) * 1000.0}

    def _apply_pending(self, renderer: CharacterRenderer) -> None:
        character, self._pending_character = self._pending_character, None
        if character is not None:
            renderer.set_character(character)
            self._character = character
        settings = self._pending_settings
        if settings is not None:
            self.settings = settings

    def _composite_frame(self, frame, image, output, placement, layer, times) -> CompositeFrame:
        return CompositeFrame(
            image=image,
            frame_index=frame.index,
            capture_time_s=frame.capture_time_s,
            media_time_s=frame.media_time_s,
            mode=output.settings.mode,
            placement=placement,
            character_bbox_px=layer.character_bbox_px if layer is not None else None,
            stage_ms=dict(times),
        )
