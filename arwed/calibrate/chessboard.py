"""A chessboard's inner corners in a real photograph: found, checked to be one whole flat grid, and refined in
windows that stay on the printed squares.

Real prints differ from the ideal board: the outer squares are often narrower than the inner ones, and a white
or grey margin, a clipboard or a frame lies around them. Nothing outside the grid of inner corners is assumed,
as OpenCV, ROS camera_calibration, kalibr and mrgingham assume nothing there either: a view counts when the
whole grid is found (OpenCV orders it), its corners lie on a flat grid (a homography fits them to within a
fraction of a square: a lens bends a grid by far less than a scrambled one is off) and none is at the image
edge (ROS: a corner there may be a board cut by the edge), and the rows and columns are evenly spaced (a row
taken at the paper's edge next to narrow outer squares is out of step). Each refused view says which test
failed.

Sub-pixel windows: cornerSubPix uses every edge in its window, so a window reaching past the printed outer
squares is pulled by the paper's edge. The outer squares' printed width is measured on each side of the board
(where their ink ends, along lines out from the outer corners) and the outer corners' windows stop short of it.
"""

from __future__ import annotations

import cv2
import numpy as np

from arwed.calibrate.boards import BoardNotFound, BoardSpec

MAX_GRID_RESIDUAL_SQUARES = 0.4  # real views (a strong wide-angle lens included) stay under 0.2
MAX_SPACING_JUMP_SQUARES = 0.3  # real and rendered views stay under 0.15
IMAGE_EDGE_MARGIN_PX = 8  # ROS camera_calibration drops views with a corner this near the edge
MAX_REFINE_HALF_WINDOW_PX = 12
# a corner's window reaches at most this fraction of the way to its nearest neighbour corner
WINDOW_FRACTION_OF_STEP = 0.4
# pixels kept between a window and the end of the ink (cornerSubPix's gradients and the blur reach past it)
INK_CLEARANCE_PX = 2.0
_SMALL_IMAGE_PX = 640 * 480  # the classic detector is fast enough at full size on images this small
_PREVIEW_WIDTH_PX = 640
_PROFILE_STEPS = np.linspace(-0.45, 1.2, 67)  # along a line out from the board's edge, in squares


def find_chessboard(grey: np.ndarray, board: BoardSpec, fast: bool) -> np.ndarray:
    """The inner corners (rows, cols, 2) at full resolution, checked; or BoardNotFound saying which test failed.

    findChessboardCornersSB first, with histogram normalisation (real prints in uneven light need it) and then
    without (glare can make normalisation lose a row): it takes a fraction of a second whether or not a board
    is there; the classic detector (FAST_CHECK, at half size on large images to bound its time) is the
    fallback. A grid that fails a test is not taken: the next detector may find the right one. Live previews
    search a small copy with normalised SB only.
    """
    pattern = (board.cols, board.rows)
    if fast:
        attempts = [(min(1.0, _PREVIEW_WIDTH_PX / grey.shape[1]), "sb", cv2.CALIB_CB_NORMALIZE_IMAGE)]
    else:
        classic_flags = cv2.CALIB_CB_ADAPTIVE_THRESH | cv2.CALIB_CB_NORMALIZE_IMAGE | cv2.CALIB_CB_FAST_CHECK
        attempts = [
            (1.0, "sb", cv2.CALIB_CB_NORMALIZE_IMAGE),
            (1.0, "sb", 0),
            (1.0 if grey.size <= _SMALL_IMAGE_PX else 0.5, "classic", classic_flags),
        ]
    refusal = None
    for scale, method, flags in attempts:
        image = (
            grey if scale == 1.0 else cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        )
        if method == "sb":
            found, corners = cv2.findChessboardCornersSB(image, pattern, flags=flags)
        else:
            found, corners = cv2.findChessboardCorners(image, pattern, flags=flags)
        if not found:
            continue
        corners = (corners.reshape(-1, 2).astype(np.float64) + 0.5) / scale - 0.5
        grid = corners.reshape(board.rows, board.cols, 2)
        refusal = grid_problem(grid, (grey.shape[1], grey.shape[0]))
        if refusal is None:
            return grid
    if refusal is not None:
        raise BoardNotFound(refusal)
    raise BoardNotFound(
        f"no {board.cols}x{board.rows} chessboard found (the whole grid of inner corners must be in the picture;"
        f" --board counts inner corners: a board of {board.cols + 1}x{board.rows + 1} squares"
        f" has {board.cols}x{board.rows})"
    )


