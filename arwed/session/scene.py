"""The running scene: which source, character and calibration the pipeline runs with, and the pipeline.

Thread ownership: every field here is written on the control thread only (the commands queue jobs and
return at once); other threads read them through `snapshot()`. The running pipeline is told of the
operator's changes (settings, outputs, the ceremony) through its own thread-safe commands."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from arwed.characters.permissions import summarised_notices
from arwed.config import Settings
from arwed.errors import UserError
from arwed.session.control import ControlThread
from arwed.session.events import Rate, SessionEvents
from arwed.session.pipeline_port import PipelineFactory, RunningPipeline
from arwed.session.setup import SetUp

log = logging.getLogger("arwed.console")

NO_CAMERA = "No camera found. Choose Demo or a video file under Source."


@dataclass(frozen=True)
class Loaders:
    """How the scene opens what the operator picks (the tests pass fakes)."""

    open_source: Callable
    load_character: Callable
    load_profile: Callable
    make_pipeline: PipelineFactory
    list_cameras: Callable[[], list[str]]


@dataclass(frozen=True)
class SceneSnapshot:
    running: bool
    source: str | None
    problem: str | None  # what the preview says when there is nothing to show (no camera, ...)
    character: str
    tracking: str  # "tracking", "held", "lost", or "idle" when nothing runs
    renderer: str
    partner_out_of_frame: bool  # his spot is outside the camera's picture (try side auto)


class Scene:
    def __init__(
        self,
        setup: SetUp,
        loaders: Loaders,
        control: ControlThread,
        events: SessionEvents,
        pipeline_outputs: Callable[[], list],
        before_start: Callable[[], None],
        ceremony: Callable[[], object | None] = lambda: None,
    ) -> None:
        self._setup, self._load, self._control, self._events = setup, loaders, control, events
        self._pipeline_outputs = pipeline_outputs  # the Outputs for the streams the console shows
        self._ceremony = ceremony  # the loaded ceremony's stage, given to every pipeline started
        self._before_start = before_start  # clears the views' frames of the last run
        self._pipeline: RunningPipeline | None = None
        self._source: str | None = None
        self._character = None
        self._character_name = "none yet"
        self._profile = None
        self._problem: str | None = None
        self._tracking = "idle"
        self._out_of_frame = False
        self._renderer = ""

    # ----- reading (any thread) --------------------------------------------------------------------

    def snapshot(self) -> SceneSnapshot:
        pipeline = self._pipeline
        return SceneSnapshot(
            running=pipeline is not None,
            source=self._source,
            problem=self._problem,
            character=self._character_name,
            tracking=pipeline.last_state if pipeline is not None else "idle",
            renderer=pipeline.renderer_name if pipeline is not None else "",
            partner_out_of_frame=self._out_of_frame,  # as last told (every view agrees with the event)
        )

    @property
    def partner_out_of_frame(self) -> bool:
        """The placement put his spot outside the camera's picture (geometry.placement's `in_view`), while
        someone is followed: the guests do not see him, whatever the tracking says."""
        placement = self.last_placement()
        return placement is not None and placement.state.value != "lost" and not placement.in_view

    def last_placement(self):
        """The last rendered frame's placement (arwed.types.Placement), or None."""
        pipeline = self._pipeline
        return pipeline.last_placement if pipeline is not None else None

    @property
    def profile(self):
        return self._profile

    def pipeline(self) -> RunningPipeline | None:
        """The running pipeline (any thread), for the few features that talk to it directly."""
        return self._pipeline

    @property
    def character_info(self):
        """The shown character's facts (arwed.characters.base.CharacterInfo), or None before one is loaded."""
        character = self._character
        return character.info if character is not None else None

    def cameras(self) -> list[str]:
        try:
            return list(self._load.list_cameras())
        except OSError:
            return []

    # ----- commands (any thread; the work runs on the control thread) -----------------------------

    def start(self) -> None:
        """Open the saved source and character and run."""
        self._control.submit(self._job_start, "Starting")

    def set_source(self, spec: str) -> None:
        self._control.submit(lambda: self._job_source(spec), f"Opening {spec}")

    def set_character(self, path: str | None) -> None:
        self._control.submit(lambda: self._job_character(path), "Loading the character")

    def set_calibration(self, path: str | None) -> None:
        self._control.submit(lambda: self._job_calibration(path), "Loading the calibration")

    def settings_changed(self, old: Settings, new: Settings) -> None:
        """Placement changes glide in at once; a new character height reloads the model."""
        pipeline = self._pipeline
        if pipeline is not None:
            pipeline.update_settings(new)
        size = ("character_height_m", "character_height_to")  # what the character is scaled by
        if any(getattr(new.placement, name) != getattr(old.placement, name) for name in size):
            path = self._setup.config().character
            self._control.submit(lambda: self._job_character(path), "Resizing the character")

    def outputs_changed(self) -> None:
        pipeline = self._pipeline
        if pipeline is not None:
            wanted = self._pipeline_outputs()
            if [output.name for output in pipeline.outputs] != [output.name for output in wanted]:
                pipeline.set_outputs(wanted)

    def ceremony_changed(self, stage) -> None:
        pipeline = self._pipeline
        if pipeline is not None:
            pipeline.set_ceremony(stage)

    def choose_person(self, point_px: tuple[float, float]) -> None:
        """The partner stands beside the person at this frame pixel (an operator's click in the preview)."""
        pipeline = self._pipeline
        if pipeline is not None:
            pipeline.choose_person(point_px)
            log.info("partner's person: the one at (%d, %d)", round(point_px[0]), round(point_px[1]))

    # ----- the control thread ---------------------------------------------------------------------

    def on_idle(self, rate: Callable[[], Rate]) -> None:
        """Between jobs: a pipeline that stopped by itself is reported; the tracking and rate are pushed."""
        pipeline = self._pipeline
        if pipeline is None:
            return
        if pipeline.error is not None and pipeline.wait(0):
            log.error("the pipeline stopped: %s", pipeline.error)
            self.stop()
            self._set_problem(f"Stopped: {pipeline.error}", log_it=False)
            return
        if pipeline.last_state != self._tracking:
            self._tracking = pipeline.last_state
            self._events.tracking.emit(self._tracking)
        out_of_frame = self.partner_out_of_frame
        if out_of_frame != self._out_of_frame:
            self._out_of_frame = out_of_frame
            self._events.partner_out_of_frame.emit(out_of_frame)
        if pipeline.renderer_name != self._renderer:
            self._renderer = pipeline.renderer_name
            self._events.renderer.emit(self._renderer)
        self._events.rate.emit(rate())

    def stop(self) -> None:
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            pipeline.stop()
            self._tracking, self._renderer = "idle", ""
            self._events.running.emit(None)
            self._events.tracking.emit("idle")
            if self._out_of_frame:
                self._out_of_frame = False
                self._events.partner_out_of_frame.emit(False)
            self._events.renderer.emit("")

    def _set_problem(self, problem: str | None, log_it: bool = True) -> None:
        self._problem = problem
        if problem and log_it:
            log.warning("%s", problem)
        self._events.problem.emit(problem)

    def _job_start(self) -> None:
        config = self._setup.config()
        if config.calibration:
            self._job_calibration(config.calibration, restart=False)
        self._job_character(config.character)
        spec = config.source
        cameras = self.cameras()
        if spec is None and cameras:
            spec = cameras[0]
        if spec is None or (spec.startswith("camera:") and not cameras):
            self._set_problem(NO_CAMERA)
            return
        self._job_source(spec)

    def _job_source(self, spec: str) -> None:
        if spec == self._source and spec.startswith("camera:"):
            self.stop()  # the device is ours already: let go before opening it again
        try:
            source = self._load.open_source(spec)
        except UserError as exc:
            if self._pipeline is None:
                self._set_problem(f"{exc}", log_it=False)
            raise
        self.stop()
        self._run(source, spec)
        self._setup.choose("source", spec)

    def _run(self, source, spec: str) -> None:
        if self._character is None:
            self._job_character(self._setup.config().character)
        pipeline = self._load.make_pipeline(
            source,
            self._setup.settings,
            self._character,
            profile=self._profile,
            outputs=self._pipeline_outputs(),
            live=True,
        )
        pipeline.set_ceremony(self._ceremony())
        self._before_start()
        pipeline.start()
        self._pipeline, self._source = pipeline, spec
        self._set_problem(None)
        self._events.running.emit(spec)
        log.info("running %s", spec)

    def _job_character(self, path: str | None) -> None:
        placement = self._setup.settings.placement
        height, height_to = placement.character_height_m, placement.character_height_to  # as the CLI does
        try:
            character = self._load.load_character(path, height, height_to)
        except UserError as exc:
            keeping = f"; keeping {self._character_name}" if self._character is not None else ""
            log.error("%s%s", exc, keeping)
            if self._character is not None:
                return
            character = self._load.load_character(None, height, height_to)  # nothing yet: the default
            path = None
        self._character = character
        self._character_name = Path(path).name if path else character.info.name
        for notice in summarised_notices(character.info.notices):
            log.warning("%s: %s", self._character_name, notice)
        pipeline = self._pipeline
        if pipeline is not None:
            pipeline.set_character(character)
        self._setup.choose("character", path)
        self._events.character.emit(self._character_name)

    def _job_calibration(self, path: str | None, restart: bool = True) -> None:
        profile = self._load.load_profile(path) if path else None
        self._profile = profile
        self._setup.choose("calibration", path)
        hfov_deg = self._setup.settings.camera.default_hfov_deg
        if path:
            log.info("calibration: %s", path)
        else:
            log.warning("calibration: none (assuming a %g° field of view)", hfov_deg)
        if restart and self._pipeline is not None and self._source:
            spec = self._source
            self.stop()  # the profile is fixed for a pipeline's life: start again with it
            self._run(self._load.open_source(spec), spec)
