"""Where composited frames go: a video file or an image sequence.

`open_sink(out)` picks by the path: a name ending in .mp4/.avi/.mkv/.mov is a video; a folder (existing,
or a path ending in /) or a pattern with a %d field is an image sequence of PNG (or JPEG) frames.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from arwed.errors import UserError

VIDEO_CODECS = {".mp4": "mp4v", ".mov": "mp4v", ".mkv": "mp4v", ".avi": "MJPG"}
FRAME_PATTERN = "frame_%06d.png"


class FrameSink(Protocol):
    path: str

    def write(self, image: np.ndarray) -> None: ...

    def close(self) -> None: ...


def _check_writable_dir(folder: Path, shown: str) -> None:
    if not folder.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"{shown}: cannot create the output folder ({exc.strerror})") from None
    if not folder.is_dir():
        raise UserError(f"{shown}: {folder} is not a folder")
    if not os.access(folder, os.W_OK):
        raise UserError(f"{shown}: the folder {folder} is not writable")


class VideoFileSink:
    def __init__(self, path: Path, fps: float, size_px: tuple[int, int]):
        self.path = str(path)
        _check_writable_dir(path.parent if str(path.parent) else Path("."), self.path)
        if path.is_dir():
            raise UserError(f"{self.path}: is a folder; give a file name such as out.mp4")
        fourcc = cv2.VideoWriter_fourcc(*VIDEO_CODECS[path.suffix.lower()])
        self._writer = cv2.VideoWriter(self.path, fourcc, float(fps), size_px)
        if not self._writer.isOpened():
            raise UserError(f"{self.path}: cannot be written (OpenCV could not open a video writer)")
        self._size = size_px

    def write(self, image: np.ndarray) -> None:
        if image.shape[2] == 4:
            image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
        self._writer.write(image)

    def close(self) -> None:
        self._writer.release()


class ImageSequenceSink:
    def __init__(self, pattern: Path):
        self.path = str(pattern)
        _check_writable_dir(pattern.parent, self.path)
        self._pattern = str(pattern)
        self._index = 0
        suffix = pattern.suffix.lower()
        self._params = (
            [cv2.IMWRITE_PNG_COMPRESSION, 1] if suffix == ".png" else [cv2.IMWRITE_JPEG_QUALITY, 95]
        )

    def write(self, image: np.ndarray) -> None:
        name = self._pattern % self._index
        if not cv2.imwrite(name, image, self._params):
            raise UserError(f"{name}: cannot be written")
        self._index += 1

    def close(self) -> None:
        pass


def open_sink(out: str, fps: float, size_px: tuple[int, int], needs_alpha: bool = False) -> FrameSink:
    path = Path(out).expanduser()
    suffix = path.suffix.lower()
    if suffix in VIDEO_CODECS and "%" not in out:
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
