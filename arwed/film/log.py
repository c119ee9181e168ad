"""The event log of a recording (`events.jsonl`): written crash-safely while recording, read as hostile
input by the replay.

Format: JSON Lines, one self-contained object per line, each with `t` (seconds on the recording's clock:
0 is the moment recording started, the clock of both videos) and `event`:

    {"t": 0.0, "event": "start", "version": 1, "fps": 30.0, "started": "2026-12-01T14:03:07",
     "monotonic_origin_s": 81234.5,
     "settings": {...every setting...}, "character": "/path/model.vrm" | null, "ceremony": null,
     "calibration": null, "source": "demo", "hidden": false, "blackout": false, "fade_s": 0.3}
    {"t": 2.10, "event": "key", "action": "toggle_hidden"}        the operator's key or button, by action
    {"t": 2.10, "event": "hidden", "value": true, "fade_s": 0.3}  the character hidden / shown, fading
    {"t": 3.52, "event": "blackout", "value": true, "fade_s": 0.3}  every output black / back, fading
    {"t": 4.00, "event": "placement", "placement": {...}}         side, gap, facing, lock ... as they are now
    {"t": 4.50, "event": "person", "point_px": [412.0, 300.0]}    the operator clicked a person
    {"t": 5.00, "event": "ceremony", "file": "vows.yaml" | null}  a ceremony opened or closed
    {"t": 5.20, "event": "cue_key", "key": "next" | "back"}       Page Down / Page Up as the ceremony got it
    {"t": 5.20, "event": "cue_start", "index": 2}                 a rehearsal started from cue 3
    {"t": 5.21, "event": "cue", "index": 0, "name": "enter"}      the cue shown from now on
    {"t": 9.00, "event": "voice", "file": "vows.wav", "playing": true}
    {"t": 60.0, "event": "stop"}

Writing: each line is built when the event happens and handed to the kernel in one `write` on an
append-only file, on the log's own thread (so no caller waits on the disk), synced at least every second:
a kill loses no line written, a power cut at most the last second, and a line cut by a power cut is the
last one. Reading (`read_event_log`) tolerates exactly that torn last line (a note says so); anything else
that is not a valid event is one error naming the file and the line.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from arwed.config import PlacementSettings, Settings
from arwed.errors import InputFileError
from arwed.geometry.fade import MAX_FADE_S
from arwed.user_files import nesting_depth, read_user_bytes

log = logging.getLogger("arwed.console")

VERSION = 1
MAX_LOG_BYTES = 32 << 20  # a day of keys is a few KiB; 32 MiB is far beyond any ceremony
MAX_LINE_BYTES = 256 << 10
MAX_NESTING = 16
SYNC_INTERVAL_S = 1.0
MAX_TIME_S = 7 * 24 * 3600.0

Seconds = Annotated[float, Field(ge=0.0, le=MAX_TIME_S)]
Text = Annotated[str, Field(max_length=4096)]
FadeSeconds = Annotated[float, Field(ge=0.0, le=MAX_FADE_S)]


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", allow_inf_nan=False)
    t: Seconds


class StartEvent(_Event):
    event: Literal["start"]
    version: int = Field(ge=1, le=VERSION)
    fps: float = Field(ge=1.0, le=240.0)
    started: Text = ""  # the wall-clock time recording started (ISO 8601, local time)
    monotonic_origin_s: float | None = None  # this machine's monotonic clock at 0 s (for measurements)
    settings: Settings = Settings()
    character: Text | None = None
    ceremony: Text | None = None
    calibration: Text | None = None
    source: Text | None = None
    hidden: bool = False
    blackout: bool = False
    fade_s: FadeSeconds = 0.0  # the operator's fade time when recording started (each change says its own)


class KeyEvent(_Event):
    event: Literal["key"]
    action: Annotated[str, Field(max_length=64)]


class HiddenEvent(_Event):
    event: Literal["hidden"]
    value: bool
    fade_s: FadeSeconds = 0.0  # over how long it fades (0: a cut; logs from before fades: a cut)


class BlackoutEvent(_Event):
    event: Literal["blackout"]
    value: bool
    fade_s: FadeSeconds = 0.0


class PlacementEvent(_Event):
    event: Literal["placement"]
    placement: PlacementSettings


class PersonEvent(_Event):
    event: Literal["person"]
    point_px: tuple[Annotated[float, Field(ge=-1e5, le=1e5)], Annotated[float, Field(ge=-1e5, le=1e5)]]


class CeremonyEvent(_Event):
    event: Literal["ceremony"]
    file: Text | None


class CueKeyEvent(_Event):
    event: Literal["cue_key"]
    key: Literal["next", "back"]


class CueStartEvent(_Event):
    event: Literal["cue_start"]
    index: int = Field(ge=0, le=10000)


class CueEvent(_Event):
    event: Literal["cue"]
    index: int = Field(ge=-1, le=10001)
    name: Text = ""


class VoiceEvent(_Event):
    event: Literal["voice"]
    file: Text
    playing: bool


class StopEvent(_Event):
    event: Literal["stop"]


Event = Annotated[
    StartEvent
    | KeyEvent
    | HiddenEvent
    | BlackoutEvent
    | PlacementEvent
    | PersonEvent
    | CeremonyEvent
    | CueKeyEvent
    | CueStartEvent
    | CueEvent
    | VoiceEvent
    | StopEvent,
    Field(discriminator="event"),
]
EVENT_NAMES = (
    "start",
    "key",
    "hidden",
    "blackout",
    "placement",
    "person",
    "ceremony",
    "cue_key",
    "cue_start",
    "cue",
    "voice",
    "stop",
)
_EVENT = TypeAdapter(Event)


@dataclass(frozen=True)
class EventLog:
    """A log as read: the start, the later events in time order, and notes on what was tolerated."""

    path: Path
    start: StartEvent
    events: tuple[Any, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def end_s(self) -> float | None:
        """When recording stopped; None when it never did (the console was killed)."""
        stops = [event.t for event in self.events if isinstance(event, StopEvent)]
        return stops[-1] if stops else None


def read_event_log(path: str | Path) -> EventLog:
    """Read and check a recording's event log. Raises InputFileError naming the line that is wrong."""
    path = Path(path)
    data = read_user_bytes(path, MAX_LOG_BYTES, "recording's event log")
    lines = data.split(b"\n")
    torn = lines[-1] != b""  # every whole line ends with a newline: the last piece was cut mid-write
    notes: list[str] = []
    events: list[Any] = []
    for number, raw in enumerate(lines[:-1] if not torn else lines, start=1):
        last = number == len(lines)
        if not raw.strip():
            continue
        try:
            events.append(_parse_line(raw, path, number))
        except InputFileError:
            if torn and last:
                notes.append(f"{path}: its last line was cut off (the recording ended abruptly): ignored")
                continue
            raise
    if not events or not isinstance(events[0], StartEvent):
        raise InputFileError(path, "line 1: a recording's event log starts with a 'start' event")
    start, later = events[0], events[1:]
    if any(isinstance(event, StartEvent) for event in later):
        number = 1 + next(i for i, e in enumerate(later, start=1) if isinstance(e, StartEvent))
        raise InputFileError(path, f"line {number}: a second 'start' event (two recordings in one log?)")
    later.sort(key=lambda event: event.t)  # written from several threads: a few ms out of order
    return EventLog(path, start, tuple(later), tuple(notes))


