"""Where this process's CPU goes, thread by thread: for `arwed bench` and the console's `--stats`.

A run's figures are read as CPU per frame between two moments (after a warm-up, at the end), so that
they hold under any load on a shared machine where wall-clock rates do not. Python threads are named
by their `threading` name; native threads (MediaPipe's, Mesa's llvmpipe, Qt's pool) by the name the
operating system has for them, their numbers dropped ("mediapipe/1234" and "mediapipe/1235" are
"mediapipe"). Per thread on Linux (/proc); elsewhere only the process's total.
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_TASKS = Path("/proc/self/task")
_NUMBERED = re.compile(r"[-/:_ ]?\d+$")
_TICK_S = 1.0 / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.01
ENDED = "(threads that ended)"
UNNAMED = "(unnamed native threads)"


def _thread_seconds() -> dict[int, tuple[str, float]]:
    """Each live thread's id, name and CPU seconds so far (empty where /proc is not there)."""
    python_names = {thread.native_id: thread.name for thread in threading.enumerate()}
    process_name = _comm(Path("/proc/self"))
    seconds: dict[int, tuple[str, float]] = {}
    try:
        tasks = list(_TASKS.iterdir())
    except OSError:
        return seconds
    for task in tasks:
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue  # the thread ended meanwhile
        tid = int(task.name)
        fields = stat[stat.rindex(")") + 2 :].split()
        name = python_names.get(tid) or stat[stat.index("(") + 1 : stat.rindex(")")]
        if tid not in python_names and name == process_name:
            name = UNNAMED  # threads a library started without naming them (OpenCV's, OpenBLAS's)
        seconds[tid] = (name, (int(fields[11]) + int(fields[12])) * _TICK_S)
    return seconds


def _comm(path: Path) -> str:
    try:
        return (path / "comm").read_text().strip()
    except OSError:
        return ""


def _group(name: str) -> str:
    return _NUMBERED.sub("", name) or name


@dataclass(frozen=True)
class CpuSnapshot:
    process_s: float
    threads: dict[int, tuple[str, float]]

    @staticmethod
    def now() -> CpuSnapshot:
        return CpuSnapshot(time.process_time(), _thread_seconds())


def cpu_ms_by_thread(before: CpuSnapshot, after: CpuSnapshot, per: float = 1.0) -> dict[str, float]:
    """CPU milliseconds spent between two snapshots, divided by `per` (frames), by thread name, the
    largest first, with "total" (the process's, threads that ended included) first of all."""
    spent: dict[str, float] = {}
    for tid, (name, seconds) in after.threads.items():
        started_s = before.threads[tid][1] if tid in before.threads else 0.0  # else: born since
        spent[_group(name)] = spent.get(_group(name), 0.0) + max(0.0, seconds - started_s)
    total_s = max(0.0, after.process_s - before.process_s)
    if spent:
        ended = total_s - sum(spent.values())
        if ended > 0.005 * total_s + _TICK_S * len(spent):  # more than the ticks' rounding
            spent[ENDED] = ended
    scale = 1000.0 / max(per, 1e-9)
    ordered = sorted(spent.items(), key=lambda item: -item[1])
    return {"total": round(total_s * scale, 2)} | {name: round(s * scale, 2) for name, s in ordered}
