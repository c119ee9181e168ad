"""Keys to actions for the whole application, and the editor that rebinds them.

One application-wide event filter (not QShortcut) so a clicker works whatever has the focus: the
console, an output window, or a number field (Page Up/Down would otherwise step a spin box's value).
What a field would type is left to it: a number's characters (digits, '.', ',', '-', '+') in a number
field, any text in a text field (the key names in the Keys tab); every other bound key acts, so H or B
act straight after typing a gap. Esc leaves a field (the focus goes back to the preview) or, outside a
field, an output's full screen that covers the console (`on_escape`), and a held key
acts once: auto-repeated presses of a bound key are swallowed, never passed to the field either.
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


NUMBER_CHARACTERS = frozenset("0123456789.,-+")
REPEAT_GAP_MS = (
    20  # X's repeated release and press share one time stamp; no hand presses a key twice this fast
)


FIELD_TYPES = (QLineEdit, QAbstractSpinBox, QPlainTextEdit, QTextEdit)


def _editable(widget: QWidget | None) -> bool:
    """A field the operator types into (a read-only one only shows a value)."""
    return isinstance(widget, FIELD_TYPES) and not widget.isReadOnly()


def _field_types(widget: QWidget | None, event) -> bool:
    """Whether this key press is typing for the field with the focus (so the field, not an action, gets it)."""
    if not _editable(widget) or event.key() in NAVIGATION_KEYS:
        return False
    text = event.text()
    if not text or not text.isprintable():
        return False
    if isinstance(widget, QAbstractSpinBox) or isinstance(widget.parent(), QAbstractSpinBox):
        return text in NUMBER_CHARACTERS
    return True


class ShortcutDispatcher(QObject):
    """Install on the QApplication; calls `handlers[action]()` for a bound key.

    `home` takes the focus when Esc leaves a field (the console's preview). The counts tell what the
    keys did (the console's --stats shows them): actions by name, auto-repeated presses swallowed.
    """

    def __init__(
        self,
        shortcuts: ShortcutMap,
        handlers: dict[str, Callable[[], None]],
        parent=None,
        home: QWidget | None = None,
        on_escape: Callable[[], bool] | None = None,
    ):
        super().__init__(parent)
        self.shortcuts = shortcuts
        self.handlers = handlers
        self.home = home
        self.on_escape = on_escape  # Esc outside a field (leaves an output's full screen): True when it acted
        self.acted: dict[str, int] = {}
        self.repeats_ignored = 0
        self._released_ms: dict[int, int] = {}  # key -> the X server's time of its last release

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(obj, QWidget):
            return False
        if event.type() == QEvent.Type.KeyRelease:
            self._released_ms[event.key()] = event.timestamp()
            return False
        if event.type() != QEvent.Type.KeyPress:
            return False
        return self.handle_key(event)

    def _repeated(self, event) -> bool:
        """X's auto-repeat sends release+press pairs; Qt marks only those it sees queued together, so a
        press that comes within REPEAT_GAP_MS of the same key's release is a repeat too."""
        if event.isAutoRepeat():
            return True
        released_ms = self._released_ms.get(event.key())
        return released_ms is not None and 0 <= event.timestamp() - released_ms <= REPEAT_GAP_MS

    def handle_key(self, event) -> bool:
        focus = QApplication.focusWidget()
        if isinstance(focus, QKeySequenceEdit):
            return False
        plain = not (
            event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        )
        if event.key() == Qt.Key.Key_Escape and plain and isinstance(focus, FIELD_TYPES):
            self.leave_field(focus)
            return True
        if (
            event.key() == Qt.Key.Key_Escape
            and plain
            and self.on_escape is not None
            and not event.isAutoRepeat()
        ) and self.on_escape():
            return True
        action = self.shortcuts.action_for(key_text(event))
        if action is None or action not in self.handlers:
            return False
        if plain and _field_types(focus, event):
            return False
        if self._repeated(event):
            self.repeats_ignored += 1
            return True
        self.acted[action] = self.acted.get(action, 0) + 1
        self.handlers[action]()
        return True

    def leave_field(self, field: QWidget) -> None:
        if self.home is not None and self.home.isVisible():
            self.home.setFocus(Qt.FocusReason.ShortcutFocusReason)
        else:
            field.clearFocus()


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
