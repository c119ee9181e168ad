"""Her head in camera coordinates: where her eyes are and which way her face points.

Head axes (used by every head module): x towards her left, y up, z out of her face (her forward), the
axes of MediaPipe's canonical face model. A head rotation maps head axes into camera axes (OpenCV's: x
right, y down, z forward), so a person facing the camera squarely has the rotation diag(1, -1, -1).

Orientation comes from one of two measurements:
- her face: MediaPipe's 468 face landmarks (on a crop around the pose's head, see tracking/face.py),
  fitted by PnP to the canonical face model on the points that do not move when she talks or smiles;
- her body: the pose's ears, eyes, nose and shoulders, when the face is not found (turned away, profile).
Position is always from the body (the whole skeleton's PnP fixes depth far better than a face's size).
Which of them one frame uses, and the body's learned head shape, is arwed.geometry.head_measure's rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from arwed.geometry import body
from arwed.types import CameraIntrinsics, HeadPose

__all__ = ["HeadPose"]  # re-exported: the type lives with the others in arwed.types

FACE_MODEL_PATH = Path(__file__).with_name("data") / "canonical_face_model.obj"
FACE_LANDMARK_COUNT = 468
# rigid points of the face: the landmarks MediaPipe's own geometry pipeline weights for its Procrustes fit
# (nose, between the eyes, forehead, eye corners, cheekbones), plus brows, temples and the nose's bridge
RIGID_FACE_LANDMARKS = (
    *(4, 6, 10, 33, 54, 67, 117, 119, 121, 127, 129, 132, 133, 136, 143, 147, 198, 205),
    *(263, 284, 297, 346, 348, 350, 356, 358, 361, 362, 365, 372, 376, 420, 425),
    *(1, 5, 168, 197, 195, 9, 151, 70, 63, 105, 66, 107, 300, 293, 334, 296, 336, 130, 359, 162, 389),
)
# Beyond NEAR_SIDE_FROM_DEG of yaw the fit leans, over NEAR_SIDE_BLEND_DEG, on the rigid points of the
# side towards the camera and the middle line: Face Mesh draws the hidden cheek where a frontal face
# would have it, which makes a turn look smaller than it is (a fifth too small at 40 degrees).
NEAR_SIDE_FROM_DEG = 10.0
NEAR_SIDE_BLEND_DEG = 10.0
NEAR_SIDE_MAX_WEIGHT = 0.6  # halfway: the near side alone is twice as noisy (half the points, one-sided)
MAX_NEAR_SIDE_CHANGE_DEG = 15.0  # more than this is a failed fit, not a correction
MIDLINE_M = 0.005  # points this close to the face's middle line count as seen from either side
FACING_CAMERA = np.diag([1.0, -1.0, -1.0])  # head axes -> camera axes for a person facing the camera
LEFT_EAR, RIGHT_EAR = 7, 8
MIN_BODY_VISIBILITY = 0.3
NOSE_FORWARD_OF_EARS_M = 0.10  # the nose tip is this far in front of the line between the ears
NOSE_BELOW_EARS_M = 0.02  # and this far below it, with the head level


@dataclass(frozen=True)
class HeadMeasurement:
    """One frame's raw head orientation (no filtering), from the face or from the body."""

    time_s: float
    rotation: np.ndarray  # (3, 3) head axes -> camera axes
    confidence: float
    source: str  # "face" or "body"
    sigma_deg: float | None = None  # its expected error per axis, when the measurer knows it


def head_angles_deg(rotation: np.ndarray, position_m: np.ndarray | None = None) -> tuple[float, float, float]:
    """Yaw, pitch and roll in degrees, 0 when she faces the camera (looks at the lens from where she is).

    Yaw is positive when she turns to her left (towards the image's right), pitch when she looks up,
    roll when her head tilts towards her right shoulder. The reference frame looks from her head to the
    camera with the camera's "up"; angles are intrinsic yaw, then pitch, then roll."""
    reference = facing_camera_rotation(position_m)
    relative = reference.T @ np.asarray(rotation, dtype=np.float64)  # head axes in the reference's head axes
    forward, left = relative[:, 2], relative[:, 0]
    yaw = math.degrees(math.atan2(forward[0], forward[2]))
    pitch = math.degrees(math.asin(float(np.clip(forward[1], -1.0, 1.0))))
    # roll: the head's left axis against the horizontal left axis after yaw and pitch
    yaw_r = math.radians(yaw)
    level_left = np.array([math.cos(yaw_r), 0.0, -math.sin(yaw_r)])
    level_up = np.cross(forward, level_left)
    roll = math.degrees(math.atan2(float(np.dot(left, level_up)), float(np.dot(left, level_left))))
    return yaw, pitch, roll


