"""Quitting while recording asks first: the recording is a keepsake of the day, and a quit pressed by
mistake must not end it. The question does not block the show (frames, keys and outputs go on while it is
open); the quit key pressed once more in it, or its "Stop recording and quit" button (Alt+S), stops the
recording, saves it whole (the session finishes it as it closes) and quits; Esc, Return or "Keep
recording" keep everything running."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from arwed.session.on_air import elapsed_text

TITLE = "Quit while recording?"


class QuitGuard:
    def __init__(self, parent: QWidget, session, quit_now: Callable[[], None]) -> None:
        self._parent, self._session, self._quit_now = parent, session, quit_now
        self.dialog: QMessageBox | None = None
        self._stop_button = None

    @property
    def asking(self) -> bool:
        return self.dialog is not None

    def request(self) -> None:
        """The operator wants to quit: at once when nothing is recorded, else ask (again: yes)."""
        if self.dialog is not None:
            self.dialog.done(QMessageBox.StandardButton.Yes)
            return
        started = self._session.keepsakes.recording_started_s
        if started is None:
            self._quit_now()
            return
        dialog = QMessageBox(self._parent)
        dialog.setWindowTitle(TITLE)
        dialog.setIcon(QMessageBox.Icon.Warning)
        dialog.setText(f"A recording is running ({elapsed_text(time.monotonic() - started)}).")
        dialog.setInformativeText("Stop the recording, save it and quit?")
        stop = dialog.addButton("&Stop recording and quit", QMessageBox.ButtonRole.YesRole)
        keep = dialog.addButton("&Keep recording", QMessageBox.ButtonRole.NoRole)
        dialog.setDefaultButton(keep)  # a stray Return keeps recording
        dialog.setEscapeButton(keep)
        dialog.finished.connect(self._answered)
        self.dialog, self._stop_button = dialog, stop
        dialog.setWindowModality(Qt.WindowModality.NonModal)  # the console's keys go on acting meanwhile
        dialog.show()

    def _answered(self, result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is None:
            return
        confirmed = result == QMessageBox.StandardButton.Yes or dialog.clickedButton() is self._stop_button
        dialog.deleteLater()
        if confirmed:
            self._quit_now()
