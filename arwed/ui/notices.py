"""A notice across the top of the console for what the operator must know at once and acknowledge: at
the start, the recordings a crash left unfinished and what of them was saved (session/recovery.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton


def recovered_text(recovered) -> str:
    """One line per recording recovered (recovery.Recovered), naming it and how many seconds it holds."""
    lines = [
        f"Recovered an unfinished recording: {item.path.parent.name if item.path.name == 'stage.mp4' else item.path.name}"
        f" — {item.duration_s:.1f} s saved ({item.path})"
        for item in recovered
    ]
    return "\n".join(lines)


class NoticeBar(QFrame):
    """Hidden until there is something to say; stays until the operator closes it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("noticeBar")
        self.setStyleSheet(
            "#noticeBar { background: #4e342e; border: 1px solid #ffca28; border-radius: 4px; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel("", objectName="noticeText")
        self.label.setWordWrap(True)
        self.label.setStyleSheet("color: #ffe082;")
        close = QPushButton("OK")
        close.setObjectName("noticeClose")
        close.clicked.connect(self.dismiss)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.texts: list[str] = []
        self.hide()

    def add(self, text: str) -> None:
        if not text:
            return
        self.texts.append(text)
        self.label.setText("\n".join(self.texts))
        self.show()

    def show_recovered(self, recovered) -> None:
        self.add(recovered_text(recovered))

    def dismiss(self) -> None:
        self.texts = []
        self.label.setText("")
        self.hide()
