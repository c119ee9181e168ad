"""Snapshots, recordings and the virtual camera: dated folders, real files, clear messages."""

from __future__ import annotations

import datetime as dt
import sys
import time

import cv2
import numpy as np
import pytest

from arwed.errors import UserError
from arwed.session import keepsakes

WHEN = dt.datetime(2031, 6, 14, 15, 30, 5)


def test_keepsakes_go_into_a_folder_per_day_and_never_overwrite(tmp_path):
    first = keepsakes.keepsake_path(tmp_path, "snapshot", ".png", WHEN)
    assert first == tmp_path / "2031-06-14" / "snapshot-153005.png"
    first.parent.mkdir(parents=True)
    first.write_bytes(b"x")
    second = keepsakes.keepsake_path(tmp_path, "snapshot", ".png", WHEN)
    assert second.name == "snapshot-153005-2.png"


def test_snapshot_is_the_full_resolution_image(tmp_path):
    image = np.random.default_rng(3).integers(0, 255, (720, 1280, 3), dtype=np.uint8)
    path = keepsakes.write_snapshot(image, keepsakes.keepsake_path(tmp_path, "snapshot", ".png", WHEN))
    assert np.array_equal(cv2.imread(str(path)), image)


def test_snapshot_into_an_unwritable_place_says_so(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(UserError, match="cannot create the keepsake folder"):
        keepsakes.write_snapshot(np.zeros((4, 4, 3), np.uint8), blocker / "day" / "a.png")


def test_recording_lasts_as_long_as_the_ceremony_whatever_the_frame_rate(tmp_path):
    """Frames arriving at ~10 per second for 2 s make a 2 s video at 30 frames per second."""
    path = tmp_path / "recording.mp4"
    recorder = keepsakes.Recorder(path, fps=30.0)
    recorder.start()
    for i in range(20):
        image = np.full((120, 160, 3), i * 10, np.uint8)
        recorder.offer(image, 100.0 + i * 0.1)
        time.sleep(0.1)  # in real time: the queue holds half a second of frames (a burst would be dropped)
    recorder.stop()
    assert recorder.error is None and not recorder.alive and recorder.dropped == 0
    from arwed.video_writer import open_video_frames
    from arwed.video_writer import playable_length as video_length

    frames, seconds = video_length(path)
    capture = cv2.VideoCapture(str(path))
    ok, first = capture.read()
    capture.release()
    assert ok and first.shape == (120, 160, 3)
    assert frames == 20  # each frame encoded once, shown from the frame time it came in until the next
    assert seconds == pytest.approx(58 / 30.0, abs=0.02)  # frame 19 from 1.9 s (slot 57) for one slot
    info, decoded = open_video_frames(path)
    assert [round(t * 30) for _, t in decoded] == [3 * i for i in range(20)]  # frame i came in at i * 0.1 s


def test_virtual_camera_without_pyvirtualcam_explains_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyvirtualcam", None)  # import fails as if it were not installed
    with pytest.raises(UserError, match=r"pip install 'arwed\[virtualcam\]'"):
        keepsakes.open_virtual_camera(640, 480, 30)


def test_virtual_camera_without_a_device_explains_v4l2loopback(monkeypatch):
    class NoDevice:
        class PixelFormat:
            BGR = "bgr"

        @staticmethod
        def Camera(*args, **kwargs):  # noqa: N802 - pyvirtualcam's name
            raise RuntimeError("'v4l2loopback' backend: No v4l2 loopback device found")

    monkeypatch.setitem(sys.modules, "pyvirtualcam", NoDevice)
    with pytest.raises(UserError, match="no virtual camera device.*modprobe v4l2loopback"):
        keepsakes.open_virtual_camera(640, 480, 30)


def test_virtual_camera_gets_bgr_frames_at_its_size():
    sent = []

    class Camera:
        device = "/dev/video9"

        def send(self, frame):
            sent.append(frame)

        def close(self):
            sent.append("closed")

    worker = keepsakes.VirtualCamera(Camera(), (64, 36))
    worker.start()
    worker.offer(np.zeros((72, 128, 4), np.uint8), 0.0)
    worker.stop()
    assert sent[0].shape == (36, 64, 3) and sent[-1] == "closed"
