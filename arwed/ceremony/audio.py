"""His voice: an audio file (WAV, OGG, MP3, anything FFmpeg reads) decoded to mono float PCM with PyAV."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from arwed.errors import InputFileError

PLAYBACK_RATE_HZ = 48000
MAX_AUDIO_BYTES = 200_000_000
MAX_AUDIO_S = 30 * 60.0


@dataclass(frozen=True)
class AudioClip:
    samples: np.ndarray  # (n,) float32 mono, -1..1
    rate_hz: int
    path: str = ""

    @property
    def duration_s(self) -> float:
        return len(self.samples) / float(self.rate_hz)


_cache: dict[tuple[str, int, float], AudioClip] = {}


def decode_audio(path: str | Path, rate_hz: int = PLAYBACK_RATE_HZ) -> AudioClip:
    """The file's first audio stream as mono at `rate_hz`; InputFileError (one line) when it cannot be."""
    import av

    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise InputFileError(path, f"cannot be read ({exc.strerror})") from None
    key = (str(path.resolve()), rate_hz, stat.st_mtime)
    if key in _cache:
        return _cache[key]
    if stat.st_size > MAX_AUDIO_BYTES:
        raise InputFileError(path, f"is larger than {MAX_AUDIO_BYTES // 1_000_000} MB")
    try:
        chunks = _decode(path, rate_hz)
    except InputFileError:
        raise
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise InputFileError(path, f"is not a readable audio file ({exc.__class__.__name__})") from None
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    if len(samples) == 0:
        raise InputFileError(path, "has no audio samples")
    samples = np.nan_to_num(np.clip(samples, -1.0, 1.0))
    clip = AudioClip(samples, rate_hz, str(path))
    _cache[key] = clip
    return clip


def _decode(path: Path, rate_hz: int) -> list[np.ndarray]:
    import av

    chunks: list[np.ndarray] = []
    total = 0
    with av.open(str(path), metadata_errors="ignore") as container:
        if not container.streams.audio:
            raise InputFileError(path, "has no audio stream")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate_hz)
        for packet in container.demux(stream):
            for frame in packet.decode():
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1).astype(np.float32))
                    total += len(chunks[-1])
            if total > MAX_AUDIO_S * rate_hz:
                raise InputFileError(path, f"is longer than {MAX_AUDIO_S / 60:.0f} minutes")
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1).astype(np.float32))
    return chunks


def resample(samples: np.ndarray, from_hz: int, to_hz: int) -> np.ndarray:
    """Band-limited resampling (polyphase), for analysis at a lower rate."""
    from math import gcd

    from scipy.signal import resample_poly

    if from_hz == to_hz:
        return samples.astype(np.float32)
    g = gcd(from_hz, to_hz)
    return resample_poly(samples, to_hz // g, from_hz // g).astype(np.float32)


def place_voices(writer, plays, from_s: float, until_s: float, offset_s: float = 0.0) -> None:
    """His voice for [from_s, until_s) of a video's timeline into `writer` (arwed.video_writer.VideoWriter
    with an audio track), from the plays a director logged (`director.audio`: path, start_s, stop_s,
    volume, on the director's clock; `offset_s` is that clock at the video's 0 s)."""
    if until_s <= from_s:
        return
    for play in plays:
        clip = decode_audio(play.path, writer.audio_rate_hz)
        begin = play.start_s - offset_s
        stop = begin + clip.duration_s
        if play.stop_s is not None:
            stop = min(play.stop_s - offset_s, stop)
        lo, hi = max(from_s, begin), min(until_s, stop)
        if hi <= lo:
            continue
        first, last = int(round((lo - begin) * clip.rate_hz)), int(round((hi - begin) * clip.rate_hz))
        if last > first:
            writer.add_audio(clip.samples[first:last] * play.volume, begin + first / clip.rate_hz)
