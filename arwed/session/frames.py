"""The frame fan-out: composited frames from the render thread to the taps views read, under the
operator's hide (the veil, veil.py: the picture without the character) and blackout (the curtain,
curtain.py) over every stream: both are applied here, to the frames in hand, so a key reaches every view
at once and a frame drawn with the character is never shown while he is hidden.

Thread ownership: `deliverer(stream)` runs on the render thread and is the only writer of the rate;
the taps are written under the fan-out's lock by the render thread per frame and by `republish` (the
operator's and the curtain's threads) when the veil or the curtain moves; views read
`tap(stream).latest()` and `rate()` from any thread (each under its own lock)."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from arwed.config import CompositeSettings
from arwed.session.curtain import curtained
from arwed.session.events import Emitter, Rate
from arwed.session.on_air import head_tracking_state
from arwed.session.veil import veiled, without_character
from arwed.types import BBox, CompositeFrame, CompositeMode

log = logging.getLogger("arwed.console")

STREAMS = tuple(mode.value for mode in CompositeMode)  # "stage", "camera-black", "keyed", "eyes"
RATE_WINDOW_S = 2.0


@dataclass(frozen=True)
class TapFrame:
    """One composited frame as a view shows it; the image is never written to after it is published."""

    image: np.ndarray
    frame_index: int
    capture_time_s: float
    media_time_s: float
    character_depth_m: float | None  # along the optical axis, for the glasses' stereo disparity
    fx_px: float  # the camera's focal length in pixels at this image size
    has_character: bool
    camera_image: np.ndarray | None = None  # the clean camera frame it was composited on (never written to)
    content_px: BBox | None = (
        None  # a picture on black: everything outside this box is black (None: anywhere)
    )
    curtain: float = 1.0  # the blackout's level it is shown at: 1 the picture, 0 black
    visibility: float = 1.0  # the operator's hide it is shown at: 1 shown, 0 hidden, between: fading


class FrameTap:
    """The newest frame of one stream: written on the render thread, read on the GUI thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: TapFrame | None = None
        self._version = 0

    @property
    def version(self) -> int:
        return self._version

    def put(self, frame: TapFrame) -> None:
        with self._lock:
            self._frame, self._version = frame, self._version + 1

    def latest(self) -> TapFrame | None:
        with self._lock:
            return self._frame

    def clear(self) -> None:
        with self._lock:
            self._frame, self._version = None, self._version + 1


