"""Which cue runs: ordered cues that end after a time, at the end of their audio, or at the operator's key.

Times are the ceremony's clock (seconds; a video's media time in a rehearsal, the console's clock live).
A timed cue hands over to the next at exactly its end time, not at the frame that noticed it, so a long
ceremony never drifts. Page Down ends the running cue now and starts the next (before the first cue it
starts the first); Page Up starts the previous cue again from its beginning. Owned by one thread (the
render thread); other threads send keys through `CeremonyDirector`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from arwed.ceremony.script import Ceremony, Cue

BEFORE = -1  # no cue has started yet


@dataclass
class CueRecord:
    """One run of a cue, for statistics."""

    index: int
    name: str
    start_s: float
    end_s: float | None = None
    ended_by: str | None = None  # "time", "audio", "key", "back", "stop"


class CueRunner:
    def __init__(self, ceremony: Ceremony, audio_durations: dict[Path, float]):
        self.ceremony = ceremony
        self._durations = audio_durations
        self.index = BEFORE
        self.started_s = 0.0
        self.log: list[CueRecord] = []

    @property
    def cues(self) -> tuple[Cue, ...]:
        return self.ceremony.cues

    @property
    def current(self) -> Cue | None:
        return self.cues[self.index] if 0 <= self.index < len(self.cues) else None

    @property
    def finished(self) -> bool:
        return self.index >= len(self.cues)

    def audio_length_s(self, path: Path) -> float:
        return self._durations.get(path, 0.0)

    def end_time(self, index: int, start_s: float) -> float | None:
        """When cue `index` started at `start_s` ends by itself; None: it waits for the key."""
        cue = self.cues[index]
        if cue.end == "key":
            return None
        if cue.end == "audio":
            lengths = [self.audio_length_s(self.ceremony.audio_path(s)) for s in cue.says]
            return start_s + max(lengths, default=0.0)
        return start_s + float(cue.end)

    def start(self, time_s: float, index: int = 0) -> None:
        """Start cue `index` now (rehearsals may start from any cue)."""
        self._close(time_s, "stop")
        self.index = max(0, min(index, len(self.cues)))
        self.started_s = time_s
        if self.current is not None:
            self.log.append(CueRecord(self.index, self.current.name, time_s))

    def page_down(self, time_s: float) -> None:
        self.update(time_s)
        if self.finished:
            return
        self._close(time_s, "key")
        self._begin(self.index + 1, time_s)

    def page_up(self, time_s: float) -> None:
        self.update(time_s)
        if self.index <= BEFORE:
            return
        self._close(time_s, "back")
        self._begin(max(self.index - 1, 0) if self.index > 0 else BEFORE, time_s)

    def update(self, time_s: float) -> None:
        """Hand over from every cue that ended by itself up to time_s."""
        while 0 <= self.index < len(self.cues):
            end = self.end_time(self.index, self.started_s)
            if end is None or end > time_s:
                return
            self._close(end, "audio" if self.cues[self.index].end == "audio" else "time")
            self._begin(self.index + 1, end)

    def _begin(self, index: int, time_s: float) -> None:
        self.index = index
        self.started_s = time_s
        if self.current is not None:
            self.log.append(CueRecord(index, self.current.name, time_s))

    def _close(self, time_s: float, why: str) -> None:
        if self.log and self.log[-1].end_s is None and self.current is not None:
            self.log[-1].end_s = time_s
            self.log[-1].ended_by = why

    def describe_next(self) -> str:
        """What Page Down does now, for the console's cue panel."""
        if self.index == BEFORE:
            return f"start '{self.cues[0].name}'"
        if self.finished:
            return "nothing (the ceremony is over)"
        following = self.index + 1
        if following >= len(self.cues):
            return f"end '{self.cues[self.index].name}' (the last cue)"
        return f"end '{self.cues[self.index].name}', start '{self.cues[following].name}'"
