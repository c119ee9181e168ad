import re

import cv2
import numpy as np
import pytest

from arwed.calibrate.detection import BoardDetector
from arwed.calibrate.printable import fitting_board, write_board
from arwed.errors import UserError


@pytest.mark.parametrize(("kind", "paper"), [("chessboard", "letter"), ("charuco", "a4")])
def test_png_board_is_at_true_size_and_detectable(tmp_path, kind, paper):
    board = fitting_board(kind, None, None, paper)
    path = tmp_path / f"{kind}.png"
    write_board(board, path, paper, dpi=150)
    image = cv2.imread(str(path))
    height, width = image.shape[:2]
    paper_w_mm = {"a4": 297.0, "letter": 279.4}[paper]
    assert width == pytest.approx(paper_w_mm / 25.4 * 150, abs=1)
    detection = BoardDetector(board).detect(image)
    assert detection.corner_count == board.corner_count
    # neighbouring corners one square apart: the square's printed size at 150 dpi
    points = detection.image_points_px[np.argsort(detection.corner_ids)]
    across = board.inner_corners[0]
    step_px = np.linalg.norm(np.diff(points.reshape(-1, across, 2), axis=1), axis=2).mean()
    assert step_px / 150 * 25.4 == pytest.approx(board.square_m * 1000, rel=0.01)


def test_pdf_has_the_paper_size(tmp_path):
    board = fitting_board("charuco", None, None, "a4")
    path = tmp_path / "board.pdf"
    write_board(board, path, "a4")
    text = path.read_bytes().decode("latin-1")
    box = [float(v) for v in re.search(r"/MediaBox\s*\[\s*([\d.\s]+)\]", text).group(1).split()]
    assert box[2] == pytest.approx(297 / 25.4 * 72, abs=0.5) and box[3] == pytest.approx(
        210 / 25.4 * 72, abs=0.5
    )


def test_defaults_fit_the_paper_and_errors_are_clear(tmp_path):
    charuco = fitting_board("charuco", None, None, "a4")
    assert (charuco.cols, charuco.rows, charuco.square_m, charuco.marker_m) == (11, 8, 0.02, 0.014)
    assert fitting_board("chessboard", 9, 6, "letter").square_m == 0.023
    with pytest.raises(UserError, match="do not fit on a4"):
        fitting_board("chessboard", 9, 6, "a4", square_m=0.05)
    with pytest.raises(UserError, match=r"\.pdf or \.png"):
        write_board(charuco, tmp_path / "board.svg")
