"""The operator console: a big live preview, the ceremony buttons, outputs, the log and the side panels.

A thin view over `arwed.session.ConsoleSession`: it paints frames the session publishes, shows each
field of the session when its event says it changed (nothing here polls), and sends the operator's
clicks and keys to the session. Nothing here blocks.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QFrame,
    QLabel,
    QLineEdit,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QStatusBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from arwed.ui.alignment_window import AlignmentWindow, StateRelay
from arwed.ui.bridge import QtLogHandler, SessionBridge
from arwed.ui.ceremony_bar import CeremonyBar
from arwed.ui.cue_panel import CuePanel
from arwed.ui.frame_view import DisplayImage, FrameView
from arwed.ui.log_panel import LogPanel
from arwed.ui.microphone import open_system_microphone
from arwed.ui.notices import NoticeBar
from arwed.ui.on_air import OnAirOverlay
from arwed.ui.outputs import OutputManager
from arwed.ui.panels import KeepsakesPanel, OutputsPanel, ScenePanel
from arwed.ui.quit_guard import QuitGuard
from arwed.ui.shortcuts import ShortcutDispatcher, ShortcutEditor
from arwed.ui.thumbnails import ThumbnailRow
from arwed.ui.voice import VoicePlayer

log = logging.getLogger("arwed.console")

QUIT_CONFIRM_S = 3.0
TRACKING_COLOURS = {"tracking": "#66bb6a", "held": "#ffca28", "lost": "#ef5350", "idle": "#78909c"}
HEAD_COLOURS = {
    "camera": "#66bb6a",
    "camera + glasses sensors": "#66bb6a",
    "held": "#ffca28",
    "lost": "#ef5350",
}


def _scrolling(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area


class ConsoleWindow(QMainWindow):
    def __init__(self, session, screens, console_screen: str | None = None):
        super().__init__()
        self.session = session
        self.setWindowTitle("arwed — operator console")
        self.bridge = SessionBridge(session, self)
        session.keepsakes.microphone_source = open_system_microphone  # when the settings choose one
        self.outputs = OutputManager(session, screens, console_screen, self)
        self._quit_armed_s = 0.0
        self.cpu_at_start = (time.thread_time(), time.process_time())
        self._closed = False
        self.operator_locked = False
        self.alignment_window: AlignmentWindow | None = None  # made when first opened
        self._build()
        self.quit_guard = QuitGuard(self, session, self._quit_now)
        self._quitting = False
        self.log_handler = QtLogHandler(self.bridge)
        self.bridge.log_record.connect(self.log_panel.add)
        logging.getLogger("arwed").addHandler(self.log_handler)
        logging.getLogger("arwed.console").setLevel(logging.INFO)
        self.bridge.frame_ready.connect(self._on_frame)
        self._listen()
        self.outputs.changed.connect(self._refresh_outputs)
        # the wizard's changes (and the glasses profile's summary) reach the Outputs tab on this thread
        self._alignment_relay = StateRelay(self)
        self._alignment_relay.changed.connect(lambda _: self.outputs_panel.refresh())
        session.alignment.changed.connect(self._alignment_relay.changed.emit)
        handlers = {name: self._noted(name, act) for name, act in self._handlers().items()}
        self.dispatcher = ShortcutDispatcher(
            session.shortcuts,
            handlers,
            self,
            home=self.preview,
            on_escape=lambda: self.outputs.leave_full_screen(QApplication.activeWindow()),
        )
        self.refresh()

    def _listen(self) -> None:
        """Each session field refreshes only what shows it."""
        on = self.bridge.on
        for field in ("blackout", "hidden"):  # before anything else: the key's effect on screen
            on(field, lambda _: self._paint_now())
        for field in (
            "hidden",
            "blackout",
            "locked",
            "recording",
            "shortcuts",
            "head_tracking",
            "partner_out_of_frame",
        ):
            on(field, lambda _: self._refresh_ceremony(self.session.status()))
        on("shortcuts", lambda _: self.shortcut_editor.refresh())
        on("cues", self.cue_panel.show_status)
        on("voice", self.voice.cue)
        on("outputs", lambda _: self.outputs.sync())
        on("setup", lambda _: self.scene_panel.refresh_pickers())
        on("setup", self.ceremony_bar.show_fade)
        on("settings", lambda _: self.scene_panel.refresh_placement())
        on("character", lambda name: self.scene_panel.show_character_status(f"Showing: {name}"))
        for field in ("virtual_camera", "keepsake_dir"):
            on(field, lambda _: self.keepsakes_panel.refresh())
        for field in ("running", "rate", "tracking", "renderer", "busy", "problem", "partner_out_of_frame"):
            on(field, lambda _: self._refresh_status())
        on("recording_space", self._show_recording_space)
        on("recovered", self.notice_bar.show_recovered)
        on("recording", lambda path: path is None and self.space_label.setText(""))

    # ----- layout ----------------------------------------------------------------------------------------

    def _build(self) -> None:
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._main_column())
        splitter.addWidget(self._side_panel())
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setSizes([1000, 380])
        splitter.setChildrenCollapsible(False)
        self.setCentralWidget(splitter)
        self._build_status_bar()
        self._fit_screen(1440, 860)

    def _fit_screen(self, width: int, height: int) -> None:
        """The wanted size, or the screen's free area when it is smaller (a 1280x720 laptop)."""
        screen = self.screen()
        if screen is not None:
            free = screen.availableGeometry()
            width, height = min(width, free.width()), min(height, free.height())
            self.move(free.topLeft())
        self.resize(width, height)

    def _main_column(self) -> QWidget:
        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(12, 12, 6, 6)
        layout.setSpacing(10)
        self.notice_bar = NoticeBar(column)  # e.g. what a crash left and what was recovered of it
        layout.addWidget(self.notice_bar)
        self.preview = FrameView(column, smooth=True)
        self.preview.setObjectName("preview")
        self.preview.setToolTip("Click a person to make them the partner's person")
        self.preview.frame_clicked.connect(lambda x, y: self.session.choose_person_at((x, y)))
        self.preview.setMinimumSize(480, 270)
        self.preview.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # Esc, or a click here, leaves a field
        self.on_air = OnAirOverlay(self.preview)  # REC, blackout, hidden, ...: on the preview only
        layout.addWidget(self.preview, 1)
        self.ceremony_bar = CeremonyBar(self.session, column)
        layout.addWidget(self.ceremony_bar)
        self.thumbnail_row = ThumbnailRow(self.session, self.outputs, column)
        layout.addWidget(self.thumbnail_row)
        self.log_panel = LogPanel(column)
        self.log_panel.setFixedHeight(110)
        layout.addWidget(self.log_panel)
        return column

    def _side_panel(self) -> QWidget:
        self.tabs = QTabWidget()
        self.tabs.setMinimumWidth(340)
        self.scene_panel = ScenePanel(self.session)
        self.outputs_panel = OutputsPanel(self.session, self.outputs)
        self.outputs_panel.open_alignment = self.open_alignment
        self.keepsakes_panel = KeepsakesPanel(self.session)
        self.shortcut_editor = ShortcutEditor(self.session)
        self.voice = VoicePlayer(self)
        self.cue_panel = CuePanel(self.session, self.voice)
        self.tabs.addTab(_scrolling(self.scene_panel), "Scene")
        self.tabs.addTab(self.cue_panel, "Ceremony")
        self.tabs.addTab(_scrolling(self.outputs_panel), "Outputs")
        self.tabs.addTab(_scrolling(self.keepsakes_panel), "Keepsakes")
        self.tabs.addTab(_scrolling(self.shortcut_editor), "Keys")
        return self.tabs

    def _build_status_bar(self) -> None:
        bar = QStatusBar()
        self.setStatusBar(bar)
        self.tracking_label = QLabel("", objectName="trackingPill")
        self.head_label = QLabel("", objectName="headPill")  # her head tracking, with an eyes output
        self.fps_label = QLabel("", objectName="statusValue")
        self.latency_label = QLabel("", objectName="statusValue")
        self.renderer_label = QLabel("", objectName="statusMuted")
        self.source_label = QLabel("", objectName="statusMuted")
        self.space_label = QLabel("", objectName="statusValue")  # the disk while recording
        for widget in (
            self.space_label,
            self.tracking_label,
            self.head_label,
            self.fps_label,
            self.latency_label,
            self.source_label,
            self.renderer_label,
        ):
            bar.addPermanentWidget(widget)

    def _show_recording_space(self, space) -> None:
        """session.disk_space.RecordingSpace, about once a second while recording; red when under 10 min."""
        self.space_label.setText(f"● REC · {space.describe()}")
        self.space_label.setStyleSheet("color: #ef5350; font-weight: bold;" if space.low else "")

    # ----- actions ---------------------------------------------------------------------------------------

    def _handlers(self) -> dict:
        session, ceremony, keepsakes = self.session, self.session.ceremony, self.session.keepsakes
        return {
            "toggle_hidden": lambda: ceremony.set_hidden(not ceremony.hidden),
            "toggle_blackout": lambda: ceremony.set_blackout(not ceremony.blackout),
            "step_forward": session.step_forward,
            "step_back": session.step_back,
            "toggle_lock": lambda: ceremony.set_locked(not session.settings.placement.locked),
            "toggle_operator_lock": lambda: self.set_operator_lock(not self.operator_locked),
            "snapshot": keepsakes.snapshot,
            "toggle_recording": keepsakes.toggle_recording,
            "quit": self.quit_pressed,
            "leave_full_screen": lambda: self.outputs.leave_full_screen(QApplication.activeWindow()),
        }

    def open_alignment(self) -> None:
        """The glasses alignment wizard, in its own window (her view shows its cross meanwhile)."""
        if self.alignment_window is None:
            self.alignment_window = AlignmentWindow(self.session, self)
        self.alignment_window.open_wizard()

    def _noted(self, action: str, act):
        """A key's action, told to the session first (a recording's event log keeps every key)."""

        def noted() -> None:
            self.session.acted(action)
            act()

        return noted

    def set_operator_lock(self, locked: bool) -> None:
        """During the ceremony no field can be changed by a stray key or click; the keys still act."""
        self.operator_locked = locked
        self._apply_operator_lock()
        log.info("operator lock %s", "on: every field is read-only" if locked else "off")
        self._refresh_ceremony(self.session.status())

    def _apply_operator_lock(self) -> None:
        fields = self.tabs.findChildren(QAbstractSpinBox) + self.tabs.findChildren(QLineEdit)
        for field in [*fields, self.ceremony_bar.fade]:
            if not isinstance(field.parent(), QAbstractSpinBox):  # a spin box's own editor follows it
                field.setReadOnly(self.operator_locked)

    def quit_pressed(self) -> None:
        """Quitting mid-ceremony by accident would be a disaster: the key must be pressed twice (and while
        recording, the question answered: quit_guard.py)."""
        now = time.monotonic()
        if self.quit_guard.asking or now - self._quit_armed_s <= QUIT_CONFIRM_S:
            self._quit_armed_s = 0.0
            self.quit_guard.request()
            return
        self._quit_armed_s = now
        keys = " or ".join(self.session.shortcuts.keys_for("quit"))
        self.statusBar().showMessage(
            f"Press {keys} again within {QUIT_CONFIRM_S:g} s to quit", int(QUIT_CONFIRM_S * 1000)
        )

    # ----- frames ----------------------------------------------------------------------------------------

    @Slot(str)
    def _on_frame(self, stream: str) -> None:
        self.bridge.taken(stream)
        try:
            self._show_newest(stream)
        except Exception:  # noqa: BLE001 - a frame that cannot be shown leaves the last good one up
            log.exception("the %s frame could not be shown; the last good frame stays up", stream)

    def _show_newest(self, stream: str) -> None:
        frame = self.session.tap(stream).latest()
        if frame is None:
            return
        display = DisplayImage(frame)  # converted once for every view that shows it
        if stream == "stage":
            self.preview.show_frame(frame, display)
        self.outputs.show_frames(stream, frame, display)
        self.thumbnail_row.show_frame(stream, frame, display)
        if stream == "eyes" and self.alignment_window is not None:
            self.alignment_window.show_frame(frame, display)

    def _paint_now(self) -> None:
        """The blackout's and the hide's keys: every output painted at once with the newest frames (the
        session has just published them at the curtain's and the veil's new levels), not when the event
        loop gets to it."""
        for stream in self.session.outputs.streams_needed():
            self._show_newest(stream)
        for window in self.outputs.windows():
            window.view.repaint()

    # ----- refreshing ------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Show every field once (at the start; afterwards each event refreshes its own part)."""
        if self._closed:
            return
        self.outputs.sync()
        self.scene_panel.refresh()
        self.shortcut_editor.refresh()
        self.keepsakes_panel.refresh()
        status = self.session.status()
        self.scene_panel.show_character_status(f"Showing: {status.character}")
        self._refresh_ceremony(status)
        self._refresh_status()

    @property
    def thumbnails(self) -> dict:
        return self.thumbnail_row.thumbnails

    def _refresh_outputs(self) -> None:
        self.outputs_panel.refresh()
        self._apply_operator_lock()  # a new output's fields are locked too
        self.thumbnail_row.refresh()

    def _refresh_status(self) -> None:
        if self._closed:
            return
        status = self.session.status()
        tracking = status.tracking
        if status.partner_out_of_frame and status.running:
            tracking = f"{tracking} · partner out of frame"  # followed, but the guests do not see him
        colour = TRACKING_COLOURS.get("held" if status.partner_out_of_frame else status.tracking, "#78909c")
        self.tracking_label.setText(f"● {tracking}")
        self.tracking_label.setStyleSheet(f"color: {colour};")
        self._refresh_head(status.head_tracking)
        self.fps_label.setText(f"{status.fps:4.1f} fps" if status.running else "— fps")
        self.latency_label.setText(
            f"latency {status.latency_ms:.0f} ms" if status.latency_ms is not None else "latency —"
        )
        self.renderer_label.setText(status.renderer or "renderer —")
        self.source_label.setText(status.source or "no source")
        self.preview.message = status.busy or status.problem or "Starting…"
        if self.preview.frame is None:
            self.preview.update()
        if status.busy:
            self.statusBar().showMessage(f"{status.busy}…", 2000)

    def _refresh_head(self, head_tracking: str | None) -> None:
        self.head_label.setText(f"● head: {head_tracking}" if head_tracking else "")
        colour = HEAD_COLOURS.get(head_tracking or "", "#78909c")
        self.head_label.setStyleSheet(f"color: {colour};")

    def _refresh_ceremony(self, status) -> None:
        self.ceremony_bar.show_state(status, self.session.shortcuts)
        lock_keys = " or ".join(self.session.shortcuts.keys_for("toggle_operator_lock"))
        self.on_air.show(status, lock_keys if self.operator_locked else None)
        self._refresh_head(status.head_tracking)
        dimmed = "BLACKOUT — every output is black" if status.blackout else ""
        if dimmed != self.preview.dimmed_label:
            self.preview.dimmed_label = dimmed
            self.preview.update()

    # ----- closing ---------------------------------------------------------------------------------------

    def _quit_now(self) -> None:
        self._quitting = True
        self.close()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.spontaneous() and not self._quitting and self.session.keepsakes.recording is not None:
            event.ignore()  # the window's close button while recording: ask first
            self.quit_guard.request()
            return
        self.shut_down()
        event.accept()

    def shut_down(self) -> bool:
        """Close the outputs, stop the session's threads, save the set-up; True when all threads ended."""
        if self._closed:
            return True
        self._closed = True
        self.bridge.detach()
        self.session.alignment.changed.disconnect(self._alignment_relay.changed.emit)
        if self.alignment_window is not None:
            self.alignment_window.detach()
            self.alignment_window.close()
        self.outputs.close_all()
        logging.getLogger("arwed").removeHandler(self.log_handler)
        return self.session.close()
