"""The live calibrator without a window: synthetic frames in, views kept when held still somewhere new."""

import numpy as np

from arwed.calibrate.live import LiveCalibrator, coverage_image, draw_overlay
from tests.calibrate.conftest import CHARUCO


def _feed(calibrator, images, repeats, start=0.0, step=0.1):
    updates, now = [], start
    for image in images:
        for _ in range(repeats):
            updates.append(calibrator.process(image, now_s=now))
            now += step
    return updates


def test_a_view_is_kept_only_after_the_board_is_held_still(charuco_set):
    calibrator = LiveCalibrator(CHARUCO, still_seconds=0.5, still_frames=5)
    updates = _feed(calibrator, charuco_set.images[:1], repeats=4)
    assert not any(u.captured for u in updates) and updates[-1].hint == "Hold the board still..."
    assert 0 < updates[-1].still_progress < 1
    updates = _feed(calibrator, charuco_set.images[:1], repeats=3, start=0.4)
    assert sum(u.captured for u in updates) == 1 and calibrator.view_count == 1
    # still longer, same place: nothing new
    updates = _feed(calibrator, charuco_set.images[:1], repeats=8, start=1.0)
    assert calibrator.view_count == 1 and "Nothing new" in updates[-1].hint


def test_moving_board_is_not_captured(charuco_set):
    calibrator = LiveCalibrator(CHARUCO, still_seconds=0.0, still_frames=3)
    alternating = [charuco_set.images[i % 2] for i in range(12)]
    updates = _feed(calibrator, alternating, repeats=1)
    assert calibrator.view_count == 0 and all(u.still_progress == 0.0 for u in updates)


def test_enough_diverse_views_make_it_ready_and_it_calibrates(charuco_set):
    calibrator = LiveCalibrator(CHARUCO, still_seconds=0.0, still_frames=2)
    blank = np.full_like(charuco_set.images[0], 100)
    assert calibrator.process(blank).detection is None
    updates = _feed(calibrator, charuco_set.images, repeats=3)
    assert calibrator.view_count >= 20
    assert updates[-1].ready and updates[-1].bars.full
    result = calibrator.calibrate()
    assert abs(result.intrinsics.fx_px / 1000.0 - 1.0) < 0.005
    calibrator.reset()
    assert calibrator.view_count == 0 and calibrator.coverage.counts.sum() == 0


def test_overlay_and_coverage_pictures(charuco_set):
    calibrator = LiveCalibrator(CHARUCO, still_seconds=0.0, still_frames=2)
    update = _feed(calibrator, charuco_set.images[:1], repeats=2)[-1]
    overlay = draw_overlay(charuco_set.images[0], update)
    assert overlay.shape == charuco_set.images[0].shape
    assert np.abs(overlay.astype(int) - charuco_set.images[0]).sum() > 0
    picture = coverage_image(calibrator.coverage.counts, 320, update.detection)
    assert picture.shape == (180, 320, 3)
    greener = picture[..., 1].astype(int) - picture[..., 2]
    assert greener.max() > 50 and greener.min() < 0  # seen cells green, unseen ones red
