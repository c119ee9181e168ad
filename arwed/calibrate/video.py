"""Frames for the live calibration window: a camera, or a recorded video, through cv2.VideoCapture."""

from __future__ import annotations

import numpy as np

from arwed.errors import SourceError, UserError

_ASSUMED_FPS = 30.0  # a video that states no sensible frame rate


class VideoFrameSource:
    """`read()` gives the next frame (BGR) or None when the video has ended or the camera stopped."""

    def __init__(self, capture, name: str, is_file: bool = False):
        import cv2

        self._capture = capture
        self.name = name
        self._is_file = is_file
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0) if is_file else 0.0
        self._fps = fps if np.isfinite(fps) and 1.0 <= fps <= 1000.0 else _ASSUMED_FPS
        self._frames_read = 0

    def read(self) -> np.ndarray | None:
        ok, frame = self._capture.read()
        if not ok or frame is None:
            return None
        self._frames_read += 1
        return frame

    def frame_time_s(self) -> float | None:
        """A recorded video's own time of the frame last read; None for a camera (its frames are live).

        A video is read as fast as frames can be searched, so "held still for half a second" must be measured
        in the video's time (its frame count over its frame rate), not the wall clock's."""
        return (self._frames_read - 1) / self._fps if self._is_file else None

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
    return VideoFrameSource(capture, name, is_file=video is not None)


def _parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UserError(f"--size '{text}' is not understood: write WIDTHxHEIGHT, e.g. 1280x720") from None
    if width <= 0 or height <= 0:
        raise UserError(f"--size '{text}' must be positive")
    return width, height
