"""`Pipeline`: three threads (capture, tracking, render) over the shared stages, in a live or offline flow.

Controlled only through its methods, from any thread: `start`/`wait`/`stop` or `run`, and the commands
`set_character`, `update_settings`, `set_outputs`, `set_character_hidden`. Every attribute is its own;
what it reports is read through properties and `report()`."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from arwed.capture.opentrack import OpenTrackReceiver
from arwed.capture.sources import FrameSource
from arwed.characters.base import Character
from arwed.characters.light_variant import LightVariantSwitch, frame_interval_ms
from arwed.config import Settings
from arwed.geometry.alignment import EyesCross
from arwed.geometry.fade import Fade
from arwed.geometry.head_tracker import HeadFilterSettings, HeadTracker
from arwed.glasses import GlassesProfile, load_glasses_profile
from arwed.pipeline.flows import Flow, LiveFlow, OfflineFlow
from arwed.pipeline.head import EyesOutputs, HeadSensor, HeadStage
from arwed.pipeline.health import FrameErrors, Timings
from arwed.pipeline.stages import CameraModel, Output, RenderStage, TrackingResult, TrackingStage
from arwed.types import CompositeMode

if TYPE_CHECKING:
    from arwed.calibrate.profile import CalibrationProfile
    from arwed.ceremony.stage import CeremonyStage

log = logging.getLogger("arwed.pipeline")

READY_POLL_S = 0.1
STOP_WAIT_S = 20.0  # for the stages to end their current step (one look at four people: seconds under load)


@dataclass(frozen=True)
class RunReport:
    """A run's figures, as `arwed render --stats` and `arwed bench` print them."""

    frames_rendered: int
    frames_with_person: int
    elapsed_s: float
    fps: float
    stage_ms: dict[str, float]  # medians over the last frames, with "latency"
    stage_counts: dict[str, int]
    renderer: str
    source_stale: bool  # the live source was repeating its last frame at the end (camera unplugged)


