"""From the session's threads to the GUI thread: frames, changes and log records become queued signals.

The render thread only sets a flag and emits; a stream's signal is not emitted again until the GUI
has taken the frame, so a slow GUI never piles up events (it simply shows the newest frame).
"""

from __future__ import annotations

import contextlib
import logging
import threading

from PySide6.QtCore import QObject, Signal, Slot


class SessionBridge(QObject):
    frame_ready = Signal(str)  # stream name
    changed = Signal()
    log_record = Signal(int, str, float)  # level, message, time

    def __init__(self, session, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self._pending: set[str] = set()
        self._pending_lock = threading.Lock()
        self._change_pending = threading.Event()
        session.on_frame = self._frame_from_any_thread
        session.on_change = self._change_from_any_thread

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

    def _change_from_any_thread(self) -> None:
        if not self._change_pending.is_set():
            self._change_pending.set()
            self.changed.emit()

    @Slot()
    def change_seen(self) -> None:
        self._change_pending.clear()

    def detach(self) -> None:
        self.session.on_frame = lambda stream: None
        self.session.on_change = lambda: None


class QtLogHandler(logging.Handler):
    """Log records from any thread to the log panel, through the bridge's queued signal.

    A message repeated within REPEAT_WINDOW_S (a lost camera warns on every frame) is shown once, and
    again with its count when the window has passed, so the panel stays readable."""

    REPEAT_WINDOW_S = 10.0

    def __init__(self, bridge: SessionBridge, level: int = logging.INFO):
        super().__init__(level)
        self._bridge = bridge
        self._recent: dict[str, tuple[float, int]] = {}  # message -> (first shown, repeats held back)

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info and record.levelno >= logging.ERROR and record.exc_info[1] is not None:
            message = f"{message} ({record.exc_info[1].__class__.__name__})"
        shown = self._throttled(message, record.created)
        if shown is None:
            return
        with contextlib.suppress(RuntimeError):  # the bridge is gone: the app is closing
            self._bridge.log_record.emit(record.levelno, shown, record.created)

    def _throttled(self, message: str, now_s: float) -> str | None:
        with self.lock:
            first_s, held = self._recent.get(message, (None, 0))
            if first_s is not None and now_s - first_s < self.REPEAT_WINDOW_S:
                self._recent[message] = (first_s, held + 1)
                return None
            self._recent[message] = (now_s, 0)
            if len(self._recent) > 200:
                self._recent = {m: v for m, v in self._recent.items() if now_s - v[0] < self.REPEAT_WINDOW_S}
        return f"{message} (repeated {held} more times)" if held else message
