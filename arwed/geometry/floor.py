"""The floor plane in camera coordinates: from a calibration, from the person's feet, or from body proportions.

Without a calibration the floor is estimated from evidence gathered over time, robustly (medians over a
window of frames) so one bad frame cannot move it, then eased towards the new estimate so a change of
evidence (the feet come into view) glides instead of jumping:
- up: the person's body axis (ankles or hips to shoulders) in camera coordinates; a standing body is
  vertical, and its lean or sway averages out (posture leaves a bias of a degree or two); once the feet
  have been seen spread over the floor (the person walked about), a plane fitted through them instead;
- height of the plane: from the feet (heel and toe landmarks lie on the floor) when they have been seen,
  else from body proportions (the hip joints stand HIP_HEIGHT_FRACTION of the body's height above it).
Samples are stored at unit skeleton scale: when the person's height (hence the scale of everything in
camera coordinates) is revised, the same evidence gives the revised floor at once.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

import numpy as np

from arwed.geometry.body import FOOT_LANDMARK_HEIGHT_M, HIP_HEIGHT_FRACTION
from arwed.types import FloorPlane

FLOOR_WINDOW = 150  # samples (5 s at 30 fps) in each median
MIN_FEET_SAMPLES = 10  # frames with visible feet before the feet outrank body proportions
MIN_FEET_SPREAD_M = 0.2  # standard deviation of the feet along both floor directions before a plane fit
FLOOR_REFRESH_FRAMES = 5  # the medians are recomputed every so many frames (the easing hides the steps)
FLOOR_GLIDE_S = 0.5  # time constant of the easing towards a new estimate
# a body axis further than this from a level camera's up is not someone standing (running, bending,
# lying) or not a usable camera (pointing at the floor): such frames say nothing about "up"
MAX_UP_TILT_DEG = 35.0
DEFAULT_CAMERA_HEIGHT_M = 1.2  # the default floor: a level camera this high (a tripod at chest height)

CAMERA_UP = np.array([0.0, -1.0, 0.0])  # a level camera's up: camera y points down


def level_pitch(up: np.ndarray) -> np.ndarray:
    """The up direction with the camera's pitch removed (kept in the image plane), roll kept.

    In an upper-body view the skeleton's fitted pitch is unreliable (a near-flat face-and-shoulders
    skeleton fits the image almost as well tilted forward as upright: several degrees of error with
    realistic landmark noise), so the camera is assumed level in pitch; its roll still follows the body.
    """
    in_image_plane = np.array([up[0], up[1], 0.0])
    length = float(np.linalg.norm(in_image_plane))
    return in_image_plane / length if length > 0.5 else CAMERA_UP.copy()


def level_floor(camera_height_m: float, source: str = "default") -> FloorPlane:
    """The floor seen by a level (not tilted) camera at this height."""
    return FloorPlane(normal=CAMERA_UP.copy(), offset_m=float(camera_height_m), source=source)


def default_floor() -> FloorPlane:
    return level_floor(DEFAULT_CAMERA_HEIGHT_M)


def normalized_floor(floor: FloorPlane) -> FloorPlane:
    """The same plane with a unit normal (a calibration file may store any length)."""
    normal = np.asarray(floor.normal, dtype=np.float64)
    length = float(np.linalg.norm(normal))
    if not math.isfinite(length) or length < 1e-9:
        raise ValueError("floor normal has zero length")
    return FloorPlane(normal=normal / length, offset_m=float(floor.offset_m) / length, source=floor.source)


class FloorEstimator:
    """A floor that is steady frame to frame yet follows better evidence."""

    def __init__(self, calibrated: FloorPlane | None = None) -> None:
        self.calibrated = None if calibrated is None else normalized_floor(calibrated)
        self._ups: deque[np.ndarray] = deque(maxlen=FLOOR_WINDOW)
        self._feet: deque[np.ndarray] = deque(maxlen=FLOOR_WINDOW)
        self._hips: deque[tuple[np.ndarray, float]] = deque(maxlen=FLOOR_WINDOW)
        self._eased: tuple[np.ndarray, float, float] | None = None  # normal, offset at unit scale, time
        self._up: np.ndarray | None = None  # cached median of the ups
        self._target: tuple[np.ndarray, float, str] | None = None  # cached robust estimate
        self._frames_since_refresh = 0

    def reset(self) -> None:
        """Forget the gathered evidence (a calibration, if any, stays)."""
        self._ups.clear()
        self._feet.clear()
        self._hips.clear()
        self._eased = None
        self._up = self._target = None

    def observe(
        self,
        up: np.ndarray | None,
        soles_m: Sequence[np.ndarray],
        hip_m: np.ndarray,
        body_height_m: float,
        scale: float,
    ) -> None:
        """One frame's evidence in camera coordinates at skeleton scale `scale`.

        up: the body's axis (unit) or None; soles_m: the middle of each seen foot's sole (the lower one is
        taken as standing on the floor); hip_m: the hip centre; body_height_m: the height at this scale.
        """
        if (
            up is not None
            and np.all(np.isfinite(up))
            and np.dot(up, CAMERA_UP) >= math.cos(math.radians(MAX_UP_TILT_DEG))
        ):
            self._ups.append(np.asarray(up, dtype=np.float64))
        self._frames_since_refresh += 1
        if self._frames_since_refresh >= FLOOR_REFRESH_FRAMES or self._target is None:
            self._up = self._target = None  # recomputed on demand
            self._frames_since_refresh = 0
        up_now = self.up()
        soles = [np.asarray(sole, dtype=np.float64) for sole in soles_m if np.all(np.isfinite(sole))]
        if soles:
            self._feet.append(min(soles, key=lambda sole: float(np.dot(up_now, sole))) / scale)
        if np.all(np.isfinite(hip_m)) and body_height_m > 0.0:
            self._hips.append((np.asarray(hip_m, dtype=np.float64) / scale, body_height_m / scale))

    def up(self) -> np.ndarray:
        """The current estimate of up (unit, camera coordinates), before any floor is known."""
        if self.calibrated is not None:
            return self.calibrated.normal
        if self._up is None:
            normal = np.median(np.array(self._ups), axis=0) if self._ups else CAMERA_UP.copy()
            self._up = normal / np.linalg.norm(normal)
        return self._up

    def current(self, time_s: float, scale: float) -> FloorPlane:
        """The floor now, for a skeleton at scale `scale` (the scale of the latest body pose)."""
        if self.calibrated is not None:
            return self.calibrated
        if self._target is None:
            self._target = self._estimate()
        target = self._target
        if target is None:
            return default_floor()
        normal, unit_offset, source = target
        normal, unit_offset = self._ease(normal, unit_offset, time_s)
        return FloorPlane(normal=normal, offset_m=self._offset(unit_offset, scale, source), source=source)

    def _estimate(self) -> tuple[np.ndarray, float, str] | None:
        normal = self.up()
        if self._feet and len(self._feet) >= min(MIN_FEET_SAMPLES, len(self._hips)):
            feet = np.array(self._feet)
            normal = _fitted_normal(feet, normal)
            return normal, float(np.median(-feet @ normal)), "feet"
        if self._hips:
            hips = np.array([hip for hip, _ in self._hips])
            heights = np.array([height for _, height in self._hips])
            return normal, float(np.median(HIP_HEIGHT_FRACTION * heights - hips @ normal)), "proportions"
        return None  # no evidence yet

    @staticmethod
    def _offset(unit_offset: float, scale: float, source: str) -> float:
        # the sole landmarks sit a little above the floor; this allowance is metric, not skeleton-scaled
        return scale * unit_offset + (FOOT_LANDMARK_HEIGHT_M if source == "feet" else 0.0)

    def _ease(self, normal: np.ndarray, unit_offset: float, time_s: float) -> tuple[np.ndarray, float]:
        if self._eased is None or time_s < self._eased[2]:
            self._eased = (normal, unit_offset, time_s)
            return normal, unit_offset
        old_normal, old_offset, old_time = self._eased
        weight = 1.0 - math.exp(-(time_s - old_time) / FLOOR_GLIDE_S)
        eased_normal = old_normal + weight * (normal - old_normal)
        eased_normal /= np.linalg.norm(eased_normal)
        eased_offset = old_offset + weight * (unit_offset - old_offset)
        self._eased = (eased_normal, eased_offset, time_s)
        return eased_normal, eased_offset


def _fitted_normal(points: np.ndarray, up: np.ndarray) -> np.ndarray:
    """The normal of the plane through the points (oriented like `up`), or `up` when they are not spread
    over an area; the worst tenth of the points is dropped and the plane refitted once (a lifted foot)."""
    for _ in range(2):
        centroid = np.median(points, axis=0)
        _, spread, axes = np.linalg.svd(points - centroid, full_matrices=False)
        if len(points) < MIN_FEET_SAMPLES or spread[1] / math.sqrt(len(points)) < MIN_FEET_SPREAD_M:
            return up
        normal = axes[2] if np.dot(axes[2], up) > 0.0 else -axes[2]
        residuals = np.abs((points - centroid) @ normal)
        points = points[residuals <= np.quantile(residuals, 0.9)]
    return normal
