"""Is this the person we follow, or someone else that the single-person tracker switched to?

MediaPipe's legacy pose follows one person and may jump to another one between frames. The rule:
- A position within JUMP_TOLERANCE_M + MAX_PERSON_SPEED_MPS * (time since the last accepted frame) of
  the last accepted position is the same person.
- A position further away is another person: it is not followed (the placement is held), and it becomes
  a candidate. A candidate that keeps appearing, each time plausibly near its previous position, for
  CONFIRM_OTHER_S replaces the person followed (they left and someone else stayed). While a candidate is
  seen, only a position within JUMP_TOLERANCE_M of where the followed person was last counts as them
  (the allowance for walking would otherwise grow, while we hold, until it takes in the candidate).
- After `forget_after_s` without an accepted frame (the character has faded out), anyone is accepted.
"""

from __future__ import annotations

import enum

import numpy as np

JUMP_TOLERANCE_M = 0.35  # measurement noise plus a stride: per-frame depth noise alone can reach 0.1 m
MAX_PERSON_SPEED_MPS = 3.0  # a brisk walk is 1.5 m/s, a jog 3
CONFIRM_OTHER_S = 0.5


class Verdict(enum.Enum):
    SAME = "same"  # the person followed
    NEW = "new"  # the first person, someone after a long absence, or a confirmed replacement
    OTHER = "other"  # someone else, not (yet) followed


class PersonGate:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._last: tuple[np.ndarray, float] | None = None
        self._candidate: tuple[np.ndarray, float, float] | None = None  # position, last seen, first seen
        self.replaced = False  # the last NEW verdict replaced someone who was being followed

    def check(
        self,
        position_m: np.ndarray,
        time_s: float,
        forget_after_s: float,
        confirm_other_s: float = CONFIRM_OTHER_S,
    ) -> Verdict:
        position_m = np.asarray(position_m, dtype=np.float64)
        self.replaced = False
        if self._last is None or time_s - self._last[1] > forget_after_s:
            return self._accept(position_m, time_s, Verdict.NEW)
        if self._candidate is None and _plausible(self._last, position_m, time_s):
            return self._accept(position_m, time_s, Verdict.SAME)
        if self._candidate is not None and _plausible(self._last, position_m, self._last[1]):
            return self._accept(position_m, time_s, Verdict.SAME)
        return self._consider_other(position_m, time_s, confirm_other_s)

    def _consider_other(self, position_m: np.ndarray, time_s: float, confirm_other_s: float) -> Verdict:
        candidate = self._candidate
        if candidate is not None and _plausible((candidate[0], candidate[1]), position_m, time_s):
            if time_s - candidate[2] >= confirm_other_s:
                self.replaced = True
                return self._accept(position_m, time_s, Verdict.NEW)
            self._candidate = (position_m, time_s, candidate[2])
        else:
            self._candidate = (position_m, time_s, time_s)
        return Verdict.OTHER

    def _accept(self, position_m: np.ndarray, time_s: float, verdict: Verdict) -> Verdict:
        self._last = (position_m, time_s)
        self._candidate = None
        return verdict


def _plausible(last: tuple[np.ndarray, float], position_m: np.ndarray, time_s: float) -> bool:
    elapsed_s = max(0.0, time_s - last[1])
    return float(np.linalg.norm(position_m - last[0])) <= JUMP_TOLERANCE_M + MAX_PERSON_SPEED_MPS * elapsed_s
