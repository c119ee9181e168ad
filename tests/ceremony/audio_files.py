"""Audio files for tests, written with the standard library (WAV) or PyAV (OGG/Opus, MP3)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np


def write_wav(path: Path, samples: np.ndarray, rate_hz: int = 48000) -> Path:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate_hz)
        out.writeframes(pcm.tobytes())
    return path


def write_encoded(path: Path, samples: np.ndarray, rate_hz: int, codec: str) -> Path:
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate_hz, layout="mono")
        fmt = stream.codec_context.codec.audio_formats[0].name
        frame_len = 960 if codec == "libopus" else 1152
        for start in range(0, len(samples), frame_len):
            chunk = np.zeros(frame_len, np.float32)
            piece = samples[start : start + frame_len]
            chunk[: len(piece)] = piece
            if fmt.startswith("s16"):
                data = (chunk * 32767).astype(np.int16)
            elif fmt.startswith("s32"):
                data = (chunk * 2147483647).astype(np.int32)
            else:
                data = chunk
            frame = av.AudioFrame.from_ndarray(data.reshape(1, -1), format=fmt, layout="mono")
            frame.sample_rate = rate_hz
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def tone(seconds: float, rate_hz: int = 48000, hz: float = 440.0, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate_hz)) / rate_hz
    return (level * np.sin(2 * np.pi * hz * t)).astype(np.float32)
