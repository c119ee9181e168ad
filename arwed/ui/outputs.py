"""Output windows: frameless and full screen on a chosen screen, one per configured output.

`OutputManager` keeps the windows in step with the session's outputs and the screens plugged in: a
window whose screen is unplugged closes (the console says so) and comes back when the screen does; the
other windows go on. Screens are seen through `ScreenList`, so tests can plug and unplug fake ones.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

from arwed.session.state import OutputConfig
from arwed.types import CompositeMode
from arwed.ui.frame_view import FrameView

log = logging.getLogger("arwed.console")


class ScreenList(QObject):
    """The screens plugged in, by name; `changed` fires when one is plugged in or out."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        app = QGuiApplication.instance()
        app.screenAdded.connect(self._plugged)
        app.screenRemoved.connect(self._plugged)

    def _plugged(self, screen: QScreen) -> None:
        self.changed.emit()

    def names(self) -> list[str]:
        return [screen.name() or f"screen {i + 1}" for i, screen in enumerate(QGuiApplication.screens())]

    def screen(self, name: str) -> QScreen | None:
        for i, screen in enumerate(QGuiApplication.screens()):
            if (screen.name() or f"screen {i + 1}") == name:
                return screen
        return None

    def geometry(self, name: str) -> QRect | None:
        screen = self.screen(name)
        return screen.geometry() if screen is not None else None

    def describe(self, name: str) -> str:
        geometry = self.geometry(name)
        return f"{name} ({geometry.width()}×{geometry.height()})" if geometry is not None else name


def resolve_screen_name(wanted: str, names: list[str]) -> str | None:
    """A screen by its name, or by its number in the list (1 is the first)."""
    if wanted in names:
        return wanted
    if wanted.isdigit() and 1 <= int(wanted) <= len(names):
        return names[int(wanted) - 1]
    return None


def describe_output(output_id: int, output: OutputConfig) -> str:
    mode = output.mode.value + (
        " 3D" if output.side_by_side and output.mode is CompositeMode.CAMERA_BLACK else ""
    )
    return f"Output {output_id} ({mode})"


class OutputWindow(QWidget):
    """One output: frameless, full screen on its screen (or a plain window on the console's screen)."""

    def __init__(self, output_id: int, output: OutputConfig):
        super().__init__(None, Qt.WindowType.Window)
        self.output_id = output_id
        self.output = output
        self.screen_name: str | None = None
        self._closing_on_purpose = False
        self.view = FrameView(self, smooth=True)
        self.view.setGeometry(self.rect())
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)  # the console keeps the keyboard
        self.setStyleSheet("background: black;")
        self.setCursor(Qt.CursorShape.BlankCursor)
        self.apply(output)

    def apply(self, output: OutputConfig) -> None:
        self.output = output
        self.view.side_by_side = output.mode is CompositeMode.CAMERA_BLACK and output.side_by_side
        self.view.eye_distance_m = output.eye_distance_m
        self.setWindowTitle(f"arwed — {describe_output(self.output_id, output)}")
        self.view.update()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.view.setGeometry(self.rect())
        super().resizeEvent(event)

    def place(self, screen: QScreen | None, geometry: QRect | None, full_screen: bool) -> None:
        if full_screen and geometry is not None:
            self.setWindowFlags(Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
            if screen is not None:
                self.setScreen(screen)
            self.setGeometry(geometry)
            self.showFullScreen()
            self.raise_()  # in front, also of the console on its own screen (Esc or F11 leaves it)
        else:
            self.setWindowFlags(Qt.WindowType.Window)
            if screen is not None:
                self.setScreen(screen)
            if geometry is not None:  # a window on that screen
                self.move(geometry.topLeft() + QPoint(40, 40))
            self.resize(960, 540 if not self.view.side_by_side else 270)
            self.show()

    def close_on_purpose(self) -> None:
        self._closing_on_purpose = True
        self.close()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._closing_on_purpose:
            event.accept()
        else:
            event.ignore()  # an output never vanishes by accident: remove it from the console


@dataclass
class OutputState:
    window: OutputWindow | None
    waiting_for: str | None  # the screen it waits for (unplugged or not yet plugged in)


class OutputManager(QObject):
    """Opens, moves and closes output windows to match the session's outputs and the screens."""

    changed = Signal()

    def __init__(self, session, screens, console_screen: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.screens = screens
        self.console_screen = console_screen  # full screen there covers the console: Esc or F11 leaves it
        self.states: dict[int, OutputState] = {}
        screens.changed.connect(self.sync)

    def windows(self) -> list[OutputWindow]:
        return [state.window for state in self.states.values() if state.window is not None]

    def sync(self) -> None:
        outputs = self.session.outputs.current()
        names = self.screens.names()
        for output_id in list(self.states):
            if output_id not in outputs:
                self._close(output_id)
                del self.states[output_id]
        for output_id, output in outputs.items():
            self._sync_one(output_id, output, names)
        self.changed.emit()

    def _sync_one(self, output_id: int, output: OutputConfig, names: list[str]) -> None:
        state = self.states.setdefault(output_id, OutputState(None, None))
        wanted = output.screen
        if wanted is not None and wanted not in names:
            if state.window is not None:
                log.warning(
                    "%s: screen %s was unplugged; window closed until the screen is back (other outputs go on)",
                    describe_output(output_id, output),
                    wanted,
                )
                self._close(output_id)
            state.waiting_for = wanted
            return
        window = state.window
        if (
            window is not None
            and window.screen_name == wanted
            and window.output.full_screen == output.full_screen
        ):
            window.apply(output)
            return
        self._close(output_id)
        if state.waiting_for is not None and wanted is not None:
            log.info("%s: screen %s is back; output open again", describe_output(output_id, output), wanted)
        state.waiting_for = None
        state.window = self._open(output_id, output)

    def _open(self, output_id: int, output: OutputConfig) -> OutputWindow:
        window = OutputWindow(output_id, output)
        window.screen_name = output.screen
        full_screen = output.screen is not None and output.full_screen  # as the Outputs tab says
        window.place(
            self.screens.screen(output.screen) if output.screen else None,
            self.screens.geometry(output.screen) if output.screen else None,
            full_screen,
        )
        return window

    def _close(self, output_id: int) -> None:
        state = self.states.get(output_id)
        if state is not None and state.window is not None:
            state.window.close_on_purpose()
            state.window.deleteLater()
            state.window = None

    def leave_full_screen(self, active=None) -> bool:
        """Esc or F11: the output window the keyboard is in (`active`), or every output full screen on the
        console's own screen (they cover it), becomes a window; saved so, as the Outputs tab then says.
        False when there was none (a projector's full screen on another screen is left alone)."""
        outputs = self.session.outputs.current()
        leaving = [
            window.output_id
            for window in self.windows()
            if window.output.full_screen
            and window.screen_name is not None
            and (window is active or window.screen_name == self.console_screen)
        ]
        for output_id in leaving:
            output = outputs.get(output_id)
            if output is not None:
                self.session.outputs.update(output_id, output.model_copy(update={"full_screen": False}))
                log.info(
                    "%s left full screen; tick Full screen in the Outputs tab to go back",
                    describe_output(output_id, output),
                )
        return bool(leaving)

    def close_all(self) -> None:
        for output_id in list(self.states):
            self._close(output_id)
        self.states.clear()

    def show_frames(self, stream: str, frame, display=None) -> None:
        for window in self.windows():
            if window.output.mode.value == stream:
                window.view.show_frame(frame, display)
