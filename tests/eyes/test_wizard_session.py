"""The alignment wizard's state machine (arwed.session.alignment_wizard) with a simulated wearer: she
answers each cross by turning her head (wizard_head.py: the real head code on noisy landmarks); the
wizard refuses what it must, solves, checks, saves the profile's user copy, and the console's view of
her uses it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from arwed.geometry.eyes import eye_intrinsics, eye_placements
from arwed.geometry.head_tracker import SteadyHead
from arwed.glasses import load_glasses_profile
from arwed.session.alignment_wizard import AlignmentWizard, WizardStep
from tests.eyes.wizard_head import Wearer

INTRINSICS = eye_intrinsics(load_glasses_profile("xreal-one-3d"))


class FakePort:
    def __init__(self, wearer: Wearer, setting: str = "xreal-one-3d") -> None:
        self.wearer, self.setting = wearer, setting
        self.crosses, self.profiles, self.adopted = [], [], []
        self.head_seen = True
        self.steady_override: SteadyHead | None = None

    def glasses_setting(self) -> str:
        return self.setting

    def steady_head(self):
        if not self.head_seen:
            return None
        return self.steady_override or self.wearer.head.steady()

    def show_cross(self, cross) -> None:
        self.crosses.append(cross)
        goal = self.wearer.answer(cross, np.zeros(3))
        if goal is not None:
            self.wearer.move_now(goal)  # she lines it up and holds still

    def draw_with(self, profile) -> None:
        self.profiles.append(profile)

    def adopt(self, path: Path) -> None:
        self.adopted.append(path)
        self.setting = str(path)

    def marks_m(self):
        return np.zeros(3), np.array([0.5, 0.0, 0.0])


def test_the_wizard_from_the_first_cross_to_the_saved_profile(tmp_path) -> None:
    profile = load_glasses_profile("xreal-one-3d")
    port = FakePort(Wearer(profile, seed=2, planned=8))
    states = []
    late_s = [0.0]  # how far the operator's click comes before her head's newest frame
    clock = lambda: port.wearer.head.time_s - late_s[0]  # noqa: E731 - her head's (simulated) clock
    wizard = AlignmentWizard(
        port, load_glasses_profile, lambda: tmp_path / "glasses", lambda job, _: job(), planned=8, clock=clock
    )
    wizard.changed.connect(states.append)
    wizard.open()
    assert wizard.state.step is WizardStep.CHOOSE and wizard.state.eyes == ("left", "right")
    wizard.begin("right")
    assert port.crosses[-1].eye_index == 1 and "Alignment 1 of 8" in wizard.state.guidance
    assert "2.5 m" in wizard.state.guidance

    late_s[0] = 1.2  # confirmed 0.2 s after the cross appeared: she cannot have lined it up yet
    wizard.confirm()
    assert wizard.state.done == 0 and "Too soon" in wizard.state.notice
    late_s[0] = 0.0
    port.head_seen = False
    wizard.confirm()
    assert wizard.state.done == 0 and "not seen" in wizard.state.notice
    port.head_seen = True
    moving = port.wearer.head.steady()
    port.steady_override = SteadyHead(moving.position_m, moving.rotation, 20, 4.0, 0.0)
    wizard.confirm()
    assert wizard.state.done == 0 and "hold still" in wizard.state.notice
    port.steady_override = None

    for _ in range(5):
        wizard.confirm()
    assert wizard.state.done == 5 and not wizard.state.can_solve
    wizard.undo()
    assert wizard.state.done == 4
    for _ in range(4):
        wizard.confirm()
    assert wizard.state.step is WizardStep.SOLVED
    solution = wizard.state.solution
    assert solution.count == 8 and solution.verdict == "good" and solution.residual_deg < 0.5

    wizard.check()
    check = port.crosses[-1]
    assert wizard.state.step is WizardStep.CHECK and check.target_m is not None and check.eye_index == 1
    assert port.profiles[-1].eye_calibration["right"].alignments == 8  # her view draws the new eye
    # she looks straight at the second mark: arwed draws it within a degree of where her eye sees it
    head = port.wearer.head.steady()
    drawn = check.position_px(
        head.position_m, head.rotation, eye_placements(port.profiles[-1])[1], INTRINSICS
    )
    assert np.hypot(drawn[0] - 960.0, drawn[1] - 540.0) < INTRINSICS.fx_px * np.radians(1.0)
    wizard.confirm()  # confirming the check saves
    assert wizard.state.step is WizardStep.SAVED
    saved = tmp_path / "glasses" / "xreal-one-3d-aligned.yaml"
    assert port.adopted == [saved] and Path(wizard.state.saved_path) == saved
    back = load_glasses_profile(saved)
    assert back.eye_calibration["right"].residual_deg == round(solution.residual_deg, 3)
    assert "left" not in back.eye_calibration
    assert port.crosses[-1] is None  # the partner again

    wizard.close()
    assert wizard.state.step is WizardStep.CLOSED and states[-1].step is WizardStep.CLOSED


def test_a_broken_profile_is_one_notice_and_closing_early_restores_the_old_profile(tmp_path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: X\nmode: mono\neye_resolution_px: [1920, 1080]\ndiagonal_fov_deg: 5\n")
    port = FakePort(Wearer(load_glasses_profile("xreal-one")), setting=str(broken))
    wizard = AlignmentWizard(
        port,
        load_glasses_profile,
        lambda: tmp_path,
        lambda job, _: job(),
        clock=lambda: port.wearer.head.time_s,
    )
    wizard.open()
    assert wizard.state.step is WizardStep.CLOSED
    assert str(broken) in wizard.state.notice and "diagonal_fov_deg" in wizard.state.notice
    assert "\n" not in wizard.state.notice

    port.setting = "xreal-one"
    wizard.open()
    wizard.begin()
    assert wizard.state.eye == "mono"
    wizard.confirm()
    wizard.close()
    assert port.crosses[-1] is None and port.profiles[-1].eye_calibration == {}
    assert not list(tmp_path.glob("*-aligned.yaml"))
