"""Her face's 468 landmarks, by MediaPipe Face Mesh on a crop around the pose's head.

Face Mesh's own face detector is made for faces that fill the picture (a selfie): on a whole frame of a
person a few metres away it finds nothing. The pose already knows where her head is, so a square crop
around the pose's head landmarks (nose, eyes, ears, mouth) is scaled to CROP_SIZE_PX and the face is
searched there, where it fills the picture as the detector expects. The models ship in the mediapipe
wheel (face_detection_short_range.tflite, face_landmark.tflite): nothing is downloaded.
Each crop is searched afresh (static mode): the crop itself follows her from frame to frame.
A crop around one person's head can hold a neighbour's face too (a couple side by side, a guest leaning
in): up to MAX_FACES are found and the one whose nose is nearest the pose's own nose is hers.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from arwed.tracking.mediapipe_import import mediapipe_without_matplotlib
from arwed.types import Frame, PoseObservation

HEAD_LANDMARKS = tuple(range(11))  # BlazePose: nose, eyes (inner, centre, outer), ears, mouth corners
CROP_SIZE_PX = 256
CROP_SCALE = 3.2  # the crop's side in units of the head landmarks' spread (the face fills about half)
MIN_CROP_PX = 24  # a head smaller than this in the frame is too small for face landmarks
MIN_HEAD_VISIBILITY = 0.3
MAX_FACES = 3
FACE_NOSE_TIP = 1  # Face Mesh's nose tip; BlazePose's nose is its landmark 0


@dataclass(frozen=True)
class FaceObservation:
    """Face Mesh's 468 landmarks for one person in one frame, in full-frame pixels."""

    frame_index: int
    landmarks_px: np.ndarray  # (468, 2)
    depth_px: np.ndarray  # (468,) MediaPipe's relative depth, in frame pixels (smaller is nearer)
    crop_px: tuple[int, int, int]  # x, y, side of the square crop in the frame


def head_crop_px(observation: PoseObservation, frame_size_px: tuple[int, int]) -> tuple[int, int, int] | None:
    """A square (x, y, side) around the pose's head landmarks, or None when the head is unseen or tiny."""
    points = np.asarray(observation.image_landmarks_px, dtype=np.float64)[list(HEAD_LANDMARKS)]
    seen = np.asarray(observation.visibility)[list(HEAD_LANDMARKS)] >= MIN_HEAD_VISIBILITY
    if seen.sum() < 3 or not np.all(np.isfinite(points[seen])):
        return None
    points = points[seen]
    centre = points.mean(axis=0)
    spread = float(np.max(np.ptp(points, axis=0)))
    shoulders = np.asarray(observation.image_landmarks_px, dtype=np.float64)[[11, 12]]
    shoulder_width = (
        float(np.linalg.norm(shoulders[0] - shoulders[1])) if np.all(np.isfinite(shoulders)) else 0.0
    )
    side = max(CROP_SCALE * spread, 0.9 * shoulder_width)  # a profile's head landmarks bunch up
    if side < MIN_CROP_PX:
        return None
    width, height = frame_size_px
    x0 = int(round(centre[0] - side / 2.0))
    y0 = int(round(centre[1] - side / 2.0))
    side_px = int(round(side))
    if x0 >= width or y0 >= height or x0 + side_px <= 0 or y0 + side_px <= 0:
        return None
    return x0, y0, side_px


class FaceTracker:
    """Face landmarks for a person the pose found; create and use on one thread."""

    def __init__(self, min_detection_confidence: float = 0.5) -> None:
        mediapipe_without_matplotlib()
        from mediapipe.python.solutions import face_mesh

        self._mesh = face_mesh.FaceMesh(
            static_image_mode=True,
            max_num_faces=MAX_FACES,
            refine_landmarks=False,
            min_detection_confidence=min_detection_confidence,
        )

    def process(self, frame: Frame, observation: PoseObservation) -> FaceObservation | None:
        """The face of the person `observation` is about, or None when it is not found."""
        crop = head_crop_px(observation, frame.size_px)
        if crop is None:
            return None
        nose = np.asarray(observation.image_landmarks_px, dtype=np.float64)[0, :2]
        return self.process_crop(frame, crop, nose if np.all(np.isfinite(nose)) else None)

    def process_crop(
        self, frame: Frame, crop: tuple[int, int, int], near_px: np.ndarray | None = None
    ) -> FaceObservation | None:
        """The face inside a square (x, y, side) of the frame whose nose is nearest `near_px` (a frame
        pixel; the crop's centre when None), or None."""
        x0, y0, side = crop
        patch = _square_patch(frame.image_bgr, x0, y0, side)
        rgb = cv2.cvtColor(patch, cv2.COLOR_BGR2RGB)
        rgb.flags.writeable = False
        result = self._mesh.process(rgb)
        if not result.multi_face_landmarks:
            return None
        target = (
            np.array([x0 + side / 2.0, y0 + side / 2.0]) if near_px is None else np.asarray(near_px, float)
        )
        faces = []
        for face in result.multi_face_landmarks:
            normalised = np.array([(p.x, p.y, p.z) for p in face.landmark], dtype=np.float64)
            pixels = normalised[:, :2] * side + np.array([x0, y0], dtype=np.float64)
            faces.append((float(np.linalg.norm(pixels[FACE_NOSE_TIP] - target)), pixels, normalised))
        _, pixels, normalised = min(faces, key=lambda f: f[0])
        return FaceObservation(
            frame_index=frame.index,
            landmarks_px=pixels,
            depth_px=normalised[:, 2] * side,
            crop_px=crop,
        )

    def warm_up(self) -> None:
        self._mesh.process(np.zeros((CROP_SIZE_PX, CROP_SIZE_PX, 3), np.uint8))

    def close(self) -> None:
        self._mesh.close()

    def __enter__(self) -> FaceTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _square_patch(image: np.ndarray, x0: int, y0: int, side: int) -> np.ndarray:
    """The square crop scaled to CROP_SIZE_PX, the part outside the frame black (one affine warp)."""
    scale = CROP_SIZE_PX / side
    affine = np.array([[scale, 0.0, -x0 * scale], [0.0, scale, -y0 * scale]], dtype=np.float64)
    return cv2.warpAffine(
        image,
        affine,
        (CROP_SIZE_PX, CROP_SIZE_PX),
        flags=cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
    )
