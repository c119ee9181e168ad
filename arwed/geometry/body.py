"""The BlazePose body: landmark indices, body proportions, and measurements taken from world landmarks.

Proportions are fractions of standing height from Winter, "Biomechanics and Motor Control of Human
Movement" (segment-length model after Drillis and Contini): ankle 0.039, knee 0.285, hip joint 0.530,
shoulder 0.818. They hold for an average adult within a few per cent.
"""

from __future__ import annotations

import numpy as np

NOSE = 0
LEFT_EYE, RIGHT_EYE = 2, 5
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
LEFT_HIP, RIGHT_HIP = 23, 24
LEFT_KNEE, RIGHT_KNEE = 25, 26
LEFT_ANKLE, RIGHT_ANKLE = 27, 28
LEFT_HEEL, RIGHT_HEEL = 29, 30
LEFT_FOOT_INDEX, RIGHT_FOOT_INDEX = 31, 32
LANDMARK_COUNT = 33

LEFT_FOOT = (LEFT_HEEL, LEFT_FOOT_INDEX)
RIGHT_FOOT = (RIGHT_HEEL, RIGHT_FOOT_INDEX)

ANKLE_HEIGHT_FRACTION = 0.039
KNEE_HEIGHT_FRACTION = 0.285
HIP_HEIGHT_FRACTION = 0.530  # the hip joints above the floor, standing
SHOULDER_HEIGHT_FRACTION = 0.818
# ankle -> knee -> hip -> shoulder, measured along the straight standing body
ANKLE_TO_SHOULDER_FRACTION = SHOULDER_HEIGHT_FRACTION - ANKLE_HEIGHT_FRACTION

# the hip joints to the shoulders, along the standing body
HIP_TO_SHOULDER_FRACTION = SHOULDER_HEIGHT_FRACTION - HIP_HEIGHT_FRACTION
LEG_LANDMARKS = (LEFT_KNEE, RIGHT_KNEE, LEFT_ANKLE, RIGHT_ANKLE)
LEG_VISIBILITY = 0.5

# BlazePose's heel and foot-index landmarks sit on the sole's edge, about this far above the floor
FOOT_LANDMARK_HEIGHT_M = 0.015


def midpoint(points: np.ndarray, a: int, b: int) -> np.ndarray:
    return 0.5 * (points[a] + points[b])


def _leg_length(points: np.ndarray, hip: int, knee: int, ankle: int) -> float:
    return float(np.linalg.norm(points[knee] - points[hip]) + np.linalg.norm(points[ankle] - points[knee]))


def legs_visible(visibility: np.ndarray) -> bool:
    """True when at least one knee and one ankle were seen (not guessed) by MediaPipe."""
    seen = np.asarray(visibility)[list(LEG_LANDMARKS)] >= LEG_VISIBILITY
    return bool(seen[:2].any() and seen[2:].any())


def estimate_height_m(world_m: np.ndarray, legs_seen: bool = True) -> float:
    """The standing height of the skeleton in world landmarks, from the segments that were seen.

    Segment lengths do not change with posture, so this works for a person who bends or sits; the legs
    of the two sides are averaged. With the legs in view: the ankle-to-shoulder chain scaled by
    proportions. Without them (a webcam at a desk) MediaPipe guesses the legs and their lengths are no
    measure: the hip-to-shoulder length (the torso) sets the size. This is the size of MediaPipe's
    skeleton, not the person's height: the skeleton is an average-sized body (about 1.60 m measured
    on real adults) whatever the person's size, see placement.BodyScale.
    """
    torso = float(
        np.linalg.norm(
            midpoint(world_m, LEFT_SHOULDER, RIGHT_SHOULDER) - midpoint(world_m, LEFT_HIP, RIGHT_HIP)
        )
    )
    if not legs_seen:
        return torso / HIP_TO_SHOULDER_FRACTION
    legs = 0.5 * (
        _leg_length(world_m, LEFT_HIP, LEFT_KNEE, LEFT_ANKLE)
        + _leg_length(world_m, RIGHT_HIP, RIGHT_KNEE, RIGHT_ANKLE)
    )
    return (legs + torso) / ANKLE_TO_SHOULDER_FRACTION


def hip_from_shoulders(points_m: np.ndarray, up: np.ndarray, height_m: float) -> np.ndarray:
    """Where the hip joints are, from the shoulders and proportions (for views that end above the hips)."""
    shoulders = midpoint(points_m, LEFT_SHOULDER, RIGHT_SHOULDER)
    return shoulders - up * (SHOULDER_HEIGHT_FRACTION - HIP_HEIGHT_FRACTION) * height_m


def body_up(world_m: np.ndarray, use_legs: bool) -> np.ndarray | None:
    """Unit vector from the feet (or hips) to the shoulders, in the world landmarks' axes: 'up' when standing."""
    top = midpoint(world_m, LEFT_SHOULDER, RIGHT_SHOULDER)
    bottom = (
        midpoint(world_m, LEFT_ANKLE, RIGHT_ANKLE) if use_legs else midpoint(world_m, LEFT_HIP, RIGHT_HIP)
    )
    axis = top - bottom
    length = float(np.linalg.norm(axis))
    return axis / length if length > 1e-6 else None
