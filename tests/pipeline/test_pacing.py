"""Sources read like a camera: one frame per 1/fps of a (fake) clock from the first read, no backlog burst."""

from __future__ import annotations

import numpy as np
import pytest

from arwed.capture.pacing import FramePacer, PacedSource
from arwed.commands.bench import _open
from arwed.types import Frame


class FakeClock:
    def __init__(self, start_s: float = 100.0) -> None:
        self.now_s = start_s
        self.slept_s: list[float] = []

    def __call__(self) -> float:
        return self.now_s

    def sleep(self, seconds: float) -> None:
        self.slept_s.append(seconds)
        self.now_s += seconds


class StillSource:
    """A 30 fps source of one tiny picture, with media times like a file's."""

    name, is_live, fps = "still", False, 30.0

    def __init__(self, frames: int) -> None:
        self._frames, self._index = frames, 0
        self.closed = False

    def read(self) -> Frame | None:
        if self._index >= self._frames:
            return None
        frame = Frame(np.zeros((4, 4, 3), np.uint8), self._index, -1.0, self._index / self.fps)
        self._index += 1
        return frame

    def close(self) -> None:
        self.closed = True


def _read_all(source) -> list[Frame]:
    frames = []
    while (frame := source.read()) is not None:
        frames.append(frame)
    return frames


def test_frames_come_at_the_sources_rate_from_the_first_read():
    clock = FakeClock()
    source = PacedSource(StillSource(31), clock=clock, sleep=clock.sleep)
    clock.now_s += 5.0  # MediaPipe and the renderer load before the first read: that is no backlog
    frames = _read_all(source)
    times = [frame.capture_time_s for frame in frames]
    assert source.is_live and len(frames) == 31
    assert times[0] == 105.0  # the first frame at once
    assert np.allclose(np.diff(times), 1 / 30)  # then one every 1/30 s: 30 frames a second, counted
    assert times[-1] - times[0] == pytest.approx(1.0)
    source.close()


def test_a_late_reader_gets_the_frame_of_now_and_no_burst():
    clock = FakeClock()
    pacer = FramePacer(30.0, clock=clock, sleep=clock.sleep)
    handed = [pacer.wait(i / 30) for i in range(10)]
    clock.now_s += 0.25  # the reader stalled for a quarter of a second (7.5 frames)
    handed += [pacer.wait(i / 30) for i in range(10, 20)]
    gaps = np.diff(handed)
    assert np.allclose(gaps[:9], 1 / 30)
    assert gaps[9] == pytest.approx(0.25)  # the frame after the stall comes at once ...
    assert np.allclose(gaps[10:], 1 / 30)  # ... and the next ones 1/30 s apart, not all at once


def test_a_slightly_late_frame_keeps_the_clock():
    clock = FakeClock()
    pacer = FramePacer(30.0, clock=clock, sleep=clock.sleep)
    first = pacer.wait(0.0)
    clock.now_s += 0.04  # a bit more than a frame's time went by in the read itself
    assert pacer.wait(1 / 30) == pytest.approx(first + 0.04)  # handed out at once
    assert pacer.wait(2 / 30) == pytest.approx(first + 2 / 30)  # back on the clock


def test_bench_live_reads_a_still_image_like_a_camera(tmp_path):
    import cv2

    path = tmp_path / "still.png"
    cv2.imwrite(str(path), np.full((90, 160, 3), 128, np.uint8))
    live = _open(str(path), (160, 90), 3, live=True)
    offline = _open(str(path), (160, 90), 3, live=False)
    assert isinstance(live, PacedSource) and live.is_live and live.fps == 30.0
    assert not isinstance(offline, PacedSource) and not offline.is_live
    assert len(_read_all(live)) == 3
    live.close()
    offline.close()
