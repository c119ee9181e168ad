"""Side-by-side frames for AR glasses in 3D mode: the glasses composite placed twice, once per eye.

The character is rendered once. Each eye sees it shifted horizontally by half the stereo disparity of
a point at the character's depth, as if the two eyes sat at the camera `eye_distance_m` apart:

    disparity_px = fx_px * eye_distance_m / depth_m      (zero for something infinitely far away)

The left eye's copy moves right by disparity/2 and the right eye's copy moves left by disparity/2, so
the character converges at its own depth. This is exact for a flat cut-out at that depth and ignores the
character's own relief (a few centimetres against metres of distance) and the glasses' field of view
(assumed equal to the camera's). It costs one copy per eye and no second render.
"""

from __future__ import annotations

import numpy as np

MIN_DEPTH_M = 0.3  # nearer than this the character would be inside the glasses: clamp


def disparity_px(fx_px: float, eye_distance_m: float, depth_m: float | None) -> float:
    if depth_m is None or not np.isfinite(depth_m) or eye_distance_m <= 0.0:
        return 0.0
    return float(fx_px * eye_distance_m / max(MIN_DEPTH_M, depth_m))


def eye_offsets_px(disparity: float) -> tuple[int, int]:
    """(left eye shift, right eye shift) in whole pixels; positive moves right."""
    half = int(round(disparity / 2.0))
    return half, -half


def shifted(image: np.ndarray, shift_px: int) -> np.ndarray:
    """The image moved sideways, the uncovered strip black."""
    if shift_px == 0:
        return image
    out = np.zeros_like(image)
    width = image.shape[1]
    if abs(shift_px) >= width:
        return out
    if shift_px > 0:
        out[:, shift_px:] = image[:, : width - shift_px]
    else:
        out[:, : width + shift_px] = image[:, -shift_px:]
    return out


def side_by_side(image: np.ndarray, disparity: float) -> np.ndarray:
    """(H, 2W, C): left eye | right eye."""
    left, right = eye_offsets_px(disparity)
    return np.concatenate([shifted(image, left), shifted(image, right)], axis=1)
