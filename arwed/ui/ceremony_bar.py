"""The big ceremony buttons under the preview: hide, blackout, lock, snapshot, record, and the fade time
of hide and blackout.

Clicks go straight to the session; `show(status, shortcuts)` sets what each button says (its state and
its key) when the session's ceremony or keepsake events say it changed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from arwed.session.state import MAX_FADE_S

COMPACT_BELOW_PX = 1000  # narrower: the buttons leave out their keys


def _big_button(text: str, name: str, checkable: bool = False) -> QPushButton:
    button = QPushButton(text, objectName=name, checkable=checkable)
    button.setMinimumHeight(52)
    button.setMinimumWidth(96)  # may be narrower than its text: the console fits a 1280x720 laptop screen
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard stays with the shortcuts
    button.setProperty("big", True)
    return button


def _hide_text(hidden: bool, compact: bool) -> str:
    if compact:  # the HIDDEN light on the preview says whom
        return "Show him" if hidden else "Hide him"
    return "Show character" if hidden else "Hide character"


def _record_text(recording: bool, compact: bool) -> str:
    if not recording:
        return "● Record"
    return "■ Stop" if compact else "■ Stop recording"  # the REC light on the preview says what is stopped


class CeremonyBar(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        ceremony, keepsakes = session.ceremony, session.keepsakes
        self._shown = None  # the last status and shortcuts shown (a resize shows them again)
        self.hide_button = _big_button("Hide character", "hideButton", checkable=True)
        self.hide_button.clicked.connect(lambda on: ceremony.set_hidden(on))
        self.blackout_button = _big_button("Blackout", "blackoutButton", checkable=True)
        self.blackout_button.clicked.connect(lambda on: ceremony.set_blackout(on))
        self.lock_button = _big_button("Lock spot", "lockButton", checkable=True)
        self.lock_button.setToolTip(
            "Freeze the character's spot on the floor (someone walking past won't move it)"
        )
        self.lock_button.clicked.connect(lambda on: ceremony.set_locked(on))
        self.snapshot_button = _big_button("Snapshot", "snapshotButton")
        self.snapshot_button.clicked.connect(keepsakes.snapshot)
        self.record_button = _big_button("Record", "recordButton", checkable=True)
        self.record_button.clicked.connect(lambda _: keepsakes.toggle_recording())
        self.fade = QDoubleSpinBox(objectName="fadeSpin", decimals=2, minimum=0.0, maximum=MAX_FADE_S)
        self.fade.setSingleStep(0.1)
        self.fade.setSuffix(" s")
        self.fade.setKeyboardTracking(False)
        self.fade.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # never the focus by default: "." is a key
        self.fade.setToolTip("How long hide and blackout take to fade (0: a cut)")
        self.fade.setValue(session.setup.config().fade_s)
        self.fade.valueChanged.connect(session.setup.set_fade_s)
        fade_box = QVBoxLayout()
        fade_box.setSpacing(2)
        fade_box.addWidget(QLabel("Fade", objectName="hint"))
        fade_box.addWidget(self.fade)
        bar = QHBoxLayout(self)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(8)
        # widths in step with the longest texts ("Show character", "End blackout"; "Snapshot", "■ Stop"): at
        # half the others' width "Snapshot" and "Stop recording" were cut on a 1280 px screen
        for button in (self.hide_button, self.blackout_button, self.lock_button):
            bar.addWidget(button, 4)
        bar.addLayout(fade_box)
        bar.addSpacing(16)
        bar.addWidget(self.snapshot_button, 3)
        bar.addWidget(self.record_button, 3)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self._shown is not None:
            self.show_state(*self._shown)

    def show_state(self, status, shortcuts) -> None:
        self._shown = (status, shortcuts)
        compact = self.width() < COMPACT_BELOW_PX  # a small screen: the keys are in the Keys tab
        for button, on in (
            (self.hide_button, status.hidden),
            (self.blackout_button, status.blackout),
            (self.lock_button, status.locked),
            (self.record_button, status.recording is not None),
        ):
            button.setChecked(on)
        for button, action, text in (
            (self.hide_button, "toggle_hidden", _hide_text(status.hidden, compact)),
            (self.blackout_button, "toggle_blackout", "End blackout" if status.blackout else "Blackout"),
            (self.lock_button, "toggle_lock", "Unlock spot" if status.locked else "Lock spot"),
            (self.snapshot_button, "snapshot", "Snapshot"),
            (self.record_button, "toggle_recording", _record_text(status.recording is not None, compact)),
        ):
            bound = shortcuts.keys_for(action)
            text = f"{text}   [{bound[0]}]" if bound and not compact else text
            if button.text() != text:
                button.setText(text)

    def show_fade(self, config) -> None:
        """The set-up changed (ConsoleConfig): the fade time it keeps, unless the operator is typing one."""
        if not self.fade.hasFocus() and self.fade.value() != config.fade_s:
            self.fade.blockSignals(True)
            self.fade.setValue(config.fade_s)
            self.fade.blockSignals(False)
