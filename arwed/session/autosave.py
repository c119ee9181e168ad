"""The set-up saved whenever it changes, not only on exit: a crash or a power cut loses no choice made.

Thread ownership: `changed()` may be called from any thread (it only sets a flag); the saver's own thread
writes the file, so neither the GUI nor the render thread ever waits on the disk. Changes that come
quickly (a slider dragged) are written together, at most every SAVE_INTERVAL_S; each write is atomic
(session/state.py)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("arwed.console")

SAVE_INTERVAL_S = 0.3


class Autosave:
    def __init__(self, save: Callable[[], None]) -> None:
        self._save = save
        self._wanted = threading.Event()
        self._closed = False
        self.saves = 0
        self._thread = threading.Thread(target=self._loop, name="arwed set-up autosave", daemon=True)
        self._thread.start()

    def changed(self, _value: object = None) -> None:
        self._wanted.set()

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop; a change not yet written is left to the caller's final save."""
        self._closed = True
        self._wanted.set()
        self._thread.join(timeout=timeout_s)

    def _loop(self) -> None:
        while True:
            self._wanted.wait()
            if self._closed:
                return
            time.sleep(SAVE_INTERVAL_S)  # let a burst of changes settle into one write
            if self._closed:
                return
            self._wanted.clear()
            try:
                self._save()
                self.saves += 1
            except Exception:  # noqa: BLE001 - the next change tries again; the show goes on
                log.exception("the set-up could not be saved")
