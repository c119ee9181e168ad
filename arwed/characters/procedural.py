"""Procedural life on top of the rest pose or a clip: breathing, a slow weight shift, natural blinks.

All motions are small, smooth functions of the cue's time (so a replay of the same cue times gives
the same pose), except blinks, whose irregular timing comes from a seeded random generator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

BREATH_PERIOD_S = 4.2  # about 14 breaths a minute at rest
BREATH_CHEST_DEG = 1.1
SHIFT_PERIOD_S = 11.0
SHIFT_HIPS_DEG = 1.2
SWAY_PERIOD_S = 7.3
BLINK_CLOSE_S = 0.07
BLINK_HOLD_S = 0.03
BLINK_OPEN_S = 0.12
BLINK_GAP_S = (1.8, 5.5)  # people blink every 2-6 s when calm
DOUBLE_BLINK_CHANCE = 0.15


@dataclass(frozen=True)
class IdleRotations:
    """World-space (character axes) rotation angles, radians, for the body's idle motion."""

    hips_roll: float  # about +z (forward): weight moving from one leg to the other
    spine_roll: float  # counter-roll keeping the head over the feet
    chest_pitch: float  # about +x: the chest lifts with each breath
    shoulders_lift: float  # shoulders rise slightly on the in-breath (radians of roll, + raises both)
    head_sway: float  # slow yaw about +y


def idle_rotations(t: float) -> IdleRotations:
    breath = 0.5 - 0.5 * math.cos(2 * math.pi * t / BREATH_PERIOD_S)  # 0 exhaled .. 1 inhaled
    shift = math.sin(2 * math.pi * t / SHIFT_PERIOD_S) + 0.3 * math.sin(
        2 * math.pi * t / (SHIFT_PERIOD_S * 0.37)
    )
    sway = math.sin(2 * math.pi * t / SWAY_PERIOD_S)
    return IdleRotations(
        hips_roll=math.radians(SHIFT_HIPS_DEG) * shift / 1.3,
        spine_roll=-math.radians(SHIFT_HIPS_DEG) * 0.8 * shift / 1.3,
        chest_pitch=-math.radians(BREATH_CHEST_DEG) * breath,
        shoulders_lift=math.radians(1.2) * breath,
        head_sway=math.radians(2.0) * sway,
    )


@dataclass
class Blinker:
    """When to blink: an irregular schedule with occasional double blinks."""

    seed: int = 7
    _rng: np.random.Generator = field(init=False)
    _next_s: float = field(init=False)
    _last_t: float = field(init=False)
    _starts: list[float] = field(init=False)

    def __post_init__(self) -> None:
        self.reset(0.0)

    def reset(self, t: float) -> None:
        self._rng = np.random.default_rng(self.seed)
        self._next_s = t + float(self._rng.uniform(0.6, 2.0))
        self._last_t = t
        self._starts = []

    def weight(self, t: float) -> float:
        """Eyelid closure 0..1 at time t."""
        if t < self._last_t - 1e-6:  # time went backwards (a seek): start the schedule again
            self.reset(t)
        self._last_t = t
        while t >= self._next_s:
            self._starts.append(self._next_s)
            if self._rng.random() < DOUBLE_BLINK_CHANCE:
                self._next_s += BLINK_CLOSE_S + BLINK_HOLD_S + BLINK_OPEN_S + 0.08
            else:
                self._next_s += float(self._rng.uniform(*BLINK_GAP_S))
        self._starts = [s for s in self._starts if t - s < 1.0]
        return max((_blink_curve(t - s) for s in self._starts), default=0.0)


def _blink_curve(dt: float) -> float:
    if dt < 0:
        return 0.0
    if dt < BLINK_CLOSE_S:
        return dt / BLINK_CLOSE_S
    dt -= BLINK_CLOSE_S
    if dt < BLINK_HOLD_S:
        return 1.0
    dt -= BLINK_HOLD_S
    if dt < BLINK_OPEN_S:
        x = dt / BLINK_OPEN_S
        return 1.0 - x * x * (3 - 2 * x)
    return 0.0
