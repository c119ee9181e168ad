"""Short body gestures of a ceremony: the bow, and the head's life while he speaks."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from arwed.ceremony.visemes import VisemeTrack
from arwed.characters import quaternions as quat
from arwed.characters.posing import PoseEditor

BOW_SHARES = (("spine", 0.45), ("chest", 0.3), ("upperChest", 0.15), ("neck", 0.1))
NOD_DEG = 2.5
TURN_DEG = 1.8
PHRASE_MIN_S = 0.3  # speech this long, then
PAUSE_MIN_S = 0.2  # a pause this long: he blinks in the pause, as speakers do
BLINK_S = 0.22

X_AXIS = np.array([1.0, 0.0, 0.0])
Y_AXIS = np.array([0.0, 1.0, 0.0])


def _smoothstep(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3.0 - 2.0 * x)


@dataclass(frozen=True)
class Bow:
    start_s: float
    depth_deg: float
    duration_s: float

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s

    def amount(self, t: float) -> float:
        """0..1: down over the first 35 %, held, up over the last 45 %."""
        u = (t - self.start_s) / self.duration_s
        if u <= 0.0 or u >= 1.0:
            return 0.0
        if u < 0.35:
            return _smoothstep(u / 0.35)
        if u < 0.55:
            return 1.0
        return 1.0 - _smoothstep((u - 0.55) / 0.45)

    def apply(self, editor: PoseEditor, t: float) -> None:
        amount = self.amount(t)
        if amount <= 0.0:
            return
        for bone, share in BOW_SHARES:
            if editor.has(bone):
                angle = math.radians(self.depth_deg) * share * amount
                editor.rotate(bone, quat.from_axis_angle(X_AXIS, angle))


class Speech:
    """His face and head while a clip plays: visemes from the track, small nods, blinks in pauses."""

    def __init__(self, start_s: float, track: VisemeTrack, stop_s: float | None = None):
        self.start_s = start_s
        self.track = track
        self.stop_s = stop_s
        self._blinks = _pause_blinks(track)

    @property
    def end_s(self) -> float:
        end = self.start_s + self.track.duration_s
        return min(end, self.stop_s) if self.stop_s is not None else end

    def active(self, t: float) -> bool:
        return self.start_s <= t < self.end_s

    def expressions(self, t: float) -> dict[str, float]:
        if not self.active(t):
            return {}
        local = t - self.start_s
        weights = self.track.at(local)
        blink = max(
            (_blink_curve(local - b) for b in self._blinks if -0.01 < local - b < BLINK_S), default=0.0
        )
        if blink > 0.0:
            weights["blink"] = blink
        return weights

    def apply(self, editor: PoseEditor, t: float) -> None:
        if not self.active(t):
            return
        local = t - self.start_s
        level = self.track.level_at(local)
        nod = math.radians(NOD_DEG) * level * math.sin(2 * math.pi * local / 1.6)
        turn = math.radians(TURN_DEG) * (0.4 + 0.6 * level) * math.sin(2 * math.pi * local / 3.1 + 1.0)
        bone = "head" if editor.has("head") else None
        if bone is None:
            return
        editor.rotate(
            bone, quat.multiply(quat.from_axis_angle(Y_AXIS, turn), quat.from_axis_angle(X_AXIS, nod))
        )


def _pause_blinks(track: VisemeTrack) -> list[float]:
    """Clip times (s) shortly after each phrase ends."""
    blinks, run, silent = [], 0.0, 0.0
    for i, voiced in enumerate(track.voiced):
        if voiced:
            if silent >= PAUSE_MIN_S and run >= PHRASE_MIN_S:
                run = 0.0
            run += track.hop_s
            silent = 0.0
        else:
            silent += track.hop_s
            if run >= PHRASE_MIN_S and abs(silent - 0.08) < track.hop_s / 2:
                blinks.append(i * track.hop_s)
                run = 0.0
    return blinks


def _blink_curve(dt: float) -> float:
    if dt < 0 or dt > BLINK_S:
        return 0.0
    return math.sin(math.pi * dt / BLINK_S)
