"""Starting and ending the desktop app: the QApplication, the console window, the outputs, a clean exit."""

from __future__ import annotations

import json
import logging
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QPoint, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from arwed.cpu_meter import CpuSnapshot, cpu_ms_by_thread
from arwed.ui.console_window import ConsoleWindow
from arwed.ui.outputs import ScreenList
from arwed.ui.style import apply_style

log = logging.getLogger("arwed.console")

STATS_FIRST_S = 2
STEADY_AFTER_FRAMES = 30  # the CPU per frame in --stats counts from this many painted frames on
STATS_FIELDS = ("gapSpin", "preview", "fadeSpin")


def _field_stats(window: ConsoleWindow, name: str) -> dict | None:
    """A named widget's place on the screen (global pixels) and the value it shows."""
    widget = window.findChild(QWidget, name)
    if widget is None:
        return None
    top_left = widget.mapToGlobal(QPoint(0, 0))
    value = widget.value() if hasattr(widget, "value") else None
    read_only = widget.isReadOnly() if hasattr(widget, "isReadOnly") else None
    return {
        "rect": [top_left.x(), top_left.y(), widget.width(), widget.height()],
        "value": value,
        "read_only": read_only,
    }


@dataclass
class AppOptions:
    quit_after_s: float | None = None  # quit by itself (checks, screenshots, benchmarks)
    screenshot: Path | None = None  # a picture of the console window, taken just before quitting
    stats: Path | None = None  # JSON: frames per second of the console and each output window
    notices: list[str] = field(
        default_factory=list
    )  # for the log panel once it is up (a broken settings file)


def application() -> QApplication:
    app = QApplication.instance() or QApplication(["arwed"])
    app.setApplicationName("arwed")
    app.setApplicationDisplayName("arwed")
    apply_style(app)
    return app


def screen_names() -> list[str]:
    application()
    return ScreenList().names()


def console_screen_name() -> str | None:
    """The screen the console opens on (the primary one)."""
    application()
    primary = QGuiApplication.primaryScreen()
    return primary.name() if primary is not None else None


def run_console(session, options: AppOptions | None = None) -> int:
    """Show the console over `session` and run until the operator quits; the session is closed after."""
    options = options or AppOptions()
    app = application()
    screens = ScreenList()
    primary = QGuiApplication.primaryScreen()
    window = ConsoleWindow(session, screens, console_screen=primary.name() if primary else None)
    app.installEventFilter(window.dispatcher)
    window.show()
    for output in window.outputs.windows():
        output.raise_()  # an output full screen on the console's own screen goes in front of it
    for notice in options.notices:
        log.warning("%s", notice)
    session.start()
    window.refresh()
    signal.signal(signal.SIGINT, lambda *_: window.close())  # Ctrl+C in the terminal closes cleanly
    keep_python_responsive = QTimer(interval=200)  # lets Python run its signal handlers inside Qt's loop
    keep_python_responsive.timeout.connect(lambda: None)
    keep_python_responsive.start()
    started = time.monotonic()
    finished: list[None] = []  # _finish wrote the stats
    window.cpu_at_start = (time.thread_time(), time.process_time())
    window.steady_cpu = SteadyCpu(window)  # for --stats: where the CPU goes once frames flow
    if options.stats is not None:  # a first copy once the window is up: where its fields are (for tests)
        QTimer.singleShot(
            STATS_FIRST_S * 1000, lambda: _write_stats(window, options, time.monotonic() - started)
        )
        if hasattr(signal, "SIGUSR1"):  # and whenever asked (kill -USR1): the state at that moment
            signal.signal(
                signal.SIGUSR1,
                lambda *_: QTimer.singleShot(
                    0, lambda: _write_stats(window, options, time.monotonic() - started)
                ),
            )
    if options.quit_after_s is not None:
        QTimer.singleShot(
            int(options.quit_after_s * 1000), lambda: finished.append(_finish(window, options, started))
        )
    app.exec()
    app.removeEventFilter(window.dispatcher)
    if options.stats is not None and not finished:  # the operator quit: the figures up to then
        _write_json(options.stats, console_stats(window, time.monotonic() - started))
    clean = window.shut_down()
    if not clean:
        log.error("some threads did not stop in time")
    return 0


def _finish(window: ConsoleWindow, options: AppOptions, started_s: float) -> None:
    stats = console_stats(window, time.monotonic() - started_s)
    if options.screenshot is not None:
        options.screenshot.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(options.screenshot))
        frame = window.preview.frame  # the very frame in the picture: nothing ran in between
        if frame is not None:
            import cv2

            stage_path = options.screenshot.with_name(f"{options.screenshot.stem}-stage.png")
            cv2.imwrite(str(stage_path), frame.image)
            stats["preview_frame"] = {"path": str(stage_path), "media_time_s": frame.media_time_s}
    if options.stats is not None:
        _write_json(options.stats, stats)
    window.close()


