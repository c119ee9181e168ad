"""The real app under Xvfb on the demo source: the console shows the pipeline's composite with the character.

Starts `python -m arwed run` as the operator would (X11, MediaPipe, the EGL renderer, a stage and a
glasses output), lets it run, and has it save a picture of its window and the frame in its preview.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import REPO_ROOT
from tests.xvfb import app_environment, arwed_command

RUN_S = 20  # the console starts MediaPipe, the renderer and Qt: on a loaded 2-core machine that takes 10 s or more


def _run_app(display: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    command = arwed_command("run", "--source", "demo", "--keepsakes", str(tmp_path / "keep"), *extra)
    return subprocess.run(
        command,
        env=app_environment(display, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
    )


@pytest.mark.slow
def test_the_console_shows_the_composite_with_the_character(xvfb_display, tmp_path):
    from arwed.capture.demo import DemoSource

    shot, stats_path = tmp_path / "console.png", tmp_path / "stats.json"
    result = _run_app(
        xvfb_display,
        tmp_path,
        "--output",
        "stage",
        "--output",
        "camera-black-3d",
        "--quit-after",
        str(RUN_S),
        "--screenshot",
        str(shot),
        "--stats",
        str(stats_path),
    )
    if result.returncode == 2 and "X11 support needs" in result.stderr:
        pytest.skip(result.stderr.strip())
    assert result.returncode == 0, result.stderr[-2000:]
    assert "did not stop" not in result.stderr
    stats = json.loads(stats_path.read_text())
    assert stats["console_frames_painted"] > 5
    assert [o["mode"] for o in stats["outputs"]] == ["stage", "camera-black"]
    assert all(o["frames_painted"] > 3 for o in stats["outputs"])

    # the preview's frame is the pipeline's composite: the demo frame of that moment plus the character
    stage = cv2.imread(stats["preview_frame"]["path"])
    demo = DemoSource().render_at(stats["preview_frame"]["media_time_s"])
    changed = np.abs(stage.astype(int) - demo.astype(int)).max(axis=2) > 40
    width = stage.shape[1]
    assert changed[:, width // 2 :].mean() > 0.03, "no character in the right half of the composite"
    assert changed[:, : int(width * 0.15)].mean() < 0.01, (
        "the composite changed the picture far from the character"
    )

    # and the window shows that frame, scaled into the preview
    window = cv2.imread(str(shot))
    x, y, w, h = stats["preview_rect"]
    shown = window[y : y + h, x : x + w].astype(int)
    expected = cv2.resize(stage, (w, h), interpolation=cv2.INTER_AREA).astype(int)
    assert np.abs(shown - expected).mean() < 10
    assert (tmp_path / "console.yaml").exists()


def test_no_display_is_a_one_line_error():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    result = subprocess.run(
        [sys.executable, "-m", "arwed", "run", "--source", "demo", "--config-dir", "/nonexistent/arwed"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("arwed: error: no display")
    assert len(result.stderr.strip().splitlines()) == 1
