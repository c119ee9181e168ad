"""Pinhole camera helpers: default intrinsics, resolution changes, projection."""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from arwed.types import CameraIntrinsics


def intrinsics_from_fov(width_px: int, height_px: int, horizontal_fov_deg: float) -> CameraIntrinsics:
    """Square pixels, principal point at the image centre, the given horizontal field of view."""
    fx = (width_px / 2.0) / math.tan(math.radians(horizontal_fov_deg) / 2.0)
    return CameraIntrinsics(
        width_px=int(width_px),
        height_px=int(height_px),
        fx_px=fx,
        fy_px=fx,
        cx_px=width_px / 2.0,
        cy_px=height_px / 2.0,
        source=f"default {horizontal_fov_deg:g} deg horizontal field of view",
    )


class CalibratedCamera(Protocol):
    """What a calibration profile offers: the calibrated camera at a given image size."""

    def intrinsics_for(self, width_px: int, height_px: int) -> CameraIntrinsics: ...


def camera_intrinsics(
    width_px: int, height_px: int, profile: CalibratedCamera | None, default_hfov_deg: float
) -> CameraIntrinsics:
    """The camera at this image size: calibrated when there is a profile, else the default field of view."""
    if profile is not None:
        return profile.intrinsics_for(width_px, height_px)
    return intrinsics_from_fov(width_px, height_px, default_hfov_deg)


def scaled_to(intrinsics: CameraIntrinsics, width_px: int, height_px: int) -> CameraIntrinsics:
    """The same camera at another resolution of the same aspect ratio (raises ValueError otherwise)."""
    sx = width_px / intrinsics.width_px
    sy = height_px / intrinsics.height_px
    if abs(sx - sy) > 0.01 * max(sx, sy):
        raise ValueError(
            f"calibrated at {intrinsics.width_px}x{intrinsics.height_px}, cannot be used at {width_px}x{height_px}"
            " (another aspect ratio)"
        )
    return CameraIntrinsics(
        width_px=int(width_px),
        height_px=int(height_px),
        fx_px=intrinsics.fx_px * sx,
        fy_px=intrinsics.fy_px * sy,
        cx_px=(intrinsics.cx_px + 0.5) * sx - 0.5,
        cy_px=(intrinsics.cy_px + 0.5) * sy - 0.5,
        distortion=intrinsics.distortion,
        source=intrinsics.source,
    )


def project_points(intrinsics: CameraIntrinsics, points_m: np.ndarray) -> np.ndarray:
    """Camera-space points (N, 3) to pixels (N, 2), ignoring distortion."""
    points_m = np.atleast_2d(np.asarray(points_m, dtype=np.float64))
    z = points_m[:, 2:3]
    xy = points_m[:, :2] / z
    return np.column_stack(
        (xy[:, 0] * intrinsics.fx_px + intrinsics.cx_px, xy[:, 1] * intrinsics.fy_px + intrinsics.cy_px)
    )


def pixel_rays(intrinsics: CameraIntrinsics, pixels_px: np.ndarray) -> np.ndarray:
    """Unit-depth rays (N, 3) through pixels (N, 2): a point at depth z is z * ray."""
    pixels_px = np.atleast_2d(np.asarray(pixels_px, dtype=np.float64))
    x = (pixels_px[:, 0] - intrinsics.cx_px) / intrinsics.fx_px
    y = (pixels_px[:, 1] - intrinsics.cy_px) / intrinsics.fy_px
    return np.column_stack((x, y, np.ones_like(x)))
