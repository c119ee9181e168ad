"""Pacing a source like a camera: one frame every 1/fps seconds of wall time, from the first read on.

A camera hands out the frame of now, never a backlog: when the reader comes late (the pipeline was still
loading MediaPipe, the machine stalled), the next frame is due at once and the clock moves on from
there, instead of a burst of frames that catch up with a clock started earlier. The one rule for the
demo in real time, file sources in the console, and `arwed bench --runs live` on any source.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from arwed.types import Frame

MAX_LAG_FRAMES = 1.0  # later than this behind the clock: start again from now (no catching up)


class FramePacer:
    """`wait(media_time_s)` sleeps until that media time is due; the clock starts at the first call."""

    def __init__(
        self,
        fps: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.fps = float(fps) if fps > 0 else 30.0
        self._clock, self._sleep = clock, sleep
        self._origin_s: float | None = None  # wall time at which media time 0 is due
        self._last_media_s: float | None = None

    def wait(self, media_time_s: float) -> float:
        """Return when the frame at `media_time_s` is due; the wall time it is handed out."""
        now = self._clock()
        if self._origin_s is None or self._last_media_s is None or media_time_s < self._last_media_s:
            self._origin_s = now - media_time_s  # the first frame, or a source that went back in time
        due = self._origin_s + media_time_s
        if now - due > MAX_LAG_FRAMES / self.fps:
            self._origin_s, due = now - media_time_s, now  # late: this frame now, the next 1/fps later
        elif due > now:
            self._sleep(due - now)
            now = self._clock()
        self._last_media_s = media_time_s
        return now


class PacedSource:
    """Any source read like a camera at its own frame rate (`fps`): live, so the newest frame wins."""

    is_live = True

    def __init__(
        self,
        source,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._source = source
        self.name = source.name
        self.fps = source.fps
        self._pacer = FramePacer(source.fps, clock, sleep)

    def read(self) -> Frame | None:
        frame = self._source.read()
        if frame is None:
            return None
        shown_s = self._pacer.wait(frame.media_time_s)
        return Frame(frame.image_bgr, frame.index, shown_s, frame.media_time_s, frame.stale)

    def close(self) -> None:
        self._source.close()
