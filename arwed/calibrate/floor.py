"""Stage calibration: where the floor is, and the camera's height and tilt above it.

Two ways, both giving the floor as a plane in camera coordinates (OpenCV axes), normal pointing up:
- a board laid flat on the floor where the ceremony happens: its pose (cv2.solvePnP) is the floor's;
- no board: a person of known height standing still. MediaPipe's world landmarks give the body's 3D shape;
  scaled so the eyes are at 0.936 of the typed-in height (standard anthropometry: eye height is 93.6% of
  stature), cv2.solvePnP places that body in the camera, and the floor is the plane under the feet,
  perpendicular to the body's axis (a person standing still stands upright).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from arwed.calibrate.detection import BoardDetection
from arwed.errors import UserError
from arwed.types import CameraIntrinsics, FloorPlane, PoseObservation

FLOOR_SOURCE = "calibration"
EYE_HEIGHT_FRACTION = 0.936
MIN_PERSON_FRAMES = 10
MAX_PERSON_SPREAD_DEG = 1.5  # frames of someone standing still agree better than this
MAX_PLAUSIBLE_ROLL_DEG = 10.0  # a camera set up for a ceremony is about level
PLAUSIBLE_HEIGHT_M = (0.3, 4.0)  # from a low tripod to a balcony
PLAUSIBLE_TILT_DEG = (-20.0, 70.0)  # looking a little up to steeply down
MAX_BOARD_RMS_PX = 2.0  # above this the board is not flat or the intrinsics do not fit this camera
GRAZING_ANGLE_DEG = 75.0  # a board seen this edge-on gives a poor plane
MAX_HEIGHT_UNCERTAINTY_M = 0.01  # warn when the camera height is known less well than this (95%)

# BlazePose landmark indices
_LEFT_EYE, _RIGHT_EYE = 2, 5
_LEFT_HEEL, _RIGHT_HEEL, _LEFT_TOE, _RIGHT_TOE = 29, 30, 31, 32
_EYES = (_LEFT_EYE, _RIGHT_EYE)
_FEET = (_LEFT_HEEL, _RIGHT_HEEL, _LEFT_TOE, _RIGHT_TOE)
# left/right pairs whose midpoints lie on a standing body's vertical axis (the line of gravity runs close to
# the shoulder, hip, knee and ankle joints; the eyes are forward of it)
_AXIS_PAIRS = ((11, 12), (23, 24), (25, 26), (27, 28))
# rigid-ish parts of a standing body, for placing it with PnP (no wrists or hands: they move)
_BODY_FOR_PNP = (0, 2, 5, 7, 8, 11, 12, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32)
_MIN_VISIBILITY = 0.5


@dataclass(frozen=True)
class StageCalibration:
    floor: FloorPlane
    camera_height_m: float
    camera_tilt_deg: float  # the optical axis below the horizon
    camera_roll_deg: float
    method: str  # "board" or "person"
    views_used: int
    residual: (
        float  # board: RMS reprojection error in px; person: spread of the frames' floor normals in degrees
    )
    warnings: tuple[str, ...] = ()
    normal_std_deg: float | None = None  # board: one standard deviation of the floor's direction
    offset_std_m: float | None = None  # board: one standard deviation of the camera's height above it

    def summary(self) -> str:
        how = "board on the floor" if self.method == "board" else "person of known height"
        fit = (
            f"board fit {self.residual:.2f} px RMS"
            if self.method == "board"
            else f"frames agree within {self.residual:.1f} deg"
        )
        text = (
            f"floor from a {how} ({self.views_used} view{'s' if self.views_used != 1 else ''}, {fit}):"
            f" camera {self.camera_height_m:.3f} m above the floor, tilted {self.camera_tilt_deg:.1f} deg down,"
            f" roll {self.camera_roll_deg:.1f} deg"
        )
        if self.normal_std_deg is not None and self.offset_std_m is not None:
            text += (
                f"; 95% uncertainty: floor direction +/-{1.96 * self.normal_std_deg:.2f} deg, height"
                f" +/-{1.96 * self.offset_std_m * 100:.1f} cm"
            )
        return text


class BoardNotOnFloor(UserError):
    """The board's plane puts the camera where no ceremony camera stands: the board is on a wall or held up."""


