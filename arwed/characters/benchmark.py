"""Per-frame cost of animating and skinning a character, for `arwed bench` and the closing figures."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from arwed.characters.base import Character, CharacterCue


@dataclass(frozen=True)
class PoseCost:
    frames: int
    median_ms: float
    p95_ms: float
    vertices: int


def measure_pose_cost(
    character: Character, frames: int = 200, fps: float = 30.0, warmup: int = 30
) -> PoseCost:
    """Time `character.pose` over a realistic cue stream: a wandering look-at target, a drifting anchor."""
    times = []
    for k in range(warmup + frames):
        t = k / fps
        target = np.array([0.7 + 0.2 * math.sin(t * 0.7), 1.6 + 0.05 * math.sin(t * 1.3), 0.6])
        motion = np.array([0.003 * math.sin(t * 0.9), 0.0, 0.0])
        cue = CharacterCue(
            time_s=t,
            look_at_m=target,
            root_motion_m=motion,
            expressions={"happy": 0.5 + 0.5 * math.sin(t * 0.4)},
        )
        start = time.perf_counter()
        character.pose(cue)
        if k >= warmup:
            times.append(time.perf_counter() - start)
    ms = np.asarray(times) * 1000.0
    vertices = sum(len(p.rest_positions_m) for p in character.parts)
    return PoseCost(frames, float(np.median(ms)), float(np.percentile(ms, 95)), vertices)
