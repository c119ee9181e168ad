"""The character viewer behind `arwed preview MODEL`: orbit, zoom, poses, expressions, clips and the facts.

Drag with the left button to orbit, scroll to zoom, double-click to frame the character again.
Rendering happens on the GUI thread with the offscreen renderer (one small picture per tick). The window
gets it from the command as a `ViewRenderer` (arwed.render.contact_sheet.PreviewRenderer): only
arwed.render may import pyrender.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Protocol

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from arwed.characters.base import Character, CharacterCue
from arwed.characters.meta import describe_character
from arwed.characters.preview import OrbitView, Overlays, framing_view, posed_bounds, tile_intrinsics

POSE_BUTTONS = (("T-pose", "tpose"), ("Rest", "rest"), ("Idle", "idle"))
VIEW_PX = (560, 760)
TICK_MS = 50


class ViewRenderer(Protocol):
    def render(self, posed, view: OrbitView, size_px: tuple[int, int], overlays: Overlays) -> np.ndarray: ...

    def close(self) -> None: ...


class _Viewport(QLabel):
    """Shows the rendered picture and turns mouse drags and the wheel into orbit and zoom."""

    def __init__(self, window: PreviewWindow):
        super().__init__()
        self._window = window
        self._drag_from = None
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(320, 400)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def mousePressEvent(self, event):  # noqa: N802 - Qt's name
        self._drag_from = event.position()

    def mouseMoveEvent(self, event):  # noqa: N802
        if self._drag_from is not None:
            delta = event.position() - self._drag_from
            self._drag_from = event.position()
            self._window.orbit(-delta.x() * 0.4, delta.y() * 0.3)

    def mouseReleaseEvent(self, event):  # noqa: N802
        self._drag_from = None

    def mouseDoubleClickEvent(self, event):  # noqa: N802
        self._window.frame_character()

    def wheelEvent(self, event):  # noqa: N802
        self._window.zoom(0.9 if event.angleDelta().y() > 0 else 1.0 / 0.9)


class PreviewWindow(QMainWindow):
    def __init__(
        self,
        character: Character,
        view_renderer: ViewRenderer,
        model_path: Path | None = None,
        pose: str = "idle",
    ):
        super().__init__()
        self.character = character
        self.setWindowTitle(f"arwed preview - {model_path.name if model_path else character.info.name}")
        self.expressions: dict[str, float] = {}
        self.overlays = Overlays(ruler=True, skeleton=False)
        self._renderer = view_renderer
        self._start = time.monotonic()
        self._view: OrbitView | None = None
        self.last_image: np.ndarray | None = None

        self.viewport = _Viewport(self)
        panel = self._build_panel()
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.addWidget(self.viewport, stretch=3)
        layout.addWidget(panel, stretch=2)
        self.setCentralWidget(central)
        self.set_pose(pose)
        self.frame_character()

        self._timer = QTimer(self)
        self._timer.timeout.connect(self.redraw)
        self._timer.start(TICK_MS)

    # ------------------------------------------------------------------ panel
    def _build_panel(self) -> QWidget:
        panel = QWidget()
        column = QVBoxLayout(panel)
        column.addWidget(self._facts_box())
        column.addWidget(self._pose_box())
        column.addWidget(self._overlay_box())
        if self._clip_names():
            column.addWidget(self._clip_box())
        column.addWidget(self._expression_box(), stretch=1)
        scroll = QScrollArea()
        scroll.setWidget(panel)
        scroll.setWidgetResizable(True)
        return scroll

    def _facts_box(self) -> QGroupBox:
        box = QGroupBox("Model")
        self.facts = QLabel("\n".join(describe_character(self.character.info)))
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        QVBoxLayout(box).addWidget(self.facts)
        return box

    def _pose_box(self) -> QGroupBox:
        box = QGroupBox("Pose")
        row = QHBoxLayout(box)
        self.pose_buttons: dict[str, QPushButton] = {}
        for label, mode in POSE_BUTTONS:
            button = QPushButton(label)
            button.setCheckable(True)
            button.clicked.connect(lambda _checked=False, m=mode: self.set_pose(m))
            row.addWidget(button)
            self.pose_buttons[mode] = button
        rigged = hasattr(self.character, "set_pose_mode")
        box.setEnabled(rigged)
        return box

    def _overlay_box(self) -> QGroupBox:
        box = QGroupBox("Show")
        row = QHBoxLayout(box)
        self.ruler_check = QCheckBox("height ruler")
        self.ruler_check.setChecked(True)
        self.skeleton_check = QCheckBox("skeleton")
        self.skeleton_check.setEnabled(callable(getattr(self.character, "skeleton", None)))
        for check in (self.ruler_check, self.skeleton_check):
            check.toggled.connect(self._overlays_changed)
            row.addWidget(check)
        return box

    def _clip_box(self) -> QGroupBox:
        box = QGroupBox("Clips")
        row = QHBoxLayout(box)
        self.clip_combo = QComboBox()
        self.clip_combo.addItems(self._clip_names())
        play = QPushButton("Play")
        stop = QPushButton("Stop")
        play.clicked.connect(lambda: self.play_clip(self.clip_combo.currentText()))
        stop.clicked.connect(lambda: self.play_clip(None))
        for widget in (self.clip_combo, play, stop):
            row.addWidget(widget)
        return box

    def _expression_box(self) -> QGroupBox:
        box = QGroupBox("Expressions")
        grid = QGridLayout(box)
        self.expression_sliders: dict[str, QSlider] = {}
        names, seen = [], set()
        for name in getattr(self.character, "expression_names", tuple)():
            if name.lower() not in seen:  # a loader may list the same expression under two spellings
                seen.add(name.lower())
                names.append(name)
        for row, name in enumerate(names):
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(0, 100)
            slider.valueChanged.connect(lambda value, n=name: self.set_expression(n, value / 100.0))
            grid.addWidget(QLabel(name), row, 0)
            grid.addWidget(slider, row, 1)
            self.expression_sliders[name] = slider
        if not names:
            grid.addWidget(QLabel("this model has no expressions"), 0, 0)
        return box

    def _clip_names(self) -> tuple[str, ...]:
        return tuple(getattr(self.character, "clip_names", tuple)())

    # ------------------------------------------------------------------ actions
    def set_pose(self, mode: str) -> None:
        if hasattr(self.character, "set_pose_mode"):
            self.character.set_pose_mode(mode)
        for name, button in getattr(self, "pose_buttons", {}).items():
            button.setChecked(name == mode)
        self.redraw()

    def set_expression(self, name: str, weight: float) -> None:
        if weight > 0.0:
            self.expressions[name] = weight
        else:
            self.expressions.pop(name, None)
        self.redraw()

    def play_clip(self, name: str | None) -> None:
        play = getattr(self.character, "play_clip", None)
        if play is not None:
            play(name or None)

    def _overlays_changed(self) -> None:
        self.overlays = Overlays(ruler=self.ruler_check.isChecked(), skeleton=self.skeleton_check.isChecked())
        self.redraw()

    def orbit(self, d_yaw_deg: float, d_pitch_deg: float) -> None:
        if self._view is not None:
            self._view = self._view.orbited(d_yaw_deg, d_pitch_deg)
            self.redraw()

    def zoom(self, factor: float) -> None:
        if self._view is not None:
            self._view = self._view.zoomed(factor)
            self.redraw()

    def frame_character(self) -> None:
        posed = self.character.pose(self.current_cue())
        low, high = posed_bounds(posed)
        self._view = framing_view(low, high, tile_intrinsics(*VIEW_PX), yaw_deg=20.0)
        self.redraw()

    def current_cue(self) -> CharacterCue:
        return CharacterCue(time_s=time.monotonic() - self._start, expressions=dict(self.expressions))

    # ------------------------------------------------------------------ drawing
    def redraw(self) -> None:
        if self._view is None:
            return
        posed = self.character.pose(self.current_cue())
        image = self._renderer.render(posed, self._view, VIEW_PX, self.overlays)
        self.last_image = image
        rgb = np.ascontiguousarray(image[:, :, ::-1])
        qimage = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0], QImage.Format.Format_RGB888)
        self.viewport.setPixmap(QPixmap.fromImage(qimage.copy()))

    def closeEvent(self, event):  # noqa: N802
        self._timer.stop()
        self._renderer.close()
        super().closeEvent(event)


def run_preview_window(
    character: Character, view_renderer: ViewRenderer, model_path: Path | None = None, pose: str = "idle"
) -> int:
    app = QApplication.instance() or QApplication([])
    window = PreviewWindow(character, view_renderer, model_path, pose)
    window.resize(1100, 820)
    window.show()
    return int(app.exec())