def implausible_figures(stage: StageCalibration) -> list[str]:
    """The camera's height, tilt and roll above the measured floor that no camera set up for a ceremony has."""
    problems = []
    low, high = PLAUSIBLE_HEIGHT_M
    if not low <= stage.camera_height_m <= high:
        problems.append(f"{stage.camera_height_m:.2f} m above the floor (plausible: {low:g} to {high:g} m)")
    if abs(stage.camera_roll_deg) > MAX_PLAUSIBLE_ROLL_DEG:
        problems.append(
            f"rolled {stage.camera_roll_deg:.1f} deg (plausible: under {MAX_PLAUSIBLE_ROLL_DEG:g})"
        )
    down, up = PLAUSIBLE_TILT_DEG
    if not down <= stage.camera_tilt_deg <= up:
        problems.append(f"tilted {stage.camera_tilt_deg:.1f} deg down (plausible: {down:g} to {up:g})")
    return problems


def check_board_on_floor(stage: StageCalibration) -> None:
    """BoardNotOnFloor, saying why, when the board cannot have been lying on the floor."""
    problems = implausible_figures(stage)
    if problems:
        raise BoardNotOnFloor(
            "the board does not seem to lie on the floor: the camera would be "
            + ", ".join(problems)
            + "; lay the board flat on the floor where the ceremony happens (not on a wall, not held up),"
            " or give --force to save this floor anyway"
        )


def camera_pose_above(floor: FloorPlane) -> tuple[float, float, float]:
    """The camera's height above the floor, its tilt below the horizon and its roll, from the floor plane."""
    up = np.asarray(floor.normal, dtype=np.float64)
    height = float(floor.offset_m)  # the camera centre (the origin) is offset_m above the plane
    # the optical axis is +z: it points below the horizon by asin(-up . z)
    tilt = float(np.degrees(np.arcsin(np.clip(-up[2], -1.0, 1.0))))
    # roll: how far the world's up leans towards the picture's right (+x); 0 when the picture is level
    roll = float(np.degrees(np.arctan2(up[0], -up[1])))
    return height, tilt, roll


def stage_from_floor(
    floor: FloorPlane,
    method: str,
    views: int,
    residual: float,
    warnings: Sequence[str] = (),
    normal_std_deg: float | None = None,
    offset_std_m: float | None = None,
) -> StageCalibration:
    height, tilt, roll = camera_pose_above(floor)
    return StageCalibration(
        floor=floor,
        camera_height_m=height,
        camera_tilt_deg=tilt,
        camera_roll_deg=roll,
        method=method,
        views_used=views,
        residual=float(residual),
        warnings=tuple(warnings),
        normal_std_deg=normal_std_deg,
        offset_std_m=offset_std_m,
    )


def _upward_plane(normal: np.ndarray, point: np.ndarray) -> FloorPlane:
    """The plane through `point` with the normal flipped, if needed, to point towards the camera's side."""
    normal = np.asarray(normal, dtype=np.float64) / np.linalg.norm(normal)
    offset = -float(normal @ point)
    if offset < 0:  # the camera (the origin) must be above the floor
        normal, offset = -normal, -offset
    return FloorPlane(normal=normal, offset_m=offset, source=FLOOR_SOURCE)


# ------------------------------------------------------------------------------------------ board on floor


