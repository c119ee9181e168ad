"""Two-bone inverse kinematics (shoulder-elbow-wrist, hip-knee-ankle) with a natural hinge.

Pure geometry on joint positions: where the middle joint (elbow or knee) and the end (wrist or ankle)
go so that the end reaches a target. The middle joint is a hinge that bends only one way: towards the
`pole` side (the elbow points down and back, the knee forwards), between `min_bend_deg` (0 = straight,
never past it) and `max_bend_deg`. The chain swivels about the root-target axis to keep the middle joint
as close to the pole as it can. A target out of reach gets the chain pointed at it with the hinge bent
by `unreachable_bend_deg` (an arm reaching for something too far away is never locked straight).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MIN_LENGTH_M = 1e-6


@dataclass(frozen=True)
class HingeLimits:
    min_bend_deg: float = 0.0  # 0: straight; the hinge never bends the other way
    max_bend_deg: float = 145.0
    unreachable_bend_deg: float = 15.0


@dataclass(frozen=True)
class ChainSolution:
    middle_m: np.ndarray  # (3,) where the elbow/knee goes
    end_m: np.ndarray  # (3,) where the wrist/ankle goes
    bend_deg: float  # 0 straight .. max_bend_deg
    reached: bool  # the end is on the target


def bend_for_distance(upper_m: float, lower_m: float, distance_m: float) -> float:
    """The hinge bend (degrees, 0 = straight) that puts the end `distance_m` from the root."""
    cos_inner = (upper_m**2 + lower_m**2 - distance_m**2) / (2.0 * upper_m * lower_m)
    return 180.0 - math.degrees(math.acos(max(-1.0, min(1.0, cos_inner))))


def distance_for_bend(upper_m: float, lower_m: float, bend_deg: float) -> float:
    inner = math.radians(180.0 - bend_deg)
    return math.sqrt(max(upper_m**2 + lower_m**2 - 2.0 * upper_m * lower_m * math.cos(inner), 0.0))


def reach_m(upper_m: float, lower_m: float, limits: HingeLimits = HingeLimits()) -> float:
    """The farthest the end gets from the root within the limits."""
    return distance_for_bend(upper_m, lower_m, limits.min_bend_deg)


def solve_chain(
    root_m: np.ndarray,
    upper_m: float,
    lower_m: float,
    target_m: np.ndarray,
    pole_m: np.ndarray,
    limits: HingeLimits = HingeLimits(),
) -> ChainSolution:
    """Joint positions for a chain rooted at `root_m` reaching for `target_m`.

    `pole_m` is a direction (not a point): the side the hinge bends towards, e.g. down-and-back for an
    elbow. Only its part perpendicular to the root-target line matters."""
    root = np.asarray(root_m, dtype=np.float64)
    target = np.asarray(target_m, dtype=np.float64)
    offset = target - root
    distance = float(np.linalg.norm(offset))
    axis = offset / distance if distance > MIN_LENGTH_M else np.array([0.0, -1.0, 0.0])
    nearest = distance_for_bend(upper_m, lower_m, limits.max_bend_deg)
    farthest = distance_for_bend(upper_m, lower_m, limits.min_bend_deg)
    reached = nearest - 1e-9 <= distance <= farthest + 1e-9
    if distance > farthest:
        bend = max(limits.unreachable_bend_deg, limits.min_bend_deg)
        distance = distance_for_bend(upper_m, lower_m, bend)
    else:
        distance = max(distance, nearest)
        bend = bend_for_distance(upper_m, lower_m, distance)
    bend = min(max(bend, limits.min_bend_deg), limits.max_bend_deg)
    # the angle at the root between the root-end line and the upper bone (law of cosines)
    cos_root = (upper_m**2 + distance**2 - lower_m**2) / (2.0 * upper_m * max(distance, MIN_LENGTH_M))
    root_angle = math.acos(max(-1.0, min(1.0, cos_root)))
    side = _perpendicular(axis, np.asarray(pole_m, dtype=np.float64))
    middle = root + upper_m * (math.cos(root_angle) * axis + math.sin(root_angle) * side)
    end = root + distance * axis
    return ChainSolution(middle, end, float(bend), bool(reached))


def _perpendicular(axis: np.ndarray, pole: np.ndarray) -> np.ndarray:
    side = pole - np.dot(pole, axis) * axis
    norm = float(np.linalg.norm(side))
    if norm < 1e-6:  # the pole is along the line: any perpendicular, preferring "down"
        for helper in (np.array([0.0, -1.0, 0.0]), np.array([0.0, 0.0, -1.0])):
            side = helper - np.dot(helper, axis) * axis
            norm = float(np.linalg.norm(side))
            if norm > 1e-6:
                break
    return side / norm


def hinge_bend_deg(root_m: np.ndarray, middle_m: np.ndarray, end_m: np.ndarray) -> float:
    """How far a posed hinge is bent: 0 straight, 180 folded."""
    upper = np.asarray(middle_m, float) - np.asarray(root_m, float)
    lower = np.asarray(end_m, float) - np.asarray(middle_m, float)
    cos = float(np.dot(upper, lower) / max(np.linalg.norm(upper) * np.linalg.norm(lower), 1e-12))
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))
