"""A level that moves linearly to a target over a set time: the operator's blackout and hide fades.

`Fade` is immutable: a writer replaces it whole (`towards`), readers on other threads ask `level(now_s)`
of the one they read. A new target starts from wherever the level is now, so a fade reversed halfway
turns back smoothly instead of jumping; a duration of 0 is a cut.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_FADE_S = 10.0  # the longest fade the operator can set (and a recording's event log may say)
FIRST_STEP_S = (
    1.0 / 30.0
)  # the operator's fades take their first 30 Hz step with the key: seen to start at once


@dataclass(frozen=True)
class Fade:
    target: float = 1.0
    start_level: float = 1.0
    start_s: float = 0.0
    duration_s: float = 0.0

    def level(self, now_s: float) -> float:
        """The level at `now_s`: exactly `target` once the fade is over, strictly between before."""
        if self.duration_s <= 0.0 or now_s >= self.start_s + self.duration_s:
            return self.target
        done = max(0.0, (now_s - self.start_s) / self.duration_s)
        return self.start_level + (self.target - self.start_level) * done

    def settled(self, now_s: float) -> bool:
        return self.level(now_s) == self.target

    def towards(self, target: float, now_s: float, duration_s: float, first_step_s: float = 0.0) -> Fade:
        """A fade from the level at `now_s` to `target`, as long as a whole fade would take for the part
        of the way left (half-way back takes half the time); `first_step_s` of it already done at `now_s`
        (a key's fade shows its first step at once, not a picture later)."""
        current = self.level(now_s)
        share = abs(target - current)
        duration = max(0.0, float(duration_s)) * share
        return Fade(float(target), current, float(now_s) - min(first_step_s, duration), duration)
