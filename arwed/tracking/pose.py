"""MediaPipe Pose (the legacy solution with the bundled full model) into typed observations.

The frame is downscaled to at most TRACKING_WIDTH_PX wide before inference: the pose network itself
runs at 256x256, so a smaller input only saves colour conversion and the segmentation's cost.
In video mode MediaPipe tracks the region of the person it saw last, so it keeps following the same
person while several are in view; `arwed.geometry.placement` guards against a switch after a loss.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from arwed.config import TrackingSettings
from arwed.types import Frame, PoseObservation

TRACKING_WIDTH_PX = 640
BBOX_MARGIN = 0.08
WARM_UP_SIZE_PX = (
    256,
    256,
)  # landmarks sit inside the silhouette: widen the box by this fraction of its size


def pose_model_path(model_complexity: int = 1) -> Path:
    """The .tflite file that ships inside the mediapipe wheel for this model complexity."""
    import mediapipe

    name = {0: "pose_landmark_lite", 1: "pose_landmark_full", 2: "pose_landmark_heavy"}[model_complexity]
    return Path(mediapipe.__file__).parent / "modules" / "pose_landmark" / f"{name}.tflite"


class PoseTracker:
    def __init__(self, settings: TrackingSettings | None = None, static_images: bool = False):
        import mediapipe as mp

        self.settings = settings or TrackingSettings()
        self._pose = mp.solutions.pose.Pose(
            static_image_mode=static_images,
            model_complexity=self.settings.model_complexity,
            smooth_landmarks=True,
            enable_segmentation=self.settings.segmentation,
            smooth_segmentation=True,
            min_detection_confidence=self.settings.min_detection_confidence,
            min_tracking_confidence=self.settings.min_tracking_confidence,
        )
        self._last_timestamp_us = -1

    def process(self, frame: Frame) -> PoseObservation | None:
        image = frame.image_bgr
        height, width = image.shape[:2]
        scale = min(1.0, TRACKING_WIDTH_PX / width)
        small = cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
        rgb = cv2.cvtColor(small if scale < 1.0 else image, cv2.COLOR_BGR2RGB)
        rgb.flags.writeable = False
        result = self._pose.process(rgb)
        if result.pose_landmarks is None or result.pose_world_landmarks is None:
            return None
        return _observation(frame, result, (width, height))

    def warm_up(self) -> None:
        """Run the graph once (MediaPipe's first inference builds it: about a second), before real frames."""
        blank = np.zeros((WARM_UP_SIZE_PX[1], WARM_UP_SIZE_PX[0], 3), np.uint8)
        self._pose.process(blank)

    def close(self) -> None:
        self._pose.close()

    def __enter__(self) -> PoseTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _observation(frame: Frame, result, size_px: tuple[int, int]) -> PoseObservation:
    width, height = size_px
    image_lm = np.array([(p.x, p.y, p.visibility) for p in result.pose_landmarks.landmark], dtype=np.float64)
    world_lm = np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks.landmark], dtype=np.float64)
    pixels = image_lm[:, :2] * np.array([width, height], dtype=np.float64)
    visibility = image_lm[:, 2].copy()
    mask = result.segmentation_mask
    return PoseObservation(
        frame_index=frame.index,
        media_time_s=frame.media_time_s,
        image_landmarks_px=pixels,
        world_landmarks_m=world_lm,
        visibility=visibility,
        segmentation_mask=None if mask is None else np.asarray(mask, dtype=np.float32),
        bbox_px=landmark_bbox_px(pixels, visibility, size_px),
    )


def landmark_bbox_px(
    pixels: np.ndarray, visibility: np.ndarray, size_px: tuple[int, int], min_visibility: float = 0.5
) -> tuple[float, float, float, float]:
    visible = pixels[visibility >= min_visibility]
    if len(visible) < 2:
        visible = pixels
    x0, y0 = visible.min(axis=0)
    x1, y1 = visible.max(axis=0)
    margin_x, margin_y = (x1 - x0) * BBOX_MARGIN, (y1 - y0) * BBOX_MARGIN
    width, height = size_px
    return (
        float(max(0.0, x0 - margin_x)),
        float(max(0.0, y0 - margin_y * 2.0)),  # the head's top is above the eyes and ears
        float(min(width, x1 + margin_x)),
        float(min(height, y1 + margin_y)),
    )
