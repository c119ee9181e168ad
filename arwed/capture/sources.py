"""Frame sources behind one interface, and `open_source` that turns a user's --source into one.

Source specs: `demo`, `camera:N`, a video file, a still image (repeated), a folder or a glob of images,
or a URL (rtsp://, http://, https://) read through OpenCV.
Live sources (cameras, URLs) run a capture thread that keeps only the newest frame; file sources
hand out every frame in order.
"""

from __future__ import annotations

import glob
import time
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from arwed.errors import SourceError
from arwed.types import Frame

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
URL_PREFIXES = ("rtsp://", "rtsps://", "http://", "https://", "udp://", "tcp://")
STILL_FPS = 30.0
STILL_DEFAULT_FRAMES = 90


class FrameSource(Protocol):
    name: str
    is_live: bool  # True: newest frame wins (drop what the pipeline can't keep up with)
    fps: float  # nominal rate; a still or a folder plays at STILL_FPS

    def read(self) -> Frame | None:
        """The next frame, or None when the source has ended."""
        ...

    def close(self) -> None: ...


class ImageSequenceSource:
    """A still image (repeated `repeat` times) or a sorted list of images, at a nominal frame rate."""

    is_live = False

    def __init__(self, paths: list[Path], name: str, repeat: int = 1, fps: float = STILL_FPS):
        self.name = name
        self.fps = fps
        self._paths = paths
        self._repeat = repeat
        self._index = 0
        self._cached: tuple[Path, np.ndarray] | None = None
        self.frame_count = len(paths) * repeat

    def _load(self, path: Path) -> np.ndarray:
        if self._cached and self._cached[0] == path:
            return self._cached[1]
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise SourceError(f"{path}: not a readable image")
        self._cached = (path, image)
        return image

    def read(self) -> Frame | None:
        if self._index >= self.frame_count:
            return None
        path = self._paths[self._index // self._repeat]
        frame = Frame(
            image_bgr=self._load(path),
            index=self._index,
            capture_time_s=time.monotonic(),
            media_time_s=self._index / self.fps,
        )
        self._index += 1
        return frame

    def close(self) -> None:
        self._cached = None


class VideoFileSource:
    is_live = False

    def __init__(self, path: Path):
        self.name = str(path)
        self._capture = cv2.VideoCapture(str(path))
        if not self._capture.isOpened():
            raise SourceError(f"{path}: not a readable video (OpenCV could not open it)")
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and 1.0 <= fps <= 480.0 else 30.0
        self.frame_count = max(0, int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)) or None
        self._index = 0
        ok, first = self._capture.read()
        if not ok or first is None:
            self._capture.release()
            raise SourceError(f"{path}: the video has no readable frames")
        self._pending: np.ndarray | None = first

    def read(self) -> Frame | None:
        if self._pending is not None:
            image, self._pending = self._pending, None
        else:
            ok, image = self._capture.read()
            if not ok or image is None:
                return None
        frame = Frame(image, self._index, time.monotonic(), self._index / self.fps)
        self._index += 1
        return frame

    def close(self) -> None:
        self._capture.release()


def _is_url(spec: str) -> bool:
    return spec.lower().startswith(URL_PREFIXES)


def _glob_images(pattern: str) -> list[Path]:
    return sorted(Path(p) for p in glob.glob(pattern) if Path(p).suffix.lower() in IMAGE_SUFFIXES)


def _folder_images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


def open_source(spec: str, still_frames: int = STILL_DEFAULT_FRAMES) -> FrameSource:
    """Open what the user typed after --source. Raises SourceError with a one-line reason."""
    spec = spec.strip()
    if spec == "demo":
        from arwed.capture.demo import DemoSource

        return DemoSource()
    if spec.startswith("camera:"):
        from arwed.capture.live import LiveCaptureSource

        index = spec.partition(":")[2]
        if not index.isdigit():
            raise SourceError(f"{spec}: a camera is named camera:N with N a number, e.g. camera:0")
        return LiveCaptureSource(int(index), name=spec)
    if _is_url(spec):
        from arwed.capture.live import LiveCaptureSource

        return LiveCaptureSource(spec, name=spec)
    if any(ch in spec for ch in "*?["):
        paths = _glob_images(spec)
        if not paths:
            raise SourceError(f"{spec}: no images match this pattern")
        return ImageSequenceSource(paths, name=spec)
    path = Path(spec).expanduser()
    if not path.exists():
        raise SourceError(
            f"{spec}: no such file, folder or camera (use demo, camera:N, a file, a folder or a URL)"
        )
    if path.is_dir():
        paths = _folder_images(path)
        if not paths:
            raise SourceError(f"{spec}: the folder has no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        return ImageSequenceSource(paths, name=spec)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        source = ImageSequenceSource([path], name=spec, repeat=max(1, still_frames))
        source._load(path)  # fail now, with the file named, rather than mid-run
        return source
    return VideoFileSource(path)


class PushBackSource:
    """A source with one frame put back in front (read ahead to learn the size, then hand it out first)."""

    def __init__(self, source: FrameSource, frame: Frame):
        self._source = source
        self._frame: Frame | None = frame
        self.name, self.is_live, self.fps = source.name, source.is_live, source.fps
        self.frame_count = getattr(source, "frame_count", None)

    def read(self) -> Frame | None:
        if self._frame is not None:
            frame, self._frame = self._frame, None
            return frame
        return self._source.read()

    def close(self) -> None:
        self._source.close()


class ResizingSource:
    """Another source's frames at a fixed size (for benchmarks at a chosen resolution)."""

    def __init__(self, source: FrameSource, size_px: tuple[int, int]):
        self._source = source
        self._size = size_px
        self.name, self.is_live, self.fps = source.name, source.is_live, source.fps
        self.frame_count = getattr(source, "frame_count", None)

    def read(self) -> Frame | None:
        frame = self._source.read()
        if frame is None or frame.size_px == self._size:
            return frame
        resized = cv2.resize(frame.image_bgr, self._size, interpolation=cv2.INTER_AREA)
        return Frame(resized, frame.index, frame.capture_time_s, frame.media_time_s, frame.stale)

    def close(self) -> None:
        self._source.close()
