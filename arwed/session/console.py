"""The operator console's model: everything the desktop app does, with no Qt in it.

`ConsoleSession` puts the pieces together, one concern and one owner thread each:
- `ceremony` (ceremony.py): hide, blackout, lock; written on the operator's thread, read per frame;
- `scene` (scene.py): the source, character, calibration and the pipeline; written on the control thread
  (control.py), where slow jobs run in order so no command blocks;
- `frames` (frames.py): the render thread's frames, published per stream in taps views read;
- `outputs` (outputs.py): the operator's output list; `keepsakes` (keepsake_desk.py): snapshots,
  recordings, the virtual camera; `setup` (setup.py): what is saved between runs.
Views listen to typed per-field events (`session.events.hidden.connect(...)`, events.py) and to
`session.frames.frame` for new frames; they never poll. Events arrive on the thread that made the change.

Ceremony safety lives here so every view gets it: `hidden` veils every published frame with the
picture without the character (veil.py) and `blackout` draws a curtain over them (curtain.py), both at
once from the frames in hand and fading over the operator's fade time; `locked` freezes the character's
spot through the placement settings.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from arwed.config import CompositeSettings, Settings
from arwed.errors import UserError
from arwed.geometry.camera import camera_intrinsics
from arwed.glasses import load_glasses_profile
from arwed.pipeline import Output
from arwed.session.alignment_wizard import AlignmentWizard, ConsoleGlassesPort
from arwed.session.autosave import Autosave
from arwed.session.ceremony import Ceremony
from arwed.session.control import ControlThread
from arwed.session.cue_desk import CueDesk
from arwed.session.curtain import CurtainTicker
from arwed.session.events import SessionEvents
from arwed.session.frames import STREAMS, FrameFanOut, FrameTap
from arwed.session.keepsake_desk import Keepsakes
from arwed.session.outputs import OutputList
from arwed.session.pipeline_port import PipelineFactory
from arwed.session.scene import NO_CAMERA, Loaders, Scene, SceneSnapshot
from arwed.session.setup import SetUp
from arwed.session.shortcuts import ShortcutMap
from arwed.session.state import ConsoleConfig, config_dir
from arwed.types import CompositeMode

__all__ = ["NO_CAMERA", "STREAMS", "ConsoleSession", "SessionStatus"]

log = logging.getLogger("arwed.console")


@dataclass(frozen=True)
class SessionStatus(SceneSnapshot):
    """The scene's state (scene.py) and the rest of the console's, at one moment."""

    calibration: str | None
    fps: float  # stage frames delivered per second, over the last two seconds
    latency_ms: float | None  # capture to delivery, median over the last two seconds
    hidden: bool
    blackout: bool
    locked: bool
    recording: Path | None
    virtual_camera: str | None
    busy: str | None  # the slow job under way ("Opening camera:0", ...)
    partner_person_bbox_px: tuple[float, float, float, float] | None = None  # whom the partner stands beside
    partner_in_view: bool | None = None  # False: the partner's spot is outside the picture (try side auto)
    placement_notes: tuple[str, ...] = ()
    head_tracking: str | None = None  # her head (on_air.HEAD_STATES) while an eyes output exists
    recording_started_s: float | None = None  # time.monotonic() when the recording started


def _placement_status(placement) -> dict:
    if placement is None:
        return {}
    return {
        "partner_person_bbox_px": placement.person_bbox_px,
        "partner_in_view": placement.in_view,
        "placement_notes": placement.notes,
    }


def _default_loaders() -> Loaders:
    from arwed.capture.live import list_cameras
    from arwed.characters.catalog import load_character_or_default
    from arwed.pipeline import Pipeline
    from arwed.session.sources import open_console_source

    return Loaders(open_console_source, load_character_or_default, _load_profile, Pipeline, list_cameras)


def _load_profile(path: str):
    try:
        from arwed.calibrate.profile import load_profile
    except ImportError:
        raise UserError("calibration profiles cannot be read by this build of arwed yet") from None
    return load_profile(path)


class ConsoleSession:
    """The console's model. Construct, connect to `events` and `frames.frame`, `start()`, `close()`."""

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
        defaults = None
        if None in (source_opener, character_loader, profile_loader, pipeline_factory, camera_lister):
            defaults = _default_loaders()
        loaders = Loaders(
            open_source=source_opener or defaults.open_source,
            load_character=character_loader or defaults.load_character,
            load_profile=profile_loader or defaults.load_profile,
            make_pipeline=pipeline_factory or defaults.make_pipeline,
            list_cameras=camera_lister or defaults.list_cameras,
        )
        self.events = SessionEvents()
        self.setup = SetUp(config, config_path, self.events)
        self.shortcuts = ShortcutMap(dict(config.shortcuts))
        self._control = ControlThread(on_idle=lambda: self.scene.on_idle(self.frames.rate))
        self._control.busy.connect(self.events.busy.emit)
        self.ceremony = Ceremony(
            self.events,
            set_locked=self._set_locked,
            fade_s=lambda: self.setup.config().fade_s,
            on_curtain=self._curtain_moved,
        )
        self.frames = FrameFanOut(
            self._fx_px,
            self._stage_frame,
            curtain=self.ceremony.curtain_level,
            on_head_tracking=self.events.head_tracking.emit,
            visibility=self.ceremony.visibility_level,
            composite=self._stream_composite,
            on_stage_shown=lambda frame, now_s: self.keepsakes.show(frame, now_s),
        )
        self._curtain = CurtainTicker(self.ceremony.settled, self.frames.republish)
        self.outputs = OutputList(config.outputs, self.events, on_change=self._outputs_changed)
        self.scene = Scene(
            self.setup,
            loaders,
            self._control,
            self.events,
            pipeline_outputs=self._pipeline_outputs,
            before_start=self.frames.clear,
            ceremony=lambda: self.cues.stage,
        )
        self.cues = CueDesk(
            self.events,
            run_job=self._control.submit,
            attach=self.scene.ceremony_changed,
            height_m=lambda: self.settings.placement.character_height_m,
        )
        self.keepsakes = Keepsakes(
            self.setup,
            self._control,
            self.events,
            running=lambda: self.scene.snapshot().running,
            latest_stage_frame=self.frames.tap("stage").latest,
            ceremony_open=lambda: self.cues.loaded,
            film_start=self._film_start,
            credit=self._credit_line,
            fade_s=lambda: self.setup.config().fade_s,
        )
        self.alignment = AlignmentWizard(
            ConsoleGlassesPort(lambda: self.settings, self.scene.pipeline, self.update_settings),
            load_glasses_profile,
            lambda: config_dir() / "glasses",
            self._control.submit,
        )
        self._autosave = Autosave(self.save)
        for emitter in (self.events.setup, self.events.settings, self.events.outputs, self.events.shortcuts):
            emitter.connect(self._autosave.changed)
        self.events.keepsake_dir.connect(self._autosave.changed)
        self._closed = False

    # ----- reading -------------------------------------------------------------------------------------

    @property
    def config(self) -> ConsoleConfig:
        """The whole set-up as it would be saved now."""
        outputs, shortcuts = self.outputs.saved(), self.shortcuts.overrides()
        return self.setup.config().model_copy(update={"outputs": outputs, "shortcuts": shortcuts})

    @property
    def settings(self) -> Settings:
        return self.setup.settings

    def tap(self, stream: str) -> FrameTap:
        return self.frames.tap(stream)

    def cameras(self) -> list[str]:
        return self.scene.cameras()

    def status(self) -> SessionStatus:
        scene = self.scene.snapshot()
        rate = self.frames.rate()
        return SessionStatus(
            **dataclasses.asdict(scene),
            calibration=self.setup.config().calibration,
            fps=rate.fps if scene.running else 0.0,
            latency_ms=rate.latency_ms if scene.running else None,
            hidden=self.ceremony.hidden,
            blackout=self.ceremony.blackout,
            locked=self.settings.placement.locked,
            recording=self.keepsakes.recording,
            virtual_camera=self.keepsakes.virtual_camera,
            busy=self._control.busy_with,
            **_placement_status(self.scene.last_placement()),
            head_tracking=self.frames.head_tracking,
            recording_started_s=self.keepsakes.recording_started_s,
        )

    # ----- commands ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Open the saved source, character and ceremony and run (in the background); repair what a crash
        left."""
        self._control.submit(self.keepsakes.recover)  # quick: a glob of the keepsake folder, no busy label
        self.scene.start()
        saved = self.setup.config().ceremony
        if saved:
            self.load_ceremony(saved)

    def load_ceremony(self, path: str | None) -> None:
        """Open a ceremony file for the cue panel (None: close it); remembered in the set-up."""
        self.cues.load(path, on_loaded=lambda loaded: self.setup.choose("ceremony", loaded))

    def step_forward(self) -> None:
        """Page Down: out of the operator's blackout first, then show the character; with a ceremony open,
        then its next cue (so a blackout pressed mid-ceremony never leaves the outputs dark)."""
        if self.cues.loaded and not self.ceremony.blackout and not self.ceremony.hidden:
            self.cues.page_down()
        else:
            self.ceremony.step_forward()

    def step_back(self) -> None:
        """Page Up: with a ceremony, its previous cue again; without, hide the character and then black out."""
        if self.cues.loaded:
            self.cues.page_up()
        else:
            self.ceremony.step_back()

    def update_settings(self, settings: Settings) -> None:
        """Placement changes glide in at once; a new character height reloads the character in the background."""
        old = self.setup.set_settings(settings)
        self.scene.settings_changed(old, settings)
        if settings.placement.locked != old.placement.locked:
            self.events.locked.emit(settings.placement.locked)

    def choose_person_at(self, point_px: tuple[float, float]) -> None:
        """The operator clicked this frame pixel in the preview: the partner stands beside the person there."""
        point = (float(point_px[0]), float(point_px[1]))
        self.scene.choose_person(point)
        self.events.person.emit(point)

    def acted(self, action: str) -> None:
        """The operator pressed the key or button of `action` (a recording's event log keeps it)."""
        self.events.action.emit(action)

    def set_shortcut(self, action: str, keys: tuple[str, ...]) -> None:
        self.shortcuts.bind(action, keys)
        self.events.shortcuts.emit(self.shortcuts)

    def _curtain_moved(self) -> None:
        """The curtain or the veil moved."""
        self.frames.republish()  # the first step at once, on the operator's thread
        self._curtain.kick()  # and the rest of the fade whatever the pipeline's rate

    def _outputs_changed(self) -> None:
        self.scene.outputs_changed()
        if "eyes" not in self.outputs.streams_needed():
            self.frames.forget_head()

    def _stage_frame(self, frame, now_s: float) -> None:
        self.cues.frame_shown()  # his voice starts with the picture of its cue, not before it is drawn
        self.keepsakes.offer(frame, now_s)

    def _credit_line(self) -> str | None:
        """The avatar's credit for keepsakes, when the settings ask for it (as `arwed render` draws it)."""
        info = self.scene.character_info
        if not self.settings.keepsakes.credit_line or info is None:
            return None
        from arwed.characters.permissions import credit_text

        return credit_text(info)

    def _film_start(self) -> dict:
        """What a recording's event log starts with (arwed/film/log.py's `start` event)."""
        config = self.setup.config()
        return {
            "settings": self.settings,
            "character": config.character,
            "ceremony": self.cues.status().file,
            "calibration": config.calibration,
            "source": self.scene.snapshot().source,
            "hidden": self.ceremony.hidden,
            "blackout": self.ceremony.blackout,
            "fade_s": config.fade_s,
        }

    def _set_locked(self, locked: bool) -> None:
        placement = self.settings.placement.model_copy(update={"locked": locked})
        self.update_settings(self.settings.model_copy(update={"placement": placement}))

    # ----- what the pipeline is given ------------------------------------------------------------------

    def _pipeline_outputs(self) -> list[Output]:
        return [
            Output(stream, self._stream_composite(stream), self.frames.deliverer(stream))
            for stream in self.outputs.streams_needed()
        ]

    def _stream_composite(self, stream: str) -> CompositeSettings:
        """How a stream is composited (its picture without him is what the hide shows: veil.py)."""
        update = {"mode": CompositeMode(stream), "keyed_alpha_png": False}
        return self.settings.composite.model_copy(update=update)

    def _fx_px(self, width: int, height: int) -> float:
        hfov_deg = self.settings.camera.default_hfov_deg
        return float(camera_intrinsics(width, height, self.scene.profile, hfov_deg).fx_px)

    # ----- closing -------------------------------------------------------------------------------------

    def save(self) -> None:
        self.setup.save(self.config)

    def close(self, timeout_s: float = 15.0) -> bool:
        """Stop everything and save the set-up; True when every thread ended in time."""
        if self._closed:
            return self._control.close(self.scene.stop, 0.0)
        self._closed = True
        self.keepsakes.stop_recording()
        self.keepsakes.stop_virtual_camera()
        self.alignment.close()
        ended = self._control.close(self.scene.stop, timeout_s)
        self._curtain.close()
        self._autosave.close()
        self.save()
        return ended
