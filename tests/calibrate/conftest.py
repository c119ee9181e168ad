"""Synthetic board views shared by the calibration tests (rendered once per test session), printed and lit as
real boards are (see synthetic.REAL_PRINT)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from arwed.calibrate.boards import BoardSpec
from arwed.calibrate.calibration import CalibrationView
from arwed.calibrate.detection import BoardDetector
from tests.calibrate.synthetic import REAL_PRINT, BoardPose, calibration_poses, render_view

CHARUCO = BoardSpec("charuco", 11, 8, 0.03, 0.022, "DICT_5X5_100")
CHESSBOARD = BoardSpec("chessboard", 9, 6, 0.03)


@dataclass(frozen=True)
class SyntheticSet:
    board: BoardSpec
    poses: list[BoardPose]
    images: list[np.ndarray]
    views: list[CalibrationView]  # detected with arwed's detector


def _synthetic_set(board: BoardSpec, whole_board: bool) -> SyntheticSet:
    poses = calibration_poses(board, count=24, whole_board=whole_board)
    # real-print conditions: narrow outer squares, grey margins, uneven light, glare, defocus, JPEG
    images = [render_view(board, pose, seed=index, conditions=REAL_PRINT) for index, pose in enumerate(poses)]
    detector = BoardDetector(board)
    views = [
        CalibrationView(f"view{index:02d}.png", detector.detect(image)) for index, image in enumerate(images)
    ]
    return SyntheticSet(board, poses, images, views)


@pytest.fixture(scope="session")
def charuco_set() -> SyntheticSet:
    return _synthetic_set(CHARUCO, whole_board=False)


@pytest.fixture(scope="session")
def chessboard_set() -> SyntheticSet:
    return _synthetic_set(CHESSBOARD, whole_board=True)
