"""How well a set of views covers what a calibration needs: every part of the picture, near and far, tilted.

Four bars, each 0..1, fill as the views get diverse (after ROS camera_calibration's X, Y, size and skew):
left-right and top-bottom (where the board's centre has been, relative to where it can go), distance (the
range of the board's apparent size) and tilt (the range of its angle about both axes). A coverage map
counts the corners seen in each cell of a grid over the picture: distortion is only measured where corners
were seen, and most of it is near the edges and corners of the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from arwed.calibrate.detection import BoardDetection

POSITION_RANGE_NEEDED = 0.7  # of the free range the board's centre can move in, as in ROS camera_calibration
SIZE_RANGE_NEEDED = 0.3  # of sqrt(board area / image area)
TILT_RANGE_NEEDED_DEG = 40.0  # about each axis, e.g. from -20 to +20 degrees
TILTED_VIEW_DEG = 20.0  # a view tilted more than this helps separate focal length from distance
TILTED_VIEWS_NEEDED = 3
ENOUGH_VIEWS_WITH_FULL_BARS = 8
ENOUGH_VIEWS_ANYWAY = 20  # views are only kept when they add coverage, so this many are diverse
GRID_COLUMNS = 16
_NOVELTY_NEEDED = 0.2
_NEW_CELLS_NEEDED = 3
_ASSUMED_HORIZONTAL_FOV_DEG = 65.0  # only to estimate tilt before any calibration: tilt barely depends on it


@dataclass(frozen=True)
class ViewGeometry:
    """Where a view's board is: position 0..1 in its free range, apparent size 0..1, tilt about x and y."""

    x: float
    y: float
    size: float
    tilt_x_deg: float  # about the camera's x axis: top edge towards or away from the camera
    tilt_y_deg: float  # about the camera's y axis: left edge towards or away

    @property
    def tilt_deg(self) -> float:
        return float(
            np.degrees(
                np.arccos(
                    1.0
                    / np.sqrt(
                        1.0
                        + np.tan(np.radians(self.tilt_x_deg)) ** 2
                        + np.tan(np.radians(self.tilt_y_deg)) ** 2
                    )
                )
            )
        )

    def distance_to(self, other: ViewGeometry) -> float:
        return (
            abs(self.x - other.x)
            + abs(self.y - other.y)
            + abs(self.size - other.size)
            + abs(self.tilt_x_deg - other.tilt_x_deg) / TILT_RANGE_NEEDED_DEG
            + abs(self.tilt_y_deg - other.tilt_y_deg) / TILT_RANGE_NEEDED_DEG
        )


@dataclass(frozen=True)
class CoverageBars:
    left_right: float
    top_bottom: float
    distance: float
    tilt: float

    @property
    def full(self) -> bool:
        return min(self.left_right, self.top_bottom, self.distance, self.tilt) >= 1.0

    def items(self) -> list[tuple[str, float]]:
        return [
            ("Left-right", self.left_right),
            ("Top-bottom", self.top_bottom),
            ("Distance", self.distance),
            ("Tilt", self.tilt),
        ]


def guessed_camera_matrix(image_size_px: tuple[int, int]) -> np.ndarray:
    width, height = image_size_px
    focal = (width / 2.0) / np.tan(np.radians(_ASSUMED_HORIZONTAL_FOV_DEG) / 2.0)
    return np.array([[focal, 0.0, (width - 1) / 2.0], [0.0, focal, (height - 1) / 2.0], [0.0, 0.0, 1.0]])


def view_geometry(
    detection: BoardDetection, camera_matrix: np.ndarray | None = None, distortion: np.ndarray | None = None
) -> ViewGeometry:
    width, height = detection.image_size_px
    x0, y0, x1, y1 = detection.bounding_box_px()
    box_w, box_h = x1 - x0, y1 - y0
    centre_x, centre_y = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    free_x, free_y = width - box_w, height - box_h
    x = float(np.clip((centre_x - box_w / 2.0) / free_x, 0.0, 1.0)) if free_x > 1 else 0.5
    y = float(np.clip((centre_y - box_h / 2.0) / free_y, 0.0, 1.0)) if free_y > 1 else 0.5
    size = float(np.sqrt(detection.hull_area_fraction()))
    tilt_x, tilt_y = _tilt_deg(detection, camera_matrix, distortion)
    return ViewGeometry(x, y, size, tilt_x, tilt_y)


def _tilt_deg(
    detection: BoardDetection, camera_matrix: np.ndarray | None, distortion: np.ndarray | None
) -> tuple[float, float]:
    if detection.corner_count < 4:
        return 0.0, 0.0
    matrix = guessed_camera_matrix(detection.image_size_px) if camera_matrix is None else camera_matrix
    ok, rvec, _ = cv2.solvePnP(
        detection.object_points_m.astype(np.float64),
        detection.image_points_px.astype(np.float64),
        matrix,
        distortion,
        flags=cv2.SOLVEPNP_IPPE,
    )
    if not ok:
        return 0.0, 0.0
    normal = cv2.Rodrigues(rvec)[0][:, 2]  # the board's z axis, pointing away from the camera
    if normal[2] < 0:
        normal = -normal
    return float(np.degrees(np.arctan2(normal[1], normal[2]))), float(
        np.degrees(np.arctan2(normal[0], normal[2]))
    )


