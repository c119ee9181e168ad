"""`arwed calibrate --video` as the operator runs it: a real window under Xvfb, driven by xdotool, fed the 13
real photographs of a printed chessboard as a video. It keeps all 13, calibrates and saves on the keys."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import cv2
import pytest

from arwed.calibrate.profile import load_profile
from tests.calibrate.test_calibrate_window import real_views_video
from tests.conftest import REPO_ROOT
from tests.xvfb import app_environment, arwed_command, read_xwd, xdotool


@pytest.mark.slow
def test_calibrate_window_under_xvfb_keeps_all_13_real_views(xvfb_display, tmp_path):
    if shutil.which("xdotool") is None or shutil.which("xwd") is None:
        pytest.skip(
            "xdotool or xwd is not installed (apt-get install xdotool x11-apps, or scripts/bootstrap.sh)"
        )
    video = real_views_video(tmp_path / "views.avi")
    out = tmp_path / "live.yaml"
    env = app_environment(xvfb_display, tmp_path)
    command = arwed_command("calibrate", "--video", str(video), "--board", "chessboard:9x6")
    app = subprocess.Popen(
        [*command, "--square", "0.025", "--out", str(out)],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        window = xdotool(xvfb_display, "search", "--sync", "--name", "arwed - calibrate", timeout=60)
        assert window, "the calibration window did not open"
        window = window.splitlines()[0]
        deadline, views = time.monotonic() + 180, 0
        while time.monotonic() < deadline and views < 13:
            assert app.poll() is None, app.stderr.read()[-2000:]
            # Calibrate (Alt+C) is active once the video is over; then Save (Alt+S) writes the profile
            xdotool(xvfb_display, "windowfocus", "--sync", window)
            xdotool(xvfb_display, "key", "alt+c")
            time.sleep(1.5)
            xdotool(xvfb_display, "key", "alt+s")
            time.sleep(0.5)
            if out.exists():
                views = len(load_profile(out).per_view_errors_px)
        assert views == 13
        profile = load_profile(out)
        assert abs(profile.intrinsics.fx_px / 537.43 - 1.0) < 0.01 and profile.rms_px <= 0.25
        dump = tmp_path / "screen.xwd"
        subprocess.run(["xwd", "-root", "-silent", "-out", str(dump)], env=env, check=True, timeout=20)
        screen = read_xwd(dump)
        shots = Path(os.environ.get("ARWED_SCREENSHOT_DIR", tmp_path))
        shots.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(shots / "calibrate_window_xvfb.png"), screen)
        # the coverage map (green where corners were seen) and the verdict (green when trusted) are shown
        green = (screen[..., 1].astype(int) > 180) & (screen[..., 0] < 120) & (screen[..., 2] < 120)
        assert green.sum() > 50
    finally:
        app.terminate()
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()
