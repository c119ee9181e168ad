"""Ground truth: boards rendered through a known camera (known intrinsics and distortion, blur, noise,
24 poses) must give back that camera."""

import dataclasses

import numpy as np
import pytest

from arwed.calibrate.calibration import (
    MIN_VIEWS,
    CalibrationView,
    NotEnoughViews,
    calibrate_camera,
    without_outliers,
)
from arwed.calibrate.detection import BoardDetector
from arwed.calibrate.verdict import judge
from tests.calibrate.conftest import CHARUCO
from tests.calibrate.synthetic import TRUE_CAMERA, pose_facing, recovery_figures, render_view


@pytest.mark.parametrize("which", ["charuco_set", "chessboard_set"])
def test_recovers_the_true_camera(which, request):
    data = request.getfixturevalue(which)
    assert len(data.views) >= 20
    result = calibrate_camera(data.views, data.board)
    figures = recovery_figures(result.intrinsics, result.rms_px, [v.detection for v in data.views])
    print(f"\n{data.board.kind}: {figures.text()}")
    assert abs(figures.fx_error_percent) < 0.5
    assert abs(figures.fy_error_percent) < 0.5
    assert abs(figures.cx_error_px) < 1.0
    assert abs(figures.cy_error_px) < 1.0
    assert figures.rms_px <= 0.2
    assert figures.covered_fraction > 0.5  # the boards reached most of the picture
    assert figures.max_projection_error_px <= 1.0
    assert np.allclose(result.intrinsics.distortion[:2], TRUE_CAMERA.distortion[:2], atol=0.01)
    # the figures that say how far to trust it
    assert len(result.per_view_errors_px) == len(data.views)
    assert result.max_corner_error_px >= max(result.per_view_errors_px)
    assert result.outlier_views == ()
    assert all(0 < s < 1.0 for s in dataclasses.astuple(result.uncertainty))
    verdict = judge(result)
    assert verdict.trusted, verdict.text()


def test_a_disturbed_view_is_an_outlier_and_dropping_it_helps(charuco_set):
    views = list(charuco_set.views)
    bad = views[5].detection
    rng = np.random.default_rng(1)
    shaken = dataclasses.replace(
        bad,
        image_points_px=bad.image_points_px
        + rng.normal(0, 1.5, bad.image_points_px.shape).astype(np.float32),
    )
    views[5] = CalibrationView("shaken.png", shaken)
    result = calibrate_camera(views, CHARUCO)
    assert result.outlier_views == (5,)
    assert result.max_error_view == "shaken.png"
    assert not judge(result).trusted or result.rms_px > 0.2
    cleaner = without_outliers(result)
    assert len(cleaner.views) == len(views) - 1
    assert cleaner.rms_px < result.rms_px / 2
    assert "shaken.png" not in cleaner.view_names


def test_too_few_views_say_how_many_were_found_and_needed(charuco_set):
    with pytest.raises(NotEnoughViews, match=f"3 usable board views found, {MIN_VIEWS} needed"):
        calibrate_camera(charuco_set.views[:3], CHARUCO)


def test_square_on_views_are_not_trusted_and_the_verdict_says_to_tilt():
    detector = BoardDetector(CHARUCO)
    spots = [(640, 360), (400, 250), (880, 250), (400, 470), (880, 470), (640, 250)]
    views = [
        CalibrationView(
            f"flat{i}", detector.detect(render_view(CHARUCO, pose_facing(CHARUCO, spot, 0.7, 0, 0), seed=i))
        )
        for i, spot in enumerate(spots)
    ]
    result = calibrate_camera(views, CHARUCO)
    verdict = judge(result)
    assert not verdict.trusted
    assert any("known only to within" in problem for problem in verdict.problems)
    assert any("tilt the board" in advice for advice in verdict.advice)
    print(verdict.text())
