"""What the loop counts while it runs: per-stage timings and per-frame failures (logged, never fatal)."""

from __future__ import annotations

import logging
import threading
from collections import deque

import numpy as np

log = logging.getLogger("arwed.pipeline")

MAX_DISTINCT_ERRORS = 50  # distinct per-frame failures logged in full; beyond that, counted by type
TIMING_WINDOW = 3000  # frames of per-stage timings kept for medians (100 s at 30 fps)
STAGES = ("capture", "tracking", "placement", "lighting", "animation", "render", "composite", "output")


class FrameErrors:
    """Logs a per-frame failure in full the first time, then only counts repeats (no log flood mid-ceremony)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, int] = {}

    def report(self, what: str, frame_index: int, exc: BaseException) -> None:
        key = f"{what}: {exc.__class__.__name__}: {str(exc)[:200]}"
        with self._lock:
            if key not in self._seen and len(self._seen) >= MAX_DISTINCT_ERRORS:
                key = f"{what}: {exc.__class__.__name__}"  # messages that differ every frame: count by type
            count = self._seen.get(key, 0) + 1
            self._seen[key] = count
        if count == 1:
            log.error("%s failed on frame %d; going on without it", what, frame_index, exc_info=exc)
        elif count in (10, 100, 1000) or count % 10000 == 0:
            log.error("%s failed again (%d times so far): %s", what, count, key)


class Timings:
    """Per-stage durations in milliseconds over the last TIMING_WINDOW frames (for medians), under a lock.

    Bounded, so a three-hour ceremony does not grow memory; `counts` keeps the totals."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._samples: dict[str, deque[float]] = {
            name: deque(maxlen=TIMING_WINDOW) for name in (*STAGES, "eyes", "latency", "head_age")
        }
        self._counts: dict[str, int] = dict.fromkeys(self._samples, 0)

    def add(self, stage: str, ms: float) -> None:
        with self._lock:
            self._samples[stage].append(ms)
            self._counts[stage] += 1

    def add_all(self, stage_ms: dict[str, float]) -> None:
        for stage, ms in stage_ms.items():
            self.add(stage, ms)

    def medians(self) -> dict[str, float]:
        with self._lock:
            return {k: float(np.median(v)) for k, v in self._samples.items() if v}

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)