def facing_camera_rotation(position_m: np.ndarray | None) -> np.ndarray:
    """The head rotation of someone at `position_m` looking straight at the camera, head level with the
    camera's horizontal axis (diag(1, -1, -1) on the optical axis)."""
    if position_m is None or not np.all(np.isfinite(position_m)) or float(np.linalg.norm(position_m)) < 1e-6:
        return FACING_CAMERA.copy()
    forward = -np.asarray(position_m, dtype=np.float64) / float(np.linalg.norm(position_m))
    up_hint = np.array([0.0, -1.0, 0.0])
    left = np.cross(up_hint, forward)
    if float(np.linalg.norm(left)) < 1e-6:
        return FACING_CAMERA.copy()
    left /= np.linalg.norm(left)
    up = np.cross(forward, left)
    return np.column_stack((left, up, forward))


def rotation_from_angles_deg(
    yaw_deg: float, pitch_deg: float, roll_deg: float, position_m: np.ndarray | None = None
) -> np.ndarray:
    """The inverse of `head_angles_deg`: the head rotation with these angles at this position."""
    yaw, pitch, roll = (math.radians(a) for a in (yaw_deg, pitch_deg, roll_deg))
    about_up = _axis_rotation(np.array([0.0, 1.0, 0.0]), yaw)
    about_left = _axis_rotation(np.array([1.0, 0.0, 0.0]), -pitch)  # +x is her left: looking up is -x
    about_forward = _axis_rotation(np.array([0.0, 0.0, 1.0]), roll)
    return facing_camera_rotation(position_m) @ about_up @ about_left @ about_forward


def _axis_rotation(axis: np.ndarray, angle_rad: float) -> np.ndarray:
    return cv2.Rodrigues(np.asarray(axis, dtype=np.float64) * angle_rad)[0]


@lru_cache(maxsize=1)
def canonical_face_m() -> np.ndarray:
    """(468, 3) MediaPipe's canonical face in metres, head axes, in landmark order."""
    vertices = []
    with FACE_MODEL_PATH.open(encoding="ascii") as obj:
        for line in obj:
            if line.startswith("v "):
                vertices.append([float(v) for v in line.split()[1:4]])
    points = np.asarray(vertices, dtype=np.float64) * 0.01
    if points.shape != (FACE_LANDMARK_COUNT, 3):
        raise RuntimeError(f"{FACE_MODEL_PATH}: expected {FACE_LANDMARK_COUNT} vertices")
    return points


def eyes_centre_in_face_m() -> np.ndarray:
    """The point between the eyes' centres in the canonical face's axes (from the eye-corner landmarks)."""
    face = canonical_face_m()
    corners = face[[33, 133, 263, 362]]
    return corners.mean(axis=0)


class FaceOrientationSolver:
    """Head rotation from face landmarks in frame pixels: PnP onto the canonical face's rigid points.

    Stateful only for speed and stability: each solve starts from the previous one, with a global solve
    (SQPnP) when there is none or the guess fits badly."""

    def __init__(self, intrinsics: CameraIntrinsics) -> None:
        self.intrinsics = intrinsics
        self._guess: tuple[np.ndarray, np.ndarray] | None = None
        self._model = canonical_face_m()[list(RIGID_FACE_LANDMARKS)]
        self.near_side_weight = 0.0  # how much the last solve leaned on the near side (noisier)

    def reset(self) -> None:
        self._guess = None

    def solve(self, landmarks_px: np.ndarray) -> tuple[np.ndarray, float] | None:
        """(rotation head -> camera, reprojection RMS in px as a fraction of the face's size) or None."""
        points = np.asarray(landmarks_px, dtype=np.float64)
        if points.shape[0] < FACE_LANDMARK_COUNT or not np.all(np.isfinite(points[:, :2])):
            return None
        image_px = np.ascontiguousarray(points[list(RIGID_FACE_LANDMARKS), :2])
        best = None
        if self._guess is not None:
            best = self._refine(image_px, *self._guess)
        face_size_px = float(np.linalg.norm(image_px.max(axis=0) - image_px.min(axis=0)))
        if best is None or best[2] > 0.03 * face_size_px:
            solved = self._pnp(image_px, flags=cv2.SOLVEPNP_SQPNP)
            fresh = None if solved is None else self._refine(image_px, *solved)
            if fresh is not None and (best is None or fresh[2] < best[2]):
                best = fresh
        if best is None:
            self._guess = None
            return None
        rvec, tvec, rms = best
        self._guess = (rvec, tvec)
        rotation = cv2.Rodrigues(rvec)[0]
        yaw = head_angles_deg(rotation, tvec.ravel())[0]
        weight = float(
            np.clip((abs(yaw) - NEAR_SIDE_FROM_DEG) / NEAR_SIDE_BLEND_DEG, 0.0, NEAR_SIDE_MAX_WEIGHT)
        )
        self.near_side_weight = weight
        if weight > 0.0:  # the far cheek turns away: its landmarks are guesses, fit more without them
            near = self._model[:, 0] * (-1.0 if yaw > 0 else 1.0) >= -MIDLINE_M
            refit = self._refine(image_px[near], rvec, tvec, self._model[near])
            if refit is not None:
                near_rotation = cv2.Rodrigues(refit[0])[0]
                step = cv2.Rodrigues(near_rotation @ rotation.T)[0].ravel()
                if np.degrees(np.linalg.norm(step)) < MAX_NEAR_SIDE_CHANGE_DEG:
                    rotation = cv2.Rodrigues(weight * step)[0] @ rotation
        return rotation, rms / max(face_size_px, 1.0)

    def _pnp(self, image_px: np.ndarray, model: np.ndarray | None = None, **options):
        model = self._model if model is None else model
        try:
            ok, rvec, tvec = cv2.solvePnP(
                model, image_px, self.intrinsics.matrix, self.intrinsics.distortion_array, **options
            )
        except cv2.error:
            return None
        return (rvec, tvec) if ok and tvec[2, 0] > 0.0 else None

    def _refine(
        self, image_px: np.ndarray, rvec: np.ndarray, tvec: np.ndarray, model: np.ndarray | None = None
    ):
        model = self._model if model is None else model
        solved = self._pnp(
            image_px,
            model,
            rvec=rvec.copy(),
            tvec=tvec.copy(),
            useExtrinsicGuess=True,
            flags=cv2.SOLVEPNP_ITERATIVE,
        )
        if solved is None:
            return None
        projected, _ = cv2.projectPoints(
            model, solved[0], solved[1], self.intrinsics.matrix, self.intrinsics.distortion_array
        )
        rms = float(np.sqrt(np.mean(np.sum((projected.reshape(-1, 2) - image_px) ** 2, axis=1))))
        return solved[0], solved[1], rms


