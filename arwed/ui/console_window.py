"""The operator console: a big live preview, the ceremony buttons, outputs, the log and the side panels.

A thin view over `arwed.session.ConsoleSession`: it paints frames the session publishes, shows the
session's status, and sends the operator's clicks and keys to the session. Nothing here blocks.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QSize, Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStatusBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from arwed.ui.bridge import QtLogHandler, SessionBridge
from arwed.ui.frame_view import DisplayImage, FrameView
from arwed.ui.log_panel import LogPanel
from arwed.ui.outputs import OutputManager, describe_output
from arwed.ui.panels import KeepsakesPanel, OutputsPanel, ScenePanel
from arwed.ui.shortcuts import ShortcutDispatcher, ShortcutEditor

log = logging.getLogger("arwed.console")

STATUS_INTERVAL_MS = 250
THUMBNAIL_INTERVAL_S = 0.25
QUIT_CONFIRM_S = 3.0
TRACKING_COLOURS = {"tracking": "#66bb6a", "held": "#ffca28", "lost": "#ef5350", "idle": "#78909c"}


def _scrolling(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area


class OutputThumbnail(QFrame):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("thumbnail")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        self.view = FrameView(self, smooth=False)
        self.view.setFixedSize(QSize(176, 99))
        self.caption = QLabel("", objectName="thumbCaption")
        layout.addWidget(self.view)
        layout.addWidget(self.caption)


class ConsoleWindow(QMainWindow):
    def __init__(
        self, session, screens, console_screen: str | None = None, full_screen_ids: set[int] = frozenset()
    ):
        super().__init__()
        self.session = session
        self.setWindowTitle("arwed — operator console")
        self.bridge = SessionBridge(session, self)
        self.outputs = OutputManager(session, screens, console_screen, self)
        self.outputs.force_full_screen |= set(full_screen_ids)
        self._quit_armed_s = 0.0
        self.cpu_at_start = (time.thread_time(), time.process_time())
        self._closed = False
        self._last_thumbnail_s: dict[str, float] = {}
        self.thumbnails: dict[int, OutputThumbnail] = {}
        self._build()
        self.log_handler = QtLogHandler(self.bridge)
        self.bridge.log_record.connect(self.log_panel.add)
        logging.getLogger("arwed").addHandler(self.log_handler)
        logging.getLogger("arwed.console").setLevel(logging.INFO)
        self.bridge.frame_ready.connect(self._on_frame)
        self.bridge.changed.connect(self.refresh)
        self.outputs.changed.connect(self._refresh_outputs)
        self.dispatcher = ShortcutDispatcher(session.shortcuts, self._handlers(), self)
        self._status_timer = QTimer(self, interval=STATUS_INTERVAL_MS)
        self._status_timer.timeout.connect(self._refresh_status)
        self._status_timer.start()
        self.refresh()

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
        self.resize(1440, 860)

    def _main_column(self) -> QWidget:
        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(12, 12, 6, 6)
        layout.setSpacing(10)
        self.preview = FrameView(column, smooth=True)
        self.preview.setObjectName("preview")
        self.preview.setMinimumSize(480, 270)
        layout.addWidget(self.preview, 1)
        layout.addLayout(self._ceremony_bar())
        self.thumbnail_row = QHBoxLayout()
        self.thumbnail_row.setSpacing(8)
        self.no_outputs = QLabel(
            "No outputs yet: add the projector or the glasses under Outputs.", objectName="hint"
        )
        self.thumbnail_row.addWidget(self.no_outputs)
        self.thumbnail_row.addStretch(1)
        layout.addLayout(self.thumbnail_row)
        self.log_panel = LogPanel(column)
        self.log_panel.setFixedHeight(110)
        layout.addWidget(self.log_panel)
        return column

    def _ceremony_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.hide_button = self._big_button("Hide character", "hideButton", checkable=True)
        self.hide_button.clicked.connect(lambda on: self.session.set_hidden(on))
        self.blackout_button = self._big_button("Blackout", "blackoutButton", checkable=True)
        self.blackout_button.clicked.connect(lambda on: self.session.set_blackout(on))
        self.lock_button = self._big_button("Lock spot", "lockButton", checkable=True)
        self.lock_button.setToolTip(
            "Freeze the character's spot on the floor (someone walking past won't move it)"
        )
        self.lock_button.clicked.connect(lambda on: self.session.set_locked(on))
        self.snapshot_button = self._big_button("Snapshot", "snapshotButton")
        self.snapshot_button.clicked.connect(self.session.snapshot)
        self.record_button = self._big_button("Record", "recordButton", checkable=True)
        self.record_button.clicked.connect(lambda _: self.session.toggle_recording())
        for button in (self.hide_button, self.blackout_button, self.lock_button):
            bar.addWidget(button, 2)
        bar.addSpacing(16)
        bar.addWidget(self.snapshot_button, 1)
        bar.addWidget(self.record_button, 1)
        return bar

    def _big_button(self, text: str, name: str, checkable: bool = False) -> QPushButton:
        button = QPushButton(text, objectName=name, checkable=checkable)
        button.setMinimumHeight(52)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard stays with the shortcuts
        button.setProperty("big", True)
        return button

    def _side_panel(self) -> QWidget:
        self.tabs = QTabWidget()
        self.tabs.setMinimumWidth(340)
        self.scene_panel = ScenePanel(self.session)
        self.outputs_panel = OutputsPanel(self.session, self.outputs)
        self.keepsakes_panel = KeepsakesPanel(self.session)
        self.shortcut_editor = ShortcutEditor(self.session)
        self.tabs.addTab(_scrolling(self.scene_panel), "Scene")
        self.tabs.addTab(_scrolling(self.outputs_panel), "Outputs")
        self.tabs.addTab(_scrolling(self.keepsakes_panel), "Keepsakes")
        self.tabs.addTab(_scrolling(self.shortcut_editor), "Keys")
        return self.tabs

    def _build_status_bar(self) -> None:
        bar = QStatusBar()
        self.setStatusBar(bar)
        self.tracking_label = QLabel("", objectName="trackingPill")
        self.fps_label = QLabel("", objectName="statusValue")
        self.latency_label = QLabel("", objectName="statusValue")
        self.renderer_label = QLabel("", objectName="statusMuted")
        self.source_label = QLabel("", objectName="statusMuted")
        for widget in (
            self.tracking_label,
            self.fps_label,
            self.latency_label,
            self.source_label,
            self.renderer_label,
        ):
            bar.addPermanentWidget(widget)

    # ----- actions ---------------------------------------------------------------------------------------

    def _handlers(self) -> dict:
        session = self.session
        return {
            "toggle_hidden": lambda: session.set_hidden(not session.hidden),
            "toggle_blackout": lambda: session.set_blackout(not session.blackout),
            "step_forward": session.step_forward,
            "step_back": session.step_back,
            "toggle_lock": lambda: session.set_locked(not session.settings.placement.locked),
            "snapshot": session.snapshot,
            "toggle_recording": session.toggle_recording,
            "quit": self.quit_pressed,
        }

    def quit_pressed(self) -> None:
        """Quitting mid-ceremony by accident would be a disaster: the key must be pressed twice."""
        now = time.monotonic()
        if now - self._quit_armed_s <= QUIT_CONFIRM_S:
            self.close()
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
        now = time.monotonic()
        if now - self._last_thumbnail_s.get(stream, 0.0) >= THUMBNAIL_INTERVAL_S:
            self._last_thumbnail_s[stream] = now
            outputs = self.session.outputs()
            for output_id, thumbnail in self.thumbnails.items():
                state = self.outputs.states.get(output_id)
                waiting = state is not None and state.waiting_for is not None
                if output_id in outputs and outputs[output_id].mode.value == stream and not waiting:
                    thumbnail.view.show_frame(frame, display)

    # ----- refreshing ------------------------------------------------------------------------------------

    @Slot()
    def refresh(self) -> None:
        self.bridge.change_seen()
        if self._closed:
            return
        self.outputs.sync()
        self.scene_panel.refresh()
        self.shortcut_editor.refresh()
        self._refresh_status()

    def _refresh_outputs(self) -> None:
        self.outputs_panel.refresh()
        outputs = self.session.outputs()
        for output_id in list(self.thumbnails):
            if output_id not in outputs:
                self.thumbnails.pop(output_id).deleteLater()
        for output_id, output in outputs.items():
            thumbnail = self.thumbnails.get(output_id)
            if thumbnail is None:
                thumbnail = self.thumbnails[output_id] = OutputThumbnail()
                self.thumbnail_row.insertWidget(self.thumbnail_row.count() - 1, thumbnail)
            state = self.outputs.states.get(output_id)
            where = output.screen or "window"
            if state is not None and state.waiting_for:
                where = f"{state.waiting_for} unplugged"
            thumbnail.caption.setText(f"{describe_output(output_id, output)} · {where}")
            thumbnail.view.black = self.session.blackout
            thumbnail.view.side_by_side = output.side_by_side and output.mode.value == "glasses"
            waiting = state is not None and state.waiting_for is not None
            thumbnail.view.message = "screen unplugged" if waiting else ""
            if waiting:
                thumbnail.view.show_frame(None)
            thumbnail.view.update()
        self.no_outputs.setVisible(not outputs)

    def _refresh_status(self) -> None:
        status = self.session.status()
        self._refresh_ceremony(status)
        colour = TRACKING_COLOURS.get(status.tracking, "#78909c")
        self.tracking_label.setText(f"● {status.tracking}")
        self.tracking_label.setStyleSheet(f"color: {colour};")
        self.fps_label.setText(f"{status.fps:4.1f} fps" if status.running else "— fps")
        self.latency_label.setText(
            f"latency {status.latency_ms:.0f} ms" if status.latency_ms is not None else "latency —"
        )
        self.renderer_label.setText(status.renderer or "renderer —")
        self.source_label.setText(status.source or "no source")
        self.keepsakes_panel.refresh(status)
        self.scene_panel.show_character_status(f"Showing: {status.character}")
        self.preview.message = status.busy or status.problem or "Starting…"
        if self.preview.frame is None:
            self.preview.update()
        if status.busy:
            self.statusBar().showMessage(f"{status.busy}…", 2000)

    def _refresh_ceremony(self, status) -> None:
        for button, on in (
            (self.hide_button, status.hidden),
            (self.blackout_button, status.blackout),
            (self.lock_button, status.locked),
            (self.record_button, status.recording is not None),
        ):
            button.setChecked(on)
        keys = self.session.shortcuts
        for button, action, text in (
            (self.hide_button, "toggle_hidden", "Show character" if status.hidden else "Hide character"),
            (self.blackout_button, "toggle_blackout", "End blackout" if status.blackout else "Blackout"),
            (self.lock_button, "toggle_lock", "Unlock spot" if status.locked else "Lock spot"),
            (self.snapshot_button, "snapshot", "Snapshot"),
            (self.record_button, "toggle_recording", "■ Stop recording" if status.recording else "● Record"),
        ):
            bound = keys.keys_for(action)
            text = f"{text}   [{bound[0]}]" if bound else text
            if button.text() != text:
                button.setText(text)
        badges = [
            text for on, text in ((status.hidden, "Character hidden"), (status.locked, "Spot locked")) if on
        ]
        overlay = ("BLACKOUT — every output is black" if status.blackout else "", " · ".join(badges))
        if overlay != (self.preview.dimmed_label, self.preview.badge):
            self.preview.dimmed_label, self.preview.badge = overlay
            self.preview.update()
        if self.outputs.windows() and any(w.view.black != status.blackout for w in self.outputs.windows()):
            self.outputs.set_black(status.blackout)
        for thumbnail in self.thumbnails.values():
            if thumbnail.view.black != status.blackout:
                thumbnail.view.black = status.blackout
                thumbnail.view.update()

    # ----- closing ---------------------------------------------------------------------------------------

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.shut_down()
        event.accept()

    def shut_down(self) -> bool:
        """Close the outputs, stop the session's threads, save the set-up; True when all threads ended."""
        if self._closed:
            return True
        self._closed = True
        self._status_timer.stop()
        self.bridge.detach()
        self.outputs.close_all()
        logging.getLogger("arwed").removeHandler(self.log_handler)
        return self.session.close()
