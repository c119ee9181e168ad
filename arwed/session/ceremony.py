"""Ceremony safety: hide the character, black out every output, lock the character's spot; and the
clicker's two-button ladder between them.

Thread ownership: the operator's thread (the GUI thread in the app) is the only writer; the render
thread reads `hidden` per frame. Every change is emitted on the operator's thread."""

from __future__ import annotations

import logging
from collections.abc import Callable

from arwed.session.events import SessionEvents

log = logging.getLogger("arwed.console")


class Ceremony:
    def __init__(
        self, events: SessionEvents, on_hidden: Callable[[bool], None], set_locked: Callable[[bool], None]
    ):
        self._events = events
        self._on_hidden = on_hidden  # tells the running pipeline at once
        self._set_locked = set_locked  # the lock lives in the placement settings
        self._hidden = False
        self._blackout = False

    @property
    def hidden(self) -> bool:
        return self._hidden

    @property
    def blackout(self) -> bool:
        return self._blackout

    def set_hidden(self, hidden: bool) -> None:
        self._hidden = bool(hidden)
        self._on_hidden(self._hidden)
        log.info("character %s", "hidden" if hidden else "shown")
        self._events.hidden.emit(self._hidden)

    def set_blackout(self, blackout: bool) -> None:
        self._blackout = bool(blackout)
        log.info("blackout %s", "on" if blackout else "off")
        self._events.blackout.emit(self._blackout)

    def set_locked(self, locked: bool) -> None:
        self._set_locked(bool(locked))
        log.info("character's spot %s", "locked" if locked else "unlocked")

    def step_forward(self) -> None:
        """The clicker's 'next': out of blackout first, then show the character."""
        if self._blackout:
            self.set_blackout(False)
        elif self._hidden:
            self.set_hidden(False)

    def step_back(self) -> None:
        """The clicker's 'previous': hide the character first, then black out."""
        if not self._hidden:
            self.set_hidden(True)
        elif not self._blackout:
            self.set_blackout(True)
