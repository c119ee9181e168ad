"""The live calibration window: video with the board drawn over it, a coverage map, coverage bars, automatic
capture, Calibrate, the verdict, Save. All logic lives in arwed.calibrate.live; this only wires widgets.

Frames are read and searched in a worker thread and calibration runs in another, so the window never freezes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QFont, QImage, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from arwed.calibrate.calibration import MIN_VIEWS, CalibrationResult, without_outliers
from arwed.calibrate.live import LiveCalibrator, LiveUpdate, coverage_image, draw_overlay
from arwed.calibrate.profile import profile_from_calibration, save_profile
from arwed.calibrate.report import result_text
from arwed.calibrate.verdict import judge
from arwed.errors import UserError

COVERAGE_MAP_WIDTH_PX = 320
_MISSING_FRAMES_BEFORE_END = 40


class _FrameWorker(threading.Thread):
    """Reads frames and feeds the calibrator; the window picks up the latest result."""

    def __init__(
        self,
        calibrator: LiveCalibrator,
        read_frame: Callable[[], np.ndarray | None],
        frame_time: Callable[[], float | None] | None = None,
    ):
        super().__init__(name="calibrate-frames", daemon=True)
        self._calibrator, self._read_frame, self._frame_time = calibrator, read_frame, frame_time
        self._stop_requested = threading.Event()
        self._lock = threading.Lock()
        self._latest: tuple[np.ndarray, LiveUpdate, np.ndarray] | None = None
        self.frames_processed = 0
        self.ended = False
        self.error: str | None = None

    def run(self) -> None:
        missing = 0
        while not self._stop_requested.is_set():
            try:
                frame = self._read_frame()
            except Exception as exc:  # noqa: BLE001 - a broken camera must not take the window down
                self.error, self.ended = f"the camera failed: {exc}", True
                return
            if frame is None:
                missing += 1
                if missing >= _MISSING_FRAMES_BEFORE_END:
                    self.ended = True
                    return
                time.sleep(0.02)
                continue
            missing = 0
            update = self._calibrator.process(frame, now_s=self._frame_time() if self._frame_time else None)
            overlay = draw_overlay(frame, update)
            counts = self._calibrator.coverage.counts.copy()
            with self._lock:
                self._latest = (overlay, update, counts)
            self.frames_processed += 1

    def take_latest(self) -> tuple[np.ndarray, LiveUpdate, np.ndarray] | None:
        with self._lock:
            latest, self._latest = self._latest, None
        return latest

    def stop(self) -> None:
        self._stop_requested.set()


def _wrapping_label(lines: int) -> QLabel:
    """A word-wrapped label with room for `lines` lines (Qt's layouts under-size wrapped labels)."""
    label = QLabel("")
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    label.setMinimumHeight(label.fontMetrics().lineSpacing() * lines + 4)
    return label


def _pixmap(bgr: np.ndarray) -> QPixmap:
    rgb = np.ascontiguousarray(bgr[..., ::-1])
    height, width = rgb.shape[:2]
    image = QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(image.copy())  # copy: the numpy buffer goes away


class CalibrateWindow(QMainWindow):
    def __init__(
        self,
        calibrator: LiveCalibrator,
        read_frame: Callable[[], np.ndarray | None],
        profile_path: Path,
        ros: bool = False,
        poll_ms: int = 30,
        frame_time: Callable[[], float | None] | None = None,
    ):
        super().__init__()
        self.calibrator, self.profile_path, self.ros = calibrator, Path(profile_path), ros
        self.result: CalibrationResult | None = None
        self.last_update: LiveUpdate | None = None
        self._job: Future | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="calibrate")
        self.setWindowTitle(f"arwed - calibrate the camera ({calibrator.board.describe()})")
        self._build()
        self._worker = _FrameWorker(calibrator, read_frame, frame_time)
        self._worker.start()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(poll_ms)

    # -------------------------------------------------------------------------------------------- layout

    def _build(self) -> None:
        self.video = QLabel("Waiting for the camera...")
        self.video.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.video.setMinimumSize(640, 360)
        # Ignored: the scaled pixmap must not push the labels below it out of the window
        self.video.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.video.setStyleSheet("background: #202020; color: #cccccc;")
        self.hint = QLabel("Show the board to the camera.")
        self.hint.setWordWrap(True)
        self.hint.setFont(QFont(self.hint.font().family(), 11))
        self.status = _wrapping_label(lines=2)
        left = QVBoxLayout()
        left.addWidget(self.video, 1)
        left.addWidget(self.hint)
        left.addWidget(self.status)

        self.coverage_map = QLabel()
        self.coverage_map.setFixedWidth(COVERAGE_MAP_WIDTH_PX)
        self.bars: dict[str, QProgressBar] = {}
        right = QVBoxLayout()
        right.addWidget(QLabel("Where corners have been seen:"))
        right.addWidget(self.coverage_map)
        for name in ("Left-right", "Top-bottom", "Distance", "Tilt"):
            bar = QProgressBar()
            bar.setRange(0, 100)
            bar.setFormat(f"{name} %p%")
            self.bars[name] = bar
            right.addWidget(bar)
        self.views_label = QLabel("Views: 0")
        right.addWidget(self.views_label)
        actions = QHBoxLayout()
        self.calibrate_button = self._button("&Calibrate", self._start_calibration, actions)
        self.drop_button = self._button("Drop outliers", self._drop_outliers, actions)
        self.drop_button.setToolTip("Calibrate again without the views whose error stands out")
        right.addLayout(actions)
        self.verdict = _wrapping_label(lines=3)
        right.addWidget(self.verdict)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setFont(QFont("monospace", 8))
        self.details.setMinimumHeight(100)
        right.addWidget(self.details, 1)
        files = QHBoxLayout()
        self.save_button = self._button("&Save", self._save, files)
        self.save_button.setToolTip(f"Write the profile to {self.profile_path}")
        self.reset_button = self._button("Start over", self._start_over, files)
        self.reset_button.setEnabled(True)
        right.addLayout(files)
        profile_label = QLabel(f"Profile: {self.profile_path}")
        profile_label.setWordWrap(True)
        right.addWidget(profile_label)

        root = QHBoxLayout()
        root.addLayout(left, 1)
        side = QWidget()
        side.setLayout(right)
        side.setFixedWidth(COVERAGE_MAP_WIDTH_PX + 24)
        root.addWidget(side)
        central = QWidget()
        central.setLayout(root)
        self.setCentralWidget(central)
        self._show_coverage(np.zeros((9, 16), np.int32), None)

    @staticmethod
    def _button(text: str, handler, layout: QVBoxLayout | QHBoxLayout) -> QPushButton:
        button = QPushButton(text)
        button.setEnabled(False)
        button.clicked.connect(handler)
        layout.addWidget(button)
        return button

    # -------------------------------------------------------------------------------------------- updates

    def _tick(self) -> None:
        latest = self._worker.take_latest()
        if latest is not None:
            overlay, update, counts = latest
            self._show_frame(overlay)
            self._show_update(update)
            self._show_coverage(counts, update.detection)
        elif self._worker.ended and self.last_update is None:
            self.video.setText(self._worker.error or "No frames: the camera or video gave nothing.")
        elif self._worker.ended:
            self.hint.setText(self._worker.error or "The video has ended: calibrate with the views kept.")
            # nothing more will come: calibrate with what was kept, the verdict says how far to trust it
            enough = self.calibrator.view_count >= MIN_VIEWS
            self.calibrate_button.setEnabled(enough and self._job is None)
        self._check_job()

    def _show_frame(self, overlay: np.ndarray) -> None:
        pixmap = _pixmap(overlay)
        self.video.setPixmap(
            pixmap.scaled(
                self.video.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def _show_update(self, update: LiveUpdate) -> None:
        self.last_update = update
        for name, value in update.bars.items():
            self.bars[name].setValue(int(round(value * 100)))
        self.views_label.setText(
            f"Views: {update.view_count}" + ("  - enough to calibrate" if update.ready else "")
        )
        self.hint.setText(update.hint)
        self.calibrate_button.setEnabled(update.ready and self._job is None)

    def _show_coverage(self, counts: np.ndarray, detection) -> None:
        self.coverage_map.setPixmap(_pixmap(coverage_image(counts, COVERAGE_MAP_WIDTH_PX, detection)))

    # -------------------------------------------------------------------------------------------- actions

    def _start_calibration(self) -> None:
        self._run_job(self.calibrator.calibrate, "Calibrating...")

    def _drop_outliers(self) -> None:
        if self.result is not None:
            self._run_job(lambda: without_outliers(self.result), "Calibrating again without the outliers...")

    def _run_job(self, job, message: str) -> None:
        if self._job is not None:
            return
        self.status.setText(message)
        for button in (self.calibrate_button, self.drop_button, self.save_button):
            button.setEnabled(False)
        self._job = self._executor.submit(job)

    def _check_job(self) -> None:
        if self._job is None or not self._job.done():
            return
        job, self._job = self._job, None
        try:
            self.result = job.result()
        except UserError as exc:
            self.status.setText(f"Calibration failed: {exc}")
            return
        except Exception as exc:  # noqa: BLE001 - report it in the window, keep the window alive
            self.status.setText(f"Calibration failed: {exc.__class__.__name__}: {exc}")
            return
        self._show_result(self.result)

    def _show_result(self, result: CalibrationResult) -> None:
        verdict = judge(result)
        colour = "#1b7f2a" if verdict.trusted else "#b35900"
        self.verdict.setText(f"<b style='color:{colour}'>{verdict.headline}</b>")
        self.details.setPlainText(result_text(result) + "\n\n" + verdict.text())
        self.status.setText("Save the profile, or capture more views and calibrate again.")
        self.save_button.setEnabled(True)
        self.drop_button.setEnabled(bool(result.outlier_views))
        self.calibrate_button.setEnabled(bool(self.last_update and self.last_update.ready))

    def _save(self) -> None:
        if self.result is None:
            return
        try:
            written = save_profile(profile_from_calibration(self.result, self.profile_path), ros=self.ros)
        except UserError as exc:
            self.status.setText(f"Not saved: {exc}")
            return
        self.status.setText(
            "Saved "
            + " and ".join(str(p) for p in written)
            + ". Measure the floor next: arwed calibrate floor --image ..."
        )

    def _start_over(self) -> None:
        self.calibrator.reset()
        self.result = None
        self.verdict.setText("")
        self.details.setPlainText("")
        self.save_button.setEnabled(False)
        self.drop_button.setEnabled(False)
        self.status.setText("Started over: no views kept.")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self._timer.stop()
        self._worker.stop()
        self._worker.join(timeout=2.0)
        self._executor.shutdown(wait=False, cancel_futures=True)
        super().closeEvent(event)


def run_calibrate_window(calibrator: LiveCalibrator, source, profile_path: Path, ros: bool = False) -> int:
    """Open the window on a frame source (with `read()`), until the operator closes it."""
    app = QApplication.instance() or QApplication([])
    window = CalibrateWindow(
        calibrator, source.read, profile_path, ros=ros, frame_time=getattr(source, "frame_time_s", None)
    )
    window.resize(1280, 760)
    window.show()
    app.exec()
    return 0
