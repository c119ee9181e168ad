"""The glasses alignment wizard's state, with no Qt in it (the window is arwed/ui/alignment_window.py).

Steps (`WizardStep`):
- CHOOSE: which eye (mono, or left / right of a side-by-side profile) of the current glasses profile;
- ALIGN: a cross is drawn in that eye of her view (the `eyes` output) at the planned spot; she stands
  where the guidance says, turns her head until the cross sits on the room mark (by default the
  camera's lens) and holds still; the operator (or her clicker) confirms. Her head is taken as the
  tracker's steady average of the last moments (geometry/head_tracker.SteadyHead): a confirmation while
  she moves, while her head is not seen, or a double click from the same pose is refused with why.
  After the planned count (or earlier, from MIN_ALIGNMENTS on, when asked) the eye is solved;
- SOLVED: the residual in degrees, the verdict (good / usable / poor) and what to do when it is poor;
- CHECK: her view now draws the cross where arwed sees a second room mark (the check point) with the
  new calibration: it should sit on that mark whatever she does with her head;
- SAVED: the profile with the new eye is written as the user's copy (glasses/<name>-aligned.yaml in the
  configuration folder), read back, made the profile of her view and of the settings at once.
Redo starts the eye again; closing the wizard before saving puts the old profile back.

Threads: commands come from the operator's thread and return at once; the solve and the save run as
jobs (`run_job`, the console's control thread). Each change is published whole on `changed`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Protocol

import numpy as np

from arwed.errors import UserError
from arwed.geometry.alignment import (
    MIN_ALIGNMENTS,
    Alignment,
    AlignmentSolution,
    EyesCross,
    calibrated_profile,
    plan_alignments,
    same_pose,
    solve_eye,
)
from arwed.geometry.eyes import eye_intrinsics, eye_placements
from arwed.geometry.head_tracker import STEADY_WINDOW_S, SteadyHead
from arwed.glasses import GlassesProfile, calibrated_copy_path, save_glasses_profile
from arwed.session.events import Emitter

log = logging.getLogger("arwed.console")

PLANNED_ALIGNMENTS = 12
MAX_HOLD_MOVE_DEG = 2.2  # she turned more than this within the steady window: not holding still (noise ~1)
MAX_HOLD_MOVE_M = 0.03


class WizardStep(StrEnum):
    CLOSED = "closed"
    CHOOSE = "choose"
    ALIGN = "align"
    SOLVING = "solving"
    SOLVED = "solved"
    CHECK = "check"
    SAVED = "saved"


@dataclass(frozen=True)
class WizardState:
    step: WizardStep
    profile_name: str = ""
    eyes: tuple[str, ...] = ()  # the eyes of the profile ("mono",) or ("left", "right")
    eye: str | None = None
    done: int = 0  # alignments confirmed
    planned: int = PLANNED_ALIGNMENTS
    guidance: str = ""  # what to tell her now
    notice: str = ""  # why the last command did nothing (her head not seen, she moved, ...)
    solution: AlignmentSolution | None = None
    saved_path: str | None = None
    cross: EyesCross | None = None  # what her view shows

    @property
    def can_solve(self) -> bool:
        return self.step is WizardStep.ALIGN and self.done >= MIN_ALIGNMENTS


def describe_profile(profile: GlassesProfile) -> str:
    width, height = profile.eye_resolution_px
    text = f"{profile.name}: {profile.mode}, {width}×{height} per eye, {profile.diagonal_fov_deg:g}° diagonal"
    aligned = [f"{eye} {fit.residual_deg:.2f}°" for eye, fit in profile.eye_calibration.items()]
    return text + (f"; aligned: {', '.join(aligned)}" if aligned else "; not aligned yet")


class GlassesPort(Protocol):
    """What the wizard needs of the console (ConsoleSession provides it, tests a fake)."""

    def glasses_setting(self) -> str:
        """The settings' glasses profile: a preset name or a file."""
        ...

    def steady_head(self) -> SteadyHead | None:
        """Her head averaged over the last moments, None while it is not seen (or nothing runs)."""
        ...

    def show_cross(self, cross: EyesCross | None) -> None: ...

    def draw_with(self, profile: GlassesProfile) -> None:
        """Her view is drawn for this profile from the next picture on."""
        ...

    def adopt(self, path: Path) -> None:
        """The settings' glasses profile becomes this file."""
        ...

    def marks_m(self) -> tuple[np.ndarray, np.ndarray]:
        """The room marks in camera coordinates: the one she aligns with, the one that checks."""
        ...


