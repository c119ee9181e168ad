"""A widget that paints the newest composited frame, scaled to fit, with optional stereo and an overlay.

Per frame, the GUI thread converts each stream's newest frame once (DisplayImage) and paints it.
"""

from __future__ import annotations

import math
import time
from collections import deque

import cv2
from PySide6.QtCore import QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QRegion
from PySide6.QtWidgets import QSizePolicy, QWidget

from arwed.session.stereo import disparity_px, eye_offsets_px

RATE_WINDOW_S = 2.0
PAINT_TIMES_KEPT = 300  # new frames whose painting time is kept for the median
PAINT_HISTORY = 900


class DisplayImage:
    """A frame converted once for painting, shared by every view that shows it.

    Qt scales 32-bit images three times faster than 24-bit ones (36 ms against 12 ms for a smooth
    1280x720 to 1920x1080 on this project's 2-core test machine), so frames become BGRA once (1 ms)."""

    def __init__(self, frame):
        image = frame.image
        self.frame = frame
        self.buffer = cv2.cvtColor(image, cv2.COLOR_BGR2BGRA) if image.shape[2] == 3 else image
        height, width = self.buffer.shape[:2]
        self.qimage = QImage(
            self.buffer.data, width, height, self.buffer.strides[0], QImage.Format.Format_RGB32
        )


def fit_rect(image_w: int, image_h: int, area: QRectF) -> QRectF:
    """The largest rectangle of the image's aspect ratio centred in `area`."""
    scale = min(area.width() / max(image_w, 1), area.height() / max(image_h, 1))
    width, height = image_w * scale, image_h * scale
    return QRectF(
        area.x() + (area.width() - width) / 2, area.y() + (area.height() - height) / 2, width, height
    )


