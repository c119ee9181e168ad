"""`enter` and `exit` with the model's own walk clip: the path, the pace and the turns are the procedural
walk's (walk.py), the legs, hips and arms the clip's.

A clip counts as a walk when its name says so ("walk", "Walk_Cycle", "walking"; not "walk_stop" or
"walk_start" alone if a cycle is there too). It is played looped, at the rate that makes its stride cover
the path at the walk's speed, so the feet do not skate: the clip's speed is measured once from its own
feet (a cycle's two steps take the feet from their furthest apart one way to the other and back, so the
body travels twice the largest front-to-back gap between the feet per cycle). The clip's own travel of the
hips across the floor is removed (the path moves him); its bob is kept. It fades in and out with the walk's
settling, from and to the standing pose.
"""

from __future__ import annotations

import numpy as np

from arwed.characters.animation import Clip, apply_clip, blend

MIN_RATE, MAX_RATE = 0.25, 4.0
SAMPLES = 48
MIN_CLIP_S = 0.2


def walk_clip(clips: dict[str, Clip]) -> Clip | None:
    """The model's walk cycle, if it has one (a name with "walk" in it, cycles before starts and stops)."""
    walks = [c for name, c in clips.items() if "walk" in name.lower() and c.duration_s >= MIN_CLIP_S]
    if not walks:
        return None
    cycles = [c for c in walks if not any(w in c.name.lower() for w in ("start", "stop", "end", "turn"))]
    return sorted(cycles or walks, key=lambda c: c.name)[0]


class ClipWalk:
    def __init__(self, clip: Clip, walk, editor):
        self.clip = clip
        self._walk = walk
        self._hips = editor.bone_index("hips")
        self.clip_speed_m_s = self._measure_speed(editor)
        speed = walk.speed_m_s
        self.rate = (
            1.0
            if self.clip_speed_m_s < 1e-3
            else float(np.clip(speed / self.clip_speed_m_s, MIN_RATE, MAX_RATE))
        )

    def local_time(self, t: float) -> float:
        """Where in the clip time t of the walk is."""
        return ((t - self._walk.start_s) * self.rate) % self.clip.duration_s

    def apply(self, editor, t: float) -> None:
        before = editor.pose
        walking = before.copy()
        self._sample(walking, self.local_time(t))
        mixed = blend(before, walking, self._walk.settle(t))
        for name in ("translation", "rotation", "scale", "morph_weights"):
            np.copyto(getattr(before, name), getattr(mixed, name))

    def _sample(self, pose, local_t: float) -> None:
        hips_at = pose.translation[self._hips].copy()
        apply_clip(self.clip, local_t, pose, {})
        pose.translation[self._hips][[0, 2]] = hips_at[[0, 2]]  # the path moves him, not the clip

    def _measure_speed(self, editor) -> float:
        """The clip's walking speed: twice the largest front-to-back gap between its feet per cycle."""
        gaps = []
        for local_t in np.linspace(0.0, self.clip.duration_s, SAMPLES, endpoint=False):
            pose = editor.pose.copy()
            self._sample(pose, float(local_t))
            reader = editor.reading(pose)
            gaps.append(float(reader.position_m("leftFoot")[2] - reader.position_m("rightFoot")[2]))
        return (max(gaps) - min(gaps)) / self.clip.duration_s
