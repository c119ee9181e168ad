"""The live window, offscreen, fed synthetic frames instead of a camera."""

import itertools
import os
import threading
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from arwed.calibrate.live import LiveCalibrator  # noqa: E402
from arwed.calibrate.profile import load_profile  # noqa: E402
from arwed.ui.calibrate_window import CalibrateWindow  # noqa: E402
from tests.calibrate.conftest import CHARUCO  # noqa: E402


class _Frames:
    """Each synthetic view a few frames in a row (the board held still), then the end of the 'video'."""

    def __init__(self, images, repeats=3):
        self._frames = iter(list(itertools.chain.from_iterable([image] * repeats for image in images)))
        self._lock = threading.Lock()

    def read(self):
        with self._lock:
            return next(self._frames, None)


def test_window_captures_calibrates_judges_and_saves(qtbot, tmp_path, charuco_set):
    out = tmp_path / "calibration" / "live.yaml"
    calibrator = LiveCalibrator(CHARUCO, still_seconds=0.0, still_frames=2)
    window = CalibrateWindow(calibrator, _Frames(charuco_set.images).read, out, ros=True, poll_ms=10)
    qtbot.addWidget(window)
    window.resize(1280, 760)
    window.show()
    assert not window.calibrate_button.isEnabled()
    qtbot.waitUntil(lambda: window.calibrate_button.isEnabled(), timeout=60_000)
    assert window.views_label.text().startswith("Views: 2") or calibrator.view_count >= 8
    assert all(bar.value() == 100 for bar in window.bars.values())
    qtbot.waitUntil(lambda: window._worker.ended, timeout=60_000)
    window.calibrate_button.click()
    qtbot.waitUntil(lambda: window.save_button.isEnabled(), timeout=60_000)
    assert window.verdict.text().count("TRUSTED") == 1 and "NOT" not in window.verdict.text()
    assert "RMS reprojection error" in window.details.toPlainText()
    window.save_button.click()
    assert "Saved" in window.status.text()
    profile = load_profile(out)
    assert abs(profile.intrinsics.fx_px / 1000.0 - 1.0) < 0.005
    assert (out.parent / "live.ros.yaml").exists()
    shots = Path(os.environ.get("ARWED_SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(shots / "calibrate_window.png"))
    window.reset_button.click()
    assert calibrator.view_count == 0 and not window.save_button.isEnabled()
    window.close()


def test_window_survives_a_source_with_no_frames(qtbot, tmp_path):
    window = CalibrateWindow(LiveCalibrator(CHARUCO), lambda: None, tmp_path / "x.yaml", poll_ms=10)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: "No frames" in window.video.text(), timeout=10_000)
    assert not window.calibrate_button.isEnabled()
    window.close()


def real_views_video(path: Path, frames_per_view: int = 7, fps: float = 10.0) -> Path:
    """The 13 real photographs of a printed chessboard as a video: each held still for a while."""
    import cv2

    from tests.conftest import shared_path

    views = sorted(shared_path("data", "calibration-views").glob("*.jpg"))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (640, 480))
    for view in views:
        image = cv2.imread(str(view))
        for _ in range(frames_per_view):
            writer.write(image)
    writer.release()
    return path
