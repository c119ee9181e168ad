"""The on-air lights over the console's preview (arwed.session.on_air says which): a row of pills in its
top-left corner, REC's elapsed time ticking once a second. Only the console's own preview has them; an
output window's view never gets an overlay, so the guests and the recordings never see them."""

from __future__ import annotations

import time

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter

from arwed.session.on_air import Indicator, Tone, indicators

TONE_COLOURS = {  # (background, text)
    Tone.ALERT: (QColor(229, 57, 53, 235), QColor("#ffffff")),
    Tone.WARNING: (QColor(255, 171, 64, 235), QColor("#1b1b1b")),
    Tone.STATE: (QColor(66, 165, 245, 235), QColor("#0d1b2a")),
    Tone.GOOD: (QColor(102, 187, 106, 235), QColor("#0b1f0c")),
}


class OnAirOverlay:
    """Holds the preview's lights; `show(...)` sets them, `paint(painter)` is the preview's overlay."""

    def __init__(self, view) -> None:
        self.view = view
        self.lights: tuple[Indicator, ...] = ()
        self._state: dict = {}
        self._tick = QTimer(view, interval=1000)  # REC's elapsed time, while recording
        self._tick.timeout.connect(self._refresh)
        view.overlay = self.paint

    @property
    def texts(self) -> list[str]:
        return [light.text for light in self.lights]

    def show(self, status, operator_lock_keys: str | None) -> None:
        self._state = {
            "recording_started_s": status.recording_started_s,
            "blackout": status.blackout,
            "hidden": status.hidden,
            "partner_out_of_frame": bool(status.partner_out_of_frame and status.running),
            "head_tracking": status.head_tracking,
            "spot_locked": status.locked,
            "operator_lock_keys": operator_lock_keys,
        }
        if status.recording_started_s is not None and not self._tick.isActive():
            self._tick.start()
        elif status.recording_started_s is None:
            self._tick.stop()
        self._refresh()

    def _refresh(self) -> None:
        state = dict(self._state)
        started = state.pop("recording_started_s", None)
        if not state:
            return
        recording_s = time.monotonic() - started if started is not None else None
        lights = indicators(recording_s=recording_s, **state)
        if lights != self.lights:
            self.lights = lights
            self.view.update()

    def paint(self, painter: QPainter) -> None:
        font = QFont(self.view.font())
        font.setPointSize(12)
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        x, y = 12.0, 12.0
        for light in self.lights:
            width = metrics.horizontalAdvance(light.text) + 24
            if x + width > self.view.width() - 12 and x > 12.0:  # next row
                x, y = 12.0, y + metrics.height() + 20
            box = QRectF(x, y, width, metrics.height() + 12)
            background, text = TONE_COLOURS[light.tone]
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(background)
            painter.drawRoundedRect(box, 6, 6)
            painter.setPen(text)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, light.text)
            x += width + 8