def _parse_line(raw: bytes, path: Path, number: int):
    where = f"line {number}"
    if len(raw) > MAX_LINE_BYTES:
        raise InputFileError(path, f"{where}: over {MAX_LINE_BYTES >> 10} KiB, not an event")
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputFileError(path, f"{where}: not a JSON object ({_short(exc)})") from None
    if not isinstance(value, dict):
        raise InputFileError(path, f"{where}: not a JSON object")
    if nesting_depth(value) > MAX_NESTING:
        raise InputFileError(path, f"{where}: nests deeper than {MAX_NESTING} levels")
    kind = value.get("event")
    if kind not in EVENT_NAMES:
        raise InputFileError(path, f"{where}: unknown event {kind!r} (known: {', '.join(EVENT_NAMES)})")
    try:
        return _EVENT.validate_python(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(part) for part in first["loc"][1:]) or "event"
        raise InputFileError(path, f"{where}: field '{name}': {first['msg'].lower()}") from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120]


class EventLogWriter:
    """Appends events to a log on its own thread. `write(kind, **fields)` from any thread, at once; the
    time is taken then, on `clock` (time.monotonic) relative to `origin_s`."""

    def __init__(self, path: Path, origin_s: float, clock=time.monotonic):
        self.path = Path(path)
        self._origin_s, self._clock = origin_s, clock
        self._queue: queue.Queue = queue.Queue()
        self._fd = os.open(
            self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0), 0o644
        )
        self.error: str | None = None
        self.lines = 0
        self._thread = threading.Thread(target=self._run, name="arwed event log", daemon=True)
        self._thread.start()

    def now_s(self) -> float:
        return max(0.0, self._clock() - self._origin_s)

    def write(self, kind: str, t: float | None = None, **fields: Any) -> None:
        t = self.now_s() if t is None else t
        line = json.dumps({"t": round(t, 4), "event": kind, **fields}, allow_nan=False, default=_plain)
        self._queue.put(line.encode("utf-8") + b"\n")

    def close(self, timeout_s: float = 5.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout=timeout_s)

    def _run(self) -> None:
        last_sync = time.monotonic()
        try:
            while True:
                try:
                    line = self._queue.get(timeout=SYNC_INTERVAL_S)
                except queue.Empty:
                    continue
                if line is None:
                    break
                if self.error is None:
                    self._append(line)
                if time.monotonic() - last_sync >= SYNC_INTERVAL_S or self._queue.empty():
                    last_sync = time.monotonic()
                    self._sync()
        finally:
            self._sync()
            os.close(self._fd)

    def _append(self, line: bytes) -> None:
        try:
            done = 0
            while done < len(line):
                written = os.write(self._fd, line[done:])  # O_APPEND: one line lands whole at the end
                if written <= 0:
                    raise OSError("nothing written")
                done += written
            self.lines += 1
        except OSError as exc:
            self.error = (
                f"{self.path}: the event log cannot be written ({exc.strerror or exc}); the videos go on"
            )
            log.error("%s", self.error)

    def _sync(self) -> None:
        with contextlib.suppress(OSError):  # a file system that cannot sync: a kill still loses nothing
            os.fdatasync(self._fd)


def _plain(value: Any):
    """JSON for settings and numpy numbers."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    raise TypeError(f"{value!r} is not JSON")