class Pipeline:
    def __init__(
        self,
        source: FrameSource,
        settings: Settings,
        character: Character,
        profile: CalibrationProfile | None = None,
        outputs: Sequence[Output] | None = None,
        live: bool | None = None,
        max_frames: int | None = None,
        ceremony: CeremonyStage | None = None,
    ):
        self._source = source
        self._max_frames = max_frames
        self._flow: Flow = LiveFlow() if (source.is_live if live is None else live) else OfflineFlow()
        self._timings = Timings()
        errors = FrameErrors()
        camera = CameraModel(profile, settings.camera.default_hfov_deg)
        # her head, for eyes outputs: measured on the tracking thread, fed by the glasses' sensor, read
        # by the render thread (the tracker is thread-safe); the clock is the capture time for live sources
        self._eyes_settings = settings.eyes
        self._head = HeadTracker(
            HeadFilterSettings(hold_s=settings.tracking.hold_s, fade_s=settings.tracking.fade_s)
        )
        self._live_clock = bool(source.is_live)
        self._head_stage = HeadStage(self._head, self._live_clock)
        self._head_sensor: HeadSensor | None = None
        self._tracking = TrackingStage(settings, profile, camera, self._timings, errors, self._head_stage)
        self._rendering = RenderStage(character, camera, self._timings, errors, settings.lighting)
        if isinstance(self._flow, LiveFlow):  # falling behind matters live only: a light model, if it has one
            self._rendering.light_variant = LightVariantSwitch(
                character, frame_interval_ms(getattr(source, "fps", None)), self.set_character
            )
        # replaced whole by the commands, read once per frame by the render thread
        self._outputs: tuple[Output, ...] = ()
        self._glasses: GlassesProfile | None = None  # the profile use_glasses gave, before her view exists
        self._cross: EyesCross | None = None
        self.set_outputs(outputs or ())
        self._visibility = Fade()  # the operator's hide: 1 shown, 0 hidden, a ramp while it fades
        self._ceremony = ceremony  # a running ceremony directs the character (used on the render thread)
        # written by the render thread only
        self._frames_rendered = 0
        self._frames_with_person = 0
        self._last_state = "lost"
        self._last_placement = None
        self._renderer_name = ""
        self._finished_s = 0.0
        # written by the capture thread only
        self._source_stale = False
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._done = threading.Event()
        self._tracker_ready = threading.Event()
        self._renderer_ready = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started_s = 0.0

    # ----- control (any thread) -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the threads (and the head sensor's receiver: raises UserError when its port is taken)."""
        if self._eyes_settings.head_udp_port is not None:
            self._head_sensor = HeadSensor(self._head, self._eyes_settings)
            try:
                self._head_sensor.start()
            except BaseException:
                self._source.close()  # nothing runs: let go of the camera too
                raise
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
        """True once the run has ended (the source ran out, or a stage could not start)."""
        return self._done.wait(timeout_s)

    def stop(self) -> None:
        self._stop.set()
        deadline = time.monotonic() + STOP_WAIT_S
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        running = [thread.name for thread in self._threads if thread.is_alive()]
        if running:  # the process's exit deals with them (arwed.cli): logged here, where it is known
            log.warning("still running %.0f s after the stop: %s", STOP_WAIT_S, ", ".join(running))
        self._source.close()
        if self._head_sensor is not None:
            self._head_sensor.close()

    def run(self, poll_s: float = 0.2, stop_when: Callable[[], bool] | None = None) -> RunReport:
        """Start, wait for the end of the source (or for `stop_when()`), stop; raise what stopped a stage,
        else the run's figures."""
        self.start()
        try:
            while not self.wait(poll_s) and not (stop_when is not None and stop_when()):
                pass
        finally:
            self.stop()
        if self._error is not None:
            raise self._error
        return self.report()

    def set_character(self, character: Character) -> None:
        self._rendering.new_character.post(character)

    def update_settings(self, settings: Settings) -> None:
        self._tracking.new_settings.post(settings)
        self._rendering.new_lighting.post(settings.lighting)

    def choose_person(self, point_px: tuple[float, float]) -> None:
        """The partner stands beside the person at this frame pixel, from the next tracked frame on."""
        self._tracking.chosen_point.post((float(point_px[0]), float(point_px[1])))

    def set_outputs(self, outputs: Sequence[Output]) -> None:
        """Replace the outputs; the first eyes output loads the glasses profile (an InputFileError when the
        settings name a broken one) and starts measuring her head."""
        outputs = tuple(outputs)
        wants_eyes = any(output.settings.mode is CompositeMode.EYES for output in outputs)
        if wants_eyes and self._rendering.eyes is None:
            profile = self._glasses or load_glasses_profile(self._eyes_settings.glasses)
            self._rendering.eyes = EyesOutputs(self._head, profile, self._live_clock)
            self._rendering.eyes.cross = self._cross
        self._head_stage.wanted = wants_eyes
        self._outputs = outputs  # the render thread keeps iterating the tuple it read

    def use_glasses(self, profile: GlassesProfile) -> None:
        """Her view is drawn for this profile (the wizard's calibrated copy) from the next picture on."""
        self._glasses = profile
        if self._rendering.eyes is not None:
            self._rendering.eyes.new_profile.post(profile)

    def show_alignment_cross(self, cross: EyesCross | None) -> None:
        """The alignment wizard's cross in her view instead of the partner (None: the partner again)."""
        self._cross = cross
        if self._rendering.eyes is not None:
            self._rendering.eyes.cross = cross

    def set_character_hidden(self, hidden: bool, fade_s: float = 0.0) -> None:
        """Hide or show the character, fading over `fade_s` from the next rendered frame on (0: a cut)."""
        self._visibility = self._visibility.towards(0.0 if hidden else 1.0, time.monotonic(), fade_s)

    def set_ceremony(self, ceremony: CeremonyStage | None) -> None:
        """Direct the character by a ceremony from the next frame on (None: back to the plain partner)."""
        self._ceremony = ceremony

    # ----- reading (any thread) -------------------------------------------------------------------------

    @property
    def outputs(self) -> tuple[Output, ...]:
        return self._outputs

    @property
    def glasses(self) -> GlassesProfile | None:
        """The glasses profile her view is drawn for, once an eyes output exists."""
        return self._rendering.eyes.profile if self._rendering.eyes is not None else None

    @property
    def head_tracker(self) -> HeadTracker:
        """Her head (thread-safe): the alignment wizard reads its steady pose."""
        return self._head

    def head_clock_s(self) -> float:
        """Now, on her head's clock: the capture clock for live sources, else the newest frame's media time."""
        if self._live_clock:
            return time.monotonic()
        newest = self._head.newest_input_s()
        return newest if newest is not None else 0.0

    @property
    def head_sensor(self) -> OpenTrackReceiver | None:
        """The OpenTrack receiver (its `received` and `malformed` counts), when one listens."""
        return self._head_sensor.receiver if self._head_sensor is not None else None

    @property
    def character_hidden(self) -> bool:
        return self._visibility.target == 0.0

    @property
    def error(self) -> BaseException | None:
        """What stopped a stage (it could not even start); per-frame failures are only logged."""
        return self._error

    @property
    def last_state(self) -> str:
        return self._last_state

    @property
    def last_placement(self):
        """The placement of the last rendered frame (None before anyone was seen)."""
        return self._last_placement

    @property
    def renderer_name(self) -> str:
        return self._renderer_name

    @property
    def timings(self) -> Timings:
        return self._timings

    def report(self) -> RunReport:
        end_s = self._finished_s or time.monotonic()
        elapsed_s = max(1e-9, end_s - self._started_s)
        return RunReport(
            frames_rendered=self._frames_rendered,
            frames_with_person=self._frames_with_person,
            elapsed_s=elapsed_s,
            fps=self._frames_rendered / elapsed_s,
            stage_ms=self._timings.medians(),
            stage_counts=self._timings.counts(),
            renderer=self._renderer_name,
            source_stale=self._source_stale,
        )

    # ----- threads ----------------------------------------------------------------------------------------

    def _guarded(self, loop: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                loop()
            except BaseException as exc:  # a stage that cannot even start: stop the whole run, report it
                log.exception("%s failed", threading.current_thread().name)
                self._error = self._error or exc
                self._stop.set()
                self._done.set()

        return run

    def _capture_loop(self) -> None:
        # Frames wait for MediaPipe and the renderer to be ready (a second or two), so that the run does
        # not start with a backlog of frames without the character.
        while not self._stop.is_set() and not (
            self._tracker_ready.wait(READY_POLL_S) and self._renderer_ready.wait(READY_POLL_S)
        ):
            pass
        count = 0
        while not self._stop.is_set() and (self._max_frames is None or count < self._max_frames):
            started = time.perf_counter()
            frame = self._source.read()
            if frame is None:
                break
            self._timings.add("capture", (time.perf_counter() - started) * 1000.0)
            self._source_stale = frame.stale  # the source logs the loss and the return itself
            self._flow.captured(frame, self._stop)
            count += 1
        self._flow.captured(None, self._stop)

    def _tracking_loop(self) -> None:
        stage = self._tracking
        try:
            stage.open()
            self._tracker_ready.set()
            while (frame := self._flow.next_to_track(self._stop)) is not None:
                started = time.monotonic()
                self._flow.tracked(stage.track(frame), self._stop)
                rate_hz = stage.settings.tracking.live_rate_hz
                self._flow.rest_after_tracking(time.monotonic() - started, rate_hz, self._stop)
        finally:
            stage.close()
            self._flow.tracked(None, self._stop)

    def _render_loop(self) -> None:
        stage = self._rendering
        last: TrackingResult | None = None
        try:
            self._renderer_name = stage.open()
            self._renderer_ready.set()
            while True:
                frame, result = self._flow.next_to_render(last, self._stop)
                if frame is None:
                    break
                last = result or last
                visibility = self._visibility.level(time.monotonic())
                rendered = stage.render(frame, last, self._outputs, visibility, self._ceremony)
                self._frames_rendered += 1
                self._frames_with_person += int(rendered.has_person)
                self._last_state = rendered.state
                self._last_placement = last.placement if last is not None else None
        finally:
            stage.close()
            self._finished_s = time.monotonic()
            self._done.set()