def grid_problem(grid: np.ndarray, image_size_px: tuple[int, int]) -> str | None:
    """Why a found grid (rows, cols, 2) is not a whole board view, naming the test; None when it is one."""
    width, height = image_size_px
    points = grid.reshape(-1, 2)
    nearest_edge = float(
        np.min([points[:, 0], points[:, 1], width - 1 - points[:, 0], height - 1 - points[:, 1]])
    )
    if nearest_edge < IMAGE_EDGE_MARGIN_PX:
        return (
            f"edge test: a corner is {max(nearest_edge, 0.0):.1f} px from the image edge (at least"
            f" {IMAGE_EDGE_MARGIN_PX} px needed): the board may be cut by the edge; keep it wholly in the picture"
        )
    residual = grid_residual_squares(grid)
    if residual > MAX_GRID_RESIDUAL_SQUARES:
        return (
            f"flat-grid test: the corners found are off a flat grid by up to {residual:.2f} of a square (at most"
            f" {MAX_GRID_RESIDUAL_SQUARES} allowed): not one whole board (scrambled, or something else taken"
            " for corners)"
        )
    jump = spacing_jump_squares(grid)
    if jump > MAX_SPACING_JUMP_SQUARES:
        return (
            f"even-spacing test: a row or column of corners is {jump:.2f} of a square out of step with its"
            f" neighbours (at most {MAX_SPACING_JUMP_SQUARES} allowed): something else (the paper's edge, a"
            " frame) was taken for corners"
        )
    return None


def spacing_jump_squares(grid: np.ndarray) -> float:
    """The largest second difference along the grid's rows and columns, in squares: perspective and lens
    bend a grid smoothly, a corner taken at the print's edge or a frame jumps out of step."""
    steps = _mean_neighbour_steps(grid)
    worst = 0.0
    for corners, local in ((grid, steps), (grid.transpose(1, 0, 2), steps.T)):
        if corners.shape[1] < 3:
            continue
        bend = np.linalg.norm(corners[:, :-2] - 2.0 * corners[:, 1:-1] + corners[:, 2:], axis=2)
        worst = max(worst, float((bend / np.maximum(local[:, 1:-1], 1e-6)).max()))
    return worst


def grid_residual_squares(grid: np.ndarray) -> float:
    """How far the corners are from the best homography of an ideal grid, in squares at each corner."""
    rows, cols = grid.shape[:2]
    ideal = np.mgrid[0:cols, 0:rows].T.reshape(-1, 2).astype(np.float64)
    points = grid.reshape(-1, 2).astype(np.float64)
    homography, _ = cv2.findHomography(ideal, points, 0)
    if homography is None or not np.all(np.isfinite(homography)):
        return float("inf")
    fitted = cv2.perspectiveTransform(ideal.reshape(-1, 1, 2), homography).reshape(-1, 2)
    steps = _mean_neighbour_steps(grid)
    return float((np.linalg.norm(fitted - points, axis=1) / np.maximum(steps.ravel(), 1e-6)).max())


def _mean_neighbour_steps(grid: np.ndarray) -> np.ndarray:
    """Per corner, the mean distance to its grid neighbours (rows, cols): the local size of a square."""
    total, count = np.zeros(grid.shape[:2]), np.zeros(grid.shape[:2])
    for axis in (0, 1):
        steps = np.linalg.norm(np.diff(grid, axis=axis), axis=2)
        ones = np.ones_like(steps)
        lower = (slice(None, -1), slice(None)) if axis == 0 else (slice(None), slice(None, -1))
        upper = (slice(1, None), slice(None)) if axis == 0 else (slice(None), slice(1, None))
        for part in (lower, upper):
            total[part] += steps
            count[part] += ones
    return total / np.maximum(count, 1)


# ----------------------------------------------------------------------------------------- refine windows


