import cv2
import numpy as np
import pytest

from arwed.calibrate.boards import BoardSpec, parse_board
from arwed.errors import UserError


def test_parse_board_reads_both_kinds():
    chess = parse_board("chessboard:9x6", 0.025)
    assert (chess.kind, chess.cols, chess.rows, chess.square_m) == ("chessboard", 9, 6, 0.025)
    assert chess.squares == (10, 7) and chess.corner_count == 54
    charuco = parse_board(" charuco:11X8 ", 0.02, 0.014, "DICT_4X4_50")
    assert charuco.squares == (11, 8) and charuco.inner_corners == (10, 7)
    assert charuco.marker_m == 0.014 and charuco.dictionary == "DICT_4X4_50"


@pytest.mark.parametrize(
    ("text", "square", "marker", "dictionary", "message"),
    [
        ("chess:9x6", 0.02, None, "DICT_5X5_100", "not understood"),
        ("chessboard:9x6", None, None, "DICT_5X5_100", "--square is needed"),
        ("chessboard:9x6", -0.02, None, "DICT_5X5_100", "positive"),
        ("chessboard:6x6", 0.02, None, "DICT_5X5_100", "no way up"),
        ("chessboard:1x6", 0.02, None, "DICT_5X5_100", "inner corners"),
        ("charuco:11x8", 0.02, None, "DICT_5X5_100", "needs --marker"),
        ("charuco:11x8", 0.02, 0.03, "DICT_5X5_100", "smaller than --square"),
        ("charuco:11x8", 0.02, 0.014, "DICT_9X9_1", "unknown ArUco dictionary"),
        ("charuco:20x20", 0.02, 0.014, "DICT_4X4_50", "has only 50"),
    ],
)
def test_parse_board_refuses_impossible_boards(text, square, marker, dictionary, message):
    with pytest.raises(UserError, match=message):
        parse_board(text, square, marker, dictionary)


def test_charuco_object_points_match_opencv_board():
    board = BoardSpec("charuco", 7, 5, 0.04, 0.03)
    assert np.allclose(board.object_points(), board.charuco_board.getChessboardCorners())


def test_render_has_one_block_of_pixels_per_square():
    board = BoardSpec("chessboard", 4, 3, 0.03)
    image = board.render(10, margin_px=5)
    assert image.shape == (4 * 10 + 10, 5 * 10 + 10)
    assert image[5, 5] == 0 and image[5 + 10, 5] == 255 and image[0, 0] == 255  # black top-left, white margin
    found, _ = cv2.findChessboardCorners(
        cv2.resize(image, None, fx=4, fy=4, interpolation=cv2.INTER_NEAREST), (4, 3)
    )
    assert found
