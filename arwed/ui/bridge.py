"""From the session's threads to the GUI thread: frames, per-field events and log records become signals.

The render thread only sets a flag and emits; a stream's signal is not emitted again until the GUI
has taken the frame, so a slow GUI never piles up events (it simply shows the newest frame). Each
session event (arwed.session.events) reaches the handlers that views registered with `on(name, ...)`,
on the GUI thread, with the field's new value.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger("arwed.console")


class SessionBridge(QObject):
    frame_ready = Signal(str)  # stream name
    event = Signal(str, object)  # a session field's name and its new value
    log_record = Signal(int, str, float)  # level, message, time

    def __init__(self, session, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self._pending: set[str] = set()
        self._pending_lock = threading.Lock()
        self._handlers: dict[str, list[Callable[[object], None]]] = {}
        self._listening: list[tuple] = [(session.frames.frame, self._frame_from_any_thread)]
        for emitter in session.events.all():
            self._listening.append((emitter, partial(self._event_from_any_thread, emitter.name)))
        for emitter, callback in self._listening:
            emitter.connect(callback)
        self.event.connect(self._dispatch)

    def on(self, name: str, handler: Callable[[object], None]) -> None:
        """Call `handler(value)` on the GUI thread whenever the session's field `name` changes."""
        self._handlers.setdefault(name, []).append(handler)

    def _frame_from_any_thread(self, stream: str) -> None:
        with self._pending_lock:
            if stream in self._pending:
                return
            self._pending.add(stream)
        self.frame_ready.emit(stream)

    def taken(self, stream: str) -> None:
        """The GUI has read the stream's newest frame: the next frame may signal again."""
        with self._pending_lock:
            self._pending.discard(stream)

    def _event_from_any_thread(self, name: str, value: object) -> None:
        with contextlib.suppress(RuntimeError):  # the bridge is gone: the app is closing
            self.event.emit(name, value)

    @Slot(str, object)
    def _dispatch(self, name: str, value: object) -> None:
        for handler in self._handlers.get(name, ()):
            try:
                handler(value)
            except Exception:  # noqa: BLE001 - one view that cannot refresh leaves the others working
                log.exception("the console could not show the new %s", name)

    def detach(self) -> None:
        for emitter, callback in self._listening:
            emitter.disconnect(callback)
        self._listening.clear()
        self._handlers.clear()


class QtLogHandler(logging.Handler):
    """Log records from any thread to the log panel, through the bridge's queued signal (the panel shows
    a repeated message once, with its count)."""

    def __init__(self, bridge: SessionBridge, level: int = logging.INFO):
        super().__init__(level)
        self._bridge = bridge

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info and record.levelno >= logging.ERROR and record.exc_info[1] is not None:
            message = f"{message} ({record.exc_info[1].__class__.__name__})"
        with contextlib.suppress(RuntimeError):  # the bridge is gone: the app is closing
            self._bridge.log_record.emit(record.levelno, message, record.created)
