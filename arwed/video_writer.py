"""The one video writer: crash-safe files with an optional audio track, every write checked.

Every video arwed makes goes through `VideoWriter`: `arwed render --out x.mp4`, the console's recordings
and the ceremony's rehearsals. The day happens once, so a keepsake must survive what can happen to it:

- **SIGKILL, a crash or a power cut** leaves a file that plays up to the last ~2 s. MP4/MOV are written
  as fragmented MP4 (an empty `moov`, then a self-contained `moof`+`mdat` fragment per second, each starting
  on a key frame) and MKV as Matroska clusters of a second, so there is no index at the end to lose. Every
  byte goes through a checked file object that hands the data to the kernel at once (no buffer in this
  process) and `fdatasync`s it at least every `SYNC_INTERVAL_S`, so the page cache is on the disk too.
- **A full disk or a failing write** raises `VideoWriteError` (a UserError: one line, exit 2 on the
  command line) naming the file and the frames written so far; those frames still play. After an error
  the writer takes nothing more and `close()` only releases what it holds.

Encoding is PyAV (FFmpeg's libraries, in its wheel): H.264 (libx264, `veryfast`, no B-frames, a key frame
every second) in MP4/MOV/MKV, Motion JPEG in AVI; audio is AAC (PCM in AVI).

API
---
    writer = VideoWriter(path, fps=30.0, size_px=(1280, 720), audio=AudioFormat(48000, channels=1))
    writer.write(image_bgr)                 # one frame at `frames_written / fps`; BGR or BGRA uint8
    writer.add_audio(samples, time_s=12.5)  # PCM placed at 12.5 s on the video's timeline (0 = first frame)
    writer.close()                          # finishes the file (idempotent); also a context manager

- Frames are constant-rate: frame n is shown at n / fps. A frame of another size is scaled to the first
  frame's size (odd sizes are padded to even by repeating the last row or column: H.264 needs even sizes).
- `add_audio(samples, time_s)`: `samples` is float (-1..1) or int16 PCM, shape (n,) or (n, channels), at
  the writer's sample rate. Chunks may arrive in any order and ahead of time (a ceremony's vows placed at
  their cues); where they overlap they are mixed (summed, then clipped); where there is none the track is
  silent. Audio is encoded `audio.latency_s` behind the newest video frame, so a microphone's chunks that
  arrive up to that late are still in sync; whatever falls before that horizon is dropped and counted in
  `audio_late_s`. `close()` writes all placed audio, also any that runs past the last frame.
- `frames_written`, `duration_s`, `path` say what the file holds.
"""

from __future__ import annotations

import errno
import logging
import os
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from arwed.errors import UserError

log = logging.getLogger(__name__)

SYNC_INTERVAL_S = 1.0  # fdatasync at least this often: a power cut loses at most this plus a fragment
KEYFRAME_INTERVAL_S = 1.0  # one fragment (MP4) or cluster (MKV) per key frame
VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi")
_CONTAINERS = {".mp4": "mp4", ".mov": "mov", ".mkv": "matroska", ".avi": "avi"}
_FRAGMENTED_MP4 = "frag_keyframe+empty_moov+default_base_moof"


class VideoWriteError(UserError):
    """The video cannot be written (full disk, read-only, gone); what was written before still plays."""


@dataclass(frozen=True)
class AudioFormat:
    """The audio track: PCM at `rate_hz` with `channels` (1 or 2), encoded `latency_s` behind the video."""

    rate_hz: int = 48000
    channels: int = 1
    latency_s: float = 0.5

    def __post_init__(self) -> None:
        if not 8000 <= self.rate_hz <= 192000:
            raise ValueError(f"audio rate {self.rate_hz} Hz is outside 8000..192000")
        if self.channels not in (1, 2):
            raise ValueError("audio has 1 or 2 channels")
        if not 0.0 <= self.latency_s <= 10.0:
            raise ValueError("audio latency must be within 0..10 s")


