"""Lip-sync: the VRM visemes aa, ih, ou, ee, oh from the voice's formants, computed ahead of time.

Each 10 ms the voice is checked for voicing (loud enough above the file's own noise floor, and periodic
at a speaking pitch); voiced frames get their first two formants from linear prediction (LPC: the roots
of the all-pole model of the vocal tract). The vowel is the nearest of five formant prototypes on the
Bark scale; how far the mouth opens follows the loudness. Silence and unvoiced sounds close the mouth
to zero. The track is smoothed with a fast attack and a slower release, as lips move.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_toeplitz
from scipy.signal import lfilter

from arwed.ceremony.audio import resample

VISEMES = ("aa", "ih", "ou", "ee", "oh")
# (F1, F2) in Hz, an adult speaker's vowels: aa "father", ih "beet", ou "boot", ee "bet", oh "boat"
PROTOTYPES_HZ = np.array([(730.0, 1150.0), (290.0, 2250.0), (320.0, 870.0), (530.0, 1850.0), (520.0, 860.0)])
ANALYSIS_HZ = 10000
HOP_S = 0.01
WINDOW_S = 0.03
LPC_ORDER = 12
MIN_LEVEL_DB = -50.0  # below this (dB full scale) a frame is silence whatever the noise floor
ABOVE_FLOOR_DB = 15.0  # voiced frames are at least this much louder than the quietest tenth of the file
FULL_OPEN_DB = 24.0  # this far above the voicing threshold the mouth is fully open
MIN_PERIODICITY = 0.35  # normalised autocorrelation peak at the pitch period (70-400 Hz)
SHARPNESS = 0.6  # Bark distance at which a prototype's share falls to 1/e
ATTACK_S = 0.03
RELEASE_S = 0.07


@dataclass(frozen=True)
class VisemeTrack:
    """Viseme weights every HOP_S seconds from the clip's start."""

    weights: np.ndarray  # (T, 5) 0..1, columns in VISEMES order
    level: np.ndarray  # (T,) 0..1 loudness of voiced speech (for head motion), 0 in silence
    voiced: np.ndarray  # (T,) bool
    hop_s: float = HOP_S

    @property
    def duration_s(self) -> float:
        return len(self.weights) * self.hop_s

    def _index(self, t_s: float) -> tuple[int, int, float]:
        x = t_s / self.hop_s
        if x <= 0 or len(self.weights) < 2:
            return 0, 0, 0.0
        i = min(int(x), len(self.weights) - 2)
        return i, i + 1, min(x - i, 1.0)

    def at(self, t_s: float) -> dict[str, float]:
        if t_s < 0 or t_s >= self.duration_s or len(self.weights) == 0:
            return dict.fromkeys(VISEMES, 0.0)
        i, j, u = self._index(t_s)
        row = self.weights[i] * (1 - u) + self.weights[j] * u
        return {name: float(w) for name, w in zip(VISEMES, row, strict=True)}

    def level_at(self, t_s: float) -> float:
        if t_s < 0 or t_s >= self.duration_s or len(self.level) == 0:
            return 0.0
        i, j, u = self._index(t_s)
        return float(self.level[i] * (1 - u) + self.level[j] * u)


def bark(f_hz: np.ndarray) -> np.ndarray:
    """Traunmüller's Bark scale: equal steps sound equally far apart."""
    f = np.asarray(f_hz, dtype=np.float64)
    return 26.81 * f / (1960.0 + f) - 0.53


