"""A formant synthesiser for lip-sync tests: a glottal pulse train through vowel resonances.

Ground truth by construction: each vowel is made from its own (F1, F2, F3), so the right viseme is known
for every frame; pitch jitter, shimmer, breath noise and a room's hum make it as hard as a real voice."""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

# (F1, F2, F3) Hz, Hillenbrand et al. (1995) adult male averages
VOWELS_HZ = {
    "aa": (768, 1333, 2522),  # "hod"
    "ih": (342, 2322, 3000),  # "heed"
    "ou": (378, 997, 2343),  # "who'd"
    "ee": (580, 1799, 2605),  # "head"
    "oh": (497, 910, 2459),  # "hoed"
}


def resonator(x: np.ndarray, f_hz: float, bw_hz: float, rate_hz: int) -> np.ndarray:
    r = np.exp(-np.pi * bw_hz / rate_hz)
    theta = 2 * np.pi * f_hz / rate_hz
    a = [1.0, -2 * r * np.cos(theta), r * r]
    return lfilter([1.0 - r], a, x)


def vowel(name: str, seconds: float, rate_hz: int, f0_hz: float, rng: np.random.Generator) -> np.ndarray:
    n = int(seconds * rate_hz)
    f0 = f0_hz * (
        1 + 0.05 * np.sin(np.linspace(0, 3, n)) + 0.01 * rng.standard_normal(n).cumsum() / np.sqrt(n)
    )
    phase = np.cumsum(f0 / rate_hz)
    source = np.diff(np.floor(phase), prepend=0.0)  # one impulse per period
    source = lfilter([1.0], [1.0, -0.95], source)  # glottal roll-off
    source += 0.02 * rng.standard_normal(n)  # breath
    out = source
    for f, bw in zip(VOWELS_HZ[name], (80, 100, 150), strict=True):
        out = resonator(out, f, bw, rate_hz)
    envelope = np.minimum(1.0, np.minimum(np.arange(n), np.arange(n)[::-1]) / (0.03 * rate_hz))
    return out * envelope


def utterance(order, rate_hz=48000, f0_hz=115.0, vowel_s=0.45, gap_s=0.35, seed=3):
    """Vowels separated by silence; returns samples and a per-time label function."""
    rng = np.random.default_rng(seed)
    parts, spans, t = [np.zeros(int(gap_s * rate_hz))], [], gap_s
    for name in order:
        v = vowel(name, vowel_s, rate_hz, f0_hz, rng)
        parts += [v, np.zeros(int(gap_s * rate_hz))]
        spans.append((t, t + vowel_s, name))
        t += vowel_s + gap_s
    x = np.concatenate(parts)
    x = 0.3 * x / np.max(np.abs(x))
    hum = 0.0005 * np.sin(2 * np.pi * 50 * np.arange(len(x)) / rate_hz) + 0.0003 * rng.standard_normal(len(x))
    return (x + hum).astype(np.float32), spans
