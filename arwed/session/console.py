"""The operator console's model: everything the desktop app does, with no Qt in it.

`ConsoleSession` owns the pipeline and the set-up. Its commands may be called from any thread and never
block: slow work (opening a camera, loading a model, stopping a pipeline) runs in order on one control
thread, and frames arrive on the pipeline's render thread. A view (arwed.ui) listens through two
callbacks, `on_frame(stream)` and `on_change()`, which may be called from any thread, and reads the
newest frame of a stream with `tap(stream).latest()`.

Ceremony safety lives here so every view gets it: `hidden` drops any frame rendered with the character
after the operator hid it; `blackout` is a flag views paint as black at once; `locked` freezes the
character's spot through the placement settings.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from arwed.config import Settings
from arwed.errors import UserError
from arwed.geometry.camera import camera_intrinsics
from arwed.pipeline import Output
from arwed.session import keepsakes
from arwed.session.pipeline_port import PipelineFactory, RunningPipeline
from arwed.session.shortcuts import ShortcutMap
from arwed.session.state import ConsoleConfig, OutputConfig, remember, save_console_config
from arwed.types import CompositeFrame, CompositeMode

log = logging.getLogger("arwed.console")

STREAMS = tuple(mode.value for mode in CompositeMode)  # "stage", "glasses", "keyed"
RATE_WINDOW_S = 2.0
NO_CAMERA = "No camera found. Choose Demo or a video file under Source."


@dataclass(frozen=True)
class TapFrame:
    """One composited frame as a view shows it; the image is never written to after it is published."""

    image: np.ndarray
    frame_index: int
    capture_time_s: float
    media_time_s: float
    character_depth_m: float | None  # along the optical axis, for the glasses' stereo disparity
    fx_px: float  # the camera's focal length in pixels at this image size
    has_character: bool


class FrameTap:
    """The newest frame of one stream: written on the render thread, read on the GUI thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: TapFrame | None = None
        self.version = 0

    def put(self, frame: TapFrame) -> None:
        with self._lock:
            self._frame, self.version = frame, self.version + 1

    def latest(self) -> TapFrame | None:
        with self._lock:
            return self._frame

    def clear(self) -> None:
        with self._lock:
            self._frame, self.version = None, self.version + 1


