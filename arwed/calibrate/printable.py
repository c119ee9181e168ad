"""Printable calibration boards at true physical size (PDF or PNG), with their dimensions on the sheet.

Drawn with matplotlib (already installed as a MediaPipe dependency): a figure the size of the paper, the
board in an axes box of exactly the board's size, so a PDF printed at 100% has squares of the stated size,
and a PNG carries its resolution so that printing it at that resolution does too. A 100 mm scale bar on the
sheet lets the operator check that the printer did not scale it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from arwed.calibrate.boards import CHARUCO, CHESSBOARD, DEFAULT_DICTIONARY, BoardSpec
from arwed.errors import UserError

MM_PER_INCH = 25.4
PAPERS_MM = {"a4": (297.0, 210.0), "letter": (279.4, 215.9), "a3": (420.0, 297.0)}  # landscape
MARGIN_MM = 12.0
TEXT_BAND_MM = 24.0  # below the board: the dimensions, the options to give arwed, the scale bar
DEFAULT_SIZES = {CHESSBOARD: (9, 6), CHARUCO: (11, 8)}  # inner corners / squares
MARKER_FRACTION = 0.7  # ChArUco marker side / square side: room around each marker for corner refinement
SCALE_BAR_MM = 100.0
SCALE_BAR_HEIGHT_MM = 1.5
SCALE_TICK_MM = 0.3
SCALE_TICK_HEIGHT_MM = 4.0


@dataclass(frozen=True)
class PrintedBoard:
    board: BoardSpec
    paper: str
    path: Path


def fitting_board(
    kind: str,
    cols: int | None,
    rows: int | None,
    paper: str,
    square_m: float | None = None,
    marker_m: float | None = None,
    dictionary: str = DEFAULT_DICTIONARY,
) -> BoardSpec:
    """The board to print: the given size, or the largest whole-millimetre squares that fit the paper."""
    if paper not in PAPERS_MM:
        raise UserError(f"unknown paper '{paper}': use {', '.join(PAPERS_MM)}")
    default_cols, default_rows = DEFAULT_SIZES[kind]
    cols, rows = cols or default_cols, rows or default_rows
    probe = BoardSpec(kind, cols, rows, 0.01, 0.007 if kind == CHARUCO else None, dictionary)
    across, down = probe.squares
    width_mm, height_mm = _board_area_mm(paper)
    largest_mm = float(np.floor(min(width_mm / across, height_mm / down)))
    if square_m is None:
        if largest_mm < 5:
            raise UserError(
                f"a {cols}x{rows} board does not fit on {paper}: choose fewer squares or bigger paper"
            )
        square_m = largest_mm / 1000.0
    elif square_m * 1000.0 > largest_mm + 1e-9:
        raise UserError(
            f"{across}x{down} squares of {square_m * 1000:g} mm do not fit on {paper} (at most {largest_mm:g} mm)"
        )
    if kind == CHARUCO and marker_m is None:
        marker_m = round(square_m * MARKER_FRACTION * 2000.0) / 2000.0  # to half a millimetre
    return BoardSpec(kind, cols, rows, square_m, marker_m if kind == CHARUCO else None, dictionary)


def _board_area_mm(paper: str) -> tuple[float, float]:
    width, height = PAPERS_MM[paper]
    return width - 2 * MARGIN_MM, height - 2 * MARGIN_MM - TEXT_BAND_MM


def write_board(board: BoardSpec, path: str | Path, paper: str = "a4", dpi: int = 300) -> PrintedBoard:
    """Write the sheet as PDF or PNG (by the file's extension), the board at true size."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".pdf", ".png"):
        raise UserError(f"--out {path}: the board is written as .pdf or .png")
    if paper not in PAPERS_MM:
        raise UserError(f"unknown paper '{paper}': use {', '.join(PAPERS_MM)}")
    width_mm, height_mm = _board_area_mm(paper)
    board_w_mm, board_h_mm = (v * 1000.0 for v in board.size_m)
    if board_w_mm > width_mm + 1e-6 or board_h_mm > height_mm + 1e-6:
        raise UserError(
            f"{board.describe()} is {board_w_mm:.0f}x{board_h_mm:.0f} mm: it does not fit on {paper}"
        )
    figure = _sheet(board, paper, dpi if suffix == ".png" else 72)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=dpi, format=suffix[1:])
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
    return PrintedBoard(board, paper, path)


