"""Temporal filters for tracked positions.

The One Euro filter (Casiez, Roussel and Vogel, CHI 2012) is a low-pass filter whose cutoff rises with
the signal's speed: a still signal is smoothed hard (little jitter), a fast one lightly (little lag).
It behaves exactly like the authors' reference implementation (casiez/OneEuroFilter, C++ and Python):
- the first sample passes through unchanged and its speed counts as 0;
- the speed is (value - previous *filtered* value) * rate, the reference's 2023 definition;
- the rate comes from the timestamps (1 / dt) whenever time moved forward, and otherwise keeps its
  previous value (`initial_rate_hz` until two timestamps are known).
"""

from __future__ import annotations

import math

import numpy as np

ArrayLike = float | np.ndarray


def smoothing_factor(cutoff_hz: float | np.ndarray, rate_hz: float) -> float | np.ndarray:
    """The exponential smoothing factor alpha of a first-order low-pass filter at this sample rate."""
    tau_s = 1.0 / (2.0 * math.pi * np.asarray(cutoff_hz, dtype=np.float64))
    return 1.0 / (1.0 + tau_s * rate_hz)


class OneEuroFilter:
    """One Euro filter for a scalar or a numpy vector (each component filtered independently).

    Parameters (units follow the filtered signal; arwed filters positions in metres):
    - min_cutoff: the cutoff in Hz when the signal is still. Lower is steadier but lags more.
    - beta: how fast the cutoff rises with speed (Hz per unit/s). Higher reduces lag when moving.
    - d_cutoff: the cutoff in Hz of the low-pass on the speed estimate itself (1 Hz is the usual).
    - initial_rate_hz: the sample rate assumed until two timestamps give the real one.
    """

    def __init__(
        self, min_cutoff: float = 1.0, beta: float = 0.0, d_cutoff: float = 1.0, initial_rate_hz: float = 30.0
    ) -> None:
        if min_cutoff <= 0.0 or d_cutoff <= 0.0 or initial_rate_hz <= 0.0:
            raise ValueError("min_cutoff, d_cutoff and initial_rate_hz must be positive")
        self.min_cutoff = float(min_cutoff)
        self.beta = float(beta)
        self.d_cutoff = float(d_cutoff)
        self.initial_rate_hz = float(initial_rate_hz)
        self.reset()

    def reset(self) -> None:
        """Forget the past: the next sample passes through unchanged."""
        self._rate_hz = self.initial_rate_hz
        self._last_time_s: float | None = None
        self._value: np.ndarray | None = None
        self._speed: np.ndarray | None = None

    @property
    def value(self) -> ArrayLike | None:
        """The last filtered value, or None before the first sample."""
        return None if self._value is None else _unwrap(self._value)

    def __call__(self, value: ArrayLike, timestamp_s: float) -> ArrayLike:
        x = np.array(value, dtype=np.float64)
        self._update_rate(float(timestamp_s))
        if self._value is None or self._value.shape != x.shape:
            self._value, self._speed = x, np.zeros_like(x)
            return _unwrap(x)
        raw_speed = (x - self._value) * self._rate_hz
        self._speed = self._speed + smoothing_factor(self.d_cutoff, self._rate_hz) * (raw_speed - self._speed)
        cutoff_hz = self.min_cutoff + self.beta * np.abs(self._speed)
        self._value = self._value + smoothing_factor(cutoff_hz, self._rate_hz) * (x - self._value)
        return _unwrap(self._value)

    def _update_rate(self, timestamp_s: float) -> None:
        if self._last_time_s is not None and timestamp_s > self._last_time_s:
            self._rate_hz = 1.0 / (timestamp_s - self._last_time_s)
        self._last_time_s = timestamp_s


def _unwrap(x: np.ndarray) -> ArrayLike:
    return float(x) if x.ndim == 0 else x.copy()