class ConsoleGlassesPort:
    """The console's side of the wizard: the settings, and the running pipeline when there is one."""

    def __init__(
        self, settings: Callable[[], object], pipeline: Callable[[], object | None], update_settings
    ) -> None:
        self._settings, self._pipeline, self._update = settings, pipeline, update_settings

    def glasses_setting(self) -> str:
        return self._settings().eyes.glasses

    def steady_head(self) -> SteadyHead | None:
        pipeline = self._pipeline()
        tracker = getattr(pipeline, "head_tracker", None)
        if tracker is None:
            return None
        clock = getattr(pipeline, "head_clock_s", time.monotonic)  # a file source's head runs on media time
        return tracker.steady(clock())

    def show_cross(self, cross: EyesCross | None) -> None:
        pipeline = self._pipeline()
        if pipeline is not None and hasattr(pipeline, "show_alignment_cross"):
            pipeline.show_alignment_cross(cross)

    def draw_with(self, profile: GlassesProfile) -> None:
        pipeline = self._pipeline()
        if pipeline is not None and hasattr(pipeline, "use_glasses"):
            pipeline.use_glasses(profile)

    def adopt(self, path: Path) -> None:
        settings = self._settings()
        eyes = settings.eyes.model_copy(update={"glasses": str(path)})
        self._update(settings.model_copy(update={"eyes": eyes}))

    def marks_m(self) -> tuple[np.ndarray, np.ndarray]:
        eyes = self._settings().eyes
        return np.asarray(eyes.alignment_mark_m, dtype=np.float64), np.asarray(
            eyes.check_mark_m, dtype=np.float64
        )


