"""Real photographs of a printed chessboard (OpenCV's sample views, ../shared/data/calibration-views): narrower
outer squares, a grey clipboard around the sheet, a strong wide-angle lens. OpenCV's own pipeline calibrates
them to RMS 0.208 px, fx 537.43, fy 536.95, cx 327.61, cy 248.89 (see the folder's README)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from arwed.calibrate.boards import BoardSpec
from arwed.calibrate.calibration import calibrate_camera
from arwed.calibrate.chessboard import grid_problem, grid_residual_squares, outer_ink_fraction
from arwed.calibrate.detection import BoardDetector, BoardNotFound, _refine
from arwed.calibrate.images import collect_views
from arwed.calibrate.verdict import judge
from tests.calibrate.conftest import CHESSBOARD
from tests.calibrate.synthetic import pose_facing, render_view
from tests.conftest import shared_path

REAL_BOARD = BoardSpec("chessboard", 9, 6, 0.025)
OPENCV_REFERENCE = {"rms": 0.208, "fx": 537.43, "fy": 536.95, "cx": 327.61, "cy": 248.89}


@pytest.fixture(scope="module")
def real_paths():
    return sorted(shared_path("data", "calibration-views").glob("*.jpg"))


@pytest.fixture(scope="module")
def real_collected(real_paths):
    return collect_views(real_paths, REAL_BOARD)


def test_every_real_view_is_used_and_the_camera_matches_opencv(real_collected, real_paths):
    assert len(real_paths) == 13
    assert not real_collected.skipped, real_collected.report(REAL_BOARD)
    result = calibrate_camera(real_collected.views, REAL_BOARD)
    k = result.intrinsics
    print(
        f"\nreal views: {len(result.views)}/13 used, RMS {result.rms_px:.3f} px, fx {k.fx_px:.2f}, fy {k.fy_px:.2f},"
        f" cx {k.cx_px:.2f}, cy {k.cy_px:.2f} (OpenCV: {OPENCV_REFERENCE}); largest corner error"
        f" {result.max_corner_error_px:.3f} px in {result.max_error_view}; outliers {result.outlier_views}"
    )
    assert len(result.views) == 13
    assert result.rms_px <= 0.25
    assert k.fx_px == pytest.approx(OPENCV_REFERENCE["fx"], rel=0.01)
    assert k.fy_px == pytest.approx(OPENCV_REFERENCE["fy"], rel=0.01)
    assert k.cx_px == pytest.approx(OPENCV_REFERENCE["cx"], abs=5.0)
    assert k.cy_px == pytest.approx(OPENCV_REFERENCE["cy"], abs=5.0)
    assert result.max_corner_error_px < 0.5
    assert result.outlier_views == ()
    assert judge(result).trusted, judge(result).text()


def test_real_outer_squares_are_measured_narrow_and_the_windows_stay_on_the_ink(real_collected, real_paths):
    """The sheet's outer squares are about half as wide as the inner ones across the board (left, right), and
    nearly whole down it; the outer corners' windows stop short of the ink's end; the corners agree with
    OpenCV's own 5x5-window refinement."""
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_COUNT, 30, 0.001)
    largest_difference, off_the_ink = 0.0, 0.0
    for path, view in zip(real_paths, real_collected.views, strict=True):
        grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        grid = view.detection.image_points_px.reshape(6, 9, 2).astype(np.float64)
        narrow = [
            outer_ink_fraction(grey, grid[:, 0], grid[:, 1]),
            outer_ink_fraction(grey, grid[:, -1], grid[:, -2]),
        ]
        whole = [outer_ink_fraction(grey, grid[0], grid[1]), outer_ink_fraction(grey, grid[-1], grid[-2])]
        assert all(0.4 < f < 0.65 for f in narrow), (path.name, narrow)
        assert all(f > 0.8 for f in whole), (path.name, whole)
        windows = view.detection.refine_half_windows_px.reshape(6, 9)
        steps = np.linalg.norm(grid[:, 0] - grid[:, 1], axis=1)
        assert (
            windows[:, 0] + 1 < min(narrow) * steps
        ).all()  # the window (and a pixel of gradient) on the ink
        opencv = cv2.cornerSubPix(
            grey, grid.reshape(-1, 1, 2).astype(np.float32), (5, 5), (-1, -1), criteria
        ).reshape(-1, 2)
        largest_difference = max(
            largest_difference, float(np.linalg.norm(opencv - view.detection.image_points_px, axis=1).max())
        )
        # windows sized by the step alone reach past the narrow outer squares and are pulled off the corner
        by_step_alone = np.clip(np.floor(0.4 * steps), 2, 12).astype(np.int32)
        outer = grid[:, 0].astype(np.float32)
        pulled = _refine(grey, outer, by_step_alone)
        off_the_ink = max(
            off_the_ink, float(np.linalg.norm(pulled - opencv.reshape(6, 9, 2)[:, 0], axis=1).max())
        )
    print(
        f"\nlargest difference from OpenCV's 5x5 refinement: {largest_difference:.2f} px; windows off the ink:"
        f" {off_the_ink:.2f} px"
    )
    assert largest_difference < 0.75
    assert off_the_ink > 2.0  # what the ink-limited windows avoid


