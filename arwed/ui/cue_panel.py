"""The Ceremony tab: open a ceremony file, see the current and the next cue and what Page Down does,
start from any cue for a rehearsal, and set his voice's volume."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from arwed.ui.dialogs import open_file_later

CEREMONY_FILTER = "Ceremonies (*.yaml *.yml);;All files (*)"


class CuePanel(QWidget):
    def __init__(self, session, voice, parent=None):
        super().__init__(parent)
        self.session = session
        self.voice = voice
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.open_button = QPushButton("Open ceremony…")
        self.open_button.clicked.connect(self._open)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(lambda: session.load_ceremony(None))
        row.addWidget(self.open_button)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.file_label = QLabel(
            "No ceremony: Page Down and Page Up step out of blackout and show the character"
        )
        self.file_label.setWordWrap(True)
        layout.addWidget(self.file_label)
        self.now_label = QLabel("")
        self.now_label.setObjectName("cueNow")
        self.next_label = QLabel("")
        self.page_down_label = QLabel("")
        self.page_down_label.setWordWrap(True)
        for label in (self.now_label, self.next_label, self.page_down_label):
            layout.addWidget(label)
        self.cue_list = QListWidget()
        self.cue_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Page Up/Down stay the ceremony's keys
        layout.addWidget(self.cue_list, 1)
        self.start_button = QPushButton("Start from the selected cue")
        self.start_button.clicked.connect(self._start_selected)
        layout.addWidget(self.start_button)
        volume_row = QHBoxLayout()
        volume_row.addWidget(QLabel("His voice"))
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(100)
        self.volume.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.volume.valueChanged.connect(lambda value: voice.set_volume(value / 100.0))
        volume_row.addWidget(self.volume, 1)
        layout.addLayout(volume_row)
        self.audio_label = QLabel(
            "" if voice.has_device() else "No audio output device: his voice plays silently"
        )
        self.audio_label.setWordWrap(True)
        layout.addWidget(self.audio_label)
        self.show_status(session.cues.status())

    def _open(self) -> None:
        open_file_later(self, "Open a ceremony", CEREMONY_FILTER, self.session.load_ceremony)

    def _start_selected(self) -> None:
        row = self.cue_list.currentRow()
        if row >= 0:
            self.session.cues.start_from(row)

    def show_status(self, status) -> None:
        """A session.cue_desk.CueStatus."""
        loaded = status.file is not None and bool(status.names)
        for widget in (self.close_button, self.cue_list, self.start_button):
            widget.setEnabled(loaded)
        if not loaded:
            self.file_label.setText(
                status.problem
                or "No ceremony: Page Down and Page Up step out of blackout and show the character"
            )
            for label in (self.now_label, self.next_label, self.page_down_label):
                label.setText("")
            self.cue_list.clear()
            return
        self.file_label.setText(status.problem or f"Ceremony: {status.file}")
        names = list(status.names)
        if [self.cue_list.item(i).text() for i in range(self.cue_list.count())] != _numbered(names):
            self.cue_list.clear()
            self.cue_list.addItems(_numbered(names))
        index = status.index
        now = names[index] if 0 <= index < len(names) else ("not started" if index < 0 else "over")
        following = names[index + 1] if index + 1 < len(names) else "—"
        self.now_label.setText(f"Now: {now}")
        self.next_label.setText(f"Next: {following}")
        self.page_down_label.setText(f"Page Down: {status.page_down}")
        if 0 <= index < len(names):
            self.cue_list.setCurrentRow(index)


def _numbered(names: list[str]) -> list[str]:
    return [f"{i + 1}. {name}" for i, name in enumerate(names)]
