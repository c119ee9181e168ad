"""How frames move between the stages: the only difference between a live and an offline run.

A flow is told what capture read and what tracking found, and tells each thread what to work on next.
The stages themselves (stages.py) do not know which flow they are in."""

from __future__ import annotations

import threading
from typing import Protocol

from arwed.pipeline.channels import LatestSlot, OrderedQueue
from arwed.pipeline.stages import TrackingResult
from arwed.types import Frame

QUEUE_DEPTH = 3


class Flow(Protocol):
    def captured(self, frame: Frame | None, stop: threading.Event) -> None:
        """A frame from the source; None at its end."""
        ...

    def next_to_track(self, stop: threading.Event) -> Frame | None: ...

    def tracked(self, result: TrackingResult | None, stop: threading.Event) -> None:
        """What tracking found; None when tracking has ended."""
        ...

    def rest_after_tracking(self, busy_s: float, rate_hz: float | None, stop: threading.Event) -> None: ...

    def next_to_render(
        self, last: TrackingResult | None, stop: threading.Event
    ) -> tuple[Frame | None, TrackingResult | None]:
        """The frame to render and the tracking to place the character with; (None, None) at the end."""
        ...


class OfflineFlow:
    """Files: every frame is tracked, then rendered with its own tracking, in order; nothing is dropped."""

    def __init__(self) -> None:
        self._to_track = OrderedQueue(QUEUE_DEPTH)
        self._tracked = OrderedQueue(QUEUE_DEPTH)

    def captured(self, frame: Frame | None, stop: threading.Event) -> None:
        self._to_track.send(frame, stop)

    def next_to_track(self, stop: threading.Event) -> Frame | None:
        return self._to_track.receive(stop)

    def tracked(self, result: TrackingResult | None, stop: threading.Event) -> None:
        self._tracked.send(result, stop)

    def rest_after_tracking(self, busy_s: float, rate_hz: float | None, stop: threading.Event) -> None:
        return None  # as fast as it can: rendering waits for every frame's tracking anyway

    def next_to_render(self, last, stop):
        result = self._tracked.receive(stop)
        return (None, None) if result is None else (result.frame, result)


class LiveFlow:
    """Cameras and streams: the newest frame wins. Rendering composites every captured frame with the
    newest tracking and never waits for it; tracking takes the newest frame it can get, as often as the
    cores allow (or at most `rate_hz` times a second when the settings cap it)."""

    def __init__(self) -> None:
        self._to_track = LatestSlot()
        self._to_render = LatestSlot()
        self._tracked = LatestSlot()

    def captured(self, frame: Frame | None, stop: threading.Event) -> None:
        self._to_track.send(frame, stop)
        self._to_render.send(frame, stop)

    def next_to_track(self, stop: threading.Event) -> Frame | None:
        return self._to_track.receive(stop)

    def tracked(self, result: TrackingResult | None, stop: threading.Event) -> None:
        if result is not None:  # the render side ends with capture, not with tracking
            self._tracked.send(result, stop)

    def rest_after_tracking(self, busy_s: float, rate_hz: float | None, stop: threading.Event) -> None:
        if rate_hz is not None:  # a cap asked for in the settings: leave the rest of the CPU to rendering
            stop.wait(max(0.0, 1.0 / rate_hz - busy_s))

    def next_to_render(self, last, stop):
        frame = self._to_render.receive(stop)
        newest = self._tracked.peek()
        return frame, newest if newest is not None else last
