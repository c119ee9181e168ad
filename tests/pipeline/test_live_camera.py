"""A camera that disappears mid-run: the last frame goes on (marked stale), and frames resume when it is back."""

from __future__ import annotations

import time

import numpy as np
import pytest

from arwed.capture import live


class _FakeDevice:
    """Stands in for cv2.VideoCapture: frames until `unplug_after`, then nothing until plugged back in."""

    state = {"plugged": True, "opens": 0, "value": 0}

    def __init__(self, *_args):
        _FakeDevice.state["opens"] += 1
        self._open = _FakeDevice.state["plugged"]

    def isOpened(self):
        return self._open

    def get(self, _prop):
        return 30.0

    def read(self):
        time.sleep(0.005)
        if not (self._open and _FakeDevice.state["plugged"]):
            return False, None
        _FakeDevice.state["value"] = (_FakeDevice.state["value"] + 1) % 250
        return True, np.full((24, 32, 3), _FakeDevice.state["value"], np.uint8)

    def release(self):
        self._open = False


@pytest.fixture
def fake_camera(monkeypatch):
    _FakeDevice.state.update(plugged=True, opens=0, value=0)
    monkeypatch.setattr(live, "_open_capture", lambda device: _FakeDevice(device))
    monkeypatch.setattr(live, "RECONNECT_INTERVAL_S", 0.05)
    monkeypatch.setattr(live, "READ_TIMEOUT_S", 0.1)
    return _FakeDevice.state


def test_unplugged_camera_repeats_the_last_frame_then_resumes(fake_camera, caplog):
    source = live.LiveCaptureSource(0, name="camera:0")
    try:
        first = source.read()
        assert first is not None and not first.stale
        fake_camera["plugged"] = False
        time.sleep(0.3)
        stale = [source.read() for _ in range(3)]
        assert all(f is not None and f.stale for f in stale[1:])
        assert not source.connected
        assert any("camera lost" in r.getMessage() for r in caplog.records)
        fake_camera["plugged"] = True
        deadline = time.monotonic() + 3.0
        frame = source.read()
        while frame.stale and time.monotonic() < deadline:
            frame = source.read()
        assert not frame.stale and source.connected
        assert fake_camera["opens"] >= 2  # it reopened the device
    finally:
        source.close()


def test_newest_frame_wins(fake_camera):
    source = live.LiveCaptureSource(0, name="camera:0")
    try:
        source.read()
        time.sleep(0.2)  # many frames arrive meanwhile; only the newest is handed out
        frame = source.read()
        assert abs(int(frame.image_bgr[0, 0, 0]) - fake_camera["value"]) <= 2
    finally:
        source.close()
