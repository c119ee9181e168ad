"""What a player would get out of a video file: decodable frames and audio, torn packets skipped."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import av
import numpy as np


def decodable_frames(path: Path) -> int:
    """Video frames a tolerant player decodes (as ffplay or VLC do, a torn last packet is skipped)."""
    count = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for packet in container.demux(stream):
            try:
                count += len(stream.codec_context.decode(packet))
            except av.FFmpegError:
                continue
    return count


def decoded_audio(path: Path) -> tuple[np.ndarray, int]:
    """The audio track as float32 mono samples and its rate."""
    chunks, rate = [], 0
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        for frame in container.decode(stream):
            rate = frame.sample_rate
            chunks.append(frame.to_ndarray().reshape(len(frame.layout.channels), -1)[0])
    return (np.concatenate(chunks) if chunks else np.zeros(0, np.float32)), rate


def writer_process(script: str, *args: str, file_size_limit: int | None = None) -> subprocess.Popen:
    """A Python child running `script` with the repository importable; optionally under RLIMIT_FSIZE."""

    def limit() -> None:
        if file_size_limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-big write then fails with EFBIG
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=limit,
    )
