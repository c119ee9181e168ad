"""The console's control thread: slow jobs (opening a camera, loading a model, stopping a pipeline) run
here one after another, so no command ever blocks the thread that gave it.

Thread ownership: everything a job writes belongs to this thread. `submit` may be called from any
thread; `busy` tells the listeners what is under way; between jobs, `on_idle` runs every IDLE_S."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from arwed.errors import UserError
from arwed.session.events import Emitter

log = logging.getLogger("arwed.console")

IDLE_S = 0.25  # how often the idle check runs (the pipeline's health, the rate shown)


class ControlThread:
    def __init__(self, on_idle: Callable[[], None]) -> None:
        self.busy: Emitter[str | None] = Emitter("busy")
        self._on_idle = on_idle
        self._busy: str | None = None
        self._jobs: queue.Queue = queue.Queue()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="arwed console control", daemon=True)
        self._thread.start()

    @property
    def busy_with(self) -> str | None:
        return self._busy

    def submit(self, job: Callable[[], None], busy: str | None = None) -> None:
        """Run `job` on the control thread after the ones before it; `busy` is shown while it runs."""
        if not self._closed.is_set():
            self._jobs.put((job, busy))

    def close(self, last_job: Callable[[], None], timeout_s: float) -> bool:
        """Run `last_job`, then end the thread; True when it ended in time."""
        if not self._closed.is_set():
            self._jobs.put((last_job, None))
            self._closed.set()
            self._jobs.put((None, None))
        self._thread.join(timeout=timeout_s)
        return not self._thread.is_alive()

    def _loop(self) -> None:
        while True:
            try:
                job, busy = self._jobs.get(timeout=IDLE_S)
            except queue.Empty:
                self._run(self._on_idle, None)
                continue
            if job is None:
                break
            self._run(job, busy)

    def _run(self, job: Callable[[], None], busy: str | None) -> None:
        if busy:
            self._set_busy(busy)
        try:
            job()
        except UserError as exc:
            log.error("%s", exc)
        except Exception as exc:  # noqa: BLE001 - a failed job is reported; the show goes on
            log.exception("internal error while %s: %s", (busy or "working").lower(), exc)
        finally:
            if busy:
                self._set_busy(None)

    def _set_busy(self, busy: str | None) -> None:
        self._busy = busy
        self.busy.emit(busy)
