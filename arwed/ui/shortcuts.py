"""Keys to actions for the whole application, and the editor that rebinds them.

One application-wide event filter (not QShortcut) so a clicker works whatever has the focus: the
console, an output window, or a spin box (Page Up/Down would otherwise step a spin box's value).
Only plain typing into a text field is left alone, and a held key acts once (no flicker on auto-repeat).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QGridLayout,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QWidget,
)

from arwed.errors import UserError
from arwed.session.shortcuts import ACTIONS, ShortcutMap

NAVIGATION_KEYS = {Qt.Key.Key_PageUp, Qt.Key.Key_PageDown}


def key_text(event) -> str:
    """The portable text of a key press ('B', 'PgDown', 'Ctrl+Q'); the keypad's '.' is the same as '.'."""
    modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    combination = QKeyCombination(modifiers, Qt.Key(event.key()))
    return QKeySequence(combination).toString(QKeySequence.SequenceFormat.PortableText)


def _typing_into(widget: QWidget | None) -> bool:
    if widget is None:
        return False
    if isinstance(widget, QLineEdit | QAbstractSpinBox):
        return not (isinstance(widget, QLineEdit) and widget.isReadOnly())
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        return not widget.isReadOnly()
    return False


class ShortcutDispatcher(QObject):
    """Install on the QApplication; calls `handlers[action]()` for a bound key."""

    def __init__(self, shortcuts: ShortcutMap, handlers: dict[str, Callable[[], None]], parent=None):
        super().__init__(parent)
        self.shortcuts = shortcuts
        self.handlers = handlers

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() != QEvent.Type.KeyPress or not isinstance(obj, QWidget):
            return False
        return self.handle_key(event)

    def handle_key(self, event) -> bool:
        focus = QApplication.focusWidget()
        if isinstance(focus, QKeySequenceEdit):
            return False
        plain = not (
            event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        )
        if _typing_into(focus) and plain and event.key() not in NAVIGATION_KEYS:
            return False
        action = self.shortcuts.action_for(key_text(event))
        if action is None or action not in self.handlers:
            return False
        if not event.isAutoRepeat():
            self.handlers[action]()
        return True


class ShortcutEditor(QWidget):
    """Each action with its keys, comma-separated (e.g. "B, ."); changes apply when a field is left."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        layout = QGridLayout(self)
        layout.setColumnStretch(1, 1)
        self.fields: dict[str, QLineEdit] = {}
        for row, action in enumerate(ACTIONS):
            label = QLabel(action.label)
            label.setWordWrap(True)
            field = QLineEdit()
            field.setObjectName(f"keys_{action.name}")
            field.editingFinished.connect(lambda name=action.name: self._apply(name))
            layout.addWidget(label, row, 0)
            layout.addWidget(field, row, 1)
            self.fields[action.name] = field
        self.problem = QLabel("")
        self.problem.setObjectName("problemLabel")
        self.problem.setWordWrap(True)
        reset = QPushButton("Restore the default keys")
        reset.clicked.connect(self.restore_defaults)
        note = QLabel(
            "Key names as Qt writes them: H, B, ., PgUp, PgDown, Ctrl+Q, F5. Separate keys with commas."
        )
        note.setWordWrap(True)
        note.setObjectName("hint")
        layout.addWidget(note, len(ACTIONS), 0, 1, 2)
        layout.addWidget(self.problem, len(ACTIONS) + 1, 0, 1, 2)
        layout.addWidget(reset, len(ACTIONS) + 2, 0, 1, 2)
        layout.setRowStretch(len(ACTIONS) + 3, 1)
        self.refresh()

    def refresh(self) -> None:
        for name, field in self.fields.items():
            if not field.hasFocus():
                field.setText(", ".join(self.session.shortcuts.keys_for(name)))

    def _apply(self, action: str) -> None:
        keys = [k.strip() for k in self.fields[action].text().split(",") if k.strip()]
        unknown = [k for k in keys if QKeySequence.fromString(k).isEmpty()]
        if unknown:
            self.problem.setText(f"Not a key: {', '.join(unknown)}")
            return
        try:
            self.session.set_shortcut(action, tuple(keys))
        except UserError as exc:
            self.problem.setText(str(exc))
            return
        self.problem.setText("")
        self.refresh()

    def restore_defaults(self) -> None:
        for action in ACTIONS:
            self.session.set_shortcut(action.name, action.default_keys)
        self.problem.setText("")
        self.refresh()
