"""One camera frame's measurement of her head: where her eyes are and which way her face points.

The rule lives here once, for the pipeline (arwed.pipeline.head) and for the simulations that check it:
- orientation from her face's 468 landmarks when Face Mesh found them (arwed.geometry.head), else from
  her body's head landmarks;
- the body's head landmarks (nose, eyes, ears, mouth: eleven points of MediaPipe's metric skeleton) are
  rigid with her head, so while her face is seen their shape in head axes is learned (`HeadShape`).
  When the face is lost (profile, turned away) the head's rotation is the rigid fit of that learned
  shape to where the points are now: all eleven points carry the turn, not only the two ears, and it is
  the same person's own shape, so the switch from the face to the body does not jump. Until the shape is
  learned, the coarse ears-and-nose rule (`body_head_rotation`) is used;
- the position between her eyes from the centroid of the same eleven points plus their learned offset
  to the eyes: eleven points average away much of the skeleton's per-point jitter that the two eye
  points alone carry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from arwed.geometry.head import FaceOrientationSolver, HeadMeasurement, body_head_rotation, eyes_position_m
from arwed.types import CameraIntrinsics

HEAD_POINTS = tuple(range(11))  # BlazePose: nose, eyes (inner, centre, outer), ears, mouth corners
MIN_SHAPE_VISIBILITY = 0.3
FACE_FIT_TOLERANCE = 0.05  # a face fit off by this fraction of the face's size has no confidence left
MIN_FACE_CONFIDENCE_TO_LEARN = 0.3
# a face fit's error per axis grows with its misfit (the landmarks' scatter about the rigid face, as a
# fraction of the face's size): with 1.5 px of noise on a face 2.5 m away the misfit is about 0.02 and
# the rotation scatters by about 0.8 degrees per axis
FACE_SIGMA_PER_MISFIT_DEG = 50.0
MIN_SIGMA_DEG, MAX_SIGMA_DEG = 0.3, 15.0
FIT_STEPS = 3  # Gauss-Newton steps of the shape's fit to points and pixels
MAX_DISAGREEMENT_DEG = 12.0  # a face and a shape fit further apart than this are not averaged
SHAPE_SAMPLES_NEEDED = 15  # half a second of her face at 30 Hz before the shape is trusted
SHAPE_MEMORY = 300  # the running mean's length once learned (ten seconds at 30 Hz)
MIN_SHAPE_POINTS = 5
SHAPE_FIT_TOLERANCE_M = 0.03  # an RMS misfit of the shape this large leaves no confidence
BODY_SHAPE_CONFIDENCE = 0.8  # the shape's fit is good, but it rests on the skeleton's depth guesses
SHAPE_SIGMA_FACTOR = 0.8  # measured: the fit scatters by its misfit over the spread, per point


@dataclass(frozen=True)
class HeadSighting:
    """One frame's raw head: the position between her eyes (None: the body was not seen) and the
    orientation measurement (None: neither the face nor the body gave one)."""

    position_m: np.ndarray | None
    measurement: HeadMeasurement | None


class HeadShape:
    """The body's eleven head landmarks in her head's axes, learned while her face is seen."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._sum = np.zeros((len(HEAD_POINTS), 3))
        self._weight = np.zeros(len(HEAD_POINTS))
        self._eyes_sum = np.zeros(3)
        self._samples = 0

    @property
    def learned(self) -> bool:
        return self._samples >= SHAPE_SAMPLES_NEEDED

    def learn(self, landmarks_m: np.ndarray, visibility: np.ndarray, rotation: np.ndarray) -> None:
        """One frame with a trusted face rotation (head axes -> camera axes)."""
        points, seen = _head_points(landmarks_m, visibility)
        if seen.sum() < MIN_SHAPE_POINTS:
            return
        centroid = points[seen].mean(axis=0)
        local = (points - centroid) @ np.asarray(rotation, dtype=np.float64)  # rows: R^T (p - c)
        eyes_local = (eyes_position_m(landmarks_m) - centroid) @ rotation
        keep = 1.0 - 1.0 / SHAPE_MEMORY if self._samples >= SHAPE_MEMORY else 1.0
        self._sum *= keep
        self._weight *= keep
        self._eyes_sum *= keep
        self._sum[seen] += local[seen]
        self._weight[seen] += 1.0
        self._eyes_sum += eyes_local
        self._samples += 1

    def _template(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        known = self._weight > 0.5
        template = np.zeros_like(self._sum)
        template[known] = self._sum[known] / self._weight[known, None]
        return template, known, self._eyes_sum / max(float(self._weight.max()), 1.0)

    def _matched(self, landmarks_m: np.ndarray, visibility: np.ndarray):
        """(this frame's head points, the learned shape, the points both have, the eyes in the shape), or
        None before the shape is learned or with too few of its points seen."""
        if not self.learned:
            return None
        points, seen = _head_points(landmarks_m, visibility)
        template, known, eyes_local = self._template()
        use = seen & known
        if use.sum() < MIN_SHAPE_POINTS:
            return None
        return points, template, use, eyes_local

    def rotation(
        self,
        landmarks_m: np.ndarray,
        visibility: np.ndarray,
        image_px: np.ndarray | None = None,
        intrinsics: CameraIntrinsics | None = None,
    ) -> tuple[np.ndarray, float, float] | None:
        """(head rotation, confidence, expected error per axis in degrees) by the rigid fit of the
        learned shape to the skeleton's head points and, when given, to where they are in the picture
        (the pixels are usually sharper than the skeleton's depth guesses), or None."""
        matched = self._matched(landmarks_m, visibility)
        if matched is None:
            return None
        points, template, use, _ = matched
        source = template[use] - template[use].mean(axis=0)
        target = points[use] - points[use].mean(axis=0)
        u, _, vt = np.linalg.svd(target.T @ source)
        fix = np.diag([1.0, 1.0, float(np.sign(np.linalg.det(u @ vt)))])
        rotation = u @ fix @ vt
        misfit = float(np.sqrt(np.mean(np.sum((source @ rotation.T - target) ** 2, axis=1))))
        confidence = BODY_SHAPE_CONFIDENCE * float(np.clip(1.0 - misfit / SHAPE_FIT_TOLERANCE_M, 0.1, 1.0))
        # the fit's error per axis: the points' scatter over their spread, averaged over the points
        spread = float(np.sqrt(np.mean(np.sum(source**2, axis=1))))
        sigma = SHAPE_SIGMA_FACTOR * math.degrees(misfit / max(spread, 1e-3) / math.sqrt(use.sum()))
        if image_px is not None and intrinsics is not None:
            pixels = np.asarray(image_px, dtype=np.float64)[list(HEAD_POINTS), :2]
            both = use & np.all(np.isfinite(pixels), axis=1)
            if both.sum() >= MIN_SHAPE_POINTS:
                refined = _fit_points_and_pixels(
                    template[both] - template[use].mean(axis=0),
                    points[both],
                    pixels[both],
                    intrinsics,
                    rotation,
                    points[use].mean(axis=0),
                    max(misfit / math.sqrt(3.0), 1e-3),
                )
                if refined is not None:
                    rotation, sigma = refined[0], min(sigma, refined[1])
        return rotation, confidence, float(np.clip(sigma, MIN_SIGMA_DEG, MAX_SIGMA_DEG))

    def eyes_m(self, landmarks_m: np.ndarray, visibility: np.ndarray, rotation: np.ndarray | None):
        """The point between her eyes from the centroid of the head points, or None before it is
        learned (or without a rotation to turn the learned offset with)."""
        matched = self._matched(landmarks_m, visibility) if rotation is not None else None
        if matched is None:
            return None
        points, template, use, eyes_local = matched
        # the centroid of the points seen now, corrected to the centroid of all the learned points
        centroid = points[use].mean(axis=0) - rotation @ template[use].mean(axis=0)
        return centroid + rotation @ eyes_local


class HeadMeasurer:
    """Her head from one frame's body pose and (when found) face landmarks. One owner thread."""

    def __init__(self, intrinsics: CameraIntrinsics) -> None:
        self.intrinsics = intrinsics
        self.face_solver = FaceOrientationSolver(intrinsics)
        self.shape = HeadShape()
        self._last_rotation: np.ndarray | None = None

    def reset(self) -> None:
        self.face_solver.reset()
        self.shape.reset()
        self._last_rotation = None

    def measure(
        self,
        time_s: float,
        landmarks_m: np.ndarray | None,
        visibility: np.ndarray | None,
        face_landmarks_px: np.ndarray | None,
        image_px: np.ndarray | None = None,
    ) -> HeadSighting:
        """`landmarks_m`: the body's 33 landmarks in camera coordinates (None: no body this frame);
        `image_px`: the same landmarks in the picture."""
        measurement = None
        solved = self.face_solver.solve(face_landmarks_px) if face_landmarks_px is not None else None
        from_shape = (
            None
            if landmarks_m is None
            else self.shape.rotation(landmarks_m, visibility, image_px, self.intrinsics)
        )
        if solved is not None:
            confidence = float(np.clip(1.0 - solved[1] / FACE_FIT_TOLERANCE, 0.1, 1.0))
            sigma = FACE_SIGMA_PER_MISFIT_DEG * solved[1] * (1.0 + self.face_solver.near_side_weight)
            sigma = float(np.clip(sigma, MIN_SIGMA_DEG, MAX_SIGMA_DEG))
            rotation = solved[0]
            if landmarks_m is not None and confidence >= MIN_FACE_CONFIDENCE_TO_LEARN:
                self.shape.learn(landmarks_m, visibility, solved[0])
            if from_shape is not None:  # two independent views of one head: weighted by their errors
                rotation, sigma = _combined(rotation, sigma, from_shape[0], from_shape[2])
            measurement = HeadMeasurement(time_s, rotation, confidence, "face", sigma)
        elif from_shape is not None:
            measurement = HeadMeasurement(time_s, from_shape[0], from_shape[1], "body", from_shape[2])
        elif landmarks_m is not None:
            from_body = body_head_rotation(landmarks_m, visibility)
            if from_body is not None:
                measurement = HeadMeasurement(time_s, from_body[0], from_body[1], "body")
        if measurement is not None:
            self._last_rotation = measurement.rotation
        position = None
        if landmarks_m is not None:
            position = self.shape.eyes_m(landmarks_m, visibility, self._last_rotation)
            if position is None:
                position = eyes_position_m(landmarks_m)
        return HeadSighting(position, measurement)


def _combined(a: np.ndarray, sigma_a: float, b: np.ndarray, sigma_b: float) -> tuple[np.ndarray, float]:
    """Two rotation measurements of one head, inverse-variance weighted: (rotation, its error)."""
    weight_b = sigma_a**2 / (sigma_a**2 + sigma_b**2)
    step = cv2.Rodrigues(b @ a.T)[0].ravel()
    if math.degrees(float(np.linalg.norm(step))) > MAX_DISAGREEMENT_DEG:
        return a, sigma_a  # they disagree: the face, which sees her head directly, is kept alone
    rotation = cv2.Rodrigues(weight_b * step)[0] @ a
    return rotation, sigma_a * sigma_b / math.sqrt(sigma_a**2 + sigma_b**2)


def _fit_points_and_pixels(
    shape_m: np.ndarray,
    points_m: np.ndarray,
    pixels: np.ndarray,
    intrinsics: CameraIntrinsics,
    rotation: np.ndarray,
    centre_m: np.ndarray,
    point_sigma_m: float,
) -> tuple[np.ndarray, float] | None:
    """The rigid motion of the shape that best explains both the 3D points and their pixels, each
    weighted by its scatter (the pixels' from their own misfit): (rotation, error per axis in degrees).
    A few Gauss-Newton steps from the 3D fit (small turns about it; it is already close)."""
    fx, fy, cx, cy = intrinsics.fx_px, intrinsics.fy_px, intrinsics.cx_px, intrinsics.cy_px
    rotation, centre = np.asarray(rotation, dtype=np.float64), np.asarray(centre_m, dtype=np.float64)
    pixel_sigma = None
    normal = None
    count = len(shape_m)
    for _ in range(FIT_STEPS):
        arm = shape_m @ rotation.T  # the shape's points about its centre, turned
        placed = arm + centre
        if np.any(placed[:, 2] <= 0.05):
            return None
        x, y, z = placed[:, 0], placed[:, 1], placed[:, 2]
        projected = np.column_stack((cx + fx * x / z, cy + fy * y / z))
        if pixel_sigma is None:  # from the 3D fit's own reprojection misfit, per axis
            pixel_sigma = max(float(np.sqrt(np.mean((projected - pixels) ** 2))), 0.5)
        # d(placed)/d(turn) = -[arm]x, d(placed)/d(shift) = I
        skew = np.zeros((count, 3, 3))
        skew[:, 0, 1], skew[:, 0, 2], skew[:, 1, 2] = arm[:, 2], -arm[:, 1], arm[:, 0]
        skew[:, 1, 0], skew[:, 2, 0], skew[:, 2, 1] = -arm[:, 2], arm[:, 1], -arm[:, 0]
        d_placed = np.concatenate((skew, np.broadcast_to(np.eye(3), (count, 3, 3))), axis=2)  # (n, 3, 6)
        d_pixel = np.zeros((count, 2, 3))
        d_pixel[:, 0, 0], d_pixel[:, 0, 2] = fx / z, -fx * x / z**2
        d_pixel[:, 1, 1], d_pixel[:, 1, 2] = fy / z, -fy * y / z**2
        jacobian = np.concatenate(
            (
                d_placed.reshape(-1, 6) / point_sigma_m,
                np.einsum("nij,njk->nik", d_pixel, d_placed).reshape(-1, 6) / pixel_sigma,
            )
        )
        residual = np.concatenate(
            (((placed - points_m) / point_sigma_m).ravel(), ((projected - pixels) / pixel_sigma).ravel())
        )
        normal = jacobian.T @ jacobian
        try:
            step = -np.linalg.solve(normal, jacobian.T @ residual)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)):
            return None
        rotation = cv2.Rodrigues(step[:3].reshape(3, 1))[0] @ rotation
        centre = centre + step[3:]
    try:
        covariance = np.linalg.inv(normal)
    except np.linalg.LinAlgError:
        return None
    sigma_deg = math.degrees(math.sqrt(float(np.trace(covariance[:3, :3])) / 3.0))
    return rotation, sigma_deg


def _head_points(landmarks_m: np.ndarray, visibility: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    points = np.asarray(landmarks_m, dtype=np.float64)[list(HEAD_POINTS)]
    if visibility is None:
        seen = np.ones(len(HEAD_POINTS), dtype=bool)
    else:
        seen = np.asarray(visibility, dtype=np.float64)[list(HEAD_POINTS)] >= MIN_SHAPE_VISIBILITY
    return points, seen & np.all(np.isfinite(points), axis=1)
