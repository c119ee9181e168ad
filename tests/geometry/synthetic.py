"""Constructed ground truth: a standing BlazePose body in front of a known camera.

The body is a 1.75 m adult built from Winter's segment proportions (ankle 0.039 H, knee 0.285 H,
hip 0.530 H, shoulder 0.818 H) with face, hands and feet where BlazePose puts its landmarks.
The scene's "level frame" is the camera's frame before its tilt: x right, y down, z forward and
horizontal; the floor is y = camera height. A person stands at a floor point (x, z) of that frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arwed.geometry.camera import intrinsics_from_fov, project_points
from arwed.types import CameraIntrinsics, FloorPlane, PoseObservation

REFERENCE_HEIGHT_M = 1.75

# index: (x to the image's right = the person's left, height above the floor, z away from the camera)
_BODY_1_75 = {
    0: (0.0, 1.60, -0.10),
    1: (0.015, 1.64, -0.08),
    2: (0.032, 1.64, -0.075),
    3: (0.045, 1.64, -0.07),
    4: (-0.015, 1.64, -0.08),
    5: (-0.032, 1.64, -0.075),
    6: (-0.045, 1.64, -0.07),
    7: (0.075, 1.62, 0.0),
    8: (-0.075, 1.62, 0.0),
    9: (0.025, 1.56, -0.085),
    10: (-0.025, 1.56, -0.085),
    11: (0.19, 1.43, 0.0),
    12: (-0.19, 1.43, 0.0),
    13: (0.22, 1.10, 0.02),
    14: (-0.22, 1.10, 0.02),
    15: (0.23, 0.85, -0.02),
    16: (-0.23, 0.85, -0.02),
    17: (0.24, 0.76, -0.02),
    18: (-0.24, 0.76, -0.02),
    19: (0.22, 0.75, -0.04),
    20: (-0.22, 0.75, -0.04),
    21: (0.20, 0.79, -0.05),
    22: (-0.20, 0.79, -0.05),
    23: (0.09, 0.9275, 0.0),
    24: (-0.09, 0.9275, 0.0),
    25: (0.10, 0.50, -0.01),
    26: (-0.10, 0.50, -0.01),
    27: (0.10, 0.07, 0.02),
    28: (-0.10, 0.07, 0.02),
    29: (0.10, 0.02, 0.07),
    30: (-0.10, 0.02, 0.07),
    31: (0.12, 0.01, -0.13),
    32: (-0.12, 0.01, -0.13),
}
HIP_HEIGHT_M = 0.9275  # at 1.75 m
LOWER_BODY = list(range(23, 33))


def body_above_floor(height_m: float = REFERENCE_HEIGHT_M, yaw_deg: float = 0.0) -> np.ndarray:
    """(33, 3) landmarks relative to the floor point under the hip centre, level-frame axes (y down)."""
    table = np.array([_BODY_1_75[i] for i in range(33)], dtype=np.float64) * (height_m / REFERENCE_HEIGHT_M)
    points = np.column_stack((table[:, 0], -table[:, 1], table[:, 2]))
    yaw = np.radians(yaw_deg)
    rotation = np.array([[np.cos(yaw), 0.0, np.sin(yaw)], [0.0, 1.0, 0.0], [-np.sin(yaw), 0.0, np.cos(yaw)]])
    return points @ rotation.T


def world_landmarks(height_m: float = REFERENCE_HEIGHT_M, yaw_deg: float = 0.0) -> np.ndarray:
    """MediaPipe world landmarks: the same body, hip-centred (x right, y down, z away from the camera)."""
    points = body_above_floor(height_m, yaw_deg)
    return points - 0.5 * (points[23] + points[24])


@dataclass(frozen=True)
class Scene:
    intrinsics: CameraIntrinsics
    camera_height_m: float = 1.2
    tilt_down_deg: float = 10.0

    @property
    def level_to_camera(self) -> np.ndarray:
        t = np.radians(self.tilt_down_deg)
        return np.array([[1.0, 0.0, 0.0], [0.0, np.cos(t), -np.sin(t)], [0.0, np.sin(t), np.cos(t)]])

    def to_camera(self, level_points: np.ndarray) -> np.ndarray:
        return np.asarray(level_points) @ self.level_to_camera.T

    def floor(self) -> FloorPlane:
        return FloorPlane(
            normal=self.level_to_camera @ np.array([0.0, -1.0, 0.0]),
            offset_m=self.camera_height_m,
            source="calibration",
        )

    def floor_point(self, x_m: float, z_m: float) -> np.ndarray:
        """A floor point of the level frame, in camera coordinates."""
        return self.to_camera(np.array([x_m, self.camera_height_m, z_m]))

    def side_direction(self) -> np.ndarray:
        return self.level_to_camera @ np.array([1.0, 0.0, 0.0])

    def body_in_camera(
        self, x_m: float, z_m: float, height_m: float = REFERENCE_HEIGHT_M, yaw_deg: float = 0.0
    ) -> np.ndarray:
        level = body_above_floor(height_m, yaw_deg) + np.array([x_m, self.camera_height_m, z_m])
        return self.to_camera(level)

    def observe(
        self,
        x_m: float,
        z_m: float,
        *,
        time_s: float = 0.0,
        frame_index: int = 0,
        height_m: float = REFERENCE_HEIGHT_M,
        yaw_deg: float = 0.0,
        rng: np.random.Generator | None = None,
        pixel_noise_px: float = 0.0,
        world_noise_m: float = 0.0,
        world_scale: float = 1.0,
        hidden: list[int] | tuple[int, ...] = (),
    ) -> PoseObservation:
        """What MediaPipe would report: projected landmarks, the metric skeleton (optionally mis-sized and
        noisy), visibility 0 for hidden or out-of-frame landmarks."""
        rng = rng or np.random.default_rng(0)
        pixels = project_points(self.intrinsics, self.body_in_camera(x_m, z_m, height_m, yaw_deg))
        pixels = pixels + rng.normal(0.0, pixel_noise_px, pixels.shape) if pixel_noise_px else pixels
        world = world_scale * world_landmarks(height_m, yaw_deg)
        world = world + rng.normal(0.0, world_noise_m, world.shape) if world_noise_m else world
        inside = (
            (pixels[:, 0] >= 0)
            & (pixels[:, 0] < self.intrinsics.width_px)
            & (pixels[:, 1] >= 0)
            & (pixels[:, 1] < self.intrinsics.height_px)
        )
        visibility = np.where(inside, 0.99, 0.02)
        visibility[list(hidden)] = 0.02
        seen = pixels[visibility > 0.5] if (visibility > 0.5).any() else pixels
        bbox = (
            float(seen[:, 0].min()),
            float(seen[:, 1].min()),
            float(seen[:, 0].max()),
            float(seen[:, 1].max()),
        )
        return PoseObservation(
            frame_index=frame_index,
            media_time_s=time_s,
            image_landmarks_px=pixels,
            world_landmarks_m=world,
            visibility=visibility,
            segmentation_mask=None,
            bbox_px=bbox,
        )


def default_scene(**kwargs) -> Scene:
    """A 60 degree webcam at 1280x960, 1.2 m high, tilted down 10 degrees: a 1.75 m person at 3 m fits."""
    return Scene(intrinsics_from_fov(1280, 960, 60.0), **kwargs)
