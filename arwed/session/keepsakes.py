"""Keepsakes of the stage output: snapshots (PNG), recordings (mp4) and a virtual camera for OBS or calls.

Files go into a folder per day, `<root>/<YYYY-MM-DD>/`, named by the time they were made. Nothing here
runs on the render thread beyond handing over a reference: writers have their own threads, and a writer
that falls behind drops frames rather than slowing the show.
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from arwed.errors import UserError
from arwed.session import recovery
from arwed.session.disk_space import MEASURE_INTERVAL_S, RecordingSpace, measure_space
from arwed.sinks import VideoFileSink
from arwed.video_writer import AudioFormat

log = logging.getLogger(__name__)

RECORDING_FPS = 30.0
VOICE_FORMAT = AudioFormat(48000, channels=1)  # a ceremony's voice (session/cue_desk.py) in recordings
QUEUE_FRAMES = 12  # slack for the disk; more would be frames a kill loses (a frame skipped is held instead)
QUEUE_SPAN_S = 0.5  # and at most this much of their time, however slowly frames come
IDLE_S = 0.25  # a recording's last frame is written again after this long without a new one
VIRTUALCAM_HELP = "the virtual camera needs pyvirtualcam: pip install 'arwed[virtualcam]'"


def dated_folder(root: Path, now: dt.datetime | None = None) -> Path:
    return Path(root).expanduser() / (now or dt.datetime.now()).strftime("%Y-%m-%d")


def keepsake_path(root: Path, kind: str, suffix: str, now: dt.datetime | None = None) -> Path:
    """<root>/<date>/<kind>-<HHMMSS>[-n]<suffix>, never overwriting an earlier keepsake."""
    now = now or dt.datetime.now()
    folder = dated_folder(root, now)
    stem = f"{kind}-{now.strftime('%H%M%S')}"
    path = folder / f"{stem}{suffix}"
    number = 2
    while path.exists():
        path = folder / f"{stem}-{number}{suffix}"
        number += 1
    return path


def write_snapshot(image_bgr: np.ndarray, path: Path) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{path.parent}: cannot create the keepsake folder ({exc.strerror})") from None
    if not cv2.imwrite(str(path), image_bgr, [cv2.IMWRITE_PNG_COMPRESSION, 3]):
        raise UserError(f"{path}: the snapshot cannot be written")
    return path


class _FrameWorker:
    """A thread fed the newest frames: it holds at most QUEUE_FRAMES of them and at most QUEUE_SPAN_S of
    their time; older frames that do not fit are dropped (a frame skipped is held instead). Bounding the
    time as well as the count matters when the machine falls behind: twelve frames at 3 frames/s are four
    seconds that a kill would lose."""

    def __init__(self, name: str):
        self._frames: collections.deque[tuple[np.ndarray | None, float]] = collections.deque()
        self._ready = threading.Condition()
        self._stopping = False
        self.dropped = 0
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def offer(self, image: np.ndarray, time_s: float) -> None:
        with self._ready:
            if self._stopping:
                return
            self._frames.append((image, time_s))
            while len(self._frames) > QUEUE_FRAMES or time_s - self._frames[0][1] > QUEUE_SPAN_S:
                self._frames.popleft()
                self.dropped += 1
            self._ready.notify()

    def stop(self, timeout_s: float = 10.0) -> None:
        with self._ready:
            self._stopping = True  # what is queued is still written, then the thread ends
            self._ready.notify()
        self._thread.join(timeout=timeout_s)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def queued(self) -> int:
        """Frames waiting to be written."""
        with self._ready:
            return len(self._frames)

    def _next(self) -> tuple[np.ndarray | None, float] | None:
        """The oldest queued frame; (None, 0) once stopped and empty; None after IDLE_S without one."""
        with self._ready:
            if not self._frames and not self._stopping:
                self._ready.wait(timeout=IDLE_S)
            if self._frames:
                return self._frames.popleft()
            return (None, 0.0) if self._stopping else None

    def _run(self) -> None:
        try:
            while True:
                item = self._next()
                if item is None:
                    self.idle()
                    continue
                image, time_s = item
                if image is None:
                    break
                self.handle(image, time_s)
        except Exception as exc:  # noqa: BLE001 - a writer that fails stops itself and says why
            self.error = str(exc) if isinstance(exc, UserError) else f"{exc.__class__.__name__}: {exc}"
            log.error("%s stopped: %s", self._thread.name, self.error)
        finally:
            self.finish()

    def handle(self, image: np.ndarray, time_s: float) -> None:
        raise NotImplementedError

    def idle(self) -> None:
        """No frame for IDLE_S."""

    def finish(self) -> None:
        pass


class Recorder(_FrameWorker):
    """An mp4 on a RECORDING_FPS clock in real time: a frame stays up (encoded once) or is skipped to match
    the clock, so the video lasts as long as the ceremony did whatever rate the pipeline reached.

    Crash-safe through the one VideoWriter (fragmented MP4, synced every second); a marker beside the file
    says it is under way until it is closed (session/recovery.py). `on_space` is told the disk space left
    about once a second (session/disk_space.py), on this thread."""

    def __init__(
        self,
        path: Path,
        fps: float = RECORDING_FPS,
        on_space: Callable[[RecordingSpace], None] | None = None,
        voice: bool = False,
        start_s: float | None = None,
        marked: bool = True,
        beside: tuple[Path, ...] = (),
        credit: str | None = None,
    ):
        """`voice`: the file gets an audio track for a ceremony's voice (`play_voice`). `start_s`: the
        recording's clock starts then (on the clock of `offer`), so that two recordings made together (the
        stage and the clean camera feed) and the event log share one timeline; default: the first frame.
        `marked`: the unfinished marker is this file's; `beside`: files of the same recording counted in
        the disk space's rate; `credit`: the avatar's credit line drawn on every frame."""
        super().__init__("arwed recording")
        self.voice = voice
        self._marked = marked
        self._beside = tuple(Path(p) for p in beside)
        self._credit = credit
        self.path = path
        self.fps = fps
        self._on_space = on_space
        self._pending: tuple[np.ndarray, int] | None = None  # the frame on show and the frame time it began
        self._space_measured_s = 0.0
        self._sink: VideoFileSink | None = None
        self._start_s: float | None = start_s
        self._written = 0
        self._size: tuple[int, int] | None = None
        self._voices: list[list] = []  # [samples, start on the offer clock, stop or None, placed up to]
        self._voice_lock = threading.Lock()

    @property
    def frames_written(self) -> int:
        return self._written

    def play_voice(self, samples: np.ndarray, at_s: float) -> None:
        """His voice (mono float PCM at VOICE_FORMAT's rate) from `at_s` on the clock of `offer`; any thread."""
        with self._voice_lock:
            self._voices.append([np.asarray(samples, dtype=np.float32), float(at_s), None, 0.0])

    def stop_voice(self, at_s: float) -> None:
        """Every voice playing stops at `at_s` (its cue ended)."""
        with self._voice_lock:
            for voice in self._voices:
                if voice[2] is None:
                    voice[2] = float(at_s)

    def handle(self, image: np.ndarray, time_s: float) -> None:
        size = (image.shape[1], image.shape[0])
        if self._sink is None:
            if self._marked:
                recovery.mark_unfinished(self.path, dt.datetime.now().isoformat(timespec="seconds"))
            audio = VOICE_FORMAT if self.voice else None
            self._sink = VideoFileSink(self.path, self.fps, size, audio=audio, live=True)
            self._size = size
            self._start_s = time_s if self._start_s is None else min(self._start_s, time_s)
        if size != self._size:
            image = cv2.resize(image, self._size, interpolation=cv2.INTER_AREA)
        if self._credit:
            from arwed.characters.permissions import draw_credit_line

            image = image.copy()  # the frame views show is never written to
            draw_credit_line(image, self._credit)
        slot = int((time_s - self._start_s) * self.fps + 1e-6)  # the frame time it appeared in
        if self._pending is None:
            self._pending = (image, self._written)  # the first frame also stands for the time before it
        elif slot > self._pending[1]:
            self._write_pending(until=slot)
            self._pending = (image, slot)
        else:
            self._pending = (image, self._pending[1])  # two in one frame time: the newest is what showed
        if self._on_space is not None and time_s - self._space_measured_s >= MEASURE_INTERVAL_S:
            self._space_measured_s = time_s
            self._on_space(measure_space([Path(self.path), *self._beside], time_s - self._start_s))

    def _write_pending(self, until: int) -> None:
        """The frame on show, from the frame time it appeared in up to `until` (encoded once)."""
        image, slot = self._pending
        if until > slot:
            if self.voice:  # first: the writer encodes the audio half a second behind the frame written,
                # so a frame that stayed up long (a stall) would otherwise leave a hole in his voice
                self._place_voices(until / self.fps)
            self._sink.writer.write(image, slots=until - slot)
            self._written = until

    def idle(self) -> None:
        """The pipeline is slow or stalled: the frame on show is written up to now and stays on show,
        because a frame is written only once the next one comes; so a kill loses at most about IDLE_S."""
        if self._pending is not None:
            now_slot = int((time.monotonic() - self._start_s) * self.fps)  # the clock of `offer`
            if now_slot > self._pending[1]:
                self._write_pending(until=now_slot)
                self._pending = (self._pending[0], now_slot)

    def _place_voices(self, until_s: float) -> None:
        """The voices' samples up to `until_s` of the recording's timeline, each from where it was placed
        to (a microphone's chunk that comes a little late is placed whole: the writer takes audio up to
        half a second behind the picture); what is placed whole is let go."""
        rate = VOICE_FORMAT.rate_hz
        with self._voice_lock:
            voices = list(self._voices)
        for voice in voices:
            samples, at_s, stop_s, placed_s = voice
            begin = at_s - self._start_s
            end = begin + len(samples) / rate
            if stop_s is not None:
                end = min(end, stop_s - self._start_s)
            lo, hi = max(placed_s, begin, 0.0), min(until_s, end)
            first, last = int(round((lo - begin) * rate)), int(round((hi - begin) * rate))
            if last > first:
                self._sink.writer.add_audio(samples[first:last], begin + first / rate)
            voice[3] = max(placed_s, hi)
        with self._voice_lock:
            self._voices = [v for v in self._voices if v[3] < self._end_of(v)]

    def _end_of(self, voice: list) -> float:
        samples, at_s, stop_s, _ = voice
        end = at_s + len(samples) / VOICE_FORMAT.rate_hz
        if stop_s is not None:
            end = min(end, stop_s)
        return end - self._start_s

    def finish(self) -> None:
        if self._sink is not None:
            if self._pending is not None and self.error is None:
                self._write_pending(until=self._pending[1] + 1)
            self._sink.close()
            if self._marked:
                recovery.mark_finished(Path(self.path))


def open_virtual_camera(width: int, height: int, fps: float):
    """A pyvirtualcam.Camera taking BGR frames; UserError with what to do when it cannot be had."""
    try:
        import pyvirtualcam
    except ImportError:
        raise UserError(VIRTUALCAM_HELP) from None
    try:
        return pyvirtualcam.Camera(width, height, fps, fmt=pyvirtualcam.PixelFormat.BGR)
    except Exception as exc:  # noqa: BLE001 - pyvirtualcam raises RuntimeError and friends per backend
        raise UserError(
            "no virtual camera device: on Linux load v4l2loopback "
            "(sudo modprobe v4l2loopback devices=1 exclusive_caps=1), on Windows or macOS install OBS "
            f"and start its virtual camera once ({exc})"
        ) from None


class VirtualCamera(_FrameWorker):
    """Sends the stage output to a virtual camera device that OBS or a video call can pick up."""

    def __init__(self, camera, size_px: tuple[int, int]):
        super().__init__("arwed virtual camera")
        self._camera = camera
        self._size = size_px
        self.device = getattr(camera, "device", "virtual camera")

    def handle(self, image: np.ndarray, time_s: float) -> None:
        if image.ndim == 3 and image.shape[2] == 4:
            image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
        if (image.shape[1], image.shape[0]) != self._size:
            image = cv2.resize(image, self._size, interpolation=cv2.INTER_AREA)
        self._camera.send(np.ascontiguousarray(image))

    def finish(self) -> None:
        try:
            self._camera.close()
        except Exception:  # noqa: BLE001 - closing a device that already went away
            log.debug("virtual camera close failed", exc_info=True)
