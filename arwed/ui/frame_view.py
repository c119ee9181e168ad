"""A widget that paints the newest composited frame, scaled to fit, with optional stereo and blackout.

Converting a frame costs nothing: the QImage wraps the numpy array the session published (which is
never written to again). Painting is the only per-frame work on the GUI thread.
"""

from __future__ import annotations

import time
from collections import deque

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from arwed.session.stereo import disparity_px, eye_offsets_px

RATE_WINDOW_S = 2.0


def qimage_for(image) -> QImage:
    """A QImage over a BGR (or BGRA) uint8 array, without copying; the array must outlive the QImage."""
    height, width = image.shape[:2]
    if image.ndim == 3 and image.shape[2] == 4:
        return QImage(image.data, width, height, image.strides[0], QImage.Format.Format_ARGB32)
    return QImage(image.data, width, height, image.strides[0], QImage.Format.Format_BGR888)


def fit_rect(image_w: int, image_h: int, area: QRectF) -> QRectF:
    """The largest rectangle of the image's aspect ratio centred in `area`."""
    scale = min(area.width() / max(image_w, 1), area.height() / max(image_h, 1))
    width, height = image_w * scale, image_h * scale
    return QRectF(area.x() + (area.width() - width) / 2, area.y() + (area.height() - height) / 2, width, height)


class FrameView(QWidget):
    """Shows TapFrames. `side_by_side` draws the frame once per eye (left | right) with the stereo shift."""

    def __init__(self, parent=None, smooth: bool = True):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.smooth = smooth
        self.side_by_side = False
        self.eye_distance_m = 0.063
        self.black = False  # blackout: paint nothing but black
        self.dimmed_label = ""  # e.g. "BLACKOUT" over a dimmed picture (the console's own preview)
        self.badge = ""  # a small note in a corner, e.g. "Character hidden"
        self.message = ""  # shown when there is no frame
        self._frame = None
        self._image: QImage | None = None
        self._painted: deque[float] = deque()
        self._new_frame = False
        self.frames_painted = 0  # distinct frames painted (repaints of the same frame do not count)

    @property
    def frame(self):
        return self._frame

    def show_frame(self, frame) -> None:
        if frame is self._frame:
            return
        self._frame = frame
        self._image = qimage_for(frame.image) if frame is not None else None
        self._new_frame = frame is not None
        self.update()

    def painted_fps(self) -> float:
        now = time.monotonic()
        while self._painted and self._painted[0] < now - RATE_WINDOW_S:
            self._painted.popleft()
        if len(self._painted) < 2:
            return 0.0
        return (len(self._painted) - 1) / max(self._painted[-1] - self._painted[0], 1e-6)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        if self.black:
            painter.end()
            return
        if self._image is None:
            self._draw_message(painter, self.message)
            painter.end()
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.smooth)
        if self.side_by_side:
            self._draw_stereo(painter)
        else:
            painter.drawImage(fit_rect(self._image.width(), self._image.height(), QRectF(self.rect())), self._image)
        if self.dimmed_label:
            painter.fillRect(self.rect(), QColor(0, 0, 0, 170))
            self._draw_message(painter, self.dimmed_label, size=28)
        if self.badge:
            self._draw_badge(painter, self.badge)
        painter.end()
        self._count_paint()

    def _count_paint(self) -> None:
        if not self._new_frame:
            return
        self._new_frame = False
        self.frames_painted += 1
        self._painted.append(time.monotonic())

    def _draw_stereo(self, painter: QPainter) -> None:
        frame, image = self._frame, self._image
        half_w = self.width() / 2.0
        disparity = disparity_px(frame.fx_px, self.eye_distance_m, frame.character_depth_m)
        for eye, shift in enumerate(eye_offsets_px(disparity)):
            area = QRectF(eye * half_w, 0.0, half_w, float(self.height()))
            target = fit_rect(image.width(), image.height(), area)
            scale = target.width() / image.width()
            painter.save()
            painter.setClipRect(area)
            painter.drawImage(target.translated(shift * scale, 0.0), image)
            painter.restore()

    def _draw_message(self, painter: QPainter, text: str, size: int = 15) -> None:
        if not text:
            return
        font = QFont(self.font())
        font.setPointSize(size)
        painter.setFont(font)
        painter.setPen(QColor("#cfd8dc"))
        margin = self.rect().adjusted(24, 24, -24, -24)
        painter.drawText(margin, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)

    def _draw_badge(self, painter: QPainter, text: str) -> None:
        font = QFont(self.font())
        font.setPointSize(12)
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        box = QRectF(12, 12, metrics.horizontalAdvance(text) + 24, metrics.height() + 12)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 171, 64, 230))
        painter.drawRoundedRect(box, 6, 6)
        painter.setPen(QColor("#1b1b1b"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
