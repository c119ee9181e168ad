"""Typed events, one per piece of session state that changed (napari-style: `events.hidden.connect(cb)`).

An emitter calls its callbacks on the thread that changed the value, with the new value. A view
(arwed.ui.bridge) moves each event onto the GUI thread and refreshes only what that field shows; no
view polls the session."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

log = logging.getLogger("arwed.console")

T = TypeVar("T")


class Emitter(Generic[T]):
    """Callbacks for one field; `emit` calls each with the new value, a failing callback is logged."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._callbacks: tuple[Callable[[T], None], ...] = ()

    def connect(self, callback: Callable[[T], None]) -> None:
        with self._lock:
            self._callbacks = (*self._callbacks, callback)

    def disconnect(self, callback: Callable[[T], None]) -> None:
        with self._lock:
            self._callbacks = tuple(c for c in self._callbacks if c != callback)

    def emit(self, value: T) -> None:
        for callback in self._callbacks:
            try:
                callback(value)
            except Exception:  # noqa: BLE001 - a broken listener must not stop the show
                log.exception("a listener of %s failed", self.name)


@dataclass(frozen=True)
class Rate:
    fps: float  # stage frames delivered per second, over the last two seconds
    latency_ms: float | None  # capture to delivery, median over the last two seconds
    tracking_hz: float = 0.0  # of those frames, how many a second were placed by a new tracking result


class SessionEvents:
    """Every event the session emits. The value each carries is the field's new value."""

    def __init__(self) -> None:
        self.hidden: Emitter[bool] = Emitter("hidden")
        self.blackout: Emitter[bool] = Emitter("blackout")
        self.locked: Emitter[bool] = Emitter("locked")
        self.settings: Emitter[object] = Emitter("settings")  # arwed.config.Settings
        self.running: Emitter[str | None] = Emitter("running")  # the running source's spec; None: stopped
        self.renderer: Emitter[str] = Emitter("renderer")  # the OpenGL renderer's name, once it is known
        self.problem: Emitter[str | None] = Emitter("problem")
        self.busy: Emitter[str | None] = Emitter("busy")
        self.tracking: Emitter[str] = Emitter("tracking")  # "tracking", "held", "lost", "idle"
        self.partner_out_of_frame: Emitter[bool] = Emitter("partner_out_of_frame")  # his spot off the picture
        self.head_tracking: Emitter[str | None] = Emitter(
            "head_tracking"
        )  # on_air.HEAD_STATES; None: no eyes
        self.rate: Emitter[Rate] = Emitter("rate")
        self.character: Emitter[str] = Emitter("character")  # the name of the one shown
        self.setup: Emitter[object] = Emitter("setup")  # the saved choices changed (ConsoleConfig)
        self.outputs: Emitter[dict] = Emitter("outputs")  # output id -> OutputConfig
        self.shortcuts: Emitter[object] = Emitter("shortcuts")  # the ShortcutMap
        self.recording: Emitter[Path | None] = Emitter("recording")
        self.recording_space: Emitter[object] = Emitter("recording_space")  # disk_space.RecordingSpace
        self.virtual_camera: Emitter[str | None] = Emitter("virtual_camera")
        self.keepsake_dir: Emitter[Path] = Emitter("keepsake_dir")
        self.cues: Emitter[object] = Emitter(
            "cues"
        )  # cue_desk.CueStatus: the ceremony's cue list and where it is
        self.voice: Emitter[object] = Emitter("voice")  # cue_desk.VoiceCue: his voice starts or stops
        # for a recording's event log (filming.py): what the operator did, as it happens
        self.action: Emitter[str] = Emitter("action")  # a key or button's action (session.shortcuts names)
        self.person: Emitter[tuple] = Emitter("person")  # the frame pixel the operator clicked
        self.cue_key: Emitter[object] = Emitter("cue_key")  # "next"/"back" to the ceremony, or a cue started
        self.recovered: Emitter[object] = Emitter("recovered")  # recovery.Recovered list, at the start

    def all(self) -> list[Emitter]:
        return [value for value in vars(self).values() if isinstance(value, Emitter)]
