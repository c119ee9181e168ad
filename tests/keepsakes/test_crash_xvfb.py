"""A recording that survives `kill -9`, as an operator would meet it: the real console under Xvfb on the
demo source, R pressed with xdotool, the console killed with SIGKILL eight seconds in. What was recorded
plays up to the last two seconds, the set-up chosen in that run was saved, and the next start repairs the
recording and says what it recovered."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from arwed.session.recovery import marker_path
from arwed.video_writer import playable_length as video_length
from tests.conftest import REPO_ROOT
from tests.xvfb import xdotool

RECORD_S = 8.0
MAY_LOSE_S = 2.0


def _console(display: str, tmp_path: Path, log: Path, *extra: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(
        DISPLAY=display, PYOPENGL_PLATFORM="egl", PYTHONPATH=str(REPO_ROOT), ARWED_CONFIG_DIR=str(tmp_path)
    )
    command = [
        sys.executable,
        "-m",
        "arwed",
        "run",
        "--source",
        "demo",
        "--keepsakes",
        str(tmp_path / "keep"),
    ]
    with open(log, "w") as stderr:
        return subprocess.Popen(
            [*command, *extra], env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=stderr
        )


@pytest.mark.slow
def test_a_recording_survives_sigkill_and_the_next_start_recovers_it(xvfb_display, tmp_path):
    if shutil.which("xdotool") is None:
        pytest.skip("xdotool is not installed (apt-get install xdotool, or scripts/bootstrap.sh)")
    log = tmp_path / "first.log"
    app = _console(xvfb_display, tmp_path, log)
    try:
        window = xdotool(xvfb_display, "search", "--sync", "--name", "operator console", timeout=90)
        assert window, "the console window did not open"
        window = window.splitlines()[0]
        # R until the console takes it: before the demo's first frame it refuses, saying why
        deadline, started = time.monotonic() + 120, None
        while time.monotonic() < deadline and started is None:
            assert app.poll() is None, log.read_text()[-2000:]
            xdotool(xvfb_display, "windowfocus", "--sync", window)
            xdotool(xvfb_display, "key", "r")
            for _ in range(20):
                time.sleep(0.1)
                match = re.search(r"recording to (\S+\.mp4)", log.read_text())
                if match:
                    started = (time.monotonic(), Path(match.group(1)))
                    break
        assert started is not None, log.read_text()[-2000:]
        started_s, video = started
        time.sleep(RECORD_S)
        killed_s = time.monotonic()
        app.send_signal(signal.SIGKILL)
        app.wait(timeout=10)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    first_log = log.read_text()
    assert app.returncode == -signal.SIGKILL
    assert marker_path(video).exists(), "the recording was not marked as under way"
    assert (tmp_path / "console.yaml").exists(), "the set-up chosen in the killed run was not saved"
    assert "source: demo" in (tmp_path / "console.yaml").read_text()

    frames, seconds = video_length(video)
    recorded_s = killed_s - started_s
    print(f"\nkilled after {recorded_s:.2f} s of recording; {seconds:.2f} s ({frames} frames) play")
    assert seconds >= recorded_s - MAY_LOSE_S, first_log[-2000:]
    assert frames >= 2 * (recorded_s - MAY_LOSE_S)  # distinct frames: the console's rate, at least 2 a second

    # the next start repairs it and says so
    log2 = tmp_path / "second.log"
    again = _console(xvfb_display, tmp_path, log2, "--quit-after", "6")
    assert again.wait(timeout=120) == 0, log2.read_text()[-2000:]
    said = re.search(
        r"recovered an unfinished recording: (\S+) \((\d+\.\d) s, (\d+) frames\)", log2.read_text()
    )
    assert said, log2.read_text()[-2000:]
    assert Path(said.group(1)) == video and abs(float(said.group(2)) - seconds) < 0.1
    assert not marker_path(video).exists()
    assert video_length(video)[0] == frames  # the repair kept every frame that played