class _CheckedFile:
    """A write-only binary file for FFmpeg's muxer: every write reaches the kernel or raises, with syncs."""

    def __init__(self, path: Path):
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o644)
        _sync_folder(path.parent)  # the new name itself survives a power cut
        self._position = 0
        self._size = 0
        self._last_sync = time.monotonic()
        self.error: OSError | None = None

    def write(self, data) -> int:
        if self.error is not None:
            raise self.error
        view = memoryview(data).cast("B")
        done = 0
        try:
            while done < len(view):
                written = os.pwrite(self._fd, view[done:], self._position + done)
                if written <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                done += written
        except OSError as exc:
            self.error = exc
            raise
        self._position += done
        self._size = max(self._size, self._position)
        if time.monotonic() - self._last_sync >= SYNC_INTERVAL_S:
            self.sync()
        return done

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._size}[whence]
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass  # nothing is buffered here

    def sync(self) -> None:
        self._last_sync = time.monotonic()
        try:
            os.fdatasync(self._fd)
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.EROFS):  # files that cannot be synced (pipes, some FUSE)
                self.error = exc
                raise

    def close(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)


def _trim_to_whole_fragments(path: Path) -> None:
    """Cut a fragmented MP4 after its last whole box, so that a write that failed midway leaves no torn
    fragment for a player to stumble on (and gives the space back)."""
    try:
        with open(path, "r+b") as file:
            size = os.fstat(file.fileno()).st_size
            offset, whole_end, fragment_start = 0, 0, None
            while offset + 8 <= size:
                file.seek(offset)
                header = file.read(16)
                length, kind = int.from_bytes(header[:4], "big"), header[4:8]
                if length == 1 and len(header) == 16:
                    length = int.from_bytes(header[8:16], "big")
                if length < 8 or offset + length > size:
                    break
                if kind == b"moof":
                    fragment_start = offset
                elif kind != b"mdat" or fragment_start is not None:
                    whole_end, fragment_start = offset + length, None
                offset += length
            if whole_end < size:
                file.truncate(whole_end)
    except OSError:
        log.debug("could not trim %s", path, exc_info=True)


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder if str(folder) else ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the data syncs still hold
    finally:
        os.close(fd)


class _AudioTimeline:
    """Placed PCM chunks, mixed and handed out in order, sample by sample."""

    def __init__(self, audio: AudioFormat):
        self.format = audio
        self._chunks: list[tuple[int, np.ndarray]] = []  # (first sample, float32 (n, channels))
        self.committed = 0  # samples before this have been handed out
        self.late_samples = 0

    def add(self, samples: np.ndarray, time_s: float) -> None:
        data = _as_float_pcm(samples, self.format.channels)
        start = round(time_s * self.format.rate_hz)
        if start < self.committed:
            late = min(self.committed - start, len(data))
            self.late_samples += late
            data, start = data[late:], start + late
        if len(data):
            self._chunks.append((start, data))

    @property
    def end(self) -> int:
        return max((start + len(data) for start, data in self._chunks), default=self.committed)

    def take_until(self, sample: int) -> np.ndarray | None:
        """The mixed samples [committed, sample), silence where nothing was placed; None if empty."""
        if sample <= self.committed:
            return None
        block = np.zeros((sample - self.committed, self.format.channels), np.float32)
        kept = []
        for start, data in self._chunks:
            lo, hi = max(start, self.committed), min(start + len(data), sample)
            if lo < hi:
                block[lo - self.committed : hi - self.committed] += data[lo - start : hi - start]
            if start + len(data) > sample:
                kept.append((start, data))
        self._chunks = kept
        self.committed = sample
        return np.clip(block, -1.0, 1.0, out=block)


def _as_float_pcm(samples: np.ndarray, channels: int) -> np.ndarray:
    data = np.asarray(samples)
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2 or data.shape[1] not in (1, channels):
        raise ValueError(f"audio samples must have shape (n,) or (n, {channels}), not {data.shape}")
    if data.dtype == np.int16:
        data = data.astype(np.float32) / 32768.0
    elif np.issubdtype(data.dtype, np.floating):
        data = np.nan_to_num(data.astype(np.float32), nan=0.0, posinf=1.0, neginf=-1.0)
    else:
        raise ValueError(f"audio samples must be float or int16, not {data.dtype}")
    if data.shape[1] != channels:
        data = np.repeat(data, channels, axis=1)
    return data


