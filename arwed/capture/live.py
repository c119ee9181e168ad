"""Live sources (cameras and stream URLs): a capture thread keeps only the newest frame.

When the device disappears, `read` keeps handing out the last good frame marked `stale`, the thread
tries to reopen the device every RECONNECT_INTERVAL_S, and frames resume when it is back. A device that
comes back at another resolution (or a stream that changes size) is fitted into the first size.
"""

from __future__ import annotations

import glob
import logging
import threading
import time

import cv2
import numpy as np

from arwed.capture.steady import SteadySize
from arwed.errors import SourceError
from arwed.types import Frame

log = logging.getLogger(__name__)

RECONNECT_INTERVAL_S = 1.0
OPEN_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 0.5  # how long read() waits for a new frame before repeating the last one as stale
FAILED_READS_BEFORE_LOST = 5


def _open_capture(device: int | str) -> cv2.VideoCapture:
    if isinstance(device, int):
        capture = (
            cv2.VideoCapture(device, cv2.CAP_V4L2) if hasattr(cv2, "CAP_V4L2") else cv2.VideoCapture(device)
        )
    else:
        capture = cv2.VideoCapture(device)
    return capture


def list_cameras() -> list[str]:
    """Camera specs (camera:N) for the video devices this machine has; cheap, opens nothing."""
    specs = []
    for node in sorted(glob.glob("/dev/video*")):
        suffix = node.removeprefix("/dev/video")
        if suffix.isdigit():
            specs.append(f"camera:{suffix}")
    return specs


class LiveCaptureSource:
    is_live = True

    def __init__(self, device: int | str, name: str):
        self.name = name
        self._device = device
        self._lock = threading.Condition()
        self._newest: np.ndarray | None = None
        self._newest_time_s = 0.0
        self._sequence = 0
        self._delivered_sequence = 0
        self._index = 0
        self._start_s = time.monotonic()
        self._connected = False
        self._stop = threading.Event()
        self._steady = SteadySize(name)
        capture = _open_capture(device)
        if not capture.isOpened():
            capture.release()
            raise SourceError(f"{name}: cannot open the camera or stream (is it plugged in and free?)")
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and 1.0 <= fps <= 240.0 else 30.0
        self._thread = threading.Thread(
            target=self._run, args=(capture,), name=f"arwed capture {name}", daemon=True
        )
        self._thread.start()
        if not self._wait_first_frame():
            self.close()
            raise SourceError(f"{name}: opened, but no frame arrived within {OPEN_TIMEOUT_S:g} s")

    @property
    def connected(self) -> bool:
        return self._connected

    def _wait_first_frame(self) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: self._newest is not None, timeout=OPEN_TIMEOUT_S)

    def _run(self, capture: cv2.VideoCapture) -> None:
        failures = 0
        while not self._stop.is_set():
            ok, image = capture.read() if capture is not None else (False, None)
            if ok and image is not None:
                failures = 0
                self._publish(image)
                continue
            failures += 1
            if failures < FAILED_READS_BEFORE_LOST:
                time.sleep(0.01)
                continue
            if self._connected:
                log.warning("%s: camera lost; showing the last frame and trying to reconnect", self.name)
            self._connected = False
            if capture is not None:
                capture.release()
            capture = self._reopen()
            failures = 0
        if capture is not None:
            capture.release()

    def _reopen(self) -> cv2.VideoCapture | None:
        self._stop.wait(RECONNECT_INTERVAL_S)
        if self._stop.is_set():
            return None
        capture = _open_capture(self._device)
        if capture.isOpened():
            log.warning("%s: camera back", self.name)
            return capture
        capture.release()
        return None

    def _publish(self, image: np.ndarray) -> None:
        with self._lock:
            self._newest = image
            self._newest_time_s = time.monotonic()
            self._sequence += 1
            self._connected = True
            self._lock.notify_all()

    def read(self) -> Frame | None:
        """The newest frame; waits briefly for a new one, else repeats the last one marked stale."""
        if self._stop.is_set():
            return None
        with self._lock:
            fresh = self._lock.wait_for(
                lambda: self._sequence != self._delivered_sequence, timeout=READ_TIMEOUT_S
            )
            image, captured_s = self._newest, self._newest_time_s
            self._delivered_sequence = self._sequence
        stale = not fresh
        now = time.monotonic()
        frame = Frame(
            image_bgr=self._steady.fit(image, self._index),
            index=self._index,
            capture_time_s=captured_s if fresh else now,
            media_time_s=now - self._start_s,
            stale=stale,
        )
        self._index += 1
        return frame

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            self._lock.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
