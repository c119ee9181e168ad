"""What a recording's event log says held at each moment: hidden, blackout (and how far each had faded),
the placement settings, the people the operator clicked and the ceremony's keys. Pure data, no threads:
the replay asks it per frame."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from arwed.config import Settings
from arwed.film.log import (
    BlackoutEvent,
    CeremonyEvent,
    CueKeyEvent,
    CueStartEvent,
    EventLog,
    HiddenEvent,
    PersonEvent,
    PlacementEvent,
)
from arwed.geometry.fade import FIRST_STEP_S, Fade


class _Steps:
    """A value that changes at given times: `at(t)` is the last value set at or before t."""

    def __init__(self, first: Any, changes: list[tuple[float, Any]]):
        self._times = [t for t, _ in changes]
        self._values = [first, *(v for _, v in changes)]

    def at(self, t: float) -> Any:
        return self._values[bisect.bisect_right(self._times, t)]

    def times_within(self, t0: float, t1: float) -> list[float]:
        """Change times in (t0, t1)."""
        return self._times[bisect.bisect_right(self._times, t0) : bisect.bisect_left(self._times, t1)]


class _Fades:
    """A level that fades to each new target over its event's fade time, from wherever it was then, as
    the console's hide and blackout do (geometry/fade.py): `at(t)` is the level at t."""

    def __init__(self, first: float, changes: list[tuple[float, float, float]]):
        fade = Fade(first, first)
        self._times, self._fades = [], [fade]
        for t, target, fade_s in changes:
            fade = fade.towards(target, t, fade_s, FIRST_STEP_S)
            self._times.append(t)
            self._fades.append(fade)

    def at(self, t: float) -> float:
        return self._fades[bisect.bisect_right(self._times, t)].level(t)


def _levels(first: bool, events: list, shown_when: bool) -> _Fades:
    """1 where the event's value is `shown_when`, else 0, fading between."""
    level = 1.0 if first == shown_when else 0.0
    return _Fades(level, [(e.t, 1.0 if e.value == shown_when else 0.0, e.fade_s) for e in events])


@dataclass(frozen=True)
class CeremonyKeys:
    file: str | None  # the ceremony open during the recording (the last one opened)
    times_s: tuple[float, ...]
    keys: tuple[str, ...]  # "next" / "back"
    starts: tuple[tuple[float, int], ...]  # a cue started at a time (a rehearsal from any cue)


class Timeline:
    """`settings`: what the replay starts from (the logged settings, or the user's --settings);
    `fixed`: settings overrides that hold throughout whatever the log says (the user's --gap, ...)."""

    def __init__(self, log: EventLog, settings: Settings, fixed: dict[str, dict[str, Any]] | None = None):
        self.log = log
        self._fixed = fixed or {}
        events = log.events
        hides = [e for e in events if isinstance(e, HiddenEvent)]
        blackouts = [e for e in events if isinstance(e, BlackoutEvent)]
        self._hidden = _Steps(log.start.hidden, [(e.t, e.value) for e in hides])
        self._blackout = _Steps(log.start.blackout, [(e.t, e.value) for e in blackouts])
        self._visibility = _levels(log.start.hidden, hides, shown_when=False)
        self._curtain = _levels(log.start.blackout, blackouts, shown_when=False)
        first = settings.with_overrides(self._fixed)
        placements = [
            (e.t, settings.model_copy(update={"placement": e.placement}).with_overrides(self._fixed))
            for e in events
            if isinstance(e, PlacementEvent)
        ]
        self._settings = _Steps(first, placements)
        self._people = [(e.t, e.point_px) for e in events if isinstance(e, PersonEvent)]
        files = [e.file for e in events if isinstance(e, CeremonyEvent)]
        keys = [e for e in events if isinstance(e, CueKeyEvent)]
        self.ceremony = CeremonyKeys(
            file=files[-1] if files else log.start.ceremony,
            times_s=tuple(e.t for e in keys),
            keys=tuple(e.key for e in keys),
            starts=tuple((e.t, e.index) for e in events if isinstance(e, CueStartEvent)),
        )

    def hidden_at(self, t: float) -> bool:
        return bool(self._hidden.at(t))

    def blackout_at(self, t: float) -> bool:
        return bool(self._blackout.at(t))

    def visibility_at(self, t: float) -> float:
        """The hide's veil at t: 1 the character shown, 0 hidden, between while it fades (session/veil.py)."""
        return self._visibility.at(t)

    def curtain_at(self, t: float) -> float:
        """The blackout's curtain at t: 1 the picture, 0 black, between while it fades (session/curtain.py)."""
        return self._curtain.at(t)

    def settings_at(self, t: float) -> Settings:
        return self._settings.at(t)

    def people_clicked(self, t0: float, t1: float) -> list[tuple[float, float]]:
        """The points the operator clicked in (t0, t1]."""
        return [point for t, point in self._people if t0 < t <= t1]

    def changes_within(self, t0: float, t1: float) -> list[float]:
        """When hidden or blackout changed in (t0, t1): a frame shown across such a moment is drawn again."""
        return sorted(set(self._hidden.times_within(t0, t1)) | set(self._blackout.times_within(t0, t1)))
