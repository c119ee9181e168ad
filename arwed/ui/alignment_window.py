"""The glasses alignment wizard's window: a thin view over arwed.session.alignment_wizard.

Shows the step, where she should stand and what to do, the count, why a confirmation was refused, the
result (residual, verdict, advice) and her view as the glasses show it (the cross). The operator's
buttons, or keys while this window has the keyboard: Space / Return / Right arrow (what most clickers
send besides Page Down) confirm, Backspace / Left arrow take the last alignment back.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from arwed.session.alignment_wizard import WizardState, WizardStep
from arwed.ui.frame_view import FrameView

VERDICT_COLOURS = {"good": "#66bb6a", "usable": "#ffca28", "poor": "#ef5350"}
STEP_TITLES = {
    WizardStep.CLOSED: "Glasses alignment",
    WizardStep.CHOOSE: "1 · Choose the eye",
    WizardStep.ALIGN: "2 · Line the cross up with the mark",
    WizardStep.SOLVING: "3 · Solving",
    WizardStep.SOLVED: "3 · Result",
    WizardStep.CHECK: "4 · Check on a second mark",
    WizardStep.SAVED: "5 · Saved",
}


class StateRelay(QObject):
    """The wizard publishes on whichever thread changed it; Qt queues this to the window's thread."""

    changed = Signal(object)


class AlignmentWindow(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent, Qt.WindowType.Window)
        self.session = session
        self.wizard = session.alignment
        self.setObjectName("alignmentWindow")
        self.setWindowTitle("arwed — glasses alignment")
        self._relay = StateRelay(self)
        self._relay.changed.connect(self.show_state)
        self.wizard.changed.connect(self._relay.changed.emit)
        self._build()
        self.resize(760, 620)
        self.show_state(self.wizard.state)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.title = QLabel("", objectName="cardTitle")
        self.profile = QLabel("", objectName="hint", wordWrap=True)
        layout.addWidget(self.title)
        layout.addWidget(self.profile)
        row = QHBoxLayout()
        self.eye = QComboBox(objectName="alignEye")
        self.eye.activated.connect(lambda _: self.wizard.choose(self.eye.currentData()))
        self.start = QPushButton("Start this eye", objectName="alignStart")
        self.start.clicked.connect(lambda: self.wizard.begin(self.eye.currentData()))
        row.addWidget(QLabel("Eye"))
        row.addWidget(self.eye, 1)
        row.addWidget(self.start)
        layout.addLayout(row)
        self.guidance = QLabel("", objectName="alignGuidance", wordWrap=True)
        self.guidance.setStyleSheet("font-size: 16px;")
        self.guidance.setMinimumHeight(60)
        layout.addWidget(self.guidance)
        self.progress = QLabel("", objectName="alignProgress")
        layout.addWidget(self.progress)
        self.notice = QLabel("", objectName="alignNotice", wordWrap=True)
        self.notice.setStyleSheet("color: #ef5350;")
        layout.addWidget(self.notice)
        self.result = QLabel("", objectName="alignResult", wordWrap=True)
        self.result.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.result)
        self.her_view = FrameView(self, smooth=True)
        self.her_view.setObjectName("alignHerView")
        self.her_view.setMinimumSize(QSize(480, 135))
        self.her_view.message = "Her view appears here with an eyes output running"
        layout.addWidget(QLabel("Her view (the eyes output):", objectName="hint"))
        layout.addWidget(self.her_view, 1)
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for name, text, action in (
            ("confirm", "Confirm (Space)", self.wizard.confirm),
            ("undo", "Undo (Backspace)", self.wizard.undo),
            ("solve", "Solve now", self.wizard.solve),
            ("check", "Check", self.wizard.check),
            ("save", "Save", self.wizard.save),
            ("redo", "Redo", self.wizard.redo),
            ("close", "Close", self.close),
        ):
            button = QPushButton(text, objectName=f"align{name.title()}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space confirms; it never presses a button
            button.clicked.connect(action)
            buttons.addWidget(button)
            self.buttons[name] = button
        layout.addLayout(buttons)
        for keys, action in (
            (("Space", "Return", "Enter", "Right"), self.wizard.confirm),
            (("Backspace", "Left"), self.wizard.undo),
        ):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                shortcut.activated.connect(action)

    def open_wizard(self) -> None:
        self.wizard.open()
        self.show()
        self.raise_()
        self.activateWindow()

    def show_frame(self, frame, display=None) -> None:
        """The eyes stream's newest frame (the console forwards it while the window is shown)."""
        if self.isVisible():
            self.her_view.show_frame(frame, display)

    def show_state(self, state: WizardState) -> None:
        step = state.step
        self.title.setText(STEP_TITLES[step])
        self.profile.setText(f"Glasses: {state.profile_name}" if state.profile_name else "")
        if [self.eye.itemData(i) for i in range(self.eye.count())] != list(state.eyes):
            self.eye.clear()
            for eye in state.eyes:
                self.eye.addItem(
                    {"mono": "Both (mono glasses)", "left": "Left eye", "right": "Right eye"}[eye], eye
                )
        if state.eye is not None:
            self.eye.setCurrentIndex(max(0, self.eye.findData(state.eye)))
        choosing = step in (WizardStep.CHOOSE, WizardStep.SAVED)
        self.eye.setEnabled(choosing)
        self.start.setEnabled(choosing)
        self.guidance.setText(state.guidance)
        self.progress.setText(
            f"Alignments: {state.done} of {state.planned}" if step is WizardStep.ALIGN else ""
        )
        self.notice.setText(state.notice)
        self.result.setText(_result_text(state))
        enabled = {
            "confirm": step in (WizardStep.ALIGN, WizardStep.CHECK),
            "undo": step is WizardStep.ALIGN and state.done > 0,
            "solve": state.can_solve,
            "check": step is WizardStep.SOLVED,
            "save": step in (WizardStep.SOLVED, WizardStep.CHECK),
            "redo": step in (WizardStep.ALIGN, WizardStep.SOLVED, WizardStep.CHECK, WizardStep.SAVED),
            "close": True,
        }
        for name, button in self.buttons.items():
            button.setEnabled(enabled[name])
        self.buttons["confirm"].setText(
            "Confirm and save (Space)" if step is WizardStep.CHECK else "Confirm (Space)"
        )
        if step is WizardStep.CLOSED and state.notice and not self.isVisible():
            self.show()  # a broken profile: the one-line notice is shown here (and in the log)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.wizard.close()
        event.accept()

    def detach(self) -> None:
        self.wizard.changed.disconnect(self._relay.changed.emit)


def _result_text(state: WizardState) -> str:
    solution = state.solution
    if solution is None:
        return ""
    colour = VERDICT_COLOURS[solution.verdict]
    text = (
        f"<b>Residual {solution.residual_deg:.2f}°</b> over {solution.count} alignments "
        f"(head turned over {solution.head_spread_deg:.0f}°): "
        f"<b style='color:{colour}'>{solution.verdict.upper()}</b>"
    )
    if solution.advice:
        text += f"<br>{solution.advice}"
    if state.saved_path:
        text += f"<br>Saved: {state.saved_path}"
    return text
