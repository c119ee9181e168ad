"""The two ways one thread hands items to the next: in order (a short queue) or newest-wins (a slot).

Both end the stream with None and give up waiting when the pipeline stops; `receive` then returns None.
"""

from __future__ import annotations

import queue
import threading
from typing import Protocol

POLL_S = 0.1  # how often a waiting thread looks at the stop flag


class Channel(Protocol):
    def send(self, item, stop: threading.Event) -> None: ...

    def receive(self, stop: threading.Event):
        """The next item; None at the end of the stream or on stop."""
        ...


class OrderedQueue:
    """Every item, in order; a full queue makes the sender wait (offline: nothing is dropped)."""

    def __init__(self, depth: int) -> None:
        self._queue: queue.Queue = queue.Queue(depth)

    def send(self, item, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self._queue.put(item, timeout=POLL_S)
                return
            except queue.Full:
                continue

    def receive(self, stop: threading.Event):
        while not stop.is_set():
            try:
                return self._queue.get(timeout=POLL_S)
            except queue.Empty:
                continue
        return None


class LatestSlot:
    """Holds one value; `put` replaces it, `take` waits for a value newer than the last one taken.

    The end of the stream (`send(None)`) comes after the value waiting, never instead of it: the last
    frame of a live source is still rendered."""

    NOTHING = object()  # what `take` returns when nothing new came in time

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._value = None
        self._version = 0
        self._taken = 0
        self._ended = False

    def put(self, value) -> None:
        with self._cond:
            self._value, self._version = value, self._version + 1
            self._cond.notify_all()

    def end(self) -> None:
        """No value comes any more: `take` returns None once the value waiting was taken."""
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def take(self, timeout_s: float):
        with self._cond:
            fresh = lambda: self._version != self._taken  # noqa: E731 - the condition waited for
            if not self._cond.wait_for(lambda: fresh() or self._ended, timeout=timeout_s):
                return LatestSlot.NOTHING
            if not fresh():
                return None  # the end
            self._taken = self._version
            return self._value

    def peek(self):
        with self._cond:
            return self._value

    def send(self, item, stop: threading.Event) -> None:
        if item is None:
            self.end()
        else:
            self.put(item)

    def receive(self, stop: threading.Event):
        while not stop.is_set():
            item = self.take(timeout_s=POLL_S)
            if item is not LatestSlot.NOTHING:
                return item
        return None


class Mailbox:
    """The newest command for one thread: `post` from any thread, `collect` takes it and empties the box."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._item = None

    def post(self, item) -> None:
        with self._lock:
            self._item = item

    def collect(self):
        with self._lock:
            item, self._item = self._item, None
            return item