def refine_windows(grey: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Half-windows (rows, cols): a fraction of the way to the nearest corner, and for the outer corners short
    of where the outer squares' ink ends."""
    nearest = np.full(grid.shape[:2], np.inf)
    for axis in (0, 1):
        steps = np.abs(np.diff(grid, axis=axis)).max(
            axis=2
        )  # Chebyshev: the window is an axis-aligned square
        if axis == 0:
            nearest[:-1] = np.minimum(nearest[:-1], steps)
            nearest[1:] = np.minimum(nearest[1:], steps)
        else:
            nearest[:, :-1] = np.minimum(nearest[:, :-1], steps)
            nearest[:, 1:] = np.minimum(nearest[:, 1:], steps)
    half = np.floor(WINDOW_FRACTION_OF_STEP * nearest)
    for edge, inner, where in _sides(grid):
        fraction = outer_ink_fraction(grey, edge, inner)
        for index, (row, col) in enumerate(where):
            half[row, col] = min(half[row, col], _half_window_inside(edge, inner, index, fraction))
    return np.clip(half, 2, MAX_REFINE_HALF_WINDOW_PX).astype(np.int32)


def _sides(grid: np.ndarray):
    """Each side of the grid: its outer row of corners, the row inside it, and the (row, col) of each."""
    rows, cols = grid.shape[:2]
    yield grid[0], grid[1], [(0, c) for c in range(cols)]
    yield grid[-1], grid[-2], [(rows - 1, c) for c in range(cols)]
    yield grid[:, 0], grid[:, 1], [(r, 0) for r in range(rows)]
    yield grid[:, -1], grid[:, -2], [(r, cols - 1) for r in range(rows)]


def outer_ink_fraction(grey: np.ndarray, edge: np.ndarray, inner: np.ndarray) -> float:
    """How far (in squares) the outer squares beyond one side's outer corners reach before their colour ends.

    Along a line from the middle of each outer square's inner side outwards, the square's own level is sampled
    just outside the corners and the square ends where the level has moved half-way to the colour inside the
    board; the narrowest of the median dark and the median light square is the side's (glare or a stain on
    one square does not move a median).
    """
    widths: dict[bool, list[float]] = {True: [], False: []}
    for k in range(len(edge) - 1):
        middle = (edge[k] + edge[k + 1]) / 2.0
        outward = ((edge[k] - inner[k]) + (edge[k + 1] - inner[k + 1])) / 2.0
        line = middle[None, :] + _PROFILE_STEPS[:, None] * outward[None, :]
        profile = cv2.remap(
            grey,
            line[:, 0].astype(np.float32).reshape(1, -1),
            line[:, 1].astype(np.float32).reshape(1, -1),
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        ).ravel()
        own = float(np.median(profile[(_PROFILE_STEPS > 0.08) & (_PROFILE_STEPS < 0.2)]))
        inside = float(np.median(profile[(_PROFILE_STEPS > -0.4) & (_PROFILE_STEPS < -0.1)]))
        moved = np.flatnonzero(
            (_PROFILE_STEPS > 0.08) & (np.abs(profile.astype(np.float64) - own) > 0.5 * abs(own - inside))
        )
        widths[own < inside].append(float(_PROFILE_STEPS[moved[0]]) if len(moved) else 1.0)
    medians = [float(np.median(values)) for values in widths.values() if values]
    return float(np.clip(min(medians), 0.0, 1.0)) if medians else 0.5


def _half_window_inside(edge: np.ndarray, inner: np.ndarray, index: int, fraction: float) -> float:
    """The largest half-window at edge[index] whose square stays `INK_CLEARANCE_PX` inside the ink's end, a
    line along the side `fraction` of a square out."""
    before, after = edge[max(index - 1, 0)], edge[min(index + 1, len(edge) - 1)]
    along = (after - before) / max(float(np.linalg.norm(after - before)), 1e-9)
    normal = np.array([-along[1], along[0]])
    reach = fraction * abs(float((edge[index] - inner[index]) @ normal))
    # an axis-aligned square of half-side h reaches h (|nx| + |ny|) along the normal
    return float(np.floor((reach - INK_CLEARANCE_PX) / (abs(normal[0]) + abs(normal[1]))))