class FrameView(QWidget):
    """Shows TapFrames. `side_by_side` draws the frame once per eye (left | right) with the stereo shift.

    A left click on the picture (single view) emits `frame_clicked` with the frame pixel under it."""

    frame_clicked = Signal(float, float)

    def __init__(self, parent=None, smooth: bool = True):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.smooth = smooth
        self.side_by_side = False
        self.eye_distance_m = 0.063
        self.dimmed_label = ""  # e.g. "BLACKOUT" over a dimmed picture (the console's own preview)
        self.overlay = None  # paints over the picture (the console's on-air indicators): f(painter)
        self.message = ""  # shown when there is no frame
        self._frame = None
        self._display: DisplayImage | None = None
        self._image: QImage | None = None
        self._painted: deque[float] = deque()
        self._paint_ms: deque[float] = deque(maxlen=PAINT_TIMES_KEPT)
        self._new_frame = False
        # where the last paint drew other than black (a picture on black), in widget pixels; None: anywhere
        self._painted_area: QRect | None = None
        self.frames_painted = 0  # distinct frames painted (repaints of the same frame do not count)
        # (time.monotonic(), curtain, visibility, has_character) of each painted frame that showed a change
        # from the one before: when a key's effect reached the screen, for --stats (latency, the fades)
        self.paint_history: deque[tuple[float, float, float, bool]] = deque(maxlen=PAINT_HISTORY)

    @property
    def frame(self):
        return self._frame

    def show_frame(self, frame, display: DisplayImage | None = None) -> None:
        """Show a TapFrame (None: nothing); `display` is its converted image when the caller has one."""
        if frame is self._frame:
            return
        if frame is not None and (display is None or display.frame is not frame):
            display = DisplayImage(frame)
        self._frame = frame
        self._display = display  # keeps the pixels alive as long as the QImage over them
        self._image = display.qimage if display is not None else None
        self._new_frame = frame is not None
        on_screen, now = self._painted_area, self._content_area_now()
        if on_screen is None or now is None:
            self.update()
            return
        # a picture on black after one: only where either is not black changes on the screen (a glasses
        # output is a character on a 3840x1080 black screen: Qt fills and hands X a few percent of it)
        changed = on_screen.united(now)
        self.update(changed if not changed.isEmpty() else QRect(0, 0, 1, 1))  # painted (and counted)

    def _content_area_now(self) -> QRect | None:
        """Where the frame shown is drawn other than black (both eyes in stereo), a little wider for the
        smooth scaling's reach; None when it is not a picture on black (the whole view changes)."""
        content = getattr(self._frame, "content_px", None)
        if self._image is None or content is None:
            return None
        x0, y0, x1, y1 = content
        area = QRect()
        for eye_area, target in self._targets():
            scale = target.width() / self._image.width()
            drawn = QRectF(
                target.x() + x0 * scale, target.y() + y0 * scale, (x1 - x0) * scale, (y1 - y0) * scale
            )
            if drawn.width() > 0 and drawn.height() > 0:
                area = area.united(drawn.intersected(eye_area).toAlignedRect().adjusted(-2, -2, 2, 2))
        return area

    def _targets(self) -> list[tuple[QRectF, QRectF]]:
        """(area, where the frame goes in it) for the single view, or for each eye in stereo."""
        image, whole = self._image, QRectF(self.rect())
        if not self.side_by_side:
            return [(whole, fit_rect(image.width(), image.height(), whole))]
        half_w = self.width() / 2.0
        disparity = disparity_px(self._frame.fx_px, self.eye_distance_m, self._frame.character_depth_m)
        targets = []
        for eye, shift in enumerate(eye_offsets_px(disparity)):
            area = QRectF(eye * half_w, 0.0, half_w, float(self.height()))
            target = fit_rect(image.width(), image.height(), area)
            targets.append((area, target.translated(shift * target.width() / image.width(), 0.0)))
        return targets

    def drawn_rect(self) -> QRectF:
        """Where the frame is drawn inside the widget (single view)."""
        if self._image is None:
            return QRectF(self.rect())
        return fit_rect(self._image.width(), self._image.height(), QRectF(self.rect()))

    def frame_point(self, x: float, y: float) -> tuple[float, float] | None:
        """The frame pixel under a widget point, or None (outside the picture, stereo, or nothing shown)."""
        if self._image is None or self.side_by_side:
            return None
        drawn = self.drawn_rect()
        if not drawn.contains(x, y) or drawn.width() <= 0:
            return None
        scale = self._image.width() / drawn.width()
        return (x - drawn.x()) * scale, (y - drawn.y()) * scale

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton:
            point = self.frame_point(event.position().x(), event.position().y())
            if point is not None:
                self.frame_clicked.emit(*point)
        super().mousePressEvent(event)

    def painted_fps(self) -> float:
        now = time.monotonic()
        while self._painted and self._painted[0] < now - RATE_WINDOW_S:
            self._painted.popleft()
        if len(self._painted) < 2:
            return 0.0
        return (len(self._painted) - 1) / max(self._painted[-1] - self._painted[0], 1e-6)

    def paint_ms(self) -> float | None:
        """The median time the GUI thread spent painting a new frame, over the last ones (None: none yet)."""
        times = sorted(self._paint_ms)
        return round(times[len(times) // 2], 2) if times else None

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        started = time.perf_counter()
        painter = QPainter(self)
        self._fill_black(painter)
        if self._image is None:
            self._draw_message(painter, self.message)
            if self.overlay is not None:
                self.overlay(painter)
            painter.end()
            self._painted_area = None
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.smooth)
        if self.side_by_side:
            self._draw_stereo(painter)
        else:
            self._draw_image(
                painter, fit_rect(self._image.width(), self._image.height(), QRectF(self.rect()))
            )
        if self.dimmed_label:
            painter.fillRect(self.rect(), QColor(0, 0, 0, 170))
            self._draw_message(painter, self.dimmed_label, size=28)
        if self.overlay is not None:
            self.overlay(painter)
        painter.end()
        self._painted_area = self._content_area_now() if not self.dimmed_label else None
        self._count_paint(started)

    def _fill_black(self, painter: QPainter) -> None:
        """Black wherever the frame will not cover every pixel: everywhere for a picture on black or in
        stereo, else only the bars beside a whole frame (a projector's frame fills its screen: nothing)."""
        whole = self._image is not None and not self.side_by_side
        if not whole or getattr(self._frame, "content_px", None) is not None:
            painter.fillRect(self.rect(), Qt.GlobalColor.black)
            return
        target = fit_rect(self._image.width(), self._image.height(), QRectF(self.rect()))
        left, top = math.ceil(target.left()), math.ceil(target.top())  # pixels it covers in full
        covered = QRect(left, top, math.floor(target.right()) - left, math.floor(target.bottom()) - top)
        for rect in QRegion(self.rect()).subtracted(QRegion(covered)):
            painter.fillRect(rect, Qt.GlobalColor.black)

    def _draw_image(self, painter: QPainter, target: QRectF) -> None:
        """The frame into `target`; a picture on black (TapFrame.content_px) only where it is not black,
        on the black already painted: the same picture for a fraction of the scaling."""
        content = getattr(self._frame, "content_px", None)
        if content is None:
            painter.drawImage(target, self._image)
            return
        x0, y0, x1, y1 = content
        if x1 <= x0 or y1 <= y0:
            return  # all black
        scale = target.width() / self._image.width()
        source = QRectF(x0, y0, x1 - x0, y1 - y0)
        painter.drawImage(
            QRectF(
                target.x() + x0 * scale,
                target.y() + y0 * scale,
                source.width() * scale,
                source.height() * scale,
            ),
            self._image,
            source,
        )

    def _count_paint(self, started_s: float) -> None:
        if not self._new_frame:
            return
        self._new_frame = False
        self.frames_painted += 1
        now = time.monotonic()
        self._painted.append(now)
        self._paint_ms.append((time.perf_counter() - started_s) * 1000.0)
        frame = self._frame
        shown = (frame.curtain, frame.visibility, frame.has_character)
        if not self.paint_history or self.paint_history[-1][1:] != shown:  # only what changed
            self.paint_history.append((now, *shown))

    def _draw_stereo(self, painter: QPainter) -> None:
        for area, target in self._targets():
            painter.save()
            painter.setClipRect(area)
            self._draw_image(painter, target)
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
