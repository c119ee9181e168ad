"""Synthetic board views shared by the calibration tests (rendered once per test session), printed and lit as
real boards are (see synthetic.REAL_PRINT)."""

from __future__ import annotations

import fcntl
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

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


def _synthetic_set(tmp_path_factory, board: BoardSpec, whole_board: bool) -> SyntheticSet:
    poses = calibration_poses(board, count=24, whole_board=whole_board)

    def render_and_detect() -> tuple[list[np.ndarray], list[CalibrationView]]:
        # real-print conditions: narrow outer squares, grey margins, uneven light, glare, defocus, JPEG
        images = [
            render_view(board, pose, seed=index, conditions=REAL_PRINT) for index, pose in enumerate(poses)
        ]
        detector = BoardDetector(board)
        views = [
            CalibrationView(f"view{index:02d}.png", detector.detect(image))
            for index, image in enumerate(images)
        ]
        return images, views

    images, views = _built_once_for_all_workers(tmp_path_factory, f"{board.kind}_set", render_and_detect)
    return SyntheticSet(board, poses, images, views)


def _built_once_for_all_workers(tmp_path_factory, name: str, build):
    """Each of xdist's workers holds a session of its own: the first to need the pictures builds them and
    leaves them beside the workers' temporary folders, the others read them (under a lock, so none builds
    them again). Only plain data is kept: OpenCV's board objects do not pickle."""
    folder = Path(tmp_path_factory.getbasetemp())
    if os.environ.get("PYTEST_XDIST_WORKER"):
        folder = folder.parent  # the run's folder, shared by its workers
    built = folder / f"{name}.pickle"
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if built.exists():
            return pickle.loads(built.read_bytes())
        value = build()
        built.write_bytes(pickle.dumps(value))
        return value


@pytest.fixture(scope="session")
def charuco_set(tmp_path_factory) -> SyntheticSet:
    return _synthetic_set(tmp_path_factory, CHARUCO, whole_board=False)


@pytest.fixture(scope="session")
def chessboard_set(tmp_path_factory) -> SyntheticSet:
    return _synthetic_set(tmp_path_factory, CHESSBOARD, whole_board=True)
