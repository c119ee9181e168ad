"""`arwed render` killed or out of disk: the video written so far plays, and a full disk is one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from tests.faults.media import decodable_frames

pytestmark = pytest.mark.slow


def _noisy_video(path, frames: int = 240) -> None:
    """A source that compresses badly (so that the output grows fast): blocky noise, 320x240."""
    rng = np.random.default_rng(3)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (320, 240))
    for _ in range(frames):
        blocks = rng.integers(0, 255, (60, 80, 3), np.uint8)
        writer.write(cv2.resize(blocks, (320, 240), interpolation=cv2.INTER_NEAREST))
    writer.release()


def _render(source, out, limit_bytes: int | None = None) -> subprocess.Popen:
    def limit() -> None:
        if limit_bytes is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            import resource

            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    arwed = [sys.executable, "-c", "import sys; from arwed.cli import main; sys.exit(main(sys.argv[1:]))"]
    command = [*arwed, "render", "--source", str(source), "--out", str(out)]
    return subprocess.Popen(
        [*command, "--no-progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen", PYOPENGL_PLATFORM="egl"),
        preexec_fn=limit,
    )


def test_sigkill_during_render_leaves_a_video_that_plays(tmp_path):
    source, out = tmp_path / "noise.avi", tmp_path / "killed.mp4"
    _noisy_video(source)
    child = _render(source, out)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and child.poll() is None:
        if out.exists() and out.stat().st_size > 600_000:  # a few seconds of video handed over
            break
        time.sleep(0.2)
    assert child.poll() is None, child.communicate()[1]
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    plays = decodable_frames(out)
    assert plays >= 30, plays  # at least the first second-long fragment, whole


def test_full_disk_during_render_is_one_line_exit_2_and_the_video_plays(tmp_path, request):
    source = tmp_path / "noise.avi"
    _noisy_video(source)
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = os.geteuid() == 0 and (
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)]).returncode == 0
    )
    request.addfinalizer(lambda: mounted and subprocess.run(["umount", "-l", str(disk)], check=False))
    how = "a 1 MiB tmpfs" if mounted else "RLIMIT_FSIZE of 1 MiB"
    request.node.user_properties.append(("full disk simulated with", how))
    print(f"full disk simulated with {how}")
    out = disk / "full.mp4"
    child = _render(source, out, limit_bytes=None if mounted else 1 << 20)
    stdout, stderr = child.communicate(timeout=300)
    assert child.returncode == 2, (how, stderr)
    errors = [line for line in stderr.splitlines() if line.startswith("arwed: error:")]
    assert len(errors) == 1 and str(out) in errors[0] and "is kept and plays" in errors[0], stderr
    assert "Traceback" not in stderr and "wrote" not in stdout
    written = int(errors[0].split("at frame ")[1].split()[0])
    plays = decodable_frames(out)
    assert written >= 30 and written - 60 <= plays <= written, (how, written, plays)
