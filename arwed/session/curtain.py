"""The operator's blackout as a curtain over every published frame: each stream's newest frame is shown
multiplied by the curtain's level (1 the picture, 0 black, between while it fades).

It is drawn in one place, the frame fan-out (frames.py), so the projector, her glasses, the console's
thumbnails, recordings and the virtual camera all show the same fade. It does not wait for the pipeline:
when the operator presses the key the newest frames are published again at once with the new level, and
`CurtainTicker` keeps publishing them while the fade runs, so a blackout reaches black on time even
when the pipeline is slow or stuck.

Thread ownership: the operator's thread moves the curtain (`Ceremony.set_blackout`); the ticker's own
thread only republishes; the render thread reads the level per frame.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import cv2
import numpy as np

log = logging.getLogger("arwed.console")

TICK_S = 1.0 / 30.0  # a fade is shown at 30 frames/s at least, whatever the pipeline's rate


def curtained(image: np.ndarray, level: float) -> np.ndarray:
    """The image at `level` brightness (a new array unless the level is 1; the input is never written)."""
    if level >= 1.0:
        return image
    if level <= 0.0:
        return np.zeros_like(image)
    return cv2.convertScaleAbs(image, alpha=float(level))


class CurtainTicker:
    """While the curtain moves, republishes the newest frames every TICK_S; asleep otherwise."""

    def __init__(self, settled: Callable[[float], bool], republish: Callable[[float], None]) -> None:
        self._settled, self._republish = settled, republish
        self._wake = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="arwed curtain", daemon=True)
        self._thread.start()

    def kick(self) -> None:
        """The curtain started moving."""
        self._wake.set()

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        self._thread.join(timeout=2.0)

    def _loop(self) -> None:
        while not self._closed:
            self._wake.wait()
            self._wake.clear()
            while not self._closed:
                time.sleep(TICK_S)
                now_s = time.monotonic()
                try:
                    self._republish(now_s)
                except Exception:  # noqa: BLE001 - the next tick tries again; the show goes on
                    log.exception("the blackout's fade could not be shown")
                if self._settled(now_s):
                    break