def test_a_scrambled_grid_fails_the_flat_grid_test(real_paths):
    grey = cv2.imread(str(real_paths[0]), cv2.IMREAD_GRAYSCALE)
    found, corners = cv2.findChessboardCornersSB(grey, (9, 6), flags=cv2.CALIB_CB_NORMALIZE_IMAGE)
    assert found
    grid = corners.reshape(6, 9, 2).astype(np.float64)
    assert grid_residual_squares(grid) < 0.2 and grid_problem(grid, (640, 480)) is None
    rows_swapped = grid.copy()
    rows_swapped[[2, 3]] = rows_swapped[[3, 2]]
    two_corners = grid.copy()
    two_corners[2, 4], two_corners[2, 5] = grid[2, 5].copy(), grid[2, 4].copy()
    shuffled = grid.reshape(-1, 2)[np.random.default_rng(0).permutation(54)].reshape(6, 9, 2)
    for scrambled in (rows_swapped, two_corners, shuffled):
        assert grid_residual_squares(scrambled) > 0.6
        assert grid_problem(scrambled, (640, 480)).startswith("flat-grid test:")


def test_a_board_at_the_image_edge_fails_the_edge_test():
    """All inner corners are in the picture but the outer squares are cut by the edge: refused, and said so."""
    image = render_view(CHESSBOARD, pose_facing(CHESSBOARD, (240, 360), 0.5, 0, 0, 0))
    with pytest.raises(BoardNotFound, match=r"^edge test: a corner is [\d.]+ px from the image edge"):
        BoardDetector(CHESSBOARD).detect(image)
    grid = np.stack(np.meshgrid(np.linspace(3, 300, 9), np.linspace(100, 300, 6)), axis=-1)
    assert grid_problem(grid, (640, 480)).startswith("edge test:")


def test_a_row_taken_at_the_papers_edge_fails_the_even_spacing_test(real_paths):
    """Narrow outer squares: a detector can take the row where their ink ends for the outer row of corners."""
    from arwed.calibrate.chessboard import spacing_jump_squares

    grey = cv2.imread(str(real_paths[2]), cv2.IMREAD_GRAYSCALE)
    found, corners = cv2.findChessboardCornersSB(grey, (9, 6), flags=cv2.CALIB_CB_NORMALIZE_IMAGE)
    assert found
    grid = corners.reshape(6, 9, 2).astype(np.float64)
    assert spacing_jump_squares(grid) < 0.15
    shifted = grid.copy()
    shifted[0] += 0.55 * (grid[0] - grid[1])  # the row half a square further out, where the ink ends
    assert grid_residual_squares(shifted) < 0.4  # the homography alone lets it through
    assert grid_problem(shifted, (640, 480)).startswith("even-spacing test:")


def test_cli_on_the_real_views_uses_all_13_and_names_the_failed_test(real_paths, tmp_path, capsys):
    from arwed.calibrate.profile import load_profile
    from arwed.cli import main

    image = cv2.imread(str(real_paths[0]))
    found, corners = cv2.findChessboardCornersSB(
        cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), (9, 6), flags=cv2.CALIB_CB_NORMALIZE_IMAGE
    )
    assert found
    shift = float(corners[..., 0].min()) - 6.5  # the board's left column of corners 6.5 px from the edge
    moved = cv2.warpAffine(
        image, np.float32([[1, 0, -shift], [0, 1, 0]]), (640, 480), borderMode=cv2.BORDER_REPLICATE
    )
    cv2.imwrite(str(tmp_path / "at_the_edge.png"), moved)
    out = tmp_path / "real.yaml"
    images = [str(p) for p in real_paths] + [str(tmp_path / "at_the_edge.png")]
    code = main(
        [
            "calibrate",
            "--images",
            *images,
            "--board",
            "chessboard:9x6",
            "--square",
            "0.025",
            "--out",
            str(out),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "14 images: 13 with the board" in captured.err
    assert "at_the_edge.png: edge test: a corner is" in captured.err
    assert (
        "Outlier views: none" in captured.out
        and "TRUSTED" in captured.out
        and "NOT TRUSTED" not in captured.out
    )
    assert len(load_profile(out).per_view_errors_px) == 13
