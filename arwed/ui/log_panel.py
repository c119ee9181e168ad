"""The log panel: notices, warnings and errors as they come, newest at the bottom, never taking the focus.

Each message is shown once: when it comes again its line moves to the bottom with its count ("×12") and
the time it last came, so a camera that warns on every frame fills one line, not the panel. Levels are
told apart by a mark and a colour: info (a success, a change the operator made) in grey, warnings in
amber, errors in red.
"""

from __future__ import annotations

import html
import logging
import time
from dataclasses import dataclass

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPlainTextEdit

MAX_LINES = 300
LEVEL_LOOKS = {  # mark and colour
    logging.ERROR: ("✖", "#ff8a80"),
    logging.WARNING: ("▲", "#ffd180"),
    logging.INFO: ("•", "#b0bec5"),
}


def level_look(level: int) -> tuple[str, str]:
    if level >= logging.ERROR:
        return LEVEL_LOOKS[logging.ERROR]
    return LEVEL_LOOKS[logging.WARNING] if level >= logging.WARNING else LEVEL_LOOKS[logging.INFO]


@dataclass
class LogEntry:
    level: int
    message: str
    count: int
    last_s: float

    @property
    def text(self) -> str:
        return f"{self.message}  ×{self.count}" if self.count > 1 else self.message

    def html(self) -> str:
        mark, colour = level_look(self.level)
        stamp = time.strftime("%H:%M:%S", time.localtime(self.last_s))
        count = f'&nbsp;&nbsp;<b style="color:#eceff1">×{self.count}</b>' if self.count > 1 else ""
        return (
            f'<span style="color:#78909c">{stamp}</span>&nbsp;&nbsp;'
            f'<span style="color:{colour}">{mark}&nbsp;{html.escape(self.message)}</span>{count}'
        )


class LogPanel(QPlainTextEdit):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a warning must never take a key press from the operator
        self.setObjectName("logPanel")
        self.setPlaceholderText("Notices, warnings and errors appear here.")
        self.entries: dict[tuple[int, str], LogEntry] = {}  # in the order shown, the newest last

    @property
    def lines(self) -> list[tuple[int, str]]:
        """(level, text) of each line shown, top to bottom; a repeated message's text ends in its count."""
        return [(entry.level, entry.text) for entry in self.entries.values()]

    @Slot(int, str, float)
    def add(self, level: int, message: str, created_s: float | None = None) -> None:
        key = (level, message)
        was_last = bool(self.entries) and next(reversed(self.entries)) == key
        entry = self.entries.pop(key, None) or LogEntry(level, message, 0, 0.0)
        entry.count += 1
        entry.last_s = created_s or time.time()
        self.entries[key] = entry  # the newest, at the bottom
        trimmed = len(self.entries) > MAX_LINES
        if trimmed:
            self.entries.pop(next(iter(self.entries)))
        at_bottom = self.verticalScrollBar().value() >= self.verticalScrollBar().maximum() - 4
        if was_last:
            self._replace_last_line(entry)
        elif entry.count > 1 or trimmed:
            self._rebuild()  # the line moves from where it was to the bottom
        else:
            self.appendHtml(entry.html())
        if at_bottom:
            self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())

    def _replace_last_line(self, entry: LogEntry) -> None:
        if self.document().blockCount() <= 1:
            self.clear()
        else:
            cursor = QTextCursor(self.document().lastBlock())
            cursor.select(QTextCursor.SelectionType.BlockUnderCursor)
            cursor.removeSelectedText()
        self.appendHtml(entry.html())

    def _rebuild(self) -> None:
        self.clear()
        for entry in self.entries.values():
            self.appendHtml(entry.html())
