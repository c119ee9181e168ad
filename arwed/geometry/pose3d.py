"""The person's body in camera coordinates, by PnP between MediaPipe's image and world landmarks.

MediaPipe's world landmarks are a metric 3D skeleton (hip-centred, its own axes) of an assumed average
body size; the image landmarks are where the same joints appear in pixels. solvePnP finds the rigid
motion that maps the skeleton onto the image: the translation is the hip centre in camera coordinates.
Depth scales with the skeleton's size, so the skeleton is first scaled to the person's real height
when that is known.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from arwed.types import CameraIntrinsics, PoseObservation

MIN_VISIBILITY = 0.5  # MediaPipe's visibility score below which a landmark is ignored
MIN_POINTS = 6
# a solution from the previous frame's guess is kept unless a global solve fits clearly better,
# so the pose does not flip between two near-equal solutions from frame to frame
PREFER_GUESS_RATIO = 0.8
# the global solve runs when the guess fits worse than usual, and every so many frames regardless
WORSE_FIT_RATIO = 1.5
GLOBAL_CHECK_FRAMES = 10


@dataclass(frozen=True)
class BodyPose:
    rotation: np.ndarray  # (3, 3) world-landmark axes -> camera axes
    translation_m: np.ndarray  # (3,) the world landmarks' origin (hip centre) in camera coordinates
    landmarks_m: np.ndarray  # (33, 3) all landmarks in camera coordinates (scaled skeleton)
    visible: np.ndarray  # (33,) bool: the landmarks used for the fit
    reprojection_rms_px: float
    scale: float  # the factor applied to MediaPipe's world landmarks

    def to_camera(self, world_m: np.ndarray) -> np.ndarray:
        return (self.scale * np.asarray(world_m)) @ self.rotation.T + self.translation_m


def visible_landmarks(observation: PoseObservation, intrinsics: CameraIntrinsics) -> np.ndarray:
    """(33,) bool: confidently seen and inside the image."""
    px = np.asarray(observation.image_landmarks_px, dtype=np.float64)
    inside = (
        (px[:, 0] >= 0)
        & (px[:, 0] < intrinsics.width_px)
        & (px[:, 1] >= 0)
        & (px[:, 1] < intrinsics.height_px)
    )
    finite = np.all(np.isfinite(px), axis=1) & np.all(np.isfinite(observation.world_landmarks_m), axis=1)
    return (np.asarray(observation.visibility) >= MIN_VISIBILITY) & inside & finite


class BodyPoseSolver:
    """Stateful PnP: each frame starts from the previous frame's pose, with a global solve as a check."""

    def __init__(self, intrinsics: CameraIntrinsics) -> None:
        self.intrinsics = intrinsics
        self.reset()

    def reset(self) -> None:
        self._guess: tuple[np.ndarray, np.ndarray] | None = None  # rvec, tvec of the unscaled skeleton
        self._usual_rms_px: float | None = None
        self._frames_since_global = 0

    def solve(self, observation: PoseObservation, scale: float = 1.0) -> BodyPose | None:
        """The body in camera coordinates, or None when too few landmarks are seen or the fit fails."""
        visible = visible_landmarks(observation, self.intrinsics)
        if int(visible.sum()) < MIN_POINTS:
            return None
        object_m = scale * np.asarray(observation.world_landmarks_m, dtype=np.float64)[visible]
        image_px = np.asarray(observation.image_landmarks_px, dtype=np.float64)[visible]
        best = self._best_solution(object_m, image_px, scale)
        if best is None:
            return None
        rvec, tvec, rms = best
        self._guess = (rvec, tvec / scale)
        rotation = cv2.Rodrigues(rvec)[0]
        translation = tvec.ravel()
        landmarks = (
            scale * np.asarray(observation.world_landmarks_m, dtype=np.float64)
        ) @ rotation.T + translation
        return BodyPose(rotation, translation, landmarks, visible, rms, scale)

    def _best_solution(self, object_m: np.ndarray, image_px: np.ndarray, scale: float):
        from_guess = None
        if self._guess is not None:
            from_guess = self._refine(object_m, image_px, self._guess[0], self._guess[1] * scale)
        self._frames_since_global += 1
        if from_guess is not None and not self._global_check_due(from_guess[2]):
            return self._remember(from_guess)
        self._frames_since_global = 0
        global_fit = self._global(object_m, image_px)
        if from_guess is None or (
            global_fit is not None and global_fit[2] < PREFER_GUESS_RATIO * from_guess[2]
        ):
            return self._remember(global_fit)
        return self._remember(from_guess)

    def _global_check_due(self, rms_px: float) -> bool:
        worse = self._usual_rms_px is not None and rms_px > WORSE_FIT_RATIO * self._usual_rms_px + 0.5
        return worse or self._frames_since_global >= GLOBAL_CHECK_FRAMES

    def _remember(self, solution):
        if solution is not None:
            rms = solution[2]
            self._usual_rms_px = rms if self._usual_rms_px is None else 0.9 * self._usual_rms_px + 0.1 * rms
        return solution

    def _solve_pnp(self, object_m: np.ndarray, image_px: np.ndarray, **options):
        """cv2.solvePnP with this camera: (rvec, tvec), or None when it fails."""
        try:
            ok, rvec, tvec = cv2.solvePnP(
                object_m, image_px, self.intrinsics.matrix, self.intrinsics.distortion_array, **options
            )
        except cv2.error:
            return None
        return (rvec, tvec) if ok else None

    def _global(self, object_m: np.ndarray, image_px: np.ndarray):
        solved = self._solve_pnp(object_m, image_px, flags=cv2.SOLVEPNP_SQPNP)
        return None if solved is None else self._refine(object_m, image_px, *solved)

    def _refine(self, object_m: np.ndarray, image_px: np.ndarray, rvec: np.ndarray, tvec: np.ndarray):
        solved = self._solve_pnp(
            object_m,
            image_px,
            rvec=np.array(rvec, dtype=np.float64).reshape(3, 1),
            tvec=np.array(tvec, dtype=np.float64).reshape(3, 1),
            useExtrinsicGuess=True,
            flags=cv2.SOLVEPNP_ITERATIVE,
        )
        if solved is None or not np.all(np.isfinite(solved[1])) or solved[1][2, 0] <= 0.0:
            return None
        rvec, tvec = solved
        return rvec, tvec, self._rms(object_m, image_px, rvec, tvec)

    def _rms(self, object_m: np.ndarray, image_px: np.ndarray, rvec: np.ndarray, tvec: np.ndarray) -> float:
        projected, _ = cv2.projectPoints(
            object_m, rvec, tvec, self.intrinsics.matrix, self.intrinsics.distortion_array
        )
        return float(np.sqrt(np.mean(np.sum((projected.reshape(-1, 2) - image_px) ** 2, axis=1))))
