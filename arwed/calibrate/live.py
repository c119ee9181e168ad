"""Live calibration from a video stream: detect the board in each frame, keep a view automatically when the
board is held still somewhere new, and calibrate when coverage is enough. No Qt here: the window
(arwed/ui/calibrate_window.py) only shows what this produces, so all of it is tested headless.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from arwed.calibrate.boards import BoardSpec
from arwed.calibrate.calibration import MIN_VIEWS, CalibrationResult, CalibrationView, calibrate_camera
from arwed.calibrate.coverage import CoverageBars, CoverageTracker, view_geometry
from arwed.calibrate.detection import BoardDetection, BoardDetector, BoardNotFound

STILL_SECONDS = 0.5
STILL_FRAMES = 5
STILL_FRACTION_OF_DIAGONAL = 0.0015  # mean corner motion per frame below this counts as still (~2 px at 720p)


@dataclass(frozen=True)
class LiveUpdate:
    """What one frame did: the board seen (or why not), progress to a capture, and the coverage so far."""

    detection: BoardDetection | None
    problem: str | None  # why no board was found in this frame
    still_progress: float  # 0..1: how long the board has been held still, of what a capture needs
    captured: bool  # this frame was kept as a calibration view
    view_count: int
    bars: CoverageBars
    ready: bool  # enough views and coverage to calibrate
    hint: str  # what the operator should do next


class LiveCalibrator:
    """Feed it frames; it keeps the views worth keeping. Thread-safe: frames in one thread, calibrate in another."""

    def __init__(
        self,
        board: BoardSpec,
        still_seconds: float = STILL_SECONDS,
        still_frames: int = STILL_FRAMES,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.board = board
        self.still_seconds = still_seconds
        self.still_frames = still_frames
        self._clock = clock
        self._detector = BoardDetector(board)
        self._lock = threading.Lock()
        self._views: list[CalibrationView] = []
        self._coverage: CoverageTracker | None = None
        self._previous: BoardDetection | None = None
        self._still_since: float | None = None
        self._still_count = 0

    @property
    def coverage(self) -> CoverageTracker | None:
        return self._coverage

    @property
    def view_count(self) -> int:
        with self._lock:
            return len(self._views)

    def views(self) -> list[CalibrationView]:
        with self._lock:
            return list(self._views)

    def reset(self) -> None:
        """Forget every view kept (safe to call from another thread while frames are processed)."""
        with self._lock:
            self._views.clear()
            if self._coverage is not None:
                self._coverage = CoverageTracker(self._coverage.image_size_px)
            self._previous, self._still_since, self._still_count = None, None, 0

    def process(self, image: np.ndarray, now_s: float | None = None) -> LiveUpdate:
        now = self._clock() if now_s is None else now_s
        size = (int(image.shape[1]), int(image.shape[0]))
        with self._lock:
            if self._coverage is None or self._coverage.image_size_px != size:
                # a new camera resolution: views at the old one cannot be mixed in
                self._views.clear()
                self._coverage = CoverageTracker(size)
            coverage = self._coverage
        try:
            detection = self._detector.detect(image, fast=True)
        except BoardNotFound as exc:
            self._previous, self._still_since, self._still_count = None, None, 0
            return self._update(None, str(exc), 0.0, False)
        progress = self._stillness(detection, now)
        captured = False
        if progress >= 1.0:
            geometry = view_geometry(detection)
            with self._lock:
                if coverage is self._coverage and coverage.adds_coverage(detection, geometry):
                    coverage.add(detection, geometry)
                    self._views.append(CalibrationView(f"view {len(self._views) + 1}", detection))
                    captured = True
            if captured:
                self._still_since, self._still_count = None, 0  # the next view needs a new still moment
        return self._update(detection, None, progress, captured)

    def _stillness(self, detection: BoardDetection, now: float) -> float:
        previous, self._previous = self._previous, detection
        if previous is None or not _is_still(previous, detection):
            self._still_since, self._still_count = now, 1
            return 0.0
        if self._still_since is None:
            self._still_since, self._still_count = now, 1
            return 0.0
        self._still_count += 1
        by_time = (now - self._still_since) / self.still_seconds if self.still_seconds > 0 else 1.0
        by_frames = self._still_count / self.still_frames
        return float(min(1.0, by_time, by_frames))

    def _update(
        self, detection: BoardDetection | None, problem: str | None, progress: float, captured: bool
    ) -> LiveUpdate:
        with self._lock:
            coverage = self._coverage
            count = len(self._views)
            bars = coverage.bars()
            ready = coverage.enough() and count >= MIN_VIEWS
            hint = self._hint(detection, problem, progress, captured, coverage)
        return LiveUpdate(detection, problem, progress, captured, count, bars, ready, hint)

    def _hint(self, detection, problem, progress, captured, coverage: CoverageTracker) -> str:
        if captured:
            return f"View {len(self._views)} kept. " + coverage.next_step()
        if detection is None:
            return "Show the board to the camera." if not self._views else coverage.next_step()
        if progress < 1.0:
            return "Hold the board still..."
        return "Nothing new in this view. " + coverage.next_step()

    def calibrate(self) -> CalibrationResult:
        return calibrate_camera(self.views(), self.board, source="live calibration")


def _is_still(previous: BoardDetection, current: BoardDetection) -> bool:
    common, previous_index, current_index = np.intersect1d(
        previous.corner_ids, current.corner_ids, return_indices=True
    )
    if len(common) < max(4, current.corner_count // 2):
        return False
    motion = np.linalg.norm(
        previous.image_points_px[previous_index] - current.image_points_px[current_index], axis=1
    )
    width, height = current.image_size_px
    return float(motion.mean()) <= STILL_FRACTION_OF_DIAGONAL * float(np.hypot(width, height))


# ----------------------------------------------------------------------------------------------- drawing

_GREEN = (80, 220, 80)
_AMBER = (0, 190, 255)


def draw_overlay(image: np.ndarray, update: LiveUpdate) -> np.ndarray:
    """The frame with the board's corners drawn (green when held still long enough, amber while moving)."""
    canvas = image.copy() if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    detection = update.detection
    if detection is None:
        return canvas
    colour = _GREEN if update.still_progress >= 1.0 else _AMBER
    radius = max(2, int(round(min(canvas.shape[:2]) / 180)))
    for marker in detection.marker_corners_px:
        cv2.polylines(canvas, [np.round(marker).astype(np.int32)], True, (200, 120, 0), 1, cv2.LINE_AA)
    for x, y in detection.image_points_px:
        cv2.circle(canvas, (int(round(x)), int(round(y))), radius, colour, -1, cv2.LINE_AA)
    hull = cv2.convexHull(detection.image_points_px.astype(np.float32)).astype(np.int32)
    cv2.polylines(canvas, [hull], True, colour, max(1, radius // 2), cv2.LINE_AA)
    if 0.0 < update.still_progress < 1.0:
        x0, y0, x1, _ = detection.bounding_box_px()
        cv2.ellipse(
            canvas,
            (int(x1), int(y0)),
            (3 * radius, 3 * radius),
            -90,
            0,
            360 * update.still_progress,
            colour,
            max(2, radius // 2),
            cv2.LINE_AA,
        )
    return canvas


def coverage_image(counts: np.ndarray, width_px: int, detection: BoardDetection | None = None) -> np.ndarray:
    """The coverage map as a picture: dark red where no corner has been seen, greener where more have."""
    rows, columns = counts.shape
    height_px = max(1, int(round(width_px * rows / columns)))
    level = np.clip(counts / 6.0, 0.0, 1.0)
    cells = np.zeros((rows, columns, 3), np.float32)
    cells[..., 0] = 40 + 40 * level  # B
    cells[..., 1] = 40 + 180 * level  # G
    cells[..., 2] = np.where(counts > 0, 40, 120)  # R: unseen cells reddish
    picture = cv2.resize(cells.astype(np.uint8), (width_px, height_px), interpolation=cv2.INTER_NEAREST)
    for column in range(1, columns):
        x = int(round(column * width_px / columns))
        cv2.line(picture, (x, 0), (x, height_px - 1), (25, 25, 25), 1)
    for row in range(1, rows):
        y = int(round(row * height_px / rows))
        cv2.line(picture, (0, y), (width_px - 1, y), (25, 25, 25), 1)
    if detection is not None:
        image_w, image_h = detection.image_size_px
        scale = np.array([width_px / image_w, height_px / image_h])
        for x, y in detection.image_points_px * scale:
            cv2.circle(picture, (int(x), int(y)), 2, (255, 255, 255), -1)
    return picture
