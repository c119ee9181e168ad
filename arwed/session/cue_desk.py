"""The console's ceremony: a cue list loaded from a file, stepped with Page Down / Page Up.

Thread ownership: loading runs on the control thread (decoding and analysing the voice takes a moment);
keys come from the operator's thread and reach the director through its key queue; the director runs on
the render thread, which reports each cue change (`events.cues`) and each start and stop of his voice
(`events.voice`) as it happens. Without a ceremony the clicker keys keep their plain meaning
(session/ceremony.py); the loaded file is remembered in the set-up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from arwed.errors import UserError

log = logging.getLogger("arwed.console")


@dataclass(frozen=True)
class CueStatus:
    """What the cue panel shows."""

    file: str | None
    names: tuple[str, ...] = ()
    index: int = -1  # -1: not started; len(names): over
    page_down: str = "step forward (out of blackout, then show the character)"
    problem: str | None = None


@dataclass(frozen=True)
class VoiceCue:
    """His voice starts (`playing`) or stops; `offset_s` into the file (a rehearsal may start mid-clip)."""

    path: Path
    playing: bool
    volume: float = 1.0
    offset_s: float = 0.0


class CueDesk:
    def __init__(
        self,
        events,
        run_job: Callable,
        attach: Callable[[object | None], None],
        height_m: Callable[[], float],
    ):
        self._events = events
        self._run_job = run_job  # runs a slow job on the control thread
        self._attach = attach  # gives the running (and every later) pipeline the ceremony stage
        self._height_m = height_m
        self._lock = threading.Lock()
        self._stage = None
        self._status = CueStatus(None)
        self._voices_seen = 0
        self._voices_stopped: set[int] = set()
        self._voices_waiting: list[VoiceCue] = []  # for the frame being drawn, told when it is shown

    @property
    def loaded(self) -> bool:
        return self._stage is not None

    @property
    def stage(self):
        return self._stage

    def status(self) -> CueStatus:
        return self._status

    # ----- commands (operator's thread) ------------------------------------------------------------------

    def load(self, path: str | None, on_loaded: Callable[[str | None], None] | None = None) -> None:
        """Open a ceremony file in the background (None: close the ceremony)."""
        self._run_job(
            lambda: self._job_load(path, on_loaded), f"Opening {path}" if path else "Closing the ceremony"
        )

    def page_down(self) -> None:
        stage = self._stage
        if stage is not None:
            stage.director.page_down()
            self._events.cue_key.emit("next")

    def page_up(self) -> None:
        stage = self._stage
        if stage is not None:
            stage.director.page_up()
            self._events.cue_key.emit("back")

    def start_from(self, index: int) -> None:
        """A rehearsal from any cue: cue `index` starts on the next frame."""
        stage = self._stage
        if stage is not None:
            stage.director.start_at(index)
            self._events.cue_key.emit(int(index))

    # ----- the control thread ----------------------------------------------------------------------------

    def _job_load(self, path: str | None, on_loaded) -> None:
        if path is None:
            self._set_stage(None, CueStatus(None))
            if on_loaded:
                on_loaded(None)
            return
        try:
            stage, names = self._build(path)
        except UserError as exc:
            log.error("%s", exc)
            self._emit(
                CueStatus(
                    self._status.file,
                    self._status.names,
                    self._status.index,
                    self._status.page_down,
                    str(exc),
                )
            )
            return
        director = stage.director
        self._set_stage(stage, CueStatus(path, names, -1, director.runner.describe_next()))
        log.info("ceremony %s: %d cues; Page Down starts the first", path, len(names))
        if on_loaded:
            on_loaded(path)

    def _build(self, path: str):
        from arwed.ceremony.director import CeremonyDirector
        from arwed.ceremony.script import load_ceremony
        from arwed.ceremony.stage import CeremonyStage

        durations: dict = {}
        ceremony = load_ceremony(path, durations)
        director = CeremonyDirector(ceremony, durations, self._height_m())  # his walks read his feet
        director.prepare_voices()
        stage = CeremonyStage(director, after_frame=self._after_frame, wall_clock=True)  # the speakers' clock
        return stage, tuple(c.name for c in ceremony.cues)

    def _set_stage(self, stage, status: CueStatus) -> None:
        with self._lock:
            self._stage = stage
            self._voices_seen, self._voices_stopped, self._voices_waiting = 0, set(), []
        self._attach(stage)
        self._emit(status)

    def _emit(self, status: CueStatus) -> None:
        self._status = status
        self._events.cues.emit(status)

    # ----- the render thread -----------------------------------------------------------------------------

    def _after_frame(self, staged) -> None:
        """The frame's direction is known (before it is drawn): the cue panel follows at once; his voice
        waits for the frame to be shown (`frame_shown`), because drawing it takes a while (0.1 to 0.5 s on
        a slow machine) and the sound must start with the picture that goes with it, in the speakers and
        in a recording."""
        stage = self._stage
        if stage is None or staged.direction is None:
            return
        self.frame_shown()  # the last frame's voice, if that frame was never shown on the stage stream
        runner = stage.director.runner
        if runner.index != self._status.index:
            self._emit(CueStatus(self._status.file, self._status.names, runner.index, runner.describe_next()))
        plays = stage.director.audio
        voices = []
        for number in range(self._voices_seen, len(plays)):
            play = plays[number]
            voices.append(VoiceCue(play.path, True, play.volume, max(0.0, staged.time_s - play.start_s)))
        self._voices_seen = len(plays)
        for number, play in enumerate(plays):
            if play.stop_s is not None and number not in self._voices_stopped:
                self._voices_stopped.add(number)
                voices.append(VoiceCue(play.path, False, play.volume))
        with self._lock:
            self._voices_waiting.extend(voices)

    def frame_shown(self) -> None:
        """The stage frame directed last is published (render thread): its voice starts or stops now."""
        with self._lock:
            voices, self._voices_waiting = self._voices_waiting, []
        for voice in voices:
            self._events.voice.emit(voice)
