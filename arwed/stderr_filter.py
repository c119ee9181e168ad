"""Third-party libraries' own log lines kept off the user's terminal, so that an error is one line: arwed's.

MediaPipe (absl: `W0000 00:00:... file.cc:12] ...`, `INFO: Created TensorFlow Lite XNNPACK delegate`),
OpenCV (`[ WARN:0@0.1] global ...`), FFmpeg inside OpenCV (`[h264 @ 0x...] ...`) and libjpeg/libpng
(`Corrupt JPEG data: ...`) write to file descriptor 2 from native code, where Python's logging cannot
reach them and no environment variable silences them all. `install()` puts a pipe in front of fd 2 and a
thread that forwards every line except those; arwed's own lines, Python tracebacks and fatal native
errors (`F0000 ...`) pass. With `arwed -v` nothing is filtered. OpenCV's FFmpeg is also told to be quiet.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import sys
import threading

NOISE = re.compile(
    rb"^(?:[WIE]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [\w./-]+:\d+\]"  # absl / glog (MediaPipe, TFLite)
    rb"|INFO: Created TensorFlow Lite"
    rb"|WARNING: All log messages before absl::InitializeLog"
    rb"|\[ ?(?:WARN|INFO|DEBUG|ERROR):\d+@"  # OpenCV's logger
    rb"|\[[\w .:-]+ @ 0x[0-9a-f]+\]"  # FFmpeg's av_log
    rb"|libpng (?:warning|error):"
    rb"|Corrupt JPEG data|Premature end of JPEG file|Invalid SOS parameters|Unsupported marker type"
    rb"|OpenCV: FFMPEG:|GStreamer warning:|\(python[\d.]*:\d+\): GStreamer"
    rb")"
)

_installed = False
_restore = None  # undoes install(), once


def install() -> None:
    """Filter fd 2 for the rest of this process (the `arwed` command calls it once, first thing)."""
    global _installed, _restore
    if _installed:
        return
    _installed = True
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET for OpenCV's own FFmpeg
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    read_end, write_end = os.pipe()
    terminal = os.dup(2)
    sys.stderr.flush()
    os.dup2(write_end, 2)
    os.close(write_end)
    forwarder = threading.Thread(
        target=_forward, args=(read_end, terminal), name="stderr filter", daemon=True
    )
    forwarder.start()

    def restore() -> None:
        global _restore
        if _restore is None:
            return
        _restore = None
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os.dup2(terminal, 2)  # closes the pipe's last write end: the forwarder drains and stops
        forwarder.join(timeout=2.0)

    _restore = restore
    atexit.register(restore)


def uninstall() -> None:
    """fd 2 back on the terminal, every line forwarded so far written (at exit; also before an os._exit,
    which runs no atexit handler)."""
    if _restore is not None:
        _restore()


def _forward(read_end: int, terminal: int) -> None:
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        try:
            _filter(pipe, terminal)
        except Exception:  # noqa: BLE001 - never leave fd 2 on a pipe nobody reads: the app would freeze
            os.dup2(terminal, 2)
            while chunk := pipe.read(65536):
                _write_all(terminal, chunk)


def _filter(pipe, terminal: int) -> None:
    pending = b""
    while True:
        chunk = pipe.read(65536)
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        kept = b"".join(line + b"\n" for line in lines if not NOISE.match(line))
        if kept:
            _write_all(terminal, kept)
        if len(pending) > 1 << 20:  # a megabyte without a newline: pass it on as it is
            _write_all(terminal, pending)
            pending = b""
    if pending and not NOISE.match(pending):
        _write_all(terminal, pending)


def _write_all(fd: int, data: bytes) -> None:
    with contextlib.suppress(OSError):
        while data:
            data = data[os.write(fd, data) :]
