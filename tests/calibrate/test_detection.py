import time

import cv2
import numpy as np
import pytest

from arwed.calibrate.boards import BoardSpec
from arwed.calibrate.detection import BoardDetector, BoardNotFound, _refine
from tests.calibrate.conftest import CHARUCO, CHESSBOARD
from tests.calibrate.synthetic import calibration_poses, pose_facing, render_view, true_corners_px


def _errors(board, pose, detection):
    truth = true_corners_px(board, pose)[detection.corner_ids]
    if board.kind == "chessboard" and np.linalg.norm(detection.image_points_px[0] - truth[0]) > 3:
        truth = truth[::-1]  # a chessboard turned half round is found from its other end
    return detection.image_points_px - truth


@pytest.mark.parametrize("which", ["charuco_set", "chessboard_set"])
def test_corners_are_sub_pixel_accurate(which, request):
    data = request.getfixturevalue(which)
    errors = np.concatenate(
        [_errors(data.board, pose, view.detection) for pose, view in zip(data.poses, data.views, strict=True)]
    )
    distances = np.linalg.norm(errors, axis=1)
    print(
        f"\n{data.board.kind}: corner RMS {np.sqrt((distances**2).mean()):.3f} px, max {distances.max():.3f} px"
    )
    # real-print renders (glare, JPEG, defocus, narrow outer squares): ChArUco 0.10 / 0.50, chessboard 0.08 / 0.31;
    # ideal renders gave under 0.08 / 0.35
    assert np.sqrt((distances**2).mean()) < 0.12
    assert distances.max() < 0.6
    # no systematic shift (OpenCV 4.11's ChArUco corners alone are off by +0.5 px in x and y)
    assert np.abs(errors.mean(axis=0)).max() < 0.03


def test_fitted_window_beats_a_fixed_large_one_on_small_squares():
    pose = pose_facing(CHARUCO, (640, 360), 0.95, 30, -20, 5)
    image = render_view(CHARUCO, pose, seed=7)
    detection = BoardDetector(CHARUCO).detect(image)
    truth = true_corners_px(CHARUCO, pose)[detection.corner_ids]
    fitted = np.linalg.norm(detection.image_points_px - truth, axis=1)
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    fixed_windows = np.full(detection.corner_count, 8)
    fixed = np.linalg.norm(_refine(grey, detection.image_points_px, fixed_windows) - truth, axis=1)
    assert detection.refine_half_windows_px.max() < 8  # the squares really are small here
    assert np.sqrt((fitted**2).mean()) * 2 < np.sqrt((fixed**2).mean())


def test_wrong_chessboard_size_says_how_to_count():
    image = render_view(CHESSBOARD, calibration_poses(CHESSBOARD, count=1, whole_board=True)[0])
    with pytest.raises(BoardNotFound, match="counts inner corners: a board of 11x8 squares has 10x7"):
        BoardDetector(BoardSpec("chessboard", 10, 7, 0.03)).detect(image)


def test_chessboard_cut_by_the_image_edge_is_not_taken_for_a_whole_one():
    pose = pose_facing(CHESSBOARD, (200, 100), 0.45, -25, 25, 4)
    image = render_view(CHESSBOARD, pose)
    assert (true_corners_px(CHESSBOARD, pose)[:, 1] < 0).any()  # some corners are outside the picture
    with pytest.raises(BoardNotFound):
        BoardDetector(CHESSBOARD).detect(image)


def test_charuco_problems_are_explained(charuco_set):
    image = charuco_set.images[0]
    with pytest.raises(BoardNotFound, match="look like DICT_5X5 markers, not DICT_6X6_250: check --dict"):
        BoardDetector(BoardSpec("charuco", 11, 8, 0.03, 0.022, "DICT_6X6_250")).detect(image)
    with pytest.raises(BoardNotFound, match="more squares than --board says"):
        BoardDetector(BoardSpec("charuco", 5, 5, 0.03, 0.022)).detect(image)


def test_blank_image_is_quickly_refused():
    blank = np.full((720, 1280, 3), 128, np.uint8)
    started = time.monotonic()
    for board in (CHARUCO, CHESSBOARD):
        with pytest.raises(BoardNotFound):
            BoardDetector(board).detect(blank)
    assert time.monotonic() - started < 5.0


def test_a_mirrored_charuco_view_is_refused_with_advice(charuco_set):
    """A mirroring webcam: the markers read only when the picture is flipped back."""
    from arwed.calibrate.detection import MirroredImage

    detector = BoardDetector(CHARUCO)
    assert detector.detect(charuco_set.images[3]).corner_count >= 6  # as the camera really sees it
    mirrored = cv2.flip(charuco_set.images[3], 1)
    for fast in (False, True):
        with pytest.raises(MirroredImage, match="the picture is mirrored .* turn mirroring off"):
            detector.detect(mirrored, fast=fast)


def test_try_refine_markers_finds_more_charuco_corners_on_hard_views():
    """Blur, sensor noise and boards cut by the image edge: looking again where the board says a marker must be
    finds markers (so corners) the first pass missed; the corners it adds are about as accurate."""
    from arwed.calibrate.detection import charuco_detector

    hard = [
        (((100, 360), 0.6, 20, 30, 5), 2.2, 8.0),  # cut by the left edge
        (((1200, 300), 0.55, -20, -30, -5), 2.2, 8.0),  # cut by the right edge
        (((640, 60), 0.7, 35, 0, 10), 2.2, 8.0),  # cut by the top edge
        (((640, 700), 0.6, -30, 15, 0), 2.2, 8.0),  # cut by the bottom edge
        (((200, 150), 0.8, 30, 30, 0), 1.6, 6.0),  # far, in a corner of the picture
        (((1100, 650), 0.8, -30, -25, 8), 1.6, 6.0),
    ]
    plain = charuco_detector(CHARUCO, try_refine_markers=False)
    counts, first_pass, added = [], [], []
    for index, (pose_args, blur, noise) in enumerate(hard):
        pose = pose_facing(CHARUCO, *pose_args)
        image = render_view(CHARUCO, pose, blur_sigma_px=blur, noise_grey=noise, seed=index)
        plain_ids = plain.detectBoard(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))[1]
        plain_ids = set() if plain_ids is None else set(plain_ids.ravel().tolist())
        detection = BoardDetector(CHARUCO).detect(image)  # refines markers
        counts.append((len(plain_ids), detection.corner_count))
        errors = np.linalg.norm(_errors(CHARUCO, pose, detection), axis=1)
        for corner_id, error in zip(detection.corner_ids.tolist(), errors, strict=True):
            (first_pass if corner_id in plain_ids else added).append(error)
    without, with_refine = np.sum(counts, axis=0)
    rms = [float(np.sqrt(np.mean(np.square(e)))) for e in (first_pass, added)]
    print(
        f"\ntryRefineMarkers on {len(hard)} hard views: {without} -> {with_refine} corners"
        f" (+{(with_refine / without - 1) * 100:.0f}%), per view {counts}; corner RMS error {rms[0]:.3f} px"
        f" (found without it), {rms[1]:.3f} px (added by it)"
    )
    assert with_refine >= 1.3 * without
    assert all(after >= before for before, after in counts)
    assert rms[1] < 1.5 * rms[0] and rms[1] < 0.4
