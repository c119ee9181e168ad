"""How long a recording can go on: the free space of its disk over the rate its files grow at.

Measured on the recording's own thread about once a second (a `statvfs` and a `stat` per file), never on
the render thread. Under LOW_SPACE_S left the console warns, once per recording."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

LOW_SPACE_S = 600.0  # ten minutes
MEASURE_INTERVAL_S = 1.0
MIN_MEASURED_S = 2.0  # the growth rate over less than this is mostly the file's header


@dataclass(frozen=True)
class RecordingSpace:
    free_bytes: int
    bytes_per_s: float | None  # None until the files have grown for MIN_MEASURED_S
    seconds_left: float | None  # None while the rate is unknown

    @property
    def low(self) -> bool:
        return self.seconds_left is not None and self.seconds_left < LOW_SPACE_S

    def describe(self) -> str:
        free = f"{self.free_bytes / 1e9:.1f} GB free"
        if self.seconds_left is None:
            return free
        minutes = self.seconds_left / 60.0
        left = f"{minutes / 60.0:.1f} h" if minutes >= 120 else f"{minutes:.0f} min"
        return f"{free}, {left} left"


def measure_space(files: list[Path], recorded_s: float) -> RecordingSpace:
    """The space left beside `files` (all on one disk) that have been written for `recorded_s` seconds."""
    folder = files[0].parent
    free = shutil.disk_usage(folder).free
    written = 0
    for path in files:
        try:
            written += os.stat(path).st_size
        except OSError:
            continue
    if recorded_s < MIN_MEASURED_S or written <= 0:
        return RecordingSpace(free, None, None)
    rate = written / recorded_s
    return RecordingSpace(free, rate, free / rate)