class RateMeter:
    """Frames per second, median latency and new tracking results per second over the last RATE_WINDOW_S."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: deque[tuple[float, float, int | None]] = deque()

    def tick(self, now_s: float, latency_ms: float, tracked_frame_index: int | None = None) -> None:
        with self._lock:
            self._events.append((now_s, latency_ms, tracked_frame_index))
            while self._events and self._events[0][0] < now_s - RATE_WINDOW_S:
                self._events.popleft()

    def read(self, now_s: float) -> Rate:
        with self._lock:
            recent = [event for event in self._events if event[0] >= now_s - RATE_WINDOW_S]
        if len(recent) < 2:
            return Rate(0.0, recent[0][1] if recent else None)
        span = max(recent[-1][0] - recent[0][0], 1e-6)
        tracked = [index for _, _, index in recent]
        fresh = sum(1 for a, b in zip(tracked, tracked[1:], strict=False) if b is not None and b != a)
        return Rate((len(recent) - 1) / span, float(np.median([ms for _, ms, _ in recent])), fresh / span)


class FrameFanOut:
    """Turns each composited frame into a TapFrame for its stream and tells the listeners.

    `visibility` (the hide's veil at a time), `curtain` (the blackout's level at a time) and `fx_px` are
    asked per frame (their owners may change them at any time); `composite(stream)` is the stream's
    compositing settings (what the picture without him is). A stage frame, under the veil but before the
    curtain, goes to `on_stage_frame` (the keepsakes: a recording keeps the picture in a blackout, the
    replay switches it; keepsake_desk.py), and every stage frame shown, curtain and all, to
    `on_stage_shown` (the virtual camera, fading as the outputs do)."""

    def __init__(
        self,
        fx_px: Callable[[int, int], float],
        on_stage_frame: Callable[[TapFrame, float], None],
        curtain: Callable[[float], float] = lambda now_s: 1.0,
        on_head_tracking: Callable[[str | None], None] = lambda state: None,
        visibility: Callable[[float], float] = lambda now_s: 1.0,
        composite: Callable[[str], CompositeSettings] = lambda stream: CompositeSettings(
            mode=CompositeMode(stream)
        ),
        on_stage_shown: Callable[[TapFrame, float], None] = lambda frame, now_s: None,
    ) -> None:
        self._fx_px, self._on_stage_frame = fx_px, on_stage_frame
        self._curtain, self._visibility, self._composite = curtain, visibility, composite
        self._on_stage_shown = on_stage_shown
        self._on_head_tracking = on_head_tracking
        self.head_tracking: str | None = None  # her head tracking (on_air.HEAD_STATES) from her view's frames
        self._taps = {stream: FrameTap() for stream in STREAMS}
        self._publish_lock = threading.Lock()
        self._newest: dict[str, TapFrame] = {}  # each stream's newest frame as drawn, before veil and curtain
        self._rate = RateMeter()
        self.frame: Emitter[str] = Emitter("frame")  # the stream that has a new frame (render thread)

    def tap(self, stream: str) -> FrameTap:
        return self._taps[stream]

    def rate(self) -> Rate:
        return self._rate.read(time.monotonic())

    def clear(self) -> None:
        with self._publish_lock:
            self._newest.clear()
            for tap in self._taps.values():
                tap.clear()

    def forget_head(self) -> None:
        """No eyes output any more: nothing to say about her head tracking."""
        self._set_head_tracking(None)

    def _set_head_tracking(self, state: str | None) -> None:
        if state != self.head_tracking:
            self.head_tracking = state
            self._on_head_tracking(state)

    def republish(self, now_s: float | None = None) -> None:
        """Every stream's newest frame again, at the veil's and the curtain's levels now (one moved)."""
        now_s = time.monotonic() if now_s is None else now_s
        for stream in STREAMS:
            with self._publish_lock:
                newest = self._newest.get(stream)
                if newest is None:
                    continue
                _, shown = self._publish(stream, newest, now_s)
            if stream == "stage":
                self._on_stage_shown(shown, now_s)
            self.frame.emit(stream)

    def _veiled(self, stream: str, frame: TapFrame, now_s: float) -> TapFrame:
        """The frame at the veil's level now (a frame drawn fainter than that stays as it is)."""
        level = float(self._visibility(now_s))
        if level >= frame.visibility:
            return frame
        relative = level / frame.visibility
        try:
            bare = without_character(self._composite(stream), frame.image, frame.camera_image)
        except ValueError:
            bare = None  # no picture without him (a frame _deliver let through): black rather than him
        image = veiled(frame.image, bare, relative)
        shown = relative > 0.0 and frame.has_character
        return dataclasses.replace(
            frame,
            image=image,
            visibility=level,
            has_character=shown,
            content_px=frame.content_px if shown or frame.content_px is None else (0.0, 0.0, 0.0, 0.0),
        )

    def _publish(self, stream: str, frame: TapFrame, now_s: float) -> tuple[TapFrame, TapFrame]:
        """Under the lock: the frame under the veil and behind the curtain into its tap; (the frame under
        the veil, the frame as shown)."""
        veiled_frame = self._veiled(stream, frame, now_s)
        level = float(self._curtain(now_s))
        shown = (
            veiled_frame
            if level >= 1.0
            else dataclasses.replace(veiled_frame, image=curtained(veiled_frame.image, level), curtain=level)
        )
        self._taps[stream].put(shown)
        return veiled_frame, shown

    def deliverer(self, stream: str) -> Callable[[CompositeFrame], None]:
        def deliver(composite: CompositeFrame) -> None:
            try:
                self._deliver(stream, composite)
            except Exception:  # noqa: BLE001 - never let one bad frame stop the render thread
                log.exception(
                    "frame %d could not be shown; the last good frame stays up", composite.frame_index
                )

        return deliver

    def _deliver(self, stream: str, composite: CompositeFrame) -> None:
        has_character = composite.character_bbox_px is not None
        placement = composite.placement
        image = composite.image.copy()  # the compositor reuses its buffer
        if has_character and self._visibility(time.monotonic()) < composite.visibility:
            try:
                without_character(self._composite(stream), image, composite.camera_image)
            except ValueError:
                return  # he is hidden, and this frame cannot be shown without him
        frame = TapFrame(
            image=image,
            frame_index=composite.frame_index,
            capture_time_s=composite.capture_time_s,
            media_time_s=composite.media_time_s,
            character_depth_m=float(placement.anchor_m[2]) if placement is not None else None,
            fx_px=self._fx_px(image.shape[1], image.shape[0]),
            has_character=has_character,
            camera_image=composite.camera_image,
            content_px=_content_px(composite, image.shape),
            visibility=float(composite.visibility),
        )
        now = time.monotonic()
        with self._publish_lock:
            self._newest[stream] = frame
            kept, shown = self._publish(stream, frame, now)
        if stream == "eyes":
            self._set_head_tracking(head_tracking_state(composite.head_pose))
        if stream == "stage":
            self._rate.tick(now, (now - composite.capture_time_s) * 1000.0, composite.tracked_frame_index)
            self._on_stage_frame(kept, now)  # the keepsakes keep the picture in a blackout (keepsake_desk.py)
            self._on_stage_shown(shown, now)
        self.frame.emit(stream)


CONTENT_MARGIN_PX = 2  # the layer's soft edge reaches a pixel past the character's box


def _content_px(composite: CompositeFrame, shape: tuple[int, ...]) -> BBox | None:
    """Where a camera-black picture is not black: the character's box (nothing without him), so that a
    view paints only that part of it."""
    if composite.mode is not CompositeMode.CAMERA_BLACK:
        return None
    box = composite.character_bbox_px
    if box is None:
        return (0.0, 0.0, 0.0, 0.0)
    height, width = shape[:2]
    m = CONTENT_MARGIN_PX
    x0, y0, x1, y1 = (float(v) for v in box)
    return (max(0.0, x0 - m), max(0.0, y0 - m), min(float(width), x1 + m), min(float(height), y1 + m))
