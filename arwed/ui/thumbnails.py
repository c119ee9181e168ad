"""The row of small live pictures under the preview, one per output, with where it is shown."""

from __future__ import annotations

import time
from dataclasses import replace

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from arwed.ui.frame_view import FrameView
from arwed.ui.outputs import describe_output

STEREO_CAPTION = " · left | right eye"
THUMBNAIL_INTERVAL_S = 0.25  # a thumbnail needs no more than four pictures a second


class OutputThumbnail(QFrame):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("thumbnail")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        pictures = QHBoxLayout()
        pictures.setSpacing(2)
        self.view = FrameView(self, smooth=False)
        self.view.setFixedSize(QSize(176, 99))
        # her view from side-by-side glasses: one picture per eye (the confidence monitor); hidden else
        self.second_eye = FrameView(self, smooth=False)
        self.second_eye.setFixedSize(QSize(176, 99))
        self.second_eye.setVisible(False)
        pictures.addWidget(self.view)
        pictures.addWidget(self.second_eye)
        self.caption = QLabel("", objectName="thumbCaption")
        layout.addLayout(pictures)
        layout.addWidget(self.caption)

    def show_her_view(self, frame) -> None:
        """An eyes frame: both eyes side by side when it is twice as wide as tall or more, else one."""
        height, width = frame.image.shape[:2]
        stereo = width >= 2.5 * height
        if self.second_eye.isVisible() != stereo:
            self.second_eye.setVisible(stereo)
            base = self.caption.text().removesuffix(STEREO_CAPTION)
            self.caption.setText(base + (STEREO_CAPTION if stereo else ""))
        if not stereo:
            self.view.show_frame(frame)
            return
        half = width // 2
        self.view.show_frame(replace(frame, image=frame.image[:, :half]))
        self.second_eye.show_frame(replace(frame, image=frame.image[:, half:]))


class ThumbnailRow(QWidget):
    """Follows the session's outputs and the output windows' states (`manager`: arwed.ui.outputs)."""

    def __init__(self, session, manager, parent=None):
        super().__init__(parent)
        self.session, self.manager = session, manager
        self.thumbnails: dict[int, OutputThumbnail] = {}
        self._last_shown_s: dict[str, float] = {}
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(8)
        self.no_outputs = QLabel(
            "No outputs yet: add the projector or the glasses under Outputs.", objectName="hint"
        )
        self._row.addWidget(self.no_outputs)
        self._row.addStretch(1)

    def _waiting(self, output_id: int) -> str | None:
        state = self.manager.states.get(output_id)
        return state.waiting_for if state is not None else None

    def show_frame(self, stream: str, frame, display) -> None:
        now = time.monotonic()
        if now - self._last_shown_s.get(stream, 0.0) < THUMBNAIL_INTERVAL_S:
            return
        self._last_shown_s[stream] = now
        outputs = self.session.outputs.current()
        for output_id, thumbnail in self.thumbnails.items():
            output = outputs.get(output_id)
            if output is not None and output.mode.value == stream and self._waiting(output_id) is None:
                if stream == "eyes":
                    thumbnail.show_her_view(frame)
                else:
                    thumbnail.view.show_frame(frame, display)

    def refresh(self) -> None:
        outputs = self.session.outputs.current()
        for output_id in list(self.thumbnails):
            if output_id not in outputs:
                self.thumbnails.pop(output_id).deleteLater()
        for output_id, output in outputs.items():
            thumbnail = self.thumbnails.get(output_id)
            if thumbnail is None:
                thumbnail = self.thumbnails[output_id] = OutputThumbnail()
                self._row.insertWidget(self._row.count() - 1, thumbnail)
            waiting = self._waiting(output_id)
            where = f"{waiting} unplugged" if waiting else (output.screen or "window")
            eyes = STEREO_CAPTION if thumbnail.second_eye.isVisible() else ""
            thumbnail.caption.setText(f"{describe_output(output_id, output)} · {where}{eyes}")
            thumbnail.view.side_by_side = output.side_by_side and output.mode.value == "camera-black"
            thumbnail.view.message = "screen unplugged" if waiting else ""
            if waiting:
                thumbnail.view.show_frame(None)
            thumbnail.view.update()
        self.no_outputs.setVisible(not outputs)