class SteadyCpu:
    """The process's CPU per frame the preview painted, thread by thread (arwed.cpu_meter), counted from
    its STEADY_AFTER_FRAMES-th frame on: the start-up (MediaPipe, the character, the first frames)
    left out. Looks once a second whether that frame has come; costs nothing after."""

    def __init__(self, window: ConsoleWindow) -> None:
        self._window = window
        self._from: tuple[CpuSnapshot, int] | None = None
        self._timer = QTimer(window, interval=1000)
        self._timer.timeout.connect(self._look)
        self._timer.start()

    def _look(self) -> None:
        painted = self._window.preview.frames_painted
        if painted >= STEADY_AFTER_FRAMES:
            self._from = (CpuSnapshot.now(), painted)
            self._timer.stop()

    def per_frame(self) -> dict[str, float]:
        if self._from is None:
            return {}
        frames = self._window.preview.frames_painted - self._from[1]
        return cpu_ms_by_thread(self._from[0], CpuSnapshot.now(), frames) if frames > 0 else {}


def _write_stats(window: ConsoleWindow, options: AppOptions, elapsed_s: float) -> None:
    if not window.isVisible():
        return
    _write_json(options.stats, console_stats(window, elapsed_s))


def _write_json(path: Path, stats: dict) -> None:
    """Whole or not at all: a reader polling the file never sees half of it."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(stats, indent=1))
    partial.replace(path)


def console_stats(window: ConsoleWindow, elapsed_s: float) -> dict:
    status = window.session.status()
    preview = window.preview
    drawn = preview.drawn_rect()
    top_left = preview.mapTo(window, drawn.topLeft().toPoint())
    gui_cpu_s = time.thread_time() - window.cpu_at_start[0]
    process_cpu_s = time.process_time() - window.cpu_at_start[1]
    frames = max(window.preview.frames_painted, 1)
    return {
        "gui_thread_cpu_ms_per_frame": round(gui_cpu_s * 1000 / frames, 2),
        "process_cpu_ms_per_frame": round(process_cpu_s * 1000 / frames, 2),  # the start-up included
        "steady_cpu_ms_per_frame": window.steady_cpu.per_frame() if hasattr(window, "steady_cpu") else {},
        "gui_thread_cpu_share": round(gui_cpu_s / max(elapsed_s, 1e-6), 3),
        "preview_rect": [top_left.x(), top_left.y(), round(drawn.width()), round(drawn.height())],
        "elapsed_s": round(elapsed_s, 2),
        "console_painted_fps": round(window.preview.painted_fps(), 2),
        "console_frames_painted": window.preview.frames_painted,
        "on_air": window.on_air.texts,
        "status_bar": {"tracking": window.tracking_label.text(), "head": window.head_label.text()},
        "recording": str(status.recording) if status.recording else None,
        "fade_s": window.session.config.fade_s,
        "quit_question": window.quit_guard.asking,
        "pipeline_stage_fps": round(status.fps, 2),
        "tracking_hz": round(window.session.frames.rate().tracking_hz, 2),  # new tracking on the stage frames
        "paint_ms": preview.paint_ms(),  # the preview's painting, median per new frame
        "latency_ms": round(status.latency_ms, 1) if status.latency_ms is not None else None,
        "tracking": status.tracking,
        "partner_person_bbox_px": list(status.partner_person_bbox_px)
        if status.partner_person_bbox_px
        else None,
        "partner_in_view": status.partner_in_view,
        "renderer": status.renderer,
        "hidden": status.hidden,
        "blackout": status.blackout,
        "locked": status.locked,
        "operator_locked": window.operator_locked,
        "notices": list(window.notice_bar.texts),  # what the notice bar shows (a recovery at the start)
        "keys": {
            "acted": dict(window.dispatcher.acted),
            "repeats_ignored": window.dispatcher.repeats_ignored,
        },
        "focus": focus.objectName() if (focus := window.focusWidget()) is not None else None,
        "fields": {name: _field_stats(window, name) for name in STATS_FIELDS},
        "outputs": [
            {
                "id": w.output_id,
                "mode": w.output.mode.value,
                "side_by_side": w.output.side_by_side,
                "size": [w.width(), w.height()],
                "painted_fps": round(w.view.painted_fps(), 2),
                "frames_painted": w.view.frames_painted,
                "paint_ms": w.view.paint_ms(),
                "screen": w.screen_name,
                "full_screen": w.isFullScreen(),
                "position": [w.x(), w.y()],
                "paints": [[round(t, 4), round(c, 3), round(v, 3), h] for t, c, v, h in w.view.paint_history],
            }
            for w in window.outputs.windows()
        ],
    }
