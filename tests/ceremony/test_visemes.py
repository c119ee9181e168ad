"""Lip-sync on synthetic vowels whose formants are known: the right viseme, and a closed mouth in silence."""

from __future__ import annotations

import numpy as np
import pytest

from arwed.ceremony.visemes import HOP_S, VISEMES, analyse
from tests.ceremony import synthetic_voice as sv

ORDER = ["aa", "ih", "ou", "ee", "oh", "ou", "aa", "oh", "ee", "ih"]


def _scaled(scale):
    return {k: tuple(f * scale for f in v) for k, v in sv.VOWELS_HZ.items()}


@pytest.mark.parametrize(
    ("f0_hz", "formant_scale", "rate_hz"),
    [
        (115.0, 1.0, 48000),
        (95.0, 1.0, 22050),
        (210.0, 1.15, 44100),
    ],  # a low and a higher male voice, a woman's
)
def test_strongest_viseme_is_the_vowel_spoken_in_most_voiced_frames(
    monkeypatch, f0_hz, formant_scale, rate_hz
):
    monkeypatch.setattr(sv, "VOWELS_HZ", _scaled(formant_scale))
    samples, spans = sv.utterance(ORDER, rate_hz=rate_hz, f0_hz=f0_hz)
    track = analyse(samples, rate_hz)
    right = total = 0
    for start, end, name in spans:
        for i in range(int((start + 0.04) / HOP_S), int((end - 0.04) / HOP_S)):  # the vowel's steady part
            total += 1
            row = track.weights[i]
            right += bool(row.max() > 0 and VISEMES[int(np.argmax(row))] == name)
    assert right / total >= 0.8, f"{right}/{total} frames right"


def test_every_viseme_is_zero_in_silence_and_the_mouth_opens_with_speech():
    samples, spans = sv.utterance(["aa", "oh", "ih"], rate_hz=48000, gap_s=0.6)
    track = analyse(samples, 48000)
    times = np.arange(len(track.weights)) * HOP_S
    silent = np.ones(len(times), bool)
    for start, end, _ in spans:
        silent &= ~((times > start - 0.05) & (times < end + 0.25))  # 0.25 s for the lips to close
    assert silent.sum() > 50
    assert np.all(track.weights[silent] == 0.0)
    assert np.all(track.level[silent] == 0.0)
    assert track.weights[~silent].max() > 0.5
    assert track.at(-1.0) == dict.fromkeys(VISEMES, 0.0)
    assert track.at(track.duration_s + 1.0) == dict.fromkeys(VISEMES, 0.0)


def test_loudness_alone_does_not_choose_the_viseme():
    """Two vowels at the same loudness get different visemes: the choice comes from the spectrum."""
    samples, spans = sv.utterance(["aa", "ih"], rate_hz=48000)
    track = analyse(samples, 48000)
    mids = [int((s + e) / 2 / HOP_S) for s, e, _ in spans]
    assert VISEMES[int(np.argmax(track.weights[mids[0]]))] == "aa"
    assert VISEMES[int(np.argmax(track.weights[mids[1]]))] == "ih"


def test_white_noise_and_digital_silence_keep_the_mouth_closed():
    rng = np.random.default_rng(0)
    noise = (0.05 * rng.standard_normal(48000)).astype(np.float32)  # a hiss: loud but not voiced
    assert analyse(noise, 48000).weights.max() == 0.0
    assert analyse(np.zeros(48000, np.float32), 48000).weights.max() == 0.0
    assert len(analyse(np.zeros(10, np.float32), 48000).weights) == 0
