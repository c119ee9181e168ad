"""The embedded default source: a real person moving, with no camera and no network.

The person is Grace Hopper: the U.S. Navy's public-domain portrait that matplotlib ships as sample data
(matplotlib is installed with mediapipe). The photo is moved over time by a known pan and zoom
(`demo_transform`), which is the ground truth for tests of tracking and placement. Around it, a blurred
gradient of the photo's own backdrop fills the frame, with feathered edges in between.
"""

from __future__ import annotations

import importlib.util
import math
import time
from pathlib import Path

import cv2
import numpy as np

from arwed.capture.pacing import FramePacer
from arwed.errors import SourceError
from arwed.types import Frame

DEMO_SIZE_PX = (1280, 720)
DEMO_FPS = 30.0
DEMO_FRAMES = 300
PAN_AMPLITUDE_PX = 60.0  # sideways sway of the person
PAN_PERIOD_S = 6.0
ZOOM_AMPLITUDE = 0.12  # up to +12 % scale: the person steps slightly towards and away from the camera
ZOOM_PERIOD_S = 8.0
FEATHER_PX = 48
PERSON_CENTRE_X = 0.27  # where the photo's centre sits across the frame; the character goes to the right
PHOTO_HEIGHT_FRACTION = 0.62  # the photo's height in the frame: room above and beside the person
BOTTOM_OVERHANG_PX = 12


def demo_photo_path() -> Path:
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise SourceError(
            "demo: matplotlib (installed with mediapipe) is missing; reinstall with scripts/bootstrap.sh"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "sample_data" / "grace_hopper.jpg"
    if not path.is_file():
        raise SourceError(f"demo: {path} is missing; reinstall matplotlib")
    return path


def demo_transform(time_s: float, size_px: tuple[int, int], photo_size_px: tuple[int, int]) -> np.ndarray:
    """The 2x3 affine map from photo pixels to frame pixels at time_s: a scale about the photo's bottom
    centre (the person steps towards and away from the camera) and a sideways pan."""
    width, height = size_px
    photo_w, photo_h = photo_size_px
    zoom = 0.5 - 0.5 * math.cos(2.0 * math.pi * time_s / ZOOM_PERIOD_S)
    scale = PHOTO_HEIGHT_FRACTION * height / photo_h * (1.0 + ZOOM_AMPLITUDE * zoom)
    bottom_x = PERSON_CENTRE_X * width + PAN_AMPLITUDE_PX * math.sin(2.0 * math.pi * time_s / PAN_PERIOD_S)
    bottom_y = height + BOTTOM_OVERHANG_PX  # the photo's lower edge stays below the frame: the body goes on
    return np.array(
        [[scale, 0.0, bottom_x - scale * photo_w / 2.0], [0.0, scale, bottom_y - scale * photo_h]],
        dtype=np.float64,
    )


def _backdrop_gradient(photo: np.ndarray, size_px: tuple[int, int]) -> np.ndarray:
    """The photo's own studio backdrop (its top-right corner, no person in it) as a vertical gradient."""
    height, width = photo.shape[:2]
    corner = photo[: height // 2, width - width // 8 :].astype(np.float32)
    rows = cv2.resize(corner.mean(axis=1, keepdims=True), (1, size_px[1]), interpolation=cv2.INTER_LINEAR)
    rows = cv2.GaussianBlur(rows, (1, 0), sigmaX=0, sigmaY=25).reshape(-1, 1, 3) * 0.9
    return np.ascontiguousarray(np.broadcast_to(rows, (size_px[1], size_px[0], 3))).astype(np.uint8)


def _feathered_photo(photo: np.ndarray, backdrop: np.ndarray, size_px: tuple[int, int]) -> np.ndarray:
    """The photo with its left, right and top edges already faded into the backdrop's colour (computed once:
    the backdrop is a vertical gradient, so the fade looks the same wherever the photo moves)."""
    photo_h, photo_w = photo.shape[:2]
    ramp_x = np.clip(np.minimum(np.arange(photo_w), np.arange(photo_w)[::-1]) / FEATHER_PX, 0.0, 1.0)
    ramp_y = np.clip(np.arange(photo_h) / FEATHER_PX, 0.0, 1.0)
    weight = (ramp_y[:, None] * ramp_x[None, :])[:, :, None]
    rest = demo_transform(0.0, size_px, (photo_w, photo_h))
    frame_rows = np.clip(rest[1, 1] * np.arange(photo_h) + rest[1, 2], 0, size_px[1] - 1).astype(int)
    behind = backdrop[frame_rows, :1, :].astype(np.float32)  # (photo_h, 1, 3): the backdrop behind each row
    return (behind + weight * (photo.astype(np.float32) - behind)).astype(np.uint8)


class DemoSource:
    name = "demo"

    def __init__(
        self,
        frames: int = DEMO_FRAMES,
        size_px: tuple[int, int] = DEMO_SIZE_PX,
        realtime: bool = False,
        loop: bool = False,
    ):
        self.fps = DEMO_FPS
        self.is_live = realtime
        self._frames = frames
        self.frame_count = None if loop else frames
        self._size = size_px
        self._loop = loop
        photo = cv2.imread(str(demo_photo_path()), cv2.IMREAD_COLOR)
        if photo is None:
            raise SourceError("demo: the sample photo cannot be decoded")
        self._photo_size = (photo.shape[1], photo.shape[0])
        self._backdrop = _backdrop_gradient(photo, size_px)
        self._photo = _feathered_photo(photo, self._backdrop, size_px)
        self._index = 0
        self._pacer = FramePacer(self.fps) if realtime else None  # like a camera, from the first read

    def transform_at(self, time_s: float) -> np.ndarray:
        return demo_transform(time_s, self._size, self._photo_size)

    def render_at(self, time_s: float) -> np.ndarray:
        affine = self.transform_at(time_s)
        image = self._backdrop.copy()
        # warp only into the box the photo covers: OpenCV's cost follows the destination's size
        width, height = self._size
        corners = (
            affine @ np.array([[0, 0, 1], [self._photo_size[0], self._photo_size[1], 1]], dtype=np.float64).T
        )
        x0, y0 = (max(0, int(np.floor(v))) for v in corners.min(axis=1))
        x1, y1 = min(width, int(np.ceil(corners[0].max()))), min(height, int(np.ceil(corners[1].max())))
        if x1 > x0 and y1 > y0:
            shifted = affine - np.array([[0.0, 0.0, x0], [0.0, 0.0, y0]])
            region = image[y0:y1, x0:x1]
            cv2.warpAffine(
                self._photo,
                shifted,
                (x1 - x0, y1 - y0),
                dst=region,
                flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_TRANSPARENT,
            )
        return image

    def read(self) -> Frame | None:
        if self._index >= self._frames and not self._loop:
            return None
        media_time_s = self._index / self.fps
        if self._pacer is not None:
            self._pacer.wait(media_time_s)
        frame = Frame(self.render_at(media_time_s), self._index, time.monotonic(), media_time_s)
        self._index += 1
        return frame

    def close(self) -> None:
        pass