class CoverageTracker:
    """The views kept so far: their geometry, a coverage map of the picture, the bars, and what to do next."""

    def __init__(self, image_size_px: tuple[int, int], columns: int = GRID_COLUMNS):
        self.image_size_px = image_size_px
        width, height = image_size_px
        self.columns = columns
        self.rows = max(1, round(columns * height / width))
        self.counts = np.zeros((self.rows, self.columns), dtype=np.int32)
        self.geometries: list[ViewGeometry] = []

    def _cells(self, detection: BoardDetection) -> np.ndarray:
        width, height = self.image_size_px
        points = detection.image_points_px
        col = np.clip((points[:, 0] / width * self.columns).astype(int), 0, self.columns - 1)
        row = np.clip((points[:, 1] / height * self.rows).astype(int), 0, self.rows - 1)
        return np.unique(row * self.columns + col)

    def add(self, detection: BoardDetection, geometry: ViewGeometry | None = None) -> ViewGeometry:
        geometry = geometry or view_geometry(detection)
        self.geometries.append(geometry)
        width, height = self.image_size_px
        points = detection.image_points_px
        col = np.clip((points[:, 0] / width * self.columns).astype(int), 0, self.columns - 1)
        row = np.clip((points[:, 1] / height * self.rows).astype(int), 0, self.rows - 1)
        np.add.at(self.counts, (row, col), 1)
        return geometry

    def adds_coverage(self, detection: BoardDetection, geometry: ViewGeometry) -> bool:
        """Whether a view differs enough from every kept one, or puts corners where none were yet."""
        if not self.geometries:
            return True
        if min(geometry.distance_to(kept) for kept in self.geometries) >= _NOVELTY_NEEDED:
            return True
        new_cells = int((self.counts.ravel()[self._cells(detection)] == 0).sum())
        return new_cells >= _NEW_CELLS_NEEDED

    @property
    def view_count(self) -> int:
        return len(self.geometries)

    def bars(self) -> CoverageBars:
        return coverage_bars(self.geometries)

    def enough(self) -> bool:
        """Enough to calibrate: the bars full, or many views (each was kept only because it was new)."""
        count = self.view_count
        return (self.bars().full and count >= ENOUGH_VIEWS_WITH_FULL_BARS) or count >= ENOUGH_VIEWS_ANYWAY

    def uncovered_corners(self) -> list[str]:
        return uncovered_image_corners(self.counts)

    def next_step(self) -> str:
        """One instruction for the operator: what to capture next."""
        advice = coverage_advice(self.geometries, self.counts)
        if advice:
            return advice[0]
        if not self.enough():
            return "Keep moving the board to new places and angles, holding it still for a moment each time."
        return "Coverage is complete: press Calibrate."


def coverage_bars(geometries: Sequence[ViewGeometry]) -> CoverageBars:
    if not geometries:
        return CoverageBars(0.0, 0.0, 0.0, 0.0)

    def spread(values: list[float], needed: float) -> float:
        return float(min(1.0, (max(values) - min(values)) / needed))

    tilt = 0.5 * (
        spread([g.tilt_x_deg for g in geometries], TILT_RANGE_NEEDED_DEG)
        + spread([g.tilt_y_deg for g in geometries], TILT_RANGE_NEEDED_DEG)
    )
    return CoverageBars(
        left_right=spread([g.x for g in geometries], POSITION_RANGE_NEEDED),
        top_bottom=spread([g.y for g in geometries], POSITION_RANGE_NEEDED),
        distance=spread([g.size for g in geometries], SIZE_RANGE_NEEDED),
        tilt=tilt,
    )


def coverage_map(
    detections: Sequence[BoardDetection], image_size_px: tuple[int, int], columns: int = GRID_COLUMNS
) -> np.ndarray:
    tracker = CoverageTracker(image_size_px, columns)
    for detection in detections:
        tracker.add(detection, ViewGeometry(0.5, 0.5, 0.0, 0.0, 0.0))
    return tracker.counts


def uncovered_image_corners(counts: np.ndarray) -> list[str]:
    """The picture's corners (the outer fifth of each side) where no board corner has been seen."""
    rows, columns = counts.shape
    reach_r, reach_c = max(1, round(rows / 5)), max(1, round(columns / 5))
    corners = {
        "top-left": counts[:reach_r, :reach_c],
        "top-right": counts[:reach_r, -reach_c:],
        "bottom-left": counts[-reach_r:, :reach_c],
        "bottom-right": counts[-reach_r:, -reach_c:],
    }
    return [name for name, cells in corners.items() if cells.sum() == 0]


def coverage_advice(geometries: Sequence[ViewGeometry], counts: np.ndarray) -> list[str]:
    """What is missing, most important first, each as something the operator can do."""
    advice = []
    corners = uncovered_image_corners(counts)
    if corners:
        advice.append(
            f"No board corners seen near the {', '.join(corners)} corner{'s' if len(corners) > 1 else ''} of the"
            " picture: the lens distortion is largest there; hold the board so that it reaches into "
            + ("that corner." if len(corners) == 1 else "each of them.")
        )
    bars = coverage_bars(geometries)
    tilted = sum(1 for g in geometries if g.tilt_deg > TILTED_VIEW_DEG)
    if bars.tilt < 1.0 or tilted < TILTED_VIEWS_NEEDED:
        count = "No views" if tilted == 0 else f"Only {tilted} view{'s' if tilted != 1 else ''}"
        advice.append(
            f"{count} tilted more than {TILTED_VIEW_DEG:.0f} degrees"
            f" (at least {TILTED_VIEWS_NEEDED} needed, tilted both ways): tilt the board 30-45 degrees left,"
            " right, up and down; views facing the camera square-on cannot separate focal length from distance."
        )
    if bars.distance < 1.0:
        advice.append(
            "The board was always at about the same distance: add views close to the camera (the board"
            " filling most of the picture) and further away."
        )
    if bars.left_right < 1.0:
        advice.append("Move the board further to the left and right edges of the picture.")
    if bars.top_bottom < 1.0:
        advice.append("Move the board further to the top and bottom edges of the picture.")
    return advice
