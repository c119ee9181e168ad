"""Where composited frames go: a video file or an image sequence.

`open_sink(out)` picks by the path: a name ending in .mp4/.avi/.mkv/.mov is a video; a folder (existing,
or a path ending in /) or a pattern with a %d field is an image sequence of PNG (or JPEG) frames.
Every write is checked: a full disk or a failing write raises a UserError (one line, exit 2) and what was
written before stays whole. Videos go through the one crash-safe writer (arwed.video_writer); an image
is written to a temporary name and renamed, so a frame on disk is never half a frame.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from arwed.errors import UserError
from arwed.video_writer import AudioFormat, VideoWriter
from arwed.writable import writable_output

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi")
FRAME_PATTERN = "frame_%06d.png"


class FrameSink(Protocol):
    path: str

    def write(self, image: np.ndarray) -> None: ...

    def close(self) -> None: ...


def write_file_atomically(path: Path, data: bytes, when: str = "") -> None:
    """`data` under `path`, whole or not at all (a temporary name renamed); a failure is one UserError."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as file:
            file.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        problem = "the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else exc.strerror or exc
        where = f" {when} ({problem}); the frames before it are kept" if when else f" ({problem})"
        raise UserError(f"{path}: cannot be written{where}") from None


class VideoFileSink:
    """A video file through the crash-safe VideoWriter (optionally with an audio track)."""

    def __init__(
        self,
        path: Path,
        fps: float,
        size_px: tuple[int, int],
        audio: AudioFormat | None = None,
        live: bool = False,
    ):
        self.path = str(path)
        writable_output(path, make_folder=True)
        self.writer = VideoWriter(path, fps, size_px, audio=audio, live=live)

    @property
    def frames_written(self) -> int:
        return self.writer.frames_written

    def write(self, image: np.ndarray) -> None:
        self.writer.write(image)

    def close(self) -> None:
        self.writer.close()


class ImageSequenceSink:
    def __init__(self, pattern: Path):
        self.path = str(pattern)
        writable_output(pattern, make_folder=True)
        self._pattern = str(pattern)
        self._index = 0
        suffix = pattern.suffix.lower()
        self._params = (
            [cv2.IMWRITE_PNG_COMPRESSION, 1] if suffix == ".png" else [cv2.IMWRITE_JPEG_QUALITY, 95]
        )

    @property
    def frames_written(self) -> int:
        return self._index

    def write(self, image: np.ndarray) -> None:
        name = self._pattern % self._index
        ok, encoded = cv2.imencode(Path(name).suffix, image, self._params)
        if not ok:
            raise UserError(f"{name}: OpenCV cannot encode this frame")
        write_file_atomically(Path(name), encoded.tobytes(), f"at frame {self._index}")
        self._index += 1

    def close(self) -> None:
        pass


def open_sink(out: str, fps: float, size_px: tuple[int, int], needs_alpha: bool = False) -> FrameSink:
    path = Path(out).expanduser()
    suffix = path.suffix.lower()
    if suffix in VIDEO_SUFFIXES and "%" not in out:
        if needs_alpha:
            raise UserError(
                f"{out}: keyed output with alpha needs an image sequence; give a folder, e.g. out/frames/"
            )
        return VideoFileSink(path, fps, size_px)
    if "%" in out:
        if suffix not in (".png", ".jpg", ".jpeg"):
            raise UserError(f"{out}: an image sequence pattern must end in .png or .jpg")
        if needs_alpha and suffix != ".png":
            raise UserError(f"{out}: keyed output with alpha needs PNG frames")
        return ImageSequenceSink(path)
    if out.endswith(("/", os.sep)) or path.is_dir() or not suffix:
        return ImageSequenceSink(path / FRAME_PATTERN)
    raise UserError(
        f"{out}: unknown output type; use a video (.mp4, .avi, .mkv, .mov) or a folder for PNG frames"
    )
