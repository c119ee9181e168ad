"""Sources as the console plays them: always live, in real time, and files loop until the operator stops.

`arwed render` wants every frame of a file as fast as possible; the console wants a file to behave
like a camera. `open_console_source` gives the demo in real time, cameras and streams as they are,
and wraps files and images in `RealtimeLoop`.
"""

from __future__ import annotations

from collections.abc import Callable

from arwed.capture.pacing import FramePacer
from arwed.capture.sources import FrameSource, open_source
from arwed.errors import SourceError
from arwed.types import Frame


class RealtimeLoop:
    """A file source paced to its own frame rate, reopened at the end, with time that only goes forward."""

    is_live = True

    def __init__(self, opener: Callable[[], FrameSource]):
        self._opener = opener
        self._source = opener()
        self.name = self._source.name
        self.fps = self._source.fps
        self._index = 0
        self._pacer = FramePacer(self.fps)  # like a camera: from the first read, no catching up
        self._offset_s = 0.0  # media time at which the current pass began
        self._last_media_s = 0.0

    def read(self) -> Frame | None:
        frame = self._source.read()
        if frame is None:
            self._source.close()
            self._source = self._opener()
            self._offset_s = self._last_media_s + 1.0 / self.fps
            frame = self._source.read()
            if frame is None:
                raise SourceError(f"{self.name}: the source has no frames")
        media_s = self._offset_s + frame.media_time_s
        shown_s = self._pacer.wait(media_s)
        self._last_media_s = media_s
        out = Frame(frame.image_bgr, self._index, shown_s, media_s)
        self._index += 1
        return out

    def close(self) -> None:
        self._source.close()


def open_console_source(spec: str) -> FrameSource:
    """What the console plays for a --source spec; SourceError with a one-line reason."""
    spec = spec.strip()
    if spec == "demo":
        from arwed.capture.demo import DemoSource

        return DemoSource(realtime=True, loop=True)
    source = open_source(spec)
    if source.is_live:
        return source
    return RealtimeLoop(lambda: open_source(spec))
