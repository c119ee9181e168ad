"""The log panel: warnings and notices as they come, newest at the bottom, never taking the focus."""

from __future__ import annotations

import html
import logging
import time

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QPlainTextEdit

MAX_LINES = 1000
LEVEL_COLOURS = {logging.ERROR: "#ff8a80", logging.WARNING: "#ffd180", logging.INFO: "#b0bec5"}


class LogPanel(QPlainTextEdit):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a warning must never take a key press from the operator
        self.setMaximumBlockCount(MAX_LINES)
        self.setObjectName("logPanel")
        self.setPlaceholderText("Warnings and notices appear here.")
        self.lines: list[tuple[int, str]] = []

    @Slot(int, str, float)
    def add(self, level: int, message: str, created_s: float | None = None) -> None:
        stamp = time.strftime("%H:%M:%S", time.localtime(created_s or time.time()))
        colour = LEVEL_COLOURS.get(
            level, LEVEL_COLOURS[logging.ERROR] if level > logging.ERROR else "#b0bec5"
        )
        self.lines.append((level, message))
        del self.lines[:-MAX_LINES]
        at_bottom = self.verticalScrollBar().value() >= self.verticalScrollBar().maximum() - 4
        self.appendHtml(
            f'<span style="color:#78909c">{stamp}</span>&nbsp;&nbsp;'
            f'<span style="color:{colour}">{html.escape(message)}</span>'
        )
        if at_bottom:
            self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())
