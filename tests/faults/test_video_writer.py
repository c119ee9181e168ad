"""The one video writer: frames and audio in sync, playable after SIGKILL, a full disk is one line."""

from __future__ import annotations

import signal

import numpy as np
import pytest

from arwed.errors import UserError
from arwed.video_writer import AudioFormat, VideoWriteError, VideoWriter
from tests.faults.media import decodable_frames, decoded_audio, writer_process

RATE_HZ = 48000


def _frame(index: int, size=(96, 64)) -> np.ndarray:
    image = np.zeros((size[1], size[0], 3), np.uint8)
    image[:, :, 1] = (index * 7) % 256
    image[:, : (index % size[0]), 2] = 255  # a bar that grows frame by frame
    return image


def _tone(duration_s: float, frequency_hz: float = 880.0) -> np.ndarray:
    t = np.arange(round(duration_s * RATE_HZ)) / RATE_HZ
    return (0.5 * np.sin(2 * np.pi * frequency_hz * t)).astype(np.float32)


def _onsets_s(samples: np.ndarray, rate: int) -> list[float]:
    """Times where the 5 ms envelope first rises above a quarter of full scale after silence."""
    window = rate // 200
    envelope = np.abs(samples[: len(samples) // window * window]).reshape(-1, window).max(axis=1)
    loud = envelope > 0.25
    rises = np.flatnonzero(loud[1:] & ~loud[:-1]) + 1
    return [float(i * window / rate) for i in rises]


@pytest.mark.parametrize("suffix", [".mp4", ".mkv", ".mov", ".avi"])
def test_frames_and_audio_placed_at_cue_times_come_back_in_sync(tmp_path, suffix):
    path = tmp_path / f"vows{suffix}"
    with VideoWriter(path, 30.0, (95, 63), audio=AudioFormat(RATE_HZ, channels=1)) as writer:
        writer.add_audio(_tone(0.2), time_s=1.5)  # placed ahead of time, like a ceremony's cue
        writer.add_audio(_tone(0.2), time_s=0.5)  # out of order
        for index in range(75):
            writer.write(_frame(index, (95, 63)))
        writer.add_audio(_tone(0.1), time_s=2.3)  # past the last frame: still written on close
    assert decodable_frames(path) == 75
    samples, rate = decoded_audio(path)
    assert rate == RATE_HZ
    onsets = _onsets_s(samples, rate)
    assert len(onsets) == 3, onsets
    # AAC's encoder delay (1024 samples = 21 ms) is the most a player may show them late
    assert np.allclose(onsets, [0.5, 1.5, 2.3], atol=0.03), onsets


def test_a_live_recording_with_audio_keeps_each_frame_at_its_time(tmp_path):
    """A console recording at a few frames per second: frames shown for several frame times, his voice
    on the track; each frame starts where it was placed (frag_every_frame gave each the next one's)."""
    import av

    path = tmp_path / "live.mp4"
    slots = [15, 12, 12, 15, 21, 1]
    with VideoWriter(path, 30.0, (64, 48), audio=AudioFormat(RATE_HZ, channels=1), live=True) as writer:
        writer.add_audio(_tone(2.5), time_s=0.0)
        for index, shown in enumerate(slots):
            writer.write(np.full((48, 64, 3), 200 if index % 2 == 0 else 0, np.uint8), slots=shown)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [
            (float(f.pts * stream.time_base), f.to_ndarray(format="gray").mean())
            for f in container.decode(stream)
        ]
    starts = np.cumsum([0, *slots[:-1]]) / 30.0
    assert len(frames) == len(slots)
    # AAC's priming (1024 samples) moves everything after the first frame alike; the first starts at 0
    shift = frames[1][0] - starts[1]
    assert 0.0 <= shift <= 0.022 and frames[0][0] == 0.0
    for (time_s, grey), start, index in zip(frames[1:], starts[1:], range(1, len(slots)), strict=True):
        assert time_s - shift == pytest.approx(start, abs=0.002), frames
        assert (grey > 100) == (index % 2 == 0), frames


def test_overlapping_audio_is_mixed_and_late_audio_is_counted(tmp_path):
    path = tmp_path / "mix.mp4"
    with VideoWriter(path, 30.0, (64, 48), audio=AudioFormat(RATE_HZ, latency_s=0.5)) as writer:
        writer.add_audio(np.full(RATE_HZ // 2, 0.3, np.float32), time_s=0.0)
        writer.add_audio(np.full(RATE_HZ // 2, 9830, np.int16), time_s=0.25)  # int16: 0.3
        for index in range(60):  # 2 s of video: audio up to 1.5 s is committed
            writer.write(_frame(index, (64, 48)))
        writer.add_audio(_tone(0.5), time_s=1.0)  # half a second late: its first 0.5 s is dropped
        assert writer.audio_late_s == pytest.approx(0.5, abs=0.01)
    samples, _ = decoded_audio(path)
    assert samples[int(0.35 * RATE_HZ)] == pytest.approx(0.6, abs=0.08)  # both chunks, summed
    assert abs(samples[int(0.1 * RATE_HZ)]) == pytest.approx(0.3, abs=0.08)


def test_frames_of_another_size_are_scaled_and_misuse_is_refused(tmp_path):
    path = tmp_path / "sizes.mp4"
    writer = VideoWriter(path, 25.0, (64, 48))
    writer.write(_frame(0, (64, 48)))
    writer.write(np.zeros((480, 640, 4), np.uint8))  # BGRA, ten times bigger
    writer.write(np.zeros((10, 10), np.uint8))  # grey, tiny
    with pytest.raises(ValueError, match="without an audio track"):
        writer.add_audio(np.zeros(10, np.float32), 0.0)
    writer.close()
    writer.close()  # idempotent
    assert decodable_frames(path) == 3
    with pytest.raises(ValueError, match="closed"):
        writer.write(_frame(1))
    with pytest.raises(UserError, match="frame rate"):
        VideoWriter(tmp_path / "x.mp4", float("nan"), (64, 48))
    with pytest.raises(UserError, match="not a video name"):
        VideoWriter(tmp_path / "x.gif", 30.0, (64, 48))
    with pytest.raises(VideoWriteError, match="cannot be written"):
        VideoWriter(tmp_path / "no" / "such" / "x.mp4", 30.0, (64, 48))


_WRITE_FOREVER = """
import sys
import numpy as np
from arwed.video_writer import AudioFormat, VideoWriter, VideoWriteError
rng = np.random.default_rng(0)
texture = rng.integers(0, 255, (180, 320, 3), np.uint8)
writer = VideoWriter(sys.argv[1], 30.0, (320, 180), audio=AudioFormat(48000))
index = 0
try:
    while index < 100000:
        writer.write(np.roll(texture, index * 3, axis=1))
        if index % 30 == 0:
            writer.add_audio(np.full(4800, 0.2, np.float32), index / 30.0)
        index += 1
        print(index, flush=True)
except VideoWriteError as exc:
    print(f"error: {exc}", file=sys.stderr)
    writer.close()
    sys.exit(2)
"""


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_sigkill_keeps_everything_but_the_last_two_seconds(tmp_path, suffix):
    path = tmp_path / f"killed{suffix}"
    child = writer_process(_WRITE_FOREVER, str(path))
    written = 0
    for line in child.stdout:
        written = int(line)
        if written >= 150:  # five seconds handed over
            break
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    plays = decodable_frames(path)
    assert written - 60 <= plays <= written, (written, plays)


def _assert_full_disk_outcome(child, path, problem: str) -> None:
    _, err = child.communicate(timeout=120)
    assert child.returncode == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: "), err
    assert problem in lines[0] and "is kept and plays" in lines[0]
    written = int(lines[0].split("at frame ")[1].split()[0])
    plays = decodable_frames(path)
    assert written > 30 and written - 60 <= plays <= written, (written, plays)


def test_full_disk_tmpfs_is_one_line_and_what_was_written_plays(small_tmpfs):
    path = small_tmpfs / "full.mp4"
    _assert_full_disk_outcome(writer_process(_WRITE_FOREVER, str(path)), path, "the disk is full")


def test_full_disk_rlimit_fsize_is_one_line_and_what_was_written_plays(tmp_path):
    path = tmp_path / "limited.mp4"
    _assert_full_disk_outcome(
        writer_process(_WRITE_FOREVER, str(path), file_size_limit=3 << 20), path, "over the size"
    )


def test_image_frames_on_a_full_disk_stop_with_one_line_and_every_frame_on_disk_is_whole(small_tmpfs):
    import cv2

    from arwed.sinks import open_sink

    sink = open_sink(str(small_tmpfs / "frames") + "/", 30.0, (160, 120))
    rng = np.random.default_rng(5)
    with pytest.raises(UserError) as caught:
        for _ in range(1000):
            sink.write(rng.integers(0, 255, (120, 160, 3), np.uint8))  # about 57 KB a PNG
    message = str(caught.value)
    assert "\n" not in message and "the disk is full" in message and "frames before it are kept" in message
    written = sorted((small_tmpfs / "frames").iterdir())
    assert len(written) == sink.frames_written > 10
    assert all(path.suffix == ".png" for path in written)  # no half-written temporary left behind
    assert all(cv2.imread(str(path)) is not None for path in written)