class VideoWriter:
    """A crash-safe video file with an optional audio track; see the module docstring for the contract."""

    def __init__(
        self,
        path: str | Path,
        fps: float,
        size_px: tuple[int, int],
        audio: AudioFormat | None = None,
        live: bool = False,
    ):
        """`live`: a recording made as it happens (the console's): MP4/MOV get a fragment per frame, so a
        kill loses only the frames still in the encoder, not up to a second of them."""
        import av  # FFmpeg: loaded only when a video is written

        self.path = str(path)
        self._path = Path(path)
        suffix = self._path.suffix.lower()
        if suffix not in _CONTAINERS:
            raise UserError(f"{self.path}: not a video name; use one of {', '.join(VIDEO_SUFFIXES)}")
        if not (np.isfinite(fps) and 1.0 <= fps <= 240.0):
            raise UserError(f"{self.path}: a frame rate of {fps} is outside 1..240 frames/s")
        width, height = int(size_px[0]), int(size_px[1])
        if not (2 <= width <= 8192 and 2 <= height <= 8192):
            raise UserError(f"{self.path}: a {width}x{height} video is not possible (2..8192 px a side)")
        self.fps = float(fps)
        self.size_px = (width, height)
        self._coded_size = (width + width % 2, height + height % 2)
        self.frames_written = 0
        self._last_key = 0
        self._held = None  # the last frame while it is shown for more than one slot
        self._closed = False
        self._failed: VideoWriteError | None = None
        try:
            self._file = _CheckedFile(self._path)
        except OSError as exc:
            raise VideoWriteError(f"{self.path}: cannot be written ({exc.strerror or exc})") from None
        rate = Fraction(self.fps).limit_denominator(1001)
        options = {"flush_packets": "1", "max_interleave_delta": "0"}
        if suffix in (".mp4", ".mov"):
            options["movflags"] = _FRAGMENTED_MP4
            if live:  # a fragment per frame time (frag_every_frame misplaces frames shown for several
                # frame times once an audio track is interleaved: each took the next one's start)
                options["frag_duration"] = str(max(1, int(1e6 / self.fps)))
        elif suffix == ".mkv":
            options["cluster_time_limit"] = str(int(KEYFRAME_INTERVAL_S * 1000))
        try:
            self._container = av.open(self._file, mode="w", format=_CONTAINERS[suffix], options=options)
            self._video = self._add_video_stream(suffix, rate)
            self._audio = self._add_audio_stream(suffix, audio) if audio is not None else None
        except av.FFmpegError as exc:
            self._file.close()
            raise VideoWriteError(f"{self.path}: FFmpeg cannot make this video ({exc})") from None
        self._timeline = _AudioTimeline(audio) if audio is not None else None
        self._av = av

    def _add_video_stream(self, suffix: str, rate: Fraction):
        if suffix == ".avi":
            stream = self._container.add_stream("mjpeg", rate=rate)
            stream.pix_fmt = "yuvj420p"
            stream.options = {"q:v": "3"}
        else:
            stream = self._container.add_stream("libx264", rate=rate)
            stream.pix_fmt = "yuv420p"
            gop = max(1, round(self.fps * KEYFRAME_INTERVAL_S))
            stream.options = {
                "preset": "veryfast",
                "tune": "zerolatency",  # sliced threads: no frame-thread delay, so a frame is out at once
                "crf": "20",
                "g": str(gop),
                "keyint_min": str(gop),
                "sc_threshold": "0",  # key frames only on the clock, so fragments are a second each
                "bf": "0",  # no B-frames: a frame leaves the encoder as soon as it is in
                "rc-lookahead": "0",
            }
        stream.width, stream.height = self._coded_size
        stream.codec_context.time_base = Fraction(1) / rate
        return stream

    def _add_audio_stream(self, suffix: str, audio: AudioFormat):
        codec = "pcm_s16le" if suffix == ".avi" else "aac"
        layout = "mono" if audio.channels == 1 else "stereo"
        stream = self._container.add_stream(codec, rate=audio.rate_hz, layout=layout)
        if codec == "aac":
            stream.bit_rate = 128000 * audio.channels
        return stream

    # ----- writing ---------------------------------------------------------------------------------------

    @property
    def duration_s(self) -> float:
        return self.frames_written / self.fps

    @property
    def audio_rate_hz(self) -> int | None:
        """The audio track's sample rate; None without one."""
        return self._timeline.format.rate_hz if self._timeline is not None else None

    @property
    def audio_late_s(self) -> float:
        return self._timeline.late_samples / self._timeline.format.rate_hz if self._timeline else 0.0

    def write(self, image: np.ndarray, slots: int = 1) -> None:
        """Append one frame (BGR or BGRA uint8), shown for `slots` frame times (a live recording's frame
        that stays up while the pipeline is slower than `fps` is encoded once, not repeated). Raises
        VideoWriteError when the file cannot take it."""
        self._check_open()
        if slots < 1:
            raise ValueError("a frame is shown for at least one frame time")
        frame = self._av.VideoFrame.from_ndarray(self._conformed(image), format="bgr24")
        frame.pts = self.frames_written
        gop = max(1, round(self.fps * KEYFRAME_INTERVAL_S))
        if self.frames_written == 0 or self.frames_written // gop != self._last_key // gop:
            # a key frame (so a fragment) in every KEYFRAME_INTERVAL_S of video time however few frames
            # it holds: the encoder's own interval counts frames, not time
            frame.pict_type = self._av.video.frame.PictureType.I
            self._last_key = self.frames_written
        self._guarded(lambda: self._mux(self._video.encode(frame)))
        self.frames_written += int(slots)
        self._held = frame if slots > 1 else None
        if self._timeline is not None:
            horizon = self.duration_s - self._timeline.format.latency_s
            self._encode_audio_until(round(max(0.0, horizon) * self._timeline.format.rate_hz))

    def add_audio(self, samples: np.ndarray, time_s: float) -> None:
        """Place PCM samples at `time_s` seconds on the video's timeline (see the module docstring)."""
        self._check_open()
        if self._timeline is None:
            raise ValueError(f"{self.path}: this writer was made without an audio track")
        if not np.isfinite(time_s):
            raise ValueError("audio time must be finite")
        self._timeline.add(samples, max(0.0, float(time_s)))

    def close(self) -> None:
        """Finish the file: the encoders' last frames, the rest of the audio, the container's trailer."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._failed is None:
                if self._timeline is not None:
                    end = max(self._timeline.end, round(self.duration_s * self._timeline.format.rate_hz))
                    self._encode_audio_until(end)
                    self._guarded(lambda: self._mux(self._audio.encode(None)))
                if self._held is not None:  # the last frame again at its last slot: the file lasts as long
                    self._held.pts, self._held.pict_type = (
                        self.frames_written - 1,
                        self._av.video.frame.PictureType.NONE,
                    )
                    self._guarded(lambda: self._mux(self._video.encode(self._held)))
                self._guarded(lambda: self._mux(self._video.encode(None)))
                self._guarded(self._container.close)
                self._guarded(self._file.sync)
        finally:
            if self._failed is not None:
                try:
                    self._container.close()
                except Exception:  # noqa: BLE001 - the file already failed; what is on disk stays
                    log.debug("closing a failed video", exc_info=True)
            self._file.close()
            if self._failed is not None and self._path.suffix.lower() in (".mp4", ".mov"):
                _trim_to_whole_fragments(self._path)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # ----- inside --------------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._failed is not None:
            raise self._failed
        if self._closed:
            raise ValueError(f"{self.path}: the video is already closed")

    def _conformed(self, image: np.ndarray) -> np.ndarray:
        import cv2

        if image.dtype != np.uint8 or image.ndim not in (2, 3):
            raise ValueError(f"a video frame must be uint8 BGR, not {image.dtype} {image.shape}")
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        elif image.shape[2] == 4:
            image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
        if (image.shape[1], image.shape[0]) != self.size_px:
            image = cv2.resize(image, self.size_px, interpolation=cv2.INTER_AREA)
        if self._coded_size != self.size_px:
            pad_x, pad_y = self._coded_size[0] - self.size_px[0], self._coded_size[1] - self.size_px[1]
            image = cv2.copyMakeBorder(image, 0, pad_y, 0, pad_x, cv2.BORDER_REPLICATE)
        return np.ascontiguousarray(image)

    def _encode_audio_until(self, sample: int) -> None:
        block = self._timeline.take_until(sample)
        if block is None:
            return
        audio = self._timeline.format
        frame = self._av.AudioFrame.from_ndarray(
            np.ascontiguousarray(block.T), format="fltp", layout="mono" if audio.channels == 1 else "stereo"
        )
        frame.sample_rate = audio.rate_hz
        frame.pts = sample - len(block)
        frame.time_base = Fraction(1, audio.rate_hz)
        self._guarded(lambda: self._mux(self._audio.encode(frame)))

    def _mux(self, packets) -> None:
        for packet in packets:
            self._container.mux(packet)

    def _guarded(self, step) -> None:
        try:
            step()
        except (OSError, self._av.FFmpegError) as exc:
            self._failed = self._write_error(exc)
            raise self._failed from None

    def _write_error(self, exc: Exception) -> VideoWriteError:
        cause = self._file.error or exc
        code = getattr(cause, "errno", None)
        if code in (errno.ENOSPC, errno.EDQUOT):
            problem = "the disk is full"
        elif code == errno.EFBIG:
            problem = "the file is over the size this system allows"
        else:
            problem = f"a write failed ({getattr(cause, 'strerror', None) or cause})"
        return VideoWriteError(
            f"{self.path}: {problem} at frame {self.frames_written} ({self.duration_s:.1f} s); "
            "the video written until then is kept and plays"
        )


def repair_fragmented_video(path: str | Path) -> None:
    """Make a fragmented MP4/MOV that a crash left behind playable to its last whole fragment (a torn
    fragment at the end is cut off); Matroska and AVI need nothing: players read them to the last cluster."""
    if Path(path).suffix.lower() in (".mp4", ".mov"):
        _trim_to_whole_fragments(Path(path))


def playable_length(path: str | Path) -> tuple[int, float]:
    """(frames, seconds) a player gets from `path`: its frames decoded up to the last readable one."""
    import av

    frames, end_s = 0, 0.0
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            rate = float(stream.guessed_rate or stream.average_rate or 30)
            for frame in container.decode(stream):
                frames += 1
                if frame.pts is not None and frame.time_base is not None:
                    # a frame shown for several frame times says how long (a live recording's are)
                    shown_s = float(frame.duration * frame.time_base) if frame.duration else 1.0 / rate
                    end_s = max(end_s, float(frame.pts * frame.time_base) + shown_s)
    except (av.FFmpegError, IndexError, EOFError):
        log.debug("%s: read up to frame %d", path, frames, exc_info=True)
    return frames, end_s


@dataclass(frozen=True)
class VideoInfo:
    size_px: tuple[int, int]
    fps: float  # the frame rate of its timeline (a frame shown for several frame times counts them all)


MAX_READ_PIXELS = 36_000_000  # 8K: as for any source (arwed.capture)


def open_video_frames(path: str | Path, what: str = "video"):
    """A video a user handed us, checked: (VideoInfo, an iterator of (image_bgr, time_s)) with each frame's
    own presentation time, so frames shown for several frame times keep their place on the timeline. A
    file that is not a readable video is one UserError; a torn end (a killed recording) just ends it."""
    import av

    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such {what}" if not path.exists() else f"{path}: not a regular file")
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise UserError(f"{path}: not a readable {what} ({exc.__class__.__name__})") from None
    try:
        if not container.streams.video:
            raise UserError(f"{path}: has no video track")
        stream = container.streams.video[0]
        width, height = int(stream.codec_context.width or 0), int(stream.codec_context.height or 0)
        if not (2 <= width <= 8192 and 2 <= height <= 8192) or width * height > MAX_READ_PIXELS:
            raise UserError(f"{path}: a {width}x{height} video is not one arwed reads")
        rate = float(stream.guessed_rate or stream.average_rate or 0)
        if not (np.isfinite(rate) and 1.0 <= rate <= 240.0):
            raise UserError(f"{path}: its frame rate ({rate:g}) is outside 1..240 frames/s")
    except BaseException:
        container.close()
        raise
    return VideoInfo((width, height), rate), _frames(container, stream, path)


def _frames(container, stream, path: Path):
    import av

    last_s = -1.0
    try:
        for frame in container.decode(stream):
            if frame.pts is None or frame.time_base is None:
                continue
            time_s = float(frame.pts * frame.time_base)
            if not np.isfinite(time_s) or time_s <= last_s:
                continue  # a hostile or broken timeline: a frame never goes back in time
            last_s = time_s
            image = frame.to_ndarray(format="bgr24")
            yield image, time_s
    except (av.FFmpegError, EOFError):
        log.debug("%s: read up to %.2f s", path, last_s, exc_info=True)
    finally:
        container.close()
