"""One size for a whole run: frames that change size mid-stream are fitted into the first frame's size.

MediaPipe's graph, the camera model and the video writer all assume one frame size; a folder of mixed
photos, a stream that changes resolution or a camera that reconnects at another mode would otherwise
end the run. The picture is scaled to fit and centred on black, so that shapes stay true.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

log = logging.getLogger(__name__)


class SteadySize:
    """Keeps a source at its first frame's size: later frames of another size are fitted into it."""

    def __init__(self, name: str):
        self.name = name
        self.size_px: tuple[int, int] | None = None
        self.frames_fitted = 0

    def fit(self, image: np.ndarray, index: int) -> np.ndarray:
        size = (image.shape[1], image.shape[0])
        if self.size_px is None:
            self.size_px = size
        if size == self.size_px:
            return image
        if self.frames_fitted == 0:
            log.warning(
                "%s: frame %d is %dx%d, not %dx%d like the first: such frames are fitted into the first size",
                self.name,
                index,
                *size,
                *self.size_px,
            )
        self.frames_fitted += 1
        return fitted_into(image, self.size_px)


def fitted_into(image: np.ndarray, size_px: tuple[int, int]) -> np.ndarray:
    """`image` scaled to fit inside `size_px`, keeping its shape, centred on black."""
    width, height = size_px
    scale = min(width / image.shape[1], height / image.shape[0])
    inner = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    scaled = cv2.resize(image, inner, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    canvas = np.zeros((height, width, 3), np.uint8)
    x, y = (width - inner[0]) // 2, (height - inner[1]) // 2
    canvas[y : y + inner[1], x : x + inner[0]] = scaled if scaled.ndim == 3 else scaled[:, :, None]
    return canvas