def body_head_rotation(landmarks_m: np.ndarray, visibility: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Head rotation from the pose's landmarks in camera coordinates (ears, nose, eyes, shoulders).

    Left-right comes from the ears (the shoulders when an ear is unsure), forward from the nose in front
    of the ears, up from the torso. Coarse (MediaPipe's depth of a turned head is a guess) but defined
    in profile and from behind. Returns (rotation, confidence) or None."""
    points = np.asarray(landmarks_m, dtype=np.float64)
    seen = np.asarray(visibility, dtype=np.float64)
    ears_sure = min(seen[LEFT_EAR], seen[RIGHT_EAR]) >= MIN_BODY_VISIBILITY
    across = points[LEFT_EAR] - points[RIGHT_EAR]
    shoulders_across = points[body.LEFT_SHOULDER] - points[body.RIGHT_SHOULDER]
    if not ears_sure or float(np.linalg.norm(across)) < 0.05:
        across = shoulders_across
    shoulders_mid = body.midpoint(points, body.LEFT_SHOULDER, body.RIGHT_SHOULDER)
    ears_mid = body.midpoint(points, LEFT_EAR, RIGHT_EAR)
    torso_up = ears_mid - shoulders_mid
    left = _unit(across)
    if left is None or _unit(torso_up) is None:
        return None
    up = _unit(torso_up - float(np.dot(torso_up, left)) * left)
    if up is None:
        return None
    forward = np.cross(left, up)
    # the nose says how far the head is bowed or raised relative to the torso
    nose = points[body.NOSE] - ears_mid
    along, below = float(np.dot(nose, forward)), -float(np.dot(nose, up))
    if along > 0.03:
        nod = math.atan2(below - NOSE_BELOW_EARS_M, along) - math.atan2(0.0, NOSE_FORWARD_OF_EARS_M)
        nod = float(np.clip(nod, -math.radians(45.0), math.radians(45.0)))
        rotation = np.column_stack((left, up, forward)) @ _axis_rotation(np.array([1.0, 0.0, 0.0]), nod)
    else:
        rotation = np.column_stack((left, up, forward))
    confidence = 0.6 * float(np.clip(min(seen[LEFT_EAR], seen[RIGHT_EAR]) + 0.3, 0.3, 1.0))
    return rotation, confidence


def eyes_position_m(landmarks_m: np.ndarray) -> np.ndarray:
    """The point between her eyes from the pose's eye landmarks (camera coordinates)."""
    return body.midpoint(np.asarray(landmarks_m, dtype=np.float64), body.LEFT_EYE, body.RIGHT_EYE)


def _unit(vector: np.ndarray) -> np.ndarray | None:
    length = float(np.linalg.norm(vector))
    return vector / length if length > 1e-9 else None


def angle_between_deg(a: np.ndarray, b: np.ndarray) -> float:
    """The angle between two directions, in degrees."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    cos = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
    return math.degrees(math.acos(float(np.clip(cos, -1.0, 1.0))))
