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


def _pdf_ink_boxes_pt(path):
    """Every filled or stroked rectangle drawn in the PDF's content streams, as (x0, y0, x1, y1) in points,
    grown by half the line width where it is stroked (the ink a printer lays down)."""
    import zlib

    data = path.read_bytes()
    boxes = []
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            text = zlib.decompress(stream.group(1)).decode("latin-1")
        except zlib.error:
            continue
        width, points = 1.0, []
        for token_line in text.split("\n"):
            tokens = token_line.split()
            if not tokens:
                continue
            if len(tokens) >= 2 and tokens[-1] == "w" and tokens[-2].replace(".", "").isdigit():
                width = float(tokens[-2])
            if len(tokens) == 3 and tokens[2] in ("m", "l"):
                points.append((float(tokens[0]), float(tokens[1])))
            elif tokens[-1] in ("f", "B", "S", "b") and points:
                xs, ys = [p[0] for p in points], [p[1] for p in points]
                grow = width / 2.0 if tokens[-1] in ("B", "S", "b") else 0.0
                boxes.append((min(xs) - grow, min(ys) - grow, max(xs) + grow, max(ys) + grow))
                points = []
            elif tokens[-1] == "n":
                points = []
    return boxes


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_pdf_scale_bar_is_100_mm_of_ink(tmp_path, paper):
    from arwed.calibrate.printable import MARGIN_MM

    path = tmp_path / "board.pdf"
    write_board(fitting_board("chessboard", None, None, paper), path, paper)
    mm = 72.0 / 25.4
    bar_bottom = (MARGIN_MM + 1.0) * mm
    marks = [box for box in _pdf_ink_boxes_pt(path) if abs(box[1] - bar_bottom) < 0.5 * mm]
    assert len(marks) == 12  # the bar and 11 ticks
    left, right = min(b[0] for b in marks) / mm, max(b[2] for b in marks) / mm
    print(f"\n{paper}: the scale bar's ink measures {right - left:.3f} mm end to end")
    assert right - left == pytest.approx(100.0, abs=0.1)
    ticks = sorted((b for b in marks if (b[3] - b[1]) / mm > 3.0), key=lambda b: b[0])
    assert all((b[2] - b[0]) / mm == pytest.approx(0.3, abs=0.05) for b in ticks)
    centres = [(b[0] + b[2]) / 2.0 / mm for b in ticks[1:-1]]
    assert np.allclose(np.diff(centres), 10.0, atol=0.05)