class AlignmentWizard:
    def __init__(
        self,
        port: GlassesPort,
        profile_loader: Callable[[str], GlassesProfile],
        glasses_folder: Callable[[], Path],
        run_job: Callable[[Callable[[], None], str], None],
        planned: int = PLANNED_ALIGNMENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._port = port
        self._load = profile_loader
        self._folder = glasses_folder
        self._run_job = run_job
        self.target_m = np.zeros(3)  # the marks, read from the port when the wizard opens
        self.check_target_m = np.zeros(3)
        self.changed: Emitter[WizardState] = Emitter("alignment")
        self._lock = threading.Lock()
        self._state = WizardState(WizardStep.CLOSED, planned=planned)
        self._profile: GlassesProfile | None = None  # as it was when the wizard opened
        self._calibrated: GlassesProfile | None = None  # with the solved eye, not saved yet
        self._alignments: list[Alignment] = []
        self._clock = clock  # her head's clock (the steady head's window ends now)
        self._cross_shown_s = 0.0  # when the current cross appeared: she needs a moment to line it up
        self._summaries: dict[str, str] = {}  # glasses setting -> what the Outputs tab says of it

    @property
    def state(self) -> WizardState:
        with self._lock:
            return self._state

    def glasses_summary(self) -> str:
        """One line on the glasses profile her view uses (read on the control thread the first time:
        `changed` fires when it is there)."""
        setting = self._port.glasses_setting()
        with self._lock:
            known = self._summaries.get(setting)
            if known is None:
                self._summaries[setting] = known = f"{setting} (reading…)"
                self._run_job(lambda: self._job_summary(setting), None)
        return known

    # ----- commands (the operator's thread) -------------------------------------------------------

    def open(self) -> None:
        """Read the current glasses profile and ask for the eye; a broken profile is a notice, not a step."""
        setting = self._port.glasses_setting()
        try:
            profile = self._load(setting)
        except UserError as exc:
            self._set(WizardState(WizardStep.CLOSED, notice=str(exc), planned=self.state.planned))
            log.warning("glasses alignment: %s", exc)
            return
        self._profile = self._calibrated = profile
        self.target_m, self.check_target_m = self._port.marks_m()
        eyes = profile.eye_names
        self._set(
            WizardState(
                WizardStep.CHOOSE,
                profile_name=profile.name,
                eyes=eyes,
                eye=eyes[0],
                planned=self.state.planned,
                guidance=f"Aligning {profile.name}: choose the eye, then start. She wears the glasses"
                + (", the other eye closed." if len(eyes) > 1 else "."),
            )
        )

    def choose(self, eye: str) -> None:
        """The eye the next alignments are for (before starting, or after saving the other one)."""
        state = self.state
        if state.step in (WizardStep.CHOOSE, WizardStep.SAVED) and eye in state.eyes and eye != state.eye:
            self._set(replace(state, eye=eye))

    def begin(self, eye: str | None = None) -> None:
        """Start (or redo) the alignments of one eye."""
        state = self.state
        if state.step is WizardStep.CLOSED or self._profile is None:
            return
        eye = eye or state.eye or state.eyes[0]
        if eye not in state.eyes:
            return
        self._alignments = []
        self._port.draw_with(self._calibrated)
        self._ask(replace(state, step=WizardStep.ALIGN, eye=eye, done=0, solution=None, notice=""))

    def confirm(self) -> None:
        """She has the cross on the mark: take her steady head for this alignment (or say why not)."""
        state = self.state
        if state.step is WizardStep.CHECK:
            self.save()
            return
        if state.step is not WizardStep.ALIGN:
            return
        if self._clock() - self._cross_shown_s < STEADY_WINDOW_S:
            self._set(
                replace(state, notice="Too soon: she lines the new cross up and holds still a second first.")
            )
            return
        steady = self._port.steady_head()
        if steady is None:
            self._set(replace(state, notice="Her head is not seen: she faces the camera, in its light."))
            return
        if steady.moved_deg > MAX_HOLD_MOVE_DEG or steady.moved_m > MAX_HOLD_MOVE_M:
            self._set(
                replace(
                    state, notice=f"She moved ({steady.moved_deg:.1f}°): hold still a second, confirm again."
                )
            )
            return
        planned = plan_alignments(self._intrinsics(), state.planned)[state.done]
        alignment = Alignment(steady.position_m, steady.rotation, planned.cross_px, self.target_m)
        for index, earlier in enumerate(self._alignments):
            if same_pose(alignment, earlier):
                self._set(replace(state, notice=f"Same pose as alignment {index + 1}: confirmed twice?"))
                return
        self._alignments.append(alignment)
        done = len(self._alignments)
        log.info(
            "glasses alignment %d of %d taken (held within %.1f° and %.1f cm, %d camera frames)",
            done,
            state.planned,
            steady.moved_deg,
            steady.moved_m * 100.0,
            steady.samples,
        )
        if done >= state.planned:
            self.solve()
        else:
            self._ask(replace(state, done=done, notice=""))

    def undo(self) -> None:
        """Take back the last confirmation (she was not on the mark)."""
        state = self.state
        if state.step is WizardStep.ALIGN and self._alignments:
            self._alignments.pop()
            self._ask(replace(state, done=len(self._alignments), notice="The last alignment was taken back."))

    def solve(self) -> None:
        state = self.state
        if state.step is not WizardStep.ALIGN or len(self._alignments) < MIN_ALIGNMENTS:
            return
        alignments, eye = list(self._alignments), state.eye
        self._port.show_cross(None)
        self._set(
            replace(
                state,
                step=WizardStep.SOLVING,
                done=len(alignments),
                cross=None,
                notice="",
                guidance="Solving…",
            )
        )
        self._run_job(lambda: self._job_solve(alignments, eye), "Solving the glasses alignment")

    def check(self) -> None:
        """Show the check mark as arwed sees it with the new calibration."""
        state = self.state
        if state.step is not WizardStep.SOLVED or self._calibrated is None:
            return
        cross = EyesCross(state.eyes.index(state.eye), target_m=self.check_target_m)
        self._port.draw_with(self._calibrated)
        self._port.show_cross(cross)
        x, y, z = self.check_target_m
        self._set(
            replace(
                state,
                step=WizardStep.CHECK,
                cross=cross,
                guidance=f"Check: the cross should sit on the second mark ({x:+.2f}, {y:+.2f}, {z:+.2f} m from "
                "the lens) wherever she turns her head. Confirm to save, or redo.",
            )
        )

    def save(self) -> None:
        state = self.state
        if state.step not in (WizardStep.SOLVED, WizardStep.CHECK) or self._calibrated is None:
            return
        profile, setting = self._calibrated, self._port.glasses_setting()
        self._run_job(lambda: self._job_save(profile, setting), "Saving the glasses profile")

    def redo(self) -> None:
        state = self.state
        if state.step in (WizardStep.SOLVED, WizardStep.CHECK, WizardStep.SAVED, WizardStep.ALIGN):
            self.begin(state.eye)

    def close(self) -> None:
        """Leave the wizard: her view shows the partner again, with the saved profile (or the old one)."""
        state = self.state
        if state.step is WizardStep.CLOSED:
            return
        self._port.show_cross(None)
        if state.step is not WizardStep.SAVED and self._profile is not None:
            self._port.draw_with(self._profile)
        self._set(WizardState(WizardStep.CLOSED, planned=state.planned))

    # ----- jobs (the control thread) --------------------------------------------------------------

    def _job_solve(self, alignments: list[Alignment], eye: str) -> None:
        """The solve, never leaving the wizard stuck in SOLVING: any failure goes back to the alignments."""
        try:
            self._solve(alignments, eye)
        except Exception as exc:  # noqa: BLE001 - the operator can align again; the log has the details
            log.exception("glasses alignment: the solve failed")
            self._set(
                replace(self.state, step=WizardStep.ALIGN, notice=f"Could not solve ({exc}); align again.")
            )

    def _solve(self, alignments: list[Alignment], eye: str) -> None:
        profile = self._calibrated
        index = profile.eye_names.index(eye)
        nominal = eye_placements(self._profile)[index]
        try:
            solution = solve_eye(alignments, self._intrinsics(), nominal)
        except (ValueError, np.linalg.LinAlgError) as exc:
            self._set(replace(self.state, step=WizardStep.ALIGN, notice=f"Could not solve: {exc}"))
            return
        solved = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        self._calibrated = calibrated_profile(profile, {eye: solution}, solved)
        log.info("glasses alignment, %s eye: %s", eye, solution.summary)
        self._set(
            replace(
                self.state,
                step=WizardStep.SOLVED,
                solution=solution,
                guidance="Check the result on a second mark, save it, or redo.",
            )
        )

    def _job_save(self, profile: GlassesProfile, setting: str) -> None:
        path = calibrated_copy_path(setting, self._folder())
        try:
            saved = save_glasses_profile(profile, path)
        except UserError as exc:
            self._set(replace(self.state, notice=str(exc)))
            log.warning("glasses alignment: %s", exc)
            return
        self._profile = self._calibrated = saved
        with self._lock:
            self._summaries[str(path)] = describe_profile(saved)
        self._port.show_cross(None)
        self._port.draw_with(saved)
        self._port.adopt(path)
        log.info("glasses profile saved: %s", path)
        self._set(
            replace(
                self.state,
                step=WizardStep.SAVED,
                cross=None,
                saved_path=str(path),
                notice="",
                guidance=f"Saved as {path}; her view uses it now."
                + (" Align the other eye, or close." if len(self.state.eyes) > 1 else " Close the wizard."),
            )
        )

    def _job_summary(self, setting: str) -> None:
        try:
            summary = describe_profile(self._load(setting))
        except UserError as exc:
            summary = f"refused: {exc}"
        with self._lock:
            self._summaries[setting] = summary
        self.changed.emit(self.state)

    # ----- helpers ----------------------------------------------------------------------------------

    def _intrinsics(self):
        return eye_intrinsics(self._profile)

    def _ask(self, state: WizardState) -> None:
        """Show the next planned cross and tell her where to stand."""
        planned = plan_alignments(self._intrinsics(), state.planned)[state.done]
        cross = EyesCross(state.eyes.index(state.eye), cross_px=planned.cross_px)
        self._cross_shown_s = self._clock()
        self._port.show_cross(cross)
        self._set(
            replace(
                state,
                cross=cross,
                guidance=f"Alignment {state.done + 1} of {state.planned}: {planned.guidance}.",
            )
        )

    def _set(self, state: WizardState) -> None:
        with self._lock:
            self._state = state
        self.changed.emit(state)
