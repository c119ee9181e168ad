"""A simulated wearer for the alignment wizard: she answers each cross it shows by turning her head until
her true eye sees the room mark on it, and holds still; her head is then seen through the real head
code (face and body landmarks with 1.5 px noise -> BodyPoseSolver, HeadMeasurer -> HeadTracker),
as in alignment_simulation.py. Used by the session test (frames fed at once) and by the console under
Xvfb (tests/ui/wizard_app.py: frames fed in real time on a thread)."""

from __future__ import annotations

import math
import threading
import time

import numpy as np

from arwed.geometry.alignment import EyesCross, plan_alignments
from arwed.geometry.eyes import EyePlacement, eye_intrinsics, eye_offsets_m
from arwed.glasses import GlassesProfile
from tests.eyes.alignment_simulation import (
    CAMERA_RATE_HZ,
    MOVE_S,
    STANCE_SPOTS_M,
    TRUE_EYE_ERROR_DEG,
    TRUE_EYE_ERROR_M,
    HeadState,
    SimulatedHead,
    World,
    aligning_state,
)


class Wearer:
    """Her: a true eye per eye of the profile, a head that follows the wizard's crosses."""

    def __init__(
        self, profile: GlassesProfile, seed: int = 0, planned: int = 12, start_s: float = 0.0
    ) -> None:
        self.world = World()
        self.head = SimulatedHead(self.world, np.random.default_rng(seed))
        self.head.time_s = start_s
        self.intrinsics = eye_intrinsics(profile)
        self.truth = [
            EyePlacement.from_correction(offset + TRUE_EYE_ERROR_M, TRUE_EYE_ERROR_DEG)
            for offset in eye_offsets_m(profile)
        ]
        self._stances = {p.cross_px: p.stance for p in plan_alignments(self.intrinsics, planned)}
        self.target = None  # the state she is moving to
        self._lock = threading.Lock()
        self.head.go_to(HeadState(0.0, 2.6, 20.0, 0.0), move_s=0.1, hold_s=1.0)  # looking aside at first

    def answer(self, cross: EyesCross | None, mark_m: np.ndarray) -> HeadState | None:
        """Where her head goes for this cross: lined up with the mark from the stance the wizard asked
        for; for the check, looking straight at the check mark from where she is (None: she stays)."""
        if cross is None:
            return None
        eye = self.truth[cross.eye_index]
        if cross.cross_px is None:
            centre = np.array([self.intrinsics.cx_px, self.intrinsics.cy_px])
            spot = (self.head.state.floor_x_m, self.head.state.floor_z_m)
            return aligning_state(
                self.world, spot, eye, cross.target_m, centre, self.intrinsics, self.head.state
            )
        spot = STANCE_SPOTS_M[self._stances.get(cross.cross_px, "far")]
        pixel = np.asarray(cross.cross_px)
        return aligning_state(self.world, spot, eye, mark_m, pixel, self.intrinsics, self.head.state)

    def move_now(self, state: HeadState) -> None:
        """Move there and hold (simulated time, at once)."""
        with self._lock:
            self.head.go_to(state)


class LiveWearer(Wearer):
    """The same in real time (the tracker's clock is time.monotonic(), as the console's): a thread feeds
    a camera frame every 1/30 s; `go` starts a 0.4 s move to a new head state, then she holds it."""

    def __init__(
        self, profile: GlassesProfile, seed: int = 0, planned: int = 12, move_s: float = MOVE_S
    ) -> None:
        super().__init__(profile, seed, planned, start_s=time.monotonic() - 1.2)
        self.move_s = move_s
        self._from, self._goal, self._since = self.head.state, self.head.state, time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="simulated head", daemon=True)
        self._thread.start()

    @property
    def tracker(self):
        return self.head.tracker

    def go(self, state: HeadState) -> None:
        with self._lock:
            self._from, self._goal, self._since = self._current(time.monotonic()), state, time.monotonic()

    def _current(self, now: float) -> HeadState:
        x = min(1.0, (now - self._since) / self.move_s)
        w = 0.5 - 0.5 * math.cos(math.pi * x)
        a = (self._from.floor_x_m, self._from.floor_z_m, self._from.yaw_deg, self._from.pitch_deg)
        b = (self._goal.floor_x_m, self._goal.floor_z_m, self._goal.yaw_deg, self._goal.pitch_deg)
        return HeadState(*(p + w * (q - p) for p, q in zip(a, b, strict=True)))

    def _run(self) -> None:
        next_s = time.monotonic()
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= next_s:
                with self._lock:
                    state = self._current(now)
                    self.head._frame(state, now)
                    self.head.state, self.head.time_s = state, now
                next_s += 1.0 / CAMERA_RATE_HZ
            time.sleep(max(0.0, min(0.01, next_s - time.monotonic())))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
