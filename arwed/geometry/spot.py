"""Where beside the person the character may stand: not on someone else, and inside the picture.

- Taken: a spot closer than PERSONAL_SPACE_M (on the floor, centre to centre) to where someone else
  stands. The character then takes the nearest free spot in the picture on the chosen side, further out
  in SPOT_STEP_M steps up to MAX_SHIFT_M, else the nearest free one on the other side. With no free spot
  in the picture (a row of guests), it stands on the asked spot but behind whoever stands there, where
  they hide it: never in front of a guest.
- In view: the character's chest (CHEST_FRACTION of its height above its feet) projects inside the frame.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from arwed.geometry.anchor import anchor_beside, in_plane
from arwed.geometry.camera import project_points
from arwed.types import CameraIntrinsics, FloorPlane

PERSONAL_SPACE_M = (
    0.7  # centre to centre: shoulders (0.45 m) and arms at rest, so that he overlaps no one in the picture
)
SPOT_STEP_M = 0.1
MAX_SHIFT_M = 1.5
CHEST_FRACTION = 0.72


def is_free(spot_m: np.ndarray, others_floor_m: Sequence[np.ndarray], floor: FloorPlane) -> bool:
    for other in others_floor_m:
        offset = floor.project(np.asarray(other, dtype=np.float64)) - spot_m
        if float(np.linalg.norm(offset - np.dot(offset, floor.normal) * floor.normal)) < PERSONAL_SPACE_M:
            return False
    return True


def free_spot(
    person_floor_m: np.ndarray,
    floor: FloorPlane,
    lateral_m: float,
    others_floor_m: Sequence[np.ndarray],
    visible: Callable[[np.ndarray], bool],
    current: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """(lateral offset, signed: + is the image's right; how far behind the asked spot), nearest `lateral_m`.

    A current spot that is still free is kept (no flicker between two equally good spots while someone
    stands still beside the chosen one)."""
    if not others_floor_m:
        return lateral_m, 0.0

    def free(lateral: float, back: float = 0.0) -> bool:
        spot = spot_m(person_floor_m, floor, lateral, back)
        return is_free(spot, others_floor_m, floor) and visible(spot)

    if free(lateral_m):
        return lateral_m, 0.0
    if current is not None and free(*current):
        return current
    sign = 1.0 if lateral_m >= 0.0 else -1.0
    gap = abs(lateral_m)
    steps = [gap + k * SPOT_STEP_M for k in range(1, int(MAX_SHIFT_M / SPOT_STEP_M) + 1)]
    for lateral in [sign * step for step in steps] + [-sign * step for step in [gap, *steps]]:
        if free(lateral):
            return lateral, 0.0
    return lateral_m, _behind_m(spot_m(person_floor_m, floor, lateral_m, 0.0), floor, others_floor_m)


def _away(floor: FloorPlane) -> np.ndarray:
    """The camera's optical axis laid on the floor: 'behind' means further along it."""
    direction = in_plane(np.array([0.0, 0.0, 1.0]), floor.normal)
    return direction if direction is not None else np.array([0.0, 0.0, 1.0])


def spot_m(person_floor_m: np.ndarray, floor: FloorPlane, lateral_m: float, back_m: float) -> np.ndarray:
    return floor.project(anchor_beside(person_floor_m, floor, lateral_m) + back_m * _away(floor))


def _behind_m(spot: np.ndarray, floor: FloorPlane, others_floor_m: Sequence[np.ndarray]) -> float:
    """How far back from a taken spot the character must stand to be behind everyone standing there."""
    away = _away(floor)
    back = 0.0
    for other in others_floor_m:
        offset = floor.project(np.asarray(other, dtype=np.float64)) - spot
        if float(np.linalg.norm(offset)) < PERSONAL_SPACE_M:
            back = max(back, float(np.dot(offset, away)) + PERSONAL_SPACE_M)
    return back


def chest_px(
    anchor_m: np.ndarray, floor: FloorPlane, character_height_m: float, intrinsics: CameraIntrinsics
):
    """Where the character's chest appears in the image, or None when it is behind the camera."""
    chest = np.asarray(anchor_m, dtype=np.float64) + floor.normal * CHEST_FRACTION * character_height_m
    if chest[2] <= 0.05:
        return None
    return project_points(intrinsics, chest.reshape(1, 3))[0]


def in_view(
    anchor_m: np.ndarray, floor: FloorPlane, character_height_m: float, intrinsics: CameraIntrinsics
) -> bool:
    point = chest_px(anchor_m, floor, character_height_m, intrinsics)
    if point is None:
        return False
    return bool(0.0 <= point[0] < intrinsics.width_px and 0.0 <= point[1] < intrinsics.height_px)
