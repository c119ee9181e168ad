"""Ceremony safety: hide the character, black out every output, lock the character's spot; and the
clicker's two-button ladder between them.

Hide and blackout fade over the operator's fade time (`fade_s`, 0 = a cut): the blackout is a curtain
over every published frame (curtain.py), the hide a veil over them (veil.py), both levels read here and
both shown at once from the frames in hand, whatever the pipeline's rate. `hidden` and `blackout` say
where they are going, at once.

Thread ownership: the operator's thread (the GUI thread in the app) is the only writer; the render
thread and the curtain's ticker read the levels per frame. Every change is emitted on the operator's
thread."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from arwed.geometry.fade import FIRST_STEP_S, Fade
from arwed.session.events import SessionEvents

log = logging.getLogger("arwed.console")


class Ceremony:
    def __init__(
        self,
        events: SessionEvents,
        set_locked: Callable[[bool], None],
        fade_s: Callable[[], float] = lambda: 0.0,
        on_curtain: Callable[[], None] = lambda: None,
    ):
        self._events = events
        self._set_locked = set_locked  # the lock lives in the placement settings
        self._fade_s = fade_s  # the operator's fade time (the set-up's)
        self._on_curtain = on_curtain  # the curtain or the veil moved: show it now and while it fades
        self._hidden = False
        self._blackout = False
        self._curtain = Fade()  # replaced whole; 1 the picture, 0 black
        self._veil = Fade()  # replaced whole; 1 him, 0 the picture without him

    @property
    def hidden(self) -> bool:
        return self._hidden

    @property
    def blackout(self) -> bool:
        return self._blackout

    def curtain_level(self, now_s: float) -> float:
        """The blackout's curtain at `now_s` (time.monotonic()): 1 the picture, 0 black."""
        return self._curtain.level(now_s)

    def visibility_level(self, now_s: float) -> float:
        """The hide's veil at `now_s` (time.monotonic()): 1 the character shown, 0 hidden."""
        return self._veil.level(now_s)

    def settled(self, now_s: float) -> bool:
        """Neither the curtain nor the veil is moving."""
        return self._curtain.settled(now_s) and self._veil.settled(now_s)

    def set_hidden(self, hidden: bool) -> None:
        self._hidden = bool(hidden)
        self._veil = self._veil.towards(
            0.0 if hidden else 1.0, time.monotonic(), self._fade_s(), FIRST_STEP_S
        )
        self._on_curtain()
        log.info("character %s", "hidden" if hidden else "shown")
        self._events.hidden.emit(self._hidden)

    def set_blackout(self, blackout: bool) -> None:
        self._blackout = bool(blackout)
        self._curtain = self._curtain.towards(
            0.0 if blackout else 1.0, time.monotonic(), self._fade_s(), FIRST_STEP_S
        )
        self._on_curtain()
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
