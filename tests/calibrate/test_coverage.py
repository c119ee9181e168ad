import numpy as np

from arwed.calibrate.coverage import (
    CoverageTracker,
    ViewGeometry,
    coverage_advice,
    coverage_bars,
    uncovered_image_corners,
    view_geometry,
)


def test_bars_fill_as_views_spread():
    assert coverage_bars([]).items() == [
        ("Left-right", 0.0),
        ("Top-bottom", 0.0),
        ("Distance", 0.0),
        ("Tilt", 0.0),
    ]
    one = [ViewGeometry(0.5, 0.5, 0.4, 0.0, 0.0)]
    assert not coverage_bars(one).full
    spread = [ViewGeometry(0.1, 0.1, 0.2, -25, -25), ViewGeometry(0.9, 0.9, 0.6, 25, 25)]
    assert coverage_bars(spread).full
    half = coverage_bars([ViewGeometry(0.3, 0.5, 0.4, 0, 0), ViewGeometry(0.65, 0.5, 0.4, 0, 0)])
    assert 0.45 < half.left_right < 0.55 and half.top_bottom == 0.0


def test_view_geometry_measures_tilt(charuco_set):
    geometries = [view_geometry(view.detection) for view in charuco_set.views]
    # pose 1 is tilted 30 degrees about x, pose 3 30 degrees about y (roll changes them a little)
    assert abs(abs(geometries[1].tilt_x_deg) - 30) < 8 and abs(geometries[1].tilt_y_deg) < 8
    assert abs(abs(geometries[3].tilt_y_deg) - 30) < 8
    assert geometries[0].tilt_deg < 8  # square-on (a rough estimate: no calibration yet, lens distortion)
    assert coverage_bars(geometries).full


def test_tracker_keeps_only_views_that_add_coverage(charuco_set):
    tracker = CoverageTracker((1280, 720))
    first = charuco_set.views[0].detection
    assert tracker.adds_coverage(first, view_geometry(first))
    tracker.add(first)
    assert not tracker.adds_coverage(first, view_geometry(first))  # the same view again adds nothing
    other = charuco_set.views[1].detection
    assert tracker.adds_coverage(other, view_geometry(other))
    assert tracker.counts.sum() == first.corner_count
    assert not tracker.enough()


def test_uncovered_corners_and_advice():
    counts = np.zeros((9, 16), np.int32)
    counts[3:6, 5:11] = 4
    assert uncovered_image_corners(counts) == ["top-left", "top-right", "bottom-left", "bottom-right"]
    counts[0, 0] = 1
    assert "top-left" not in uncovered_image_corners(counts)
    advice = coverage_advice([ViewGeometry(0.5, 0.5, 0.4, 0, 0)], counts)
    assert "top-right, bottom-left, bottom-right corners" in advice[0]
    assert any("tilt the board" in a for a in advice) and any("close to the camera" in a for a in advice)
