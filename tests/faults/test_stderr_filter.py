"""The stderr filter: third-party log lines dropped, everything else passed on, in order."""

from __future__ import annotations

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CHILD = r"""
import os, sys
from arwed import stderr_filter
stderr_filter.install()
noise = [
    b"W0000 00:00:1796127156.629940   12791 inference_feedback_manager.cc:114] Feedback manager requires",
    b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.",
    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    b"[ WARN:0@0.012] global cap_v4l.cpp:999 open VIDEOIO(V4L2:/dev/video0): can't open camera by index",
    b"[h264 @ 0x55d5c1e2f640] error while decoding MB 3 2, bytestream -5",
    b"libpng warning: iCCP: known incorrect sRGB profile",
    b"Corrupt JPEG data: 12 extraneous bytes before marker 0xd9",
]
for line in noise:
    os.write(2, line + b"\n")  # as native code writes them, past Python
print("arwed: error: x.mp4: the kept line", file=sys.stderr)
os.write(2, b"F0000 00:00:1.0 1 graph.cc:1] a fatal native error stays\n")
print("Traceback (most recent call last): stays too", file=sys.stderr)
"""


def test_third_party_lines_are_dropped_and_arwed_lines_kept():
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, PYTHONPATH=REPO),
    )
    assert done.returncode == 0
    assert done.stderr.splitlines() == [
        "arwed: error: x.mp4: the kept line",
        "F0000 00:00:1.0 1 graph.cc:1] a fatal native error stays",
        "Traceback (most recent call last): stays too",
    ]
