"""The real console window under Xvfb for the alignment wizard's test (`python -m tests.ui.wizard_app`).

What is real: the ConsoleWindow, the Outputs tab, the wizard window and its keys, the session and its
wizard, her view drawn by the real EyesOutputs (black, the wizard's cross, a new profile used at once),
the profile written and read back. What is simulated: the camera and the render (tests/ui/fakes.py's
FakePipeline: no MediaPipe, no GL) and her: a wearer (tests/eyes/wizard_head.LiveWearer) who answers
each cross by turning her head in 0.2 s until her true eye (off the profile's nominal one by a few mm
and degrees) sees the camera's lens on it, and holds still; her head reaches the real HeadTracker as
face and body landmarks with 1.5 px noise through the real head fits, 30 frames a second.

The app writes `state.json` in --out on every change of the wizard (step, counts, notices, result),
`rects.json` with where the widgets are on the screen (for xdotool), and PNG pictures of the wizard
window and of the console (its thumbnails: the confidence monitor) when the step reaches them.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np

from arwed.glasses import load_glasses_profile
from arwed.pipeline.head import EyesOutputs
from arwed.session.state import ConsoleConfig, OutputConfig
from arwed.types import CompositeFrame, CompositeMode
from tests.eyes.wizard_head import LiveWearer
from tests.ui.fakes import FakePipeline, make_session

EYES_EVERY = 4  # the fake delivers at 60 Hz; her view at 15 (it is 3840x1080)
MOVE_S = 0.2


class PipelineWithHer(FakePipeline):
    """The fake pipeline with her head (a simulated wearer) and her view drawn by the real EyesOutputs."""

    wearer: LiveWearer | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        profile = load_glasses_profile(self.settings.eyes.glasses)
        if PipelineWithHer.wearer is None:
            PipelineWithHer.wearer = LiveWearer(profile, seed=4, move_s=MOVE_S)
        self.eyes = EyesOutputs(self.wearer.tracker, profile, live_clock=True)
        self._eyes_lock = threading.Lock()

    @property
    def head_tracker(self):
        return self.wearer.tracker

    def show_alignment_cross(self, cross) -> None:
        self.eyes.cross = cross
        goal = self.wearer.answer(cross, np.zeros(3))
        if goal is not None:
            logging.getLogger("tests.wearer").info("she turns to %s for %s", goal, cross)  # app.log only
            self.wearer.go(goal)

    def use_glasses(self, profile) -> None:
        self.eyes.new_profile.post(profile)

    def _frame(self, mode: CompositeMode, index: int, hidden: bool) -> CompositeFrame:
        if mode is not CompositeMode.EYES:
            return super()._frame(mode, index, hidden)
        if index % EYES_EVERY and getattr(self, "_last_eyes", None) is not None:
            return self._last_eyes
        head = self.wearer.tracker.pose_at(time.monotonic())
        with self._eyes_lock:
            image, _ = self.eyes.draw(None, None, None, head, 0.0)
            image = image.copy()  # the view's buffer is reused
        self._last_eyes = CompositeFrame(
            image=image,
            frame_index=index,
            capture_time_s=time.monotonic(),
            media_time_s=index / 60,
            mode=CompositeMode.EYES,
            placement=None,
            character_bbox_px=None,
        )
        return self._last_eyes


def _rect(widget) -> list[int]:
    top_left = widget.mapToGlobal(widget.rect().topLeft())
    return [top_left.x(), top_left.y(), widget.width(), widget.height()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--glasses", default="xreal-one-3d")
    args = parser.parse_args()
    out: Path = args.out
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from arwed.ui.console_window import ConsoleWindow
    from arwed.ui.outputs import ScreenList
    from arwed.ui.style import apply_style

    logging.basicConfig(
        filename=out / "app.log", level=logging.INFO, format="%(asctime)s %(threadName)s %(message)s"
    )
    app = QApplication(sys.argv)
    apply_style(app)
    config = ConsoleConfig(source="demo", outputs=(OutputConfig(mode=CompositeMode.EYES, screen=None),))
    config = config.model_copy(
        update={"settings": config.settings.with_overrides({"eyes": {"glasses": args.glasses}})}
    )
    session = make_session(config, out / "console.yaml", pipeline_factory=PipelineWithHer)
    window = ConsoleWindow(session, ScreenList())
    app.installEventFilter(window.dispatcher)  # the console's keys, Ctrl+Q twice to quit among them
    window.move(0, 0)
    window.show()
    session.start()
    shots = Shots(out, window, session)
    timer = QTimer()
    timer.timeout.connect(shots.tick)
    timer.start(100)
    code = app.exec()
    if PipelineWithHer.wearer is not None:
        PipelineWithHer.wearer.close()
    window.shut_down()
    times = os.times()
    _write_json(out / "cpu.json", {"cpu_s": times.user + times.system})  # the suite's budget, in the report
    os._exit(code)


class Shots:
    """Every 100 ms: pictures when the wizard reaches a step, where the widgets are, the wizard's state."""

    def __init__(self, out: Path, window, session) -> None:
        self.out, self.window, self.session = out, window, session
        self.taken: set[str] = set()
        self._step_since: tuple[str, float] = ("", 0.0)

    def shoot(self, name: str, widget) -> None:
        if name not in self.taken:
            self.taken.add(name)
            widget.grab().save(str(self.out / f"{name}.png"))

    def tick(self) -> None:
        if (self.out / "quit").exists():  # the test is done (keys may find no focused window by then)
            self.window.close()
            return
        wizard_window = self.window.alignment_window
        state = self.session.alignment.state
        step = f"{state.step.value} {state.done}"
        if step != self._step_since[0]:
            self._step_since = (step, time.monotonic())
        settled = time.monotonic() - self._step_since[1] > 0.8  # her view has caught up (15 Hz, her turn)
        if wizard_window is not None and wizard_window.isVisible() and _shows(wizard_window, state):
            if state.step.value in ("solved", "saved"):
                self.shoot(f"wizard-{state.step.value}", wizard_window)
            elif state.step.value == "align" and state.done >= 2 and settled:
                self.shoot("wizard-aligning", wizard_window)
                self.shoot("her-view-aligning", wizard_window.her_view)
                self.shoot("console-monitor-aligning", self.window)
            elif state.step.value == "check" and settled:
                self.shoot("wizard-check", wizard_window)
                self.shoot("her-view-check", wizard_window.her_view)
                self.shoot("console-monitor-check", self.window)
        elif state.step.value == "closed" and "wizard-saved" in self.taken and settled:
            self.shoot("console-after", self.window)
        rects = {
            "outputs_tab": _tab_rect(self.window, "Outputs"),
            **{n: _rect(w) for n, w in _named(self.window).items()},
        }
        if wizard_window is not None and wizard_window.isVisible():
            rects.update({name: _rect(button) for name, button in wizard_window.buttons.items()})
            rects["start"] = _rect(wizard_window.start)
            rects["eye"] = _rect(wizard_window.eye)
        _write_json(self.out / "rects.json", rects)
        _write_json(self.out / "state.json", self._state(state))

    def _state(self, state) -> dict:
        solution = state.solution
        return {
            "step": state.step.value,
            "eye": state.eye,
            "done": state.done,
            "planned": state.planned,
            "guidance": state.guidance,
            "notice": state.notice,
            "saved_path": state.saved_path,
            "residual_deg": None if solution is None else solution.residual_deg,
            "verdict": None if solution is None else solution.verdict,
            "advice": None if solution is None else solution.advice,
            "glasses_setting": self.session.settings.eyes.glasses,
            "shots": sorted(self.taken),
        }


def _shows(wizard_window, state) -> bool:
    """Whether the window has painted this state yet (its changes reach it queued)."""
    from arwed.ui.alignment_window import STEP_TITLES

    return wizard_window.title.text() == STEP_TITLES[state.step]


def _write_json(path: Path, data) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data))
    tmp.replace(path)


def _tab_rect(window, title: str) -> list[int]:
    bar = window.tabs.tabBar()
    for index in range(bar.count()):
        if bar.tabText(index) == title:
            rect = bar.tabRect(index)
            top_left = bar.mapToGlobal(rect.topLeft())
            return [top_left.x(), top_left.y(), rect.width(), rect.height()]
    return [0, 0, 0, 0]


def _named(window) -> dict:
    from PySide6.QtWidgets import QPushButton

    found = {}
    for button in window.findChildren(QPushButton, "alignGlasses"):
        if button.isVisible():
            found["align_glasses"] = button
    return found


if __name__ == "__main__":
    main()