def floor_from_board(
    detections: Sequence[BoardDetection], intrinsics: CameraIntrinsics, board_thickness_m: float = 0.0
) -> StageCalibration:
    """The floor under a board laid flat on it, from one or more views (the plane through all their corners)."""
    if not detections:
        raise UserError("no board found on the floor: the floor cannot be measured")
    poses, squared_errors, warnings = [], [], []
    for index, detection in enumerate(detections):
        rvec, tvec, errors = _board_pose(detection, intrinsics)
        poses.append((rvec, tvec))
        squared_errors.append(errors**2)
        rotation = cv2.Rodrigues(rvec)[0]
        view_ray = tvec / np.linalg.norm(tvec)
        incidence = float(np.degrees(np.arccos(abs(view_ray @ rotation[:, 2]))))
        if incidence > GRAZING_ANGLE_DEG:
            warnings.append(
                f"view {index + 1}: the board is seen almost edge-on ({incidence:.0f} deg); a bigger"
                " board, or one nearer the camera, gives a better floor"
            )
    surface = _plane_through(detections, poses)
    # the board's surface is its thickness above the floor
    floor = FloorPlane(
        normal=surface.normal, offset_m=surface.offset_m + board_thickness_m, source=FLOOR_SOURCE
    )
    rms = float(np.sqrt(np.concatenate(squared_errors).mean()))
    if rms > MAX_BOARD_RMS_PX:
        warnings.append(
            f"the board fits the picture badly ({rms:.1f} px RMS): is it flat, is --square right, and"
            " is the profile this camera's?"
        )
    normal_std, offset_std = _plane_uncertainty(detections, poses, intrinsics, surface, max(rms, 0.05))
    if 1.96 * offset_std > MAX_HEIGHT_UNCERTAINTY_M:
        warnings.append(
            f"the camera's height is known only to +/-{1.96 * offset_std * 100:.1f} cm: put the board"
            " nearer the camera, use a bigger board, or add pictures with the board in other places"
        )
    return stage_from_floor(floor, "board", len(detections), rms, warnings, normal_std, offset_std)


def _plane_through(detections: Sequence[BoardDetection], poses) -> FloorPlane:
    points = np.concatenate(
        [
            detection.object_points_m.astype(np.float64) @ cv2.Rodrigues(rvec)[0].T + tvec
            for detection, (rvec, tvec) in zip(detections, poses, strict=True)
        ]
    )
    centre = points.mean(axis=0)
    return _upward_plane(np.linalg.svd(points - centre)[2][-1], centre)


def _plane_uncertainty(
    detections: Sequence[BoardDetection],
    poses,
    intrinsics: CameraIntrinsics,
    plane: FloorPlane,
    corner_noise_px: float,
    samples: int = 200,
) -> tuple[float, float]:
    """Standard deviations of the floor's direction (deg) and offset (m): each board pose is drawn from its
    covariance (corner noise through PnP's Jacobian) and the plane fitted again."""
    rng = np.random.default_rng(0)
    draws = []
    for detection, (rvec, tvec) in zip(detections, poses, strict=True):
        jacobian = cv2.projectPoints(
            detection.object_points_m.astype(np.float64),
            rvec,
            tvec,
            intrinsics.matrix,
            intrinsics.distortion_array,
        )[1][:, :6]
        covariance = corner_noise_px**2 * np.linalg.pinv(jacobian.T @ jacobian)
        draws.append(rng.multivariate_normal(np.zeros(6), covariance, size=samples))
    angles, offsets = [], []
    for sample in range(samples):
        moved = [
            (rvec + draw[sample, :3], tvec + draw[sample, 3:])
            for (rvec, tvec), draw in zip(poses, draws, strict=True)
        ]
        fitted = _plane_through(detections, moved)
        angles.append(np.degrees(np.arccos(np.clip(fitted.normal @ plane.normal, -1.0, 1.0))))
        offsets.append(fitted.offset_m)
    return float(np.sqrt(np.mean(np.square(angles)))), float(np.std(offsets))


