"""Frames for the live calibration window: a camera, or a recorded video, through cv2.VideoCapture."""

from __future__ import annotations

import numpy as np

from arwed.errors import SourceError, UserError


class VideoFrameSource:
    """`read()` gives the next frame (BGR) or None when the video has ended or the camera stopped."""

    def __init__(self, capture, name: str):
        self._capture = capture
        self.name = name

    def read(self) -> np.ndarray | None:
        ok, frame = self._capture.read()
        return frame if ok and frame is not None else None

    def close(self) -> None:
        self._capture.release()


def open_frame_source(camera: int, video: str | None, size: str | None) -> VideoFrameSource:
    import cv2

    if video is not None:
        capture = cv2.VideoCapture(video)
        name = video
    else:
        capture = cv2.VideoCapture(camera)
        name = f"camera {camera}"
        if size:
            width, height = _parse_size(size)
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
    if not capture.isOpened():
        capture.release()
        raise SourceError(
            f"{name} cannot be opened" + ("" if video else " (is it connected, or used by another app?)")
        )
    return VideoFrameSource(capture, name)


def _parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UserError(f"--size '{text}' is not understood: write WIDTHxHEIGHT, e.g. 1280x720") from None
    if width <= 0 or height <= 0:
        raise UserError(f"--size '{text}' must be positive")
    return width, height