class _Rate:
    """Events per second and median latency over the last RATE_WINDOW_S."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: deque[tuple[float, float]] = deque()

    def tick(self, now_s: float, latency_ms: float) -> None:
        with self._lock:
            self._events.append((now_s, latency_ms))
            while self._events and self._events[0][0] < now_s - RATE_WINDOW_S:
                self._events.popleft()

    def read(self, now_s: float) -> tuple[float, float | None]:
        with self._lock:
            recent = [(t, ms) for t, ms in self._events if t >= now_s - RATE_WINDOW_S]
        if len(recent) < 2:
            return 0.0, (recent[0][1] if recent else None)
        span = max(recent[-1][0] - recent[0][0], 1e-6)
        return (len(recent) - 1) / span, float(np.median([ms for _, ms in recent]))


@dataclass(frozen=True)
class SessionStatus:
    running: bool
    source: str | None
    problem: str | None  # what the preview says when there is nothing to show (no camera, ...)
    character: str
    calibration: str | None
    fps: float  # stage frames delivered per second, over the last two seconds
    latency_ms: float | None  # capture to delivery, median over the last two seconds
    tracking: str  # "tracking", "held", "lost", or "idle" when nothing runs
    renderer: str
    hidden: bool
    blackout: bool
    locked: bool
    recording: Path | None
    virtual_camera: str | None
    busy: str | None  # the slow job under way ("Opening camera:0", ...)


def _default_loaders():
    from arwed.capture.live import list_cameras
    from arwed.characters.catalog import load_character_or_default
    from arwed.pipeline import Pipeline
    from arwed.session.sources import open_console_source

    return open_console_source, load_character_or_default, _load_profile, Pipeline, list_cameras


def _load_profile(path: str):
    try:
        from arwed.calibrate.profile import load_profile
    except ImportError:
        raise UserError("calibration profiles cannot be read by this build of arwed yet") from None
    return load_profile(path)


class ConsoleSession:
    """The console's state and pipeline. Construct, set `on_frame`/`on_change`, `start()`, `close()`."""

    def __init__(
        self,
        config: ConsoleConfig,
        config_path: Path | None = None,
        *,
        source_opener: Callable | None = None,
        character_loader: Callable | None = None,
        profile_loader: Callable | None = None,
        pipeline_factory: PipelineFactory | None = None,
        camera_lister: Callable[[], list[str]] | None = None,
    ):
        defaults = (
            _default_loaders()
            if None in (source_opener, character_loader, profile_loader, pipeline_factory, camera_lister)
            else (None,) * 5
        )
        self._open_source = source_opener or defaults[0]
        self._load_character = character_loader or defaults[1]
        self._load_profile = profile_loader or defaults[2]
        self._make_pipeline = pipeline_factory or defaults[3]
        self._list_cameras = camera_lister or defaults[4]
        self.config_path = config_path
        self.on_frame: Callable[[str], None] = lambda stream: None
        self.on_change: Callable[[], None] = lambda: None
        self._lock = threading.RLock()
        self._config = config
        self.shortcuts = ShortcutMap(dict(config.shortcuts))
        self._outputs: dict[int, OutputConfig] = {}
        self._next_output_id = 1
        for output in config.outputs:
            self._outputs[self._allocate_output_id()] = output
        self._taps = {stream: FrameTap() for stream in STREAMS}
        self._rate = _Rate()
        self._pipeline: RunningPipeline | None = None
        self._source_name: str | None = None
        self._character = None
        self._character_name = "none yet"
        self._profile = None
        self._problem: str | None = None
        self._busy: str | None = None
        self._hidden = False
        self._blackout = False
        self._recorder: keepsakes.Recorder | None = None
        self._virtual_camera: keepsakes.VirtualCamera | None = None
        self._snapshot_wanted = False
        self._jobs: queue.Queue = queue.Queue()
        self._closed = threading.Event()
        self._control = threading.Thread(target=self._control_loop, name="arwed console control", daemon=True)
        self._control.start()

    # ----- reading ---------------------------------------------------------------------------------------

    @property
    def config(self) -> ConsoleConfig:
        with self._lock:
            return self._config.model_copy(
                update={
                    "outputs": tuple(self._outputs.values()),
                    "shortcuts": self.shortcuts.overrides(),
                    "settings": self._config.settings,
                }
            )

    @property
    def settings(self) -> Settings:
        return self._config.settings

    @property
    def hidden(self) -> bool:
        return self._hidden

    @property
    def blackout(self) -> bool:
        return self._blackout

    def tap(self, stream: str) -> FrameTap:
        return self._taps[stream]

    def outputs(self) -> dict[int, OutputConfig]:
        with self._lock:
            return dict(self._outputs)

    def cameras(self) -> list[str]:
        try:
            return list(self._list_cameras())
        except OSError:
            return []

    def status(self) -> SessionStatus:
        pipeline = self._pipeline
        fps, latency = self._rate.read(time.monotonic())
        running = pipeline is not None
        recorder, camera = self._recorder, self._virtual_camera
        return SessionStatus(
            running=running,
            source=self._source_name,
            problem=self._problem,
            character=self._character_name,
            calibration=self._config.calibration,
            fps=fps if running else 0.0,
            latency_ms=latency if running else None,
            tracking=(pipeline.last_state if running else "idle"),
            renderer=(pipeline.renderer_name if running else ""),
            hidden=self._hidden,
            blackout=self._blackout,
            locked=self._config.settings.placement.locked,
            recording=Path(recorder.path) if recorder is not None else None,
            virtual_camera=str(camera.device) if camera is not None else None,
            busy=self._busy,
        )

    # ----- commands: ceremony safety (immediate) ---------------------------------------------------------

    def set_hidden(self, hidden: bool) -> None:
        self._hidden = bool(hidden)
        pipeline = self._pipeline
        if pipeline is not None:
            pipeline.set_character_hidden(self._hidden)
        log.info("character %s", "hidden" if hidden else "shown")
        self.on_change()

    def set_blackout(self, blackout: bool) -> None:
        self._blackout = bool(blackout)
        log.info("blackout %s", "on" if blackout else "off")
        self.on_change()

    def set_locked(self, locked: bool) -> None:
        placement = self._config.settings.placement.model_copy(update={"locked": bool(locked)})
        self.update_settings(self._config.settings.model_copy(update={"placement": placement}))
        log.info("character's spot %s", "locked" if locked else "unlocked")

    def step_forward(self) -> None:
        """The clicker's 'next': out of blackout first, then show the character."""
        if self._blackout:
            self.set_blackout(False)
        elif self._hidden:
            self.set_hidden(False)

    def step_back(self) -> None:
        """The clicker's 'previous': hide the character first, then black out."""
        if not self._hidden:
            self.set_hidden(True)
        elif not self._blackout:
            self.set_blackout(True)

    # ----- commands: the set-up --------------------------------------------------------------------------

    def update_settings(self, settings: Settings) -> None:
        """Placement changes glide in at once; a new character height reloads the model in the background."""
        with self._lock:
            old = self._config.settings
            self._config = self._config.model_copy(update={"settings": settings})
        pipeline = self._pipeline
        if pipeline is not None:
            pipeline.update_settings(settings)
        if settings.placement.character_height_m != old.placement.character_height_m:
            self._submit(lambda: self._job_character(self._config.character), "Resizing the character")
        self.on_change()

    def start(self) -> None:
        """Open the saved source and character and run (in the background)."""
        self._submit(self._job_start, "Starting")

    def set_source(self, spec: str) -> None:
        self._submit(lambda: self._job_source(spec), f"Opening {spec}")

    def set_character(self, path: str | None) -> None:
        self._submit(lambda: self._job_character(path), "Loading the character")

    def set_calibration(self, path: str | None) -> None:
        self._submit(lambda: self._job_calibration(path), "Loading the calibration")

    def set_shortcut(self, action: str, keys: tuple[str, ...]) -> None:
        self.shortcuts.bind(action, keys)
        self.on_change()

    def set_keepsake_dir(self, folder: str | None) -> None:
        with self._lock:
            self._config = self._config.model_copy(update={"keepsake_dir": folder})
        self.on_change()

    # ----- commands: outputs -----------------------------------------------------------------------------

    def _allocate_output_id(self) -> int:
        output_id, self._next_output_id = self._next_output_id, self._next_output_id + 1
        return output_id

    def add_output(self, output: OutputConfig) -> int:
        with self._lock:
            output_id = self._allocate_output_id()
            self._outputs[output_id] = output
        self._refresh_pipeline_outputs()
        self.on_change()
        return output_id

    def update_output(self, output_id: int, output: OutputConfig) -> None:
        with self._lock:
            if output_id not in self._outputs:
                return
            self._outputs[output_id] = output
        self._refresh_pipeline_outputs()
        self.on_change()

    def remove_output(self, output_id: int) -> None:
        with self._lock:
            self._outputs.pop(output_id, None)
        self._refresh_pipeline_outputs()
        self.on_change()

    def streams_needed(self) -> list[str]:
        with self._lock:
            modes = {output.mode.value for output in self._outputs.values()}
        return [stream for stream in STREAMS if stream == "stage" or stream in modes]

    def _pipeline_outputs(self) -> list:
        composite = self._config.settings.composite
        return [
            Output(
                stream,
                composite.model_copy(update={"mode": CompositeMode(stream), "keyed_alpha_png": False}),
                self._deliverer(stream),
            )
            for stream in self.streams_needed()
        ]

    def _refresh_pipeline_outputs(self) -> None:
        pipeline = self._pipeline
        if pipeline is None:
            return
        wanted = self.streams_needed()
        if [output.name for output in pipeline.outputs] != wanted:
            pipeline.set_outputs(self._pipeline_outputs())

    # ----- frames (render thread) ------------------------------------------------------------------------

    def _deliverer(self, stream: str) -> Callable[[CompositeFrame], None]:
        def deliver(composite: CompositeFrame) -> None:
            try:
                self._deliver(stream, composite)
            except Exception:  # noqa: BLE001 - never let one bad frame stop the render thread
                log.exception(
                    "frame %d could not be shown; the last good frame stays up", composite.frame_index
                )

        return deliver

    def _deliver(self, stream: str, composite: CompositeFrame) -> None:
        has_character = composite.character_bbox_px is not None
        if self._hidden and has_character:
            return  # rendered just before the operator hid the character: never show it
        placement = composite.placement
        image = composite.image.copy()  # the compositor reuses its buffer
        frame = TapFrame(
            image=image,
            frame_index=composite.frame_index,
            capture_time_s=composite.capture_time_s,
            media_time_s=composite.media_time_s,
            character_depth_m=float(placement.anchor_m[2]) if placement is not None else None,
            fx_px=self._fx_px(image.shape[1], image.shape[0]),
            has_character=has_character,
        )
        self._taps[stream].put(frame)
        if stream == "stage":
            now = time.monotonic()
            self._rate.tick(now, (now - composite.capture_time_s) * 1000.0)
            self._feed_keepsakes(frame, now)
        self.on_frame(stream)

    def _fx_px(self, width: int, height: int) -> float:
        hfov_deg = self._config.settings.camera.default_hfov_deg
        return float(camera_intrinsics(width, height, self._profile, hfov_deg).fx_px)

    def _feed_keepsakes(self, frame: TapFrame, now_s: float) -> None:
        recorder, camera = self._recorder, self._virtual_camera
        if recorder is not None:
            recorder.offer(frame.image, now_s)
        if camera is not None:
            camera.offer(np.zeros_like(frame.image) if self._blackout else frame.image, now_s)
        if self._snapshot_wanted:
            self._snapshot_wanted = False
            self._submit(lambda: self._job_snapshot(frame.image), None)

    # ----- keepsakes ----------------------------------------------------------------------------------------

    def snapshot(self) -> None:
        """A full-resolution PNG of the next stage frame, into today's keepsake folder."""
        if self._pipeline is None:
            log.warning("snapshot: nothing is running")
            return
        self._snapshot_wanted = True

    def _job_snapshot(self, image: np.ndarray) -> None:
        path = keepsakes.write_snapshot(
            image, keepsakes.keepsake_path(self._config.keepsake_root(), "snapshot", ".png")
        )
        log.warning("snapshot saved: %s", path)

    def toggle_recording(self) -> None:
        if self._recorder is not None:
            self.stop_recording()
        else:
            self.start_recording()

    def start_recording(self) -> None:
        if self._recorder is not None:
            return
        path = keepsakes.keepsake_path(self._config.keepsake_root(), "recording", ".mp4")
        recorder = keepsakes.Recorder(path)
        recorder.start()
        self._recorder = recorder
        log.warning("recording to %s", path)
        self.on_change()

    def stop_recording(self) -> None:
        recorder, self._recorder = self._recorder, None
        if recorder is None:
            return
        self.on_change()

        def finish() -> None:
            recorder.stop()
            if recorder.error is None:
                log.warning(
                    "recording saved: %s (%.0f s)", recorder.path, recorder.frames_written / recorder.fps
                )

        self._submit(finish, None)

    def start_virtual_camera(self) -> None:
        self._submit(self._job_virtual_camera, "Starting the virtual camera")

    def _job_virtual_camera(self) -> None:
        if self._virtual_camera is not None:
            return
        frame = self._taps["stage"].latest()
        width, height = (frame.image.shape[1], frame.image.shape[0]) if frame else (1280, 720)
        camera = keepsakes.open_virtual_camera(width, height, keepsakes.RECORDING_FPS)
        worker = keepsakes.VirtualCamera(camera, (width, height))
        worker.start()
        self._virtual_camera = worker
        log.warning("virtual camera on: %s (pick it in OBS or the video call)", worker.device)

    def stop_virtual_camera(self) -> None:
        worker, self._virtual_camera = self._virtual_camera, None
        if worker is not None:
            self._submit(worker.stop, None)
            log.warning("virtual camera off")
        self.on_change()

    # ----- the control thread ------------------------------------------------------------------------------

    def _submit(self, job: Callable[[], None], busy: str | None) -> None:
        if not self._closed.is_set():
            self._jobs.put((job, busy))

    def _control_loop(self) -> None:
        while True:
            try:
                job, busy = self._jobs.get(timeout=0.5)
            except queue.Empty:
                self._check_pipeline()
                continue
            if job is None:
                break
            self._run_job(job, busy)

    def _run_job(self, job: Callable[[], None], busy: str | None) -> None:
        if busy:
            self._busy = busy
            self.on_change()
        try:
            job()
        except UserError as exc:
            log.error("%s", exc)
        except Exception as exc:  # noqa: BLE001 - a failed job is reported; the show goes on
            log.exception("internal error while %s: %s", (busy or "working").lower(), exc)
        finally:
            if busy:
                self._busy = None
            self.on_change()

    def _check_pipeline(self) -> None:
        pipeline = self._pipeline
        if pipeline is not None and pipeline.error is not None and pipeline.wait(0):
            log.error("the pipeline stopped: %s", pipeline.error)
            self._stop_pipeline()
            self._problem = f"Stopped: {pipeline.error}"
            self.on_change()

    def _job_start(self) -> None:
        if self._config.calibration:
            self._job_calibration(self._config.calibration, restart=False)
        self._job_character(self._config.character)
        spec = self._config.source
        cameras = self.cameras()
        if spec is None and cameras:
            spec = cameras[0]
        if spec is None or (spec.startswith("camera:") and not cameras):
            self._set_problem(NO_CAMERA)
            return
        self._job_source(spec)

    def _set_problem(self, problem: str) -> None:
        self._problem = problem
        log.warning("%s", problem)

    def _job_source(self, spec: str) -> None:
        if spec == self._source_name and spec.startswith("camera:"):
            self._stop_pipeline()  # the device is ours already: let go before opening it again
        try:
            source = self._open_source(spec)
        except UserError as exc:
            if self._pipeline is None:
                self._problem = f"{exc}"
            raise
        self._stop_pipeline()
        self._run_pipeline(source, spec)
        with self._lock:
            self._config = self._config.model_copy(
                update={"source": spec, "recent_sources": remember(self._config.recent_sources, spec)}
            )

    def _run_pipeline(self, source, spec: str) -> None:
        if self._character is None:
            self._job_character(self._config.character)
        pipeline = self._make_pipeline(
            source,
            self._config.settings,
            self._character,
            profile=self._profile,
            outputs=self._pipeline_outputs(),
            live=True,
        )
        pipeline.set_character_hidden(self._hidden)
        for tap in self._taps.values():
            tap.clear()
        pipeline.start()
        self._pipeline, self._source_name, self._problem = pipeline, spec, None
        log.info("running %s", spec)

    def _stop_pipeline(self) -> None:
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            pipeline.stop()

    def _job_character(self, path: str | None) -> None:
        height = self._config.settings.placement.character_height_m
        try:
            character = self._load_character(path, height)
        except UserError as exc:
            keeping = f"; keeping {self._character_name}" if self._character is not None else ""
            log.error("%s%s", exc, keeping)
            if self._character is not None:
                return
            character = self._load_character(None, height)  # nothing yet: the shipped default
            path = None
        self._character = character
        self._character_name = Path(path).name if path else character.info.name
        for notice in character.info.notices:
            log.warning("%s: %s", self._character_name, notice)
        pipeline = self._pipeline
        if pipeline is not None:
            pipeline.set_character(character)
        with self._lock:
            self._config = self._config.model_copy(
                update={
                    "character": path,
                    "recent_characters": remember(self._config.recent_characters, path),
                }
            )

    def _job_calibration(self, path: str | None, restart: bool = True) -> None:
        profile = self._load_profile(path) if path else None
        self._profile = profile
        with self._lock:
            self._config = self._config.model_copy(
                update={
                    "calibration": path,
                    "recent_calibrations": remember(self._config.recent_calibrations, path),
                }
            )
        log.warning(
            "calibration: %s",
            path or f"none (assuming a {self.settings.camera.default_hfov_deg:g}° field of view)",
        )
        if restart and self._pipeline is not None and self._source_name:
            spec = self._source_name
            self._stop_pipeline()  # the profile is fixed for a pipeline's life: start again with it
            self._run_pipeline(self._open_source(spec), spec)

    # ----- closing -------------------------------------------------------------------------------------------

    def save(self) -> None:
        if self.config_path is None:
            return
        try:
            save_console_config(self.config, self.config_path)
        except OSError as exc:
            log.error("%s: the set-up cannot be saved (%s)", self.config_path, exc.strerror or exc)

    def close(self, timeout_s: float = 15.0) -> bool:
        """Stop everything and save the set-up; True when every thread ended in time."""
        if self._closed.is_set():
            return not self._control.is_alive()
        self.stop_recording()
        self.stop_virtual_camera()
        self._submit(self._stop_pipeline, None)
        self._closed.set()
        self._jobs.put((None, None))
        self._control.join(timeout=timeout_s)
        self.save()
        return not self._control.is_alive()