def analyse(samples: np.ndarray, rate_hz: int) -> VisemeTrack:
    x = resample(np.asarray(samples, dtype=np.float32), rate_hz, ANALYSIS_HZ).astype(np.float64)
    hop, win = int(HOP_S * ANALYSIS_HZ), int(WINDOW_S * ANALYSIS_HZ)
    count = max(0, (len(x) - win) // hop + 1)
    if count == 0:
        empty = np.zeros((0, len(VISEMES)))
        return VisemeTrack(empty, np.zeros(0), np.zeros(0, bool))
    frames = np.lib.stride_tricks.sliding_window_view(x, win)[::hop][:count]
    level_db = 10.0 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    floor_db = float(np.percentile(level_db, 10))
    peak_db = float(np.percentile(level_db, 95))
    threshold_db = max(MIN_LEVEL_DB, min(floor_db + ABOVE_FLOOR_DB, peak_db - 25.0))
    loud = level_db > threshold_db
    raw = np.zeros((count, len(VISEMES)))
    voiced = np.zeros(count, bool)
    window = np.hamming(win)
    emphasised = lfilter([1.0, -0.97], [1.0], frames, axis=1) * window
    formants = {}
    for i in np.flatnonzero(loud):
        if _periodicity(frames[i]) < MIN_PERIODICITY:
            continue
        found = _formants(emphasised[i])
        if found is not None:
            formants[i] = found
    scale = speaker_scale(np.array(list(formants.values()))) if formants else 1.0
    for i, (f1, f2) in formants.items():
        voiced[i] = True
        raw[i] = _vowel_shares(f1 / scale, f2 / scale)
    opening = np.clip((level_db - threshold_db) / FULL_OPEN_DB, 0.0, 1.0) * voiced
    opening = np.where(
        voiced, np.maximum(opening, 0.25), 0.0
    )  # a voiced sound always opens the lips a little
    weights = _smooth(raw * opening[:, None])
    level = _smooth(opening[:, None])[:, 0]
    return VisemeTrack(weights, level, voiced)


def _periodicity(frame: np.ndarray) -> float:
    f = frame - frame.mean()
    energy = float(f @ f)
    if energy <= 1e-12:
        return 0.0
    corr = np.correlate(f, f, mode="full")[len(f) - 1 :] / energy
    lo, hi = int(ANALYSIS_HZ / 400), int(ANALYSIS_HZ / 70)
    return float(np.max(corr[lo : min(hi, len(corr))])) if hi > lo else 0.0


def _formants(frame: np.ndarray) -> tuple[float, float] | None:
    """(F1, F2) in Hz from the LPC polynomial's roots, or None when no plausible pair is found."""
    r = np.correlate(frame, frame, mode="full")[len(frame) - 1 : len(frame) + LPC_ORDER]
    if r[0] <= 1e-12:
        return None
    r = r * np.exp(-0.5 * (2 * math.pi * 40.0 * np.arange(len(r)) / ANALYSIS_HZ) ** 2)  # lag window
    r[0] *= 1.0 + 1e-9
    try:
        a = solve_toeplitz(r[:-1], -r[1:])
    except np.linalg.LinAlgError:
        return None
    roots = np.roots(np.concatenate([[1.0], a]))
    roots = roots[np.imag(roots) > 0.01]
    freqs = np.angle(roots) * ANALYSIS_HZ / (2 * math.pi)
    bandwidths = -ANALYSIS_HZ / math.pi * np.log(np.maximum(np.abs(roots), 1e-9))
    keep = (freqs > 180.0) & (freqs < 3500.0) & (bandwidths < 500.0)
    candidates = np.sort(freqs[keep])
    if len(candidates) < 2:
        return None
    f1 = candidates[0]
    if f1 > 1100.0:
        return None
    f2 = next((f for f in candidates[1:] if f - f1 > 150.0), None)
    return None if f2 is None else (float(f1), float(f2))


def speaker_scale(formants_hz: np.ndarray) -> float:
    """How much higher this speaker's formants are than the prototypes' (a shorter vocal tract: women,
    children): the factor in 0.85-1.4 that brings the voiced frames closest to the vowel prototypes."""
    best, best_cost = 1.0, math.inf
    for k in np.arange(0.85, 1.41, 0.025):
        here = bark(formants_hz / k)
        d2 = np.sum(((bark(PROTOTYPES_HZ)[None] - here[:, None]) * np.array([1.6, 1.0])) ** 2, axis=2)
        cost = float(np.mean(np.min(d2, axis=1)))
        if cost < best_cost - 1e-9:
            best, best_cost = float(k), cost
    return best


def _vowel_shares(f1_hz: float, f2_hz: float) -> np.ndarray:
    here = bark(np.array([f1_hz, f2_hz]))
    protos = bark(PROTOTYPES_HZ)
    d2 = np.sum(((protos - here) * np.array([1.6, 1.0])) ** 2, axis=1)  # F1 (openness) weighs more
    shares = np.exp(-(d2 - d2.min()) / SHARPNESS**2)
    return shares / shares.sum()


def _smooth(values: np.ndarray) -> np.ndarray:
    """Per column: rises with ATTACK_S, falls with RELEASE_S (one-pole followers)."""
    up = 1.0 - math.exp(-HOP_S / ATTACK_S)
    down = 1.0 - math.exp(-HOP_S / RELEASE_S)
    out = np.zeros_like(values)
    state = np.zeros(values.shape[1])
    for i, row in enumerate(values):
        rate = np.where(row > state, up, down)
        state = state + (row - state) * rate
        state = np.where((row <= 0.0) & (state < 0.05), 0.0, state)
        out[i] = state
    return out
