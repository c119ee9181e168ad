"""Camera intrinsics from board views (cv2.calibrateCameraExtended), with the figures that say how far to trust them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from arwed.calibrate.boards import BoardSpec
from arwed.calibrate.detection import BoardDetection
from arwed.errors import UserError
from arwed.types import CameraIntrinsics

MIN_VIEWS = 5  # fewer views leave the five distortion coefficients and the principal point barely constrained
_CRITERIA = (cv2.TERM_CRITERIA_COUNT + cv2.TERM_CRITERIA_EPS, 100, 1e-10)
_Z_95 = 1.96


class NotEnoughViews(UserError):
    """Fewer usable views than a calibration needs."""


@dataclass(frozen=True)
class CalibrationView:
    name: str  # the image file, or "view 7" for a live capture
    detection: BoardDetection


@dataclass(frozen=True)
class IntrinsicsUncertainty:
    """One standard deviation of each focal length and principal point coordinate, in pixels."""

    fx_px: float
    fy_px: float
    cx_px: float
    cy_px: float

    def relative_95(self, intrinsics: CameraIntrinsics) -> dict[str, float]:
        """1.96 standard deviations as a fraction of each value (the 95% interval's half-width)."""
        values = {
            "fx": intrinsics.fx_px,
            "fy": intrinsics.fy_px,
            "cx": intrinsics.cx_px,
            "cy": intrinsics.cy_px,
        }
        stds = {"fx": self.fx_px, "fy": self.fy_px, "cx": self.cx_px, "cy": self.cy_px}
        return {
            name: _Z_95 * stds[name] / abs(values[name]) if values[name] else float("inf") for name in values
        }


@dataclass(frozen=True)
class CalibrationResult:
    intrinsics: CameraIntrinsics
    uncertainty: IntrinsicsUncertainty
    rms_px: float
    view_names: tuple[str, ...]
    per_view_errors_px: tuple[float, ...]  # RMS reprojection error of each view
    rvecs: tuple[np.ndarray, ...]  # board -> camera rotation of each view (Rodrigues)
    tvecs_m: tuple[np.ndarray, ...]  # board origin in camera coordinates, each view
    max_corner_error_px: float
    max_error_view: str
    outlier_views: tuple[int, ...]  # indices of views whose error stands out from the rest
    board: BoardSpec
    views: tuple[CalibrationView, ...]

    @property
    def image_size_px(self) -> tuple[int, int]:
        return self.intrinsics.width_px, self.intrinsics.height_px

    def outlier_threshold_px(self) -> float:
        return _outlier_threshold(np.asarray(self.per_view_errors_px))


def calibrate_camera(
    views: Sequence[CalibrationView],
    board: BoardSpec,
    source: str = "calibration",
    min_views: int = MIN_VIEWS,
) -> CalibrationResult:
    """Intrinsics and distortion (k1, k2, p1, p2, k3) from the views, all from one camera at one image size."""
    if len(views) < min_views:
        raise NotEnoughViews(f"{len(views)} usable board views found, {min_views} needed")
    sizes = {view.detection.image_size_px for view in views}
    if len(sizes) != 1:
        raise UserError(
            f"the views have different image sizes ({', '.join(f'{w}x{h}' for w, h in sorted(sizes))})"
        )
    (width, height) = sizes.pop()
    object_points = [view.detection.object_points_m.reshape(-1, 1, 3).astype(np.float32) for view in views]
    image_points = [view.detection.image_points_px.reshape(-1, 1, 2).astype(np.float32) for view in views]
    try:
        rms, matrix, distortion, rvecs, tvecs, std_intrinsics, _, per_view = cv2.calibrateCameraExtended(
            object_points, image_points, (width, height), None, None, flags=0, criteria=_CRITERIA
        )
    except cv2.error as exc:
        raise UserError(
            f"the calibration did not converge ({str(exc).strip().splitlines()[-1]}): the views are probably too"
            " alike; add views with the board tilted and in other parts of the picture"
        ) from None
    if not np.all(np.isfinite(matrix)) or matrix[0, 0] <= 0 or matrix[1, 1] <= 0:
        raise UserError("the calibration gave no sensible focal length: add more varied views")
    intrinsics = CameraIntrinsics(
        width_px=int(width),
        height_px=int(height),
        fx_px=float(matrix[0, 0]),
        fy_px=float(matrix[1, 1]),
        cx_px=float(matrix[0, 2]),
        cy_px=float(matrix[1, 2]),
        distortion=tuple(float(v) for v in np.ravel(distortion)),
        source=source,
    )
    std = np.ravel(std_intrinsics)
    per_view_errors = np.ravel(per_view).astype(np.float64)
    worst_error, worst_view = _largest_corner_error(views, intrinsics, rvecs, tvecs)
    return CalibrationResult(
        intrinsics=intrinsics,
        uncertainty=IntrinsicsUncertainty(float(std[0]), float(std[1]), float(std[2]), float(std[3])),
        rms_px=float(rms),
        view_names=tuple(view.name for view in views),
        per_view_errors_px=tuple(float(e) for e in per_view_errors),
        rvecs=tuple(np.ravel(r).copy() for r in rvecs),
        tvecs_m=tuple(np.ravel(t).copy() for t in tvecs),
        max_corner_error_px=worst_error,
        max_error_view=views[worst_view].name,
        outlier_views=tuple(
            int(i) for i in np.flatnonzero(per_view_errors > _outlier_threshold(per_view_errors))
        ),
        board=board,
        views=tuple(views),
    )


def without_outliers(result: CalibrationResult, min_views: int = MIN_VIEWS) -> CalibrationResult:
    """The calibration again without the views flagged as outliers."""
    kept = [view for index, view in enumerate(result.views) if index not in set(result.outlier_views)]
    return calibrate_camera(kept, result.board, result.intrinsics.source, min_views)


def _outlier_threshold(errors: np.ndarray) -> float:
    """A view is an outlier when its error is well above the typical view's (robust: median and MAD)."""
    median = float(np.median(errors))
    spread = 1.4826 * float(np.median(np.abs(errors - median)))
    return max(median + 3.0 * spread, 2.0 * median, median + 0.1)


def _largest_corner_error(
    views: Sequence[CalibrationView], intrinsics: CameraIntrinsics, rvecs, tvecs
) -> tuple[float, int]:
    worst, worst_view = 0.0, 0
    for index, (view, rvec, tvec) in enumerate(zip(views, rvecs, tvecs, strict=True)):
        projected = cv2.projectPoints(
            view.detection.object_points_m.astype(np.float64),
            rvec,
            tvec,
            intrinsics.matrix,
            intrinsics.distortion_array,
        )[0].reshape(-1, 2)
        error = float(np.linalg.norm(projected - view.detection.image_points_px, axis=1).max())
        if error > worst:
            worst, worst_view = error, index
    return worst, worst_view
