"""The operator's hide as a veil over every published frame: each stream's newest frame is shown mixed
with the same picture without the character (the camera's picture on the stage, black on camera-black
and her view, the key colour on keyed) at the veil's level (1 him, 0 the picture without him, between
while it fades).

Why here and not in the pipeline: the frame in hand is all it needs, so the key reaches every output at
once, however long the pipeline takes to draw the next frame, and showing him again is as quick (the
pipeline keeps drawing him; the veil decides what is shown). The mix is exact for the compositor's
premultiplied "over": a picture mixed at level v with the one he was drawn on is him drawn at v times his
opacity, contact shadow included (compositing.py). The recorded film and `arwed render --replay` use
the same functions, so they show the very fade the guests saw.

Thread ownership: pure functions; the operator's thread moves the veil (`Ceremony.set_hidden`), the
render thread and the curtain's ticker (curtain.py) read its level and publish the mix.
"""

from __future__ import annotations

import cv2
import numpy as np

from arwed.compositing import fill_background
from arwed.config import CompositeSettings
from arwed.types import CompositeMode


def without_character(
    settings: CompositeSettings, image: np.ndarray, camera_image: np.ndarray | None
) -> np.ndarray | None:
    """The picture the compositor drew him on (`image` is the composited frame), never to be written to:
    the camera's picture itself on the stage, None for black (a cheaper mix), a new key-colour picture
    when keyed. ValueError when it cannot be had (a stage frame without its camera picture): such a frame
    is not shown while he is hidden."""
    mode = settings.mode
    if mode is CompositeMode.STAGE:
        if camera_image is None or camera_image.shape != image.shape:
            raise ValueError("a stage frame without its camera picture")
        return camera_image
    if mode is CompositeMode.KEYED and image.ndim == 3 and image.shape[2] == 3:
        picture = np.empty(image.shape, np.uint8)
        fill_background(picture, settings, image)
        return picture
    return None


def veiled(image: np.ndarray, bare: np.ndarray | None, level: float) -> np.ndarray:
    """`image` at the veil's `level` over `bare`, the picture without him (None: black, or transparent for
    BGRA). `image` itself at level 1, `bare` itself at 0, else a new array; no input is written to."""
    if level >= 1.0:
        return image
    if bare is None:
        if image.ndim == 3 and image.shape[2] == 4:  # straight alpha: he fades by his alpha alone
            faded = image.copy()
            faded[:, :, 3] = cv2.convertScaleAbs(image[:, :, 3], alpha=max(0.0, float(level)))
            return faded
        return np.zeros_like(image) if level <= 0.0 else cv2.convertScaleAbs(image, alpha=float(level))
    if level <= 0.0:
        return bare
    return cv2.addWeighted(image, float(level), bare, 1.0 - float(level), 0.0)