def _scale_bar_marks_mm() -> list[tuple[float, float, float]]:
    """The scale bar's marks (left, width, height in mm from the bar's left end): the bar, and a tick every
    10 mm; the end ticks lie inside the bar, so its ink measures exactly SCALE_BAR_MM end to end."""
    marks = [(0.0, SCALE_BAR_MM, SCALE_BAR_HEIGHT_MM)]
    for tick_mm in range(0, int(SCALE_BAR_MM) + 1, 10):
        left = min(max(tick_mm - SCALE_TICK_MM / 2.0, 0.0), SCALE_BAR_MM - SCALE_TICK_MM)
        marks.append((left, SCALE_TICK_MM, SCALE_TICK_HEIGHT_MM))
    return marks


def _sheet(board: BoardSpec, paper: str, dpi: int):
    from matplotlib.figure import Figure  # matplotlib is slow to import: only when a board is printed
    from matplotlib.patches import Rectangle

    paper_w, paper_h = PAPERS_MM[paper]
    figure = Figure(figsize=(paper_w / MM_PER_INCH, paper_h / MM_PER_INCH), facecolor="white")
    board_w, board_h = (v * 1000.0 for v in board.size_m)
    area_w, area_h = _board_area_mm(paper)
    left = MARGIN_MM + (area_w - board_w) / 2.0
    bottom = MARGIN_MM + TEXT_BAND_MM + (area_h - board_h) / 2.0
    axes = figure.add_axes((left / paper_w, bottom / paper_h, board_w / paper_w, board_h / paper_h))
    axes.set_axis_off()
    px_per_square = max(8, int(round(board.square_m / MM_PER_INCH * 1000.0 * max(dpi, 300))))
    axes.imshow(
        board.render(px_per_square),
        cmap="gray",
        vmin=0,
        vmax=255,
        interpolation="none",
        extent=(0, board_w, board_h, 0),
        aspect="auto",
    )
    text_left = MARGIN_MM / paper_w
    band_top = MARGIN_MM + TEXT_BAND_MM
    lines = [
        (board.describe(), 10, "bold", "sans-serif"),
        (f"arwed calibrate {board.cli_text()}", 8, "normal", "monospace"),
        (
            "Print at 100% (no 'fit to page'). Measure the bar below (100 mm) and a square"
            f" ({board.square_m * 1000:g} mm); if they differ, give --square as measured. Keep the sheet flat.",
            7,
            "normal",
            "sans-serif",
        ),
    ]
    for index, (text, size, weight, family) in enumerate(lines):
        figure.text(
            text_left,
            (band_top - 2.0 - 4.5 * index) / paper_h,
            text,
            fontsize=size,
            fontweight=weight,
            family=family,
            va="top",
        )
    bar_left, bar_bottom = MARGIN_MM, MARGIN_MM + 1.0
    for left_mm, width_mm, height_mm in _scale_bar_marks_mm():
        # filled only: matplotlib's default 1 pt outline would add 0.35 mm to every mark
        figure.add_artist(
            Rectangle(
                ((bar_left + left_mm) / paper_w, bar_bottom / paper_h),
                width_mm / paper_w,
                height_mm / paper_h,
                transform=figure.transFigure,
                facecolor="black",
                edgecolor="none",
                linewidth=0.0,
            )
        )
    figure.text(
        (bar_left + SCALE_BAR_MM + 3.0) / paper_w, bar_bottom / paper_h, "100 mm", fontsize=7, va="bottom"
    )
    return figure
