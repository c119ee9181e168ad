"""The event log of a recording: what the operator and the ceremony did, on the recording's clock.

While a recording runs, `FilmLog` listens to the session's events (hide, blackout, placement settings,
the person clicked, keys, the ceremony's cues, keys and voice) and appends each to the recording's
`events.jsonl` (arwed/film/log.py has the format) at the moment it happens. Events arrive on whatever
thread made the change; the writer takes the time at once and writes on its own thread, so nobody waits.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

from arwed.film.log import VERSION, EventLogWriter
from arwed.session.events import SessionEvents

log = logging.getLogger("arwed.console")


class FilmLog:
    def __init__(
        self,
        path: Path,
        origin_s: float,
        events: SessionEvents,
        start: dict,
        fps: float,
        fade_s: Callable[[], float] = lambda: 0.0,
    ):
        """`start`: the state when recording starts (settings, character, ceremony, source, hidden, blackout);
        `fade_s`: the operator's fade time, written with each hide and blackout (the replay fades as live)."""
        self._events = events
        self._fade_s = fade_s
        self._writer = EventLogWriter(path, origin_s)
        started = dt.datetime.now().isoformat(timespec="seconds")
        self._writer.write(
            "start", t=0.0, version=VERSION, fps=fps, started=started, monotonic_origin_s=origin_s, **start
        )
        settings = start.get("settings")
        self._placement = settings.placement if settings is not None else None
        self._cue_index: int | None = None
        self._ceremony_file = start.get("ceremony")
        self._listeners: list[tuple[object, Callable]] = [
            (events.hidden, lambda value: self._write("hidden", value=bool(value), fade_s=self._fade())),
            (events.blackout, lambda value: self._write("blackout", value=bool(value), fade_s=self._fade())),
            (events.settings, self._settings),
            (events.action, lambda action: self._write("key", action=str(action))),
            (events.person, lambda point: self._write("person", point_px=[float(v) for v in point])),
            (events.cue_key, self._cue_key),
            (events.cues, self._cues),
            (events.voice, self._voice),
        ]
        for emitter, callback in self._listeners:
            emitter.connect(callback)

    @property
    def path(self) -> Path:
        return self._writer.path

    def close(self) -> None:
        for emitter, callback in self._listeners:
            emitter.disconnect(callback)
        self._write("stop")
        self._writer.close()

    def _write(self, kind: str, **fields) -> None:
        try:
            self._writer.write(kind, **fields)
        except (TypeError, ValueError):  # a value that is not JSON: a bug, never a reason to stop
            log.exception("the event log could not take a %s event", kind)

    def _fade(self) -> float:
        return round(float(self._fade_s()), 4)

    def _settings(self, settings) -> None:
        placement = settings.placement
        if placement != self._placement:
            self._placement = placement
            self._write("placement", placement=placement)

    def _cue_key(self, key) -> None:
        if isinstance(key, int):
            self._write("cue_start", index=key)
        else:
            self._write("cue_key", key=str(key))

    def _cues(self, status) -> None:
        """session.cue_desk.CueStatus: a ceremony opened or closed, or its cue changed."""
        if status.file != self._ceremony_file:
            self._ceremony_file = status.file
            self._write("ceremony", file=status.file)
        if status.index != self._cue_index and status.file is not None:
            self._cue_index = status.index
            names = status.names
            name = names[status.index] if 0 <= status.index < len(names) else ""
            self._write("cue", index=status.index, name=name)

    def _voice(self, voice) -> None:
        self._write("voice", file=str(voice.path), playing=bool(voice.playing))