def _board_pose(
    detection: BoardDetection, intrinsics: CameraIntrinsics
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    object_points = detection.object_points_m.astype(np.float64)
    image_points = detection.image_points_px.astype(np.float64)
    matrix, distortion = intrinsics.matrix, intrinsics.distortion_array
    ok, rvec, tvec = cv2.solvePnP(object_points, image_points, matrix, distortion, flags=cv2.SOLVEPNP_IPPE)
    if not ok:
        raise UserError("the board's pose on the floor could not be found (too few corners?)")
    rvec, tvec = cv2.solvePnPRefineLM(object_points, image_points, matrix, distortion, rvec, tvec)
    projected = cv2.projectPoints(object_points, rvec, tvec, matrix, distortion)[0].reshape(-1, 2)
    errors = np.linalg.norm(projected - image_points, axis=1)
    return rvec.ravel(), tvec.ravel(), errors


# ------------------------------------------------------------------------------------ person of known height


def floor_from_person(
    observations: Sequence[PoseObservation], person_height_m: float, intrinsics: CameraIntrinsics
) -> StageCalibration:
    """The floor under a person of known height standing still, from their pose in many frames."""
    if not 0.5 <= person_height_m <= 2.6:
        raise UserError(f"a person's height of {person_height_m:g} m is not plausible (give it in metres)")
    feet, ups = [], []
    for observation in observations:
        placed = _place_person(observation, person_height_m, intrinsics)
        if placed is not None:
            feet.append(placed[0])
            ups.append(placed[1])
    if len(feet) < MIN_PERSON_FRAMES:
        raise UserError(
            f"the person's eyes and feet were seen clearly in {len(feet)} frame{'s' if len(feet) != 1 else ''},"
            f" {MIN_PERSON_FRAMES} needed: stand still, whole body in the picture, facing the camera"
        )
    feet_m, ups_m = np.array(feet), np.array(ups)
    up = np.median(ups_m, axis=0)
    up /= np.linalg.norm(up)
    spread = float(np.degrees(np.arccos(np.clip(ups_m @ up, -1.0, 1.0))).std())
    floor = _upward_plane(up, np.median(feet_m, axis=0))
    warnings = []
    moved = float(np.linalg.norm(feet_m - np.median(feet_m, axis=0), axis=1).max())
    if moved > 0.3:
        warnings.append(
            f"the person moved by up to {moved:.2f} m: the floor is measured best from someone standing still"
        )
    if spread > MAX_PERSON_SPREAD_DEG:
        warnings.append(
            f"the frames disagree by {spread:.1f} deg about which way is up: was the person standing still?"
        )
    stage = stage_from_floor(floor, "person", len(feet), spread, warnings)
    if abs(stage.camera_roll_deg) > MAX_PLAUSIBLE_ROLL_DEG:
        warnings.append(
            f"the camera seems rolled by {stage.camera_roll_deg:.0f} deg: if it is level, the person was"
            " leaning or walking; measure again with them standing straight (or use a board)"
        )
        stage = stage_from_floor(floor, "person", len(feet), spread, warnings)
    return stage


def _place_person(
    observation: PoseObservation, height_m: float, intrinsics: CameraIntrinsics
) -> tuple[np.ndarray, np.ndarray] | None:
    """The point on the floor between the feet, and the body's up axis, in camera coordinates; or None."""
    visibility = np.asarray(observation.visibility, dtype=np.float64)
    if (visibility[list(_EYES + _FEET)] < _MIN_VISIBILITY).any():
        return None
    world = np.asarray(observation.world_landmarks_m, dtype=np.float64)
    feet_w = world[list(_FEET)].mean(axis=0)
    up_w = _body_axis(world)
    eye_height = float((world[list(_EYES)].mean(axis=0) - feet_w) @ up_w)
    if eye_height < 1e-3:
        return None
    body = world * (EYE_HEIGHT_FRACTION * height_m / eye_height)
    chosen = [i for i in _BODY_FOR_PNP if visibility[i] >= _MIN_VISIBILITY]
    if len(chosen) < 8:
        return None
    ok, rvec, tvec = cv2.solvePnP(
        body[chosen],
        np.asarray(observation.image_landmarks_px, np.float64)[chosen],
        intrinsics.matrix,
        intrinsics.distortion_array,
        flags=cv2.SOLVEPNP_SQPNP,
    )
    if not ok:
        return None
    rotation = cv2.Rodrigues(rvec)[0]
    feet_camera = rotation @ (feet_w * (EYE_HEIGHT_FRACTION * height_m / eye_height)) + tvec.ravel()
    if feet_camera[2] <= 0:
        return None
    return feet_camera, rotation @ up_w


def _body_axis(world: np.ndarray) -> np.ndarray:
    """The standing body's up direction: the line through the shoulder, hip, knee and ankle midpoints."""
    centres = np.array([(world[a] + world[b]) / 2.0 for a, b in _AXIS_PAIRS])
    direction = np.linalg.svd(centres - centres.mean(axis=0))[2][0]
    return direction if direction @ (centres[0] - centres[-1]) > 0 else -direction
