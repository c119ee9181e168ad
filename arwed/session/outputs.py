"""The console's outputs (projector, glasses, windows): the list the operator edits, and which streams
the pipeline must composite for them.

Thread ownership: the operator's thread writes; any thread reads a copy (under the lock)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from arwed.session.events import SessionEvents
from arwed.session.frames import STREAMS
from arwed.session.state import OutputConfig


class OutputList:
    def __init__(
        self, saved: Iterable[OutputConfig], events: SessionEvents, on_change: Callable[[], None]
    ) -> None:
        self._events = events
        self._on_change = on_change  # the pipeline's outputs follow the streams needed
        self._lock = threading.Lock()
        self._outputs: dict[int, OutputConfig] = {}
        self._next_id = 1
        for output in saved:
            self._store(output)

    def current(self) -> dict[int, OutputConfig]:
        with self._lock:
            return dict(self._outputs)

    def saved(self) -> tuple[OutputConfig, ...]:
        with self._lock:
            return tuple(self._outputs.values())

    def streams_needed(self) -> list[str]:
        with self._lock:
            modes = {output.mode.value for output in self._outputs.values()}
        return [stream for stream in STREAMS if stream == "stage" or stream in modes]

    def add(self, output: OutputConfig) -> int:
        with self._lock:
            output_id = self._store(output)
        self._changed()
        return output_id

    def update(self, output_id: int, output: OutputConfig) -> None:
        with self._lock:
            if output_id not in self._outputs:
                return
            self._outputs[output_id] = output
        self._changed()

    def remove(self, output_id: int) -> None:
        with self._lock:
            self._outputs.pop(output_id, None)
        self._changed()

    def _store(self, output: OutputConfig) -> int:
        output_id, self._next_id = self._next_id, self._next_id + 1
        self._outputs[output_id] = output
        return output_id

    def _changed(self) -> None:
        self._on_change()
        self._events.outputs.emit(self.current())
