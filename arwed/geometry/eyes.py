"""Her eyes as cameras: where each eye is and what its picture in the glasses covers.

An eye camera uses OpenCV's axes (x to her right, y down, z where she looks), so the renderer treats it
like the real camera. Her head pose (head axes: x her left, y up, z forward) carries the eyes: each sits
half the eye separation to its side of the point between the eye landmarks, `eyes_behind_landmarks_m`
behind it (the landmark is on the eye's surface; perspective starts at the eye's optical centre) and
`eyes_below_landmarks_m` below. The glasses' picture is centred on the eye with the profile's field of
view; the partner, placed in camera coordinates, is seen from there: world-locked, whatever her head does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from arwed.geometry.head import HeadPose
from arwed.glasses import GlassesProfile
from arwed.types import CameraIntrinsics

EYE_FROM_HEAD_AXES = np.diag([-1.0, -1.0, 1.0])  # eye camera axes (x right, y down, z ahead) -> head axes


@dataclass(frozen=True)
class EyePlacement:
    """One eye in head axes: its optical centre's offset from the tracked head point (between the eye
    landmarks) and the rotation from the eye camera's axes (x right, y down, z ahead) to head axes."""

    offset_m: np.ndarray  # (3,)
    rotation: np.ndarray = field(default_factory=EYE_FROM_HEAD_AXES.copy)  # (3, 3)

    def correction_deg(self) -> np.ndarray:
        """The rotation away from the nominal eye axes as a rotation vector in head axes, degrees."""
        return np.degrees(cv2.Rodrigues(self.rotation @ EYE_FROM_HEAD_AXES.T)[0].ravel())

    @staticmethod
    def from_correction(offset_m, correction_deg) -> EyePlacement:
        vector = np.radians(np.asarray(correction_deg, dtype=np.float64)).reshape(3, 1)
        return EyePlacement(
            np.asarray(offset_m, dtype=np.float64), cv2.Rodrigues(vector)[0] @ EYE_FROM_HEAD_AXES
        )


def eye_placements(profile: GlassesProfile) -> list[EyePlacement]:
    """Each eye in picture order (see `eye_offsets_m`): the wizard's calibration where the profile has
    one for that eye, else the nominal eye from the profile's measurements."""
    placements = []
    for name, nominal in zip(profile.eye_names, eye_offsets_m(profile), strict=True):
        solved = profile.eye_calibration.get(name)
        if solved is None:
            placements.append(EyePlacement(nominal))
        else:
            placements.append(EyePlacement.from_correction(solved.offset_m, solved.rotation_deg))
    return placements


def eye_intrinsics(profile: GlassesProfile) -> CameraIntrinsics:
    width, height = profile.eye_resolution_px
    return CameraIntrinsics(
        width_px=width,
        height_px=height,
        fx_px=profile.focal_px,
        fy_px=profile.focal_px,
        cx_px=width / 2.0,
        cy_px=height / 2.0,
        source=f"glasses {profile.name}",
    )


def eye_offsets_m(profile: GlassesProfile) -> list[np.ndarray]:
    """Each eye's offset from the point between the eye landmarks, head axes: [left, right] for side by
    side (the left half of the picture is her left eye), [between] for mono."""
    back_down = np.array([0.0, -profile.eyes_below_landmarks_m, -profile.eyes_behind_landmarks_m])
    if not profile.stereo:
        return [back_down]
    half = np.array([profile.eye_separation_m / 2.0, 0.0, 0.0])
    return [back_down + half, back_down - half]


def eye_to_camera(head: HeadPose, eye: EyePlacement | np.ndarray) -> np.ndarray:
    """The 4x4 transform from one eye camera's coordinates into the real camera's (`eye`: a placement,
    or a nominal eye's offset)."""
    if not isinstance(eye, EyePlacement):
        eye = EyePlacement(np.asarray(eye, dtype=np.float64))
    rotation = np.asarray(head.rotation, dtype=np.float64)
    pose = np.eye(4)
    pose[:3, :3] = rotation @ eye.rotation
    pose[:3, 3] = np.asarray(head.position_m, dtype=np.float64) + rotation @ eye.offset_m
    return pose


def camera_to_eye(head: HeadPose, offset_m: EyePlacement | np.ndarray) -> np.ndarray:
    pose = eye_to_camera(head, offset_m)
    inverse = np.eye(4)
    inverse[:3, :3] = pose[:3, :3].T
    inverse[:3, 3] = -pose[:3, :3].T @ pose[:3, 3]
    return inverse


def direction_in_eye(head: HeadPose, offset_m: np.ndarray, point_m: np.ndarray) -> np.ndarray:
    """A camera-space point as a unit direction in one eye's camera axes."""
    local = camera_to_eye(head, offset_m) @ np.append(np.asarray(point_m, dtype=np.float64), 1.0)
    return local[:3] / np.linalg.norm(local[:3])


def box_outside_view(intrinsics: CameraIntrinsics, corners_eye_m: np.ndarray, near_m: float = 0.05) -> bool:
    """Whether a box (its 8 corners in eye coordinates) lies wholly outside the eye's view: all corners
    beyond one side of the frustum (behind, left, right, above or below). Conservative: False when unsure."""
    corners = np.asarray(corners_eye_m, dtype=np.float64)
    x, y, z = corners[:, 0], corners[:, 1], corners[:, 2]
    left = (0.0 - intrinsics.cx_px) / intrinsics.fx_px  # x/z at the picture's edges
    right = (intrinsics.width_px - intrinsics.cx_px) / intrinsics.fx_px
    top = (0.0 - intrinsics.cy_px) / intrinsics.fy_px
    bottom = (intrinsics.height_px - intrinsics.cy_px) / intrinsics.fy_px
    return bool(
        np.all(z <= near_m)
        or np.all(x < left * z)
        or np.all(x > right * z)
        or np.all(y < top * z)
        or np.all(y > bottom * z)
    )


def in_view(profile: GlassesProfile, direction: np.ndarray) -> bool:
    """Whether a direction in eye axes falls inside the glasses' picture."""
    if direction[2] <= 0.0:
        return False
    intrinsics = eye_intrinsics(profile)
    x = intrinsics.fx_px * direction[0] / direction[2] + intrinsics.cx_px
    y = intrinsics.fy_px * direction[1] / direction[2] + intrinsics.cy_px
    return 0.0 <= x < intrinsics.width_px and 0.0 <= y < intrinsics.height_px
