"""Audio-to-picture offset of a written video: where beeps start in the sound against where black frames
start in the picture (a ceremony of `blackout: on` + `say: beep.wav` cues makes both at the same times).

    python tools/av_offset.py VIDEO.mp4        # prints each pair and the offsets in milliseconds

Onsets: the first frame whose mean brightness falls below 8 (of 255) after a bright one, at its
presentation time; the first audio sample whose 1 ms envelope rises above a third of the beep's level.
Positive offset: the sound comes late.
"""

from __future__ import annotations

import json
import sys

import av
import numpy as np


def picture_onsets(path: str) -> list[float]:
    onsets, dark = [], True
    with av.open(path) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            grey = frame.to_ndarray(format="gray")
            now_dark = float(grey.mean()) < 8.0
            if now_dark and not dark:
                onsets.append(float(frame.pts * stream.time_base))
            dark = now_dark
    return onsets


def sound_onsets(path: str) -> list[float]:
    chunks, rate, start = [], 48000, None
    with av.open(path) as container:
        stream = container.streams.audio[0]
        rate = stream.rate
        for frame in container.decode(stream):
            if start is None:
                start = float(frame.pts * stream.time_base) if frame.pts is not None else 0.0
            chunks.append(frame.to_ndarray().mean(axis=0))
    x = np.abs(np.concatenate(chunks))
    hop = rate // 1000
    env = x[: len(x) // hop * hop].reshape(-1, hop).max(axis=1)
    loud = env > env.max() / 3
    rises = np.flatnonzero(loud[1:] & ~loud[:-1]) + 1
    onsets: list[float] = []
    for i in rises:
        t = (start or 0.0) + i * hop / rate
        if not onsets or t - onsets[-1] > 0.5:
            onsets.append(t)
    return onsets


def paired_onsets(
    pictures: list[float], sounds: list[float], within_s: float
) -> list[tuple[float, float, float]]:
    """Each picture onset with the nearest sound onset within `within_s`: (picture s, sound s, sound late by ms)."""
    pairs = []
    for p in pictures:
        nearest = min(sounds, key=lambda s: abs(s - p), default=None)
        if nearest is not None and abs(nearest - p) < within_s:
            pairs.append((round(p, 4), round(nearest, 4), round((nearest - p) * 1000.0, 1)))
    return pairs


def main(path: str) -> dict:
    pictures, sounds = picture_onsets(path), sound_onsets(path)
    pairs = paired_onsets(pictures, sounds, within_s=0.5)
    offsets = [o for _, _, o in pairs]
    return {
        "pairs": pairs,
        "picture_onsets": len(pictures),
        "sound_onsets": len(sounds),
        "offset_ms": {"median": float(np.median(offsets)), "max_abs": float(np.max(np.abs(offsets)))}
        if offsets
        else None,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1]), indent=1))
