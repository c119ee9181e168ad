"""Calibration boards: what the user printed, as a spec OpenCV can detect and arwed can draw.

Board coordinates (metres) for both kinds: origin at the top-left corner of the squares area, x to the right
along the board, y down the board, z into the board (OpenCV's convention), so every corner has z = 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from arwed.errors import UserError

CHESSBOARD = "chessboard"
CHARUCO = "charuco"
BOARD_KINDS = (CHESSBOARD, CHARUCO)
DEFAULT_DICTIONARY = "DICT_5X5_100"

_BOARD_PATTERN = re.compile(r"^\s*(chessboard|charuco)\s*:\s*(\d+)\s*[xX]\s*(\d+)\s*$")


class BoardNotFound(Exception):
    """No usable board in an image; the message says why, for the list of skipped images."""


@dataclass(frozen=True)
class BoardSpec:
    """A printed board. `cols` x `rows` counts inner corners for a chessboard (as OpenCV does), squares for ChArUco."""

    kind: str
    cols: int
    rows: int
    square_m: float
    marker_m: float | None = None  # ChArUco only: the side of each ArUco marker
    dictionary: str = DEFAULT_DICTIONARY  # ChArUco only: the ArUco dictionary the markers come from

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def squares(self) -> tuple[int, int]:
        """Squares across and down."""
        if self.kind == CHESSBOARD:
            return self.cols + 1, self.rows + 1
        return self.cols, self.rows

    @property
    def inner_corners(self) -> tuple[int, int]:
        """Inner corners across and down (where squares meet)."""
        across, down = self.squares
        return across - 1, down - 1

    @property
    def corner_count(self) -> int:
        across, down = self.inner_corners
        return across * down

    @property
    def size_m(self) -> tuple[float, float]:
        """Width and height of the squares area."""
        across, down = self.squares
        return across * self.square_m, down * self.square_m

    @property
    def min_corners_per_view(self) -> int:
        """Corners a view needs to count: the whole board for a chessboard, a part of it for ChArUco."""
        return self.corner_count if self.kind == CHESSBOARD else min(6, self.corner_count)

    def object_points(self) -> np.ndarray:
        """Every inner corner in board coordinates (N, 3), indexed by corner id (row-major, top-left first)."""
        across, down = self.inner_corners
        grid = np.mgrid[1 : across + 1, 1 : down + 1].T.reshape(-1, 2).astype(np.float64)
        return np.column_stack((grid * self.square_m, np.zeros(len(grid))))

    @cached_property
    def charuco_board(self) -> cv2.aruco.CharucoBoard:
        if self.kind != CHARUCO:
            raise ValueError("not a ChArUco board")
        dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, self.dictionary))
        return cv2.aruco.CharucoBoard(self.squares, self.square_m, float(self.marker_m or 0.0), dictionary)

    def describe(self) -> str:
        if self.kind == CHESSBOARD:
            across, down = self.squares
            return (
                f"chessboard {self.cols}x{self.rows} inner corners ({across}x{down} squares),"
                f" {self.square_m * 1000:.1f} mm squares"
            )
        return (
            f"ChArUco {self.cols}x{self.rows} squares, {self.square_m * 1000:.1f} mm squares,"
            f" {(self.marker_m or 0) * 1000:.1f} mm markers, {self.dictionary}"
        )

    def cli_text(self) -> str:
        """The command-line options that name this board."""
        text = f"--board {self.kind}:{self.cols}x{self.rows} --square {self.square_m:g}"
        if self.kind == CHARUCO:
            text += f" --marker {self.marker_m:g} --dict {self.dictionary}"
        return text

    def render(self, px_per_square: int, margin_px: int = 0) -> np.ndarray:
        """The board as a grey image (uint8), `px_per_square` pixels a square, with a white margin around.

        Pixel (i, j)'s centre lies at board coordinates ((j + 0.5 - margin) / px_per_square * square, ...).
        """
        across, down = self.squares
        width, height = across * px_per_square, down * px_per_square
        if self.kind == CHARUCO:
            squares = self.charuco_board.generateImage((width, height), marginSize=0, borderBits=1)
        else:
            cells = (np.add.outer(np.arange(down), np.arange(across)) % 2 == 0).astype(np.uint8)
            squares = np.where(np.kron(cells, np.ones((px_per_square, px_per_square), np.uint8)) > 0, 0, 255)
        return cv2.copyMakeBorder(
            squares.astype(np.uint8),
            margin_px,
            margin_px,
            margin_px,
            margin_px,
            cv2.BORDER_CONSTANT,
            value=255,
        )


def _validate(board: BoardSpec) -> None:
    if board.kind not in BOARD_KINDS:
        raise UserError(f"unknown board type '{board.kind}': use chessboard or charuco")
    if board.square_m <= 0 or not np.isfinite(board.square_m):
        raise UserError(f"--square must be a positive size in metres, not {board.square_m:g}")
    if board.kind == CHESSBOARD:
        if board.cols < 2 or board.rows < 2:
            raise UserError(
                f"a chessboard of {board.cols}x{board.rows} inner corners is too small: count the inner corners"
                " (where four squares meet), at least 2x2"
            )
        if board.cols == board.rows:
            raise UserError(
                f"a square chessboard ({board.cols}x{board.rows} inner corners) has no way up: OpenCV cannot tell"
                " its orientation; use one with different counts across and down (e.g. 9x6)"
            )
        return
    if board.cols < 3 or board.rows < 3:
        raise UserError(f"a ChArUco board of {board.cols}x{board.rows} squares is too small: at least 3x3")
    if board.marker_m is None:
        raise UserError("a ChArUco board needs --marker, the side of one ArUco marker in metres")
    if not 0 < board.marker_m < board.square_m:
        raise UserError(
            f"--marker ({board.marker_m:g} m) must be positive and smaller than --square ({board.square_m:g} m)"
        )
    if not board.dictionary.startswith("DICT_") or not hasattr(cv2.aruco, board.dictionary):
        raise UserError(
            f"unknown ArUco dictionary '{board.dictionary}': use one like DICT_5X5_100 or DICT_4X4_50"
        )
    capacity = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, board.dictionary)).bytesList.shape[0]
    markers = (board.cols * board.rows) // 2
    if markers > capacity:
        raise UserError(
            f"a {board.cols}x{board.rows} ChArUco board needs {markers} markers but {board.dictionary} has only"
            f" {capacity}: choose a bigger dictionary"
        )


def parse_board(
    text: str, square_m: float | None, marker_m: float | None = None, dictionary: str = DEFAULT_DICTIONARY
) -> BoardSpec:
    """A board from the command line's `chessboard:COLSxROWS` or `charuco:COLSxROWS` and sizes in metres."""
    match = _BOARD_PATTERN.match(text or "")
    if not match:
        raise UserError(f"--board '{text}' is not understood: write chessboard:9x6 or charuco:11x8")
    if square_m is None:
        raise UserError("--square is needed: the side of one printed square in metres, measured on the print")
    kind, cols, rows = match.group(1), int(match.group(2)), int(match.group(3))
    return BoardSpec(kind, cols, rows, float(square_m), None if kind == CHESSBOARD else marker_m, dictionary)
