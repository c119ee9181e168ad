"""The CPU a process spends, thread by thread (arwed bench, the console's --stats)."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from arwed.cpu_meter import CpuSnapshot, cpu_ms_by_thread


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per thread from /proc: Linux only")
def test_a_busy_thread_is_named_with_the_cpu_it_spent_per_frame():
    done = threading.Event()

    def busy() -> None:
        end = time.thread_time() + 0.15  # its own CPU time: the same on a loaded machine
        while time.thread_time() < end:
            pass
        done.wait(10.0)  # still alive at the second snapshot

    before = CpuSnapshot.now()
    worker = threading.Thread(target=busy, name="busy worker 7")
    worker.start()
    deadline = time.monotonic() + 30.0
    spent = {}
    while time.monotonic() < deadline:
        spent = cpu_ms_by_thread(before, CpuSnapshot.now(), per=10)
        if spent.get("busy worker", 0.0) >= 14.0:  # 150 ms over 10 frames, its number dropped
            break
        time.sleep(0.05)
    done.set()
    worker.join()
    assert 14.0 <= spent["busy worker"] <= spent["total"]
    assert list(spent)[0] == "total"
