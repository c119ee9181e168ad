"""Frame sources behind one interface, and `open_source` that turns a user's --source into one.

Source specs: `demo`, `camera:N`, a video file, a still image (repeated), a folder or a glob of images,
or a URL (rtsp://, http://, https://) read through OpenCV.
Live sources (cameras, URLs) run a capture thread that keeps only the newest frame; file sources
hand out every frame in order.

Faults do not end a run: a frame of another size than the first is fitted into the first size
(scaled, with black bars where the shapes differ: `SteadySize`), so that the tracker, the camera model
and the outputs keep one size; an image in a folder that cannot be read is skipped and counted
(`frames_skipped`), as are undecodable frames inside a video. Images are read through arwed.user_files
(regular files, a size limit) and their size is read from the header before they are decoded; a source
larger than MAX_SOURCE_PIXELS is refused.
"""

from __future__ import annotations

import glob
import logging
import time
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from arwed.capture.steady import SteadySize
from arwed.errors import InputFileError, SourceError
from arwed.image_header import ImageHeaderError, ImageTooBig, decode_bounded
from arwed.types import Frame
from arwed.user_files import read_user_bytes

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
URL_PREFIXES = ("rtsp://", "rtsps://", "http://", "https://", "udp://", "tcp://")
STILL_FPS = 30.0
STILL_DEFAULT_FRAMES = 90
MAX_SOURCE_PIXELS = 36_000_000  # 8K video is 33 Mpx; a 20000x20000 image would cost 1.2 GB a frame
MAX_SOURCE_IMAGE_BYTES = 512 << 20
MAX_BAD_VIDEO_FRAMES = 30  # undecodable frames skipped in a row before a video counts as ended


def read_source_image(path: Path) -> np.ndarray:
    """An image file as BGR, its size checked from the header first; SourceError saying why not."""
    try:
        data = read_user_bytes(path, MAX_SOURCE_IMAGE_BYTES, "source image")
        return decode_bounded(data, MAX_SOURCE_PIXELS, color=True)
    except InputFileError as exc:
        raise SourceError(str(exc)) from None
    except ImageTooBig as exc:
        raise SourceError(f"{path}: {exc} for a source image") from None
    except ImageHeaderError as exc:
        raise SourceError(f"{path}: not a readable image ({exc})") from None


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
        self.frames_skipped = 0
        self._steady = SteadySize(name)

    @property
    def frames_fitted(self) -> int:
        return self._steady.frames_fitted

    def _load(self, path: Path) -> np.ndarray:
        if self._cached and self._cached[0] == path:
            return self._cached[1]
        image = read_source_image(path)
        self._cached = (path, image)
        return image

    def read(self) -> Frame | None:
        while self._index < self.frame_count:
            path = self._paths[self._index // self._repeat]
            try:
                image = self._load(path)
            except SourceError as exc:  # one bad picture in a folder: skip it, count it, go on
                log.warning("%s: skipped", exc)
                self.frames_skipped += self._repeat
                self._index += self._repeat
                continue
            frame = Frame(
                image_bgr=self._steady.fit(image, self._index),
                index=self._index,
                capture_time_s=time.monotonic(),
                media_time_s=self._index / self.fps,
            )
            self._index += 1
            return frame
        return None

    def close(self) -> None:
        self._cached = None


class VideoFileSource:
    is_live = False

    def __init__(self, path: Path):
        self.name = str(path)
        self._capture = cv2.VideoCapture(str(path))
        if not self._capture.isOpened():
            raise SourceError(f"{path}: not a readable video (OpenCV could not open it)")
        width, height = (
            int(self._capture.get(p) or 0) for p in (cv2.CAP_PROP_FRAME_WIDTH, cv2.CAP_PROP_FRAME_HEIGHT)
        )
        if width * height > MAX_SOURCE_PIXELS:
            self._capture.release()
            raise SourceError(
                f"{path}: {width}x{height} px video, over the {MAX_SOURCE_PIXELS / 1e6:.0f} Mpx limit for a source"
            )
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and 1.0 <= fps <= 480.0 else 30.0
        self.frame_count = max(0, int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)) or None
        self._index = 0
        self._position = 0  # frames taken from the file, readable or not
        self.frames_skipped = 0
        self._steady = SteadySize(self.name)
        first = self._next_image()
        if first is None:
            self._capture.release()
            raise SourceError(f"{path}: the video has no readable frames")
        self._pending: np.ndarray | None = first

    @property
    def frames_fitted(self) -> int:
        return self._steady.frames_fitted

    def _next_image(self) -> np.ndarray | None:
        """The next decodable frame; undecodable ones (a torn packet) are skipped and counted."""
        for _ in range(MAX_BAD_VIDEO_FRAMES):
            ok, image = self._capture.read()
            self._position += 1
            if ok and image is not None and image.size:
                return image
            if self.frame_count is None or self._position >= self.frame_count:
                return None  # the end, not a fault
            self.frames_skipped += 1
        return None

    def read(self) -> Frame | None:
        if self._pending is not None:
            image, self._pending = self._pending, None
        else:
            image = self._next_image()
            if image is None:
                return None
        frame = Frame(
            self._steady.fit(image, self._index), self._index, time.monotonic(), self._index / self.fps
        )
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
    if not path.is_file():
        raise SourceError(f"{spec}: not a video file (a FIFO, a device or a socket; a camera is camera:N)")
    return VideoFileSource(path)


class PushBackSource:
    """A source with one frame put back in front (read ahead to learn the size, then hand it out first)."""

    def __init__(self, source: FrameSource, frame: Frame):
        self._source = source
        self._frame: Frame | None = frame
        self.name, self.is_live, self.fps = source.name, source.is_live, source.fps
        self.frame_count = getattr(source, "frame_count", None)

    @property
    def frames_skipped(self) -> int:
        return getattr(self._source, "frames_skipped", 0)

    @property
    def frames_fitted(self) -> int:
        return getattr(self._source, "frames_fitted", 0)

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
