"""The console's outputs (projector, glasses, windows): the list the operator edits, and which streams
the pipeline must composite for them.

One output per screen: a second output on a screen that already has one would cover the first (the
glasses' picture ending up on the projector), so it is refused with a message naming the screen and the
output there; windows (no screen) are never refused. A saved set-up with two on one screen keeps the first.

Thread ownership: the operator's thread writes; any thread reads a copy (under the lock)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from arwed.session.events import SessionEvents
from arwed.session.frames import STREAMS
from arwed.session.state import OutputConfig

log = logging.getLogger("arwed.console")


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
            if self._taken_by(output, None) is None:
                self._store(output)
            else:
                log.warning("%s", self._refusal(output, self._taken_by(output, None)))

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

    def add(self, output: OutputConfig) -> int | None:
        """The new output's id; None when its screen has an output already (the log says so)."""
        with self._lock:
            taken = self._taken_by(output, None)
            output_id = self._store(output) if taken is None else None
        if output_id is None:
            log.warning("%s", self._refusal(output, taken))
            return None
        self._changed()
        return output_id

    def update(self, output_id: int, output: OutputConfig) -> bool:
        """False when refused: the output stays as it was (the log says why) and the views are told."""
        with self._lock:
            if output_id not in self._outputs:
                return False
            taken = self._taken_by(output, output_id)
            if taken is None:
                self._outputs[output_id] = output
        if taken is not None:
            log.warning("%s", self._refusal(output, taken))
            self._events.outputs.emit(self.current())  # the editor shows the output as it still is
            return False
        self._changed()
        return True

    def _taken_by(self, output: OutputConfig, except_id: int | None) -> int | None:
        """The output already on `output`'s screen (another than `except_id`), or None."""
        if output.screen is None:
            return None
        for output_id, other in self._outputs.items():
            if output_id != except_id and other.screen == output.screen:
                return output_id
        return None

    @staticmethod
    def _refusal(output: OutputConfig, taken: int) -> str:
        return (
            f"screen {output.screen} already shows output {taken}: one output per screen (a second would "
            f"cover it); choose another screen or a window for the {output.mode.value} output"
        )

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
