"""Each viewpoint drawn once a frame and shared by every output that shows it; outputs compose only what
differs; live tracking not capped unless the settings ask; the console's rate counts new tracking."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import arwed.compositing as compositing
from arwed.compositing import Compositor, SharedLayer
from arwed.config import CompositeSettings, Settings
from arwed.pipeline.flows import LiveFlow
from arwed.session.frames import RateMeter
from arwed.types import CompositeMode, Occluder
from tests.pipeline.test_compositing import INTRINSICS, _camera_image, _layer, _placement


def _occluder() -> Occluder:
    """Someone at 2 m whose silhouette covers the left half of the character's block."""
    mask = np.zeros((240, 320), np.float32)
    mask[:, :220] = 1.0
    return Occluder(mask=mask, depth_m=2.0, bbox_px=(150.0, 40.0, 220.0, 200.0))


def test_outputs_share_the_layer_with_the_people_in_front_cut_out(monkeypatch):
    calls = []
    real = compositing._visibility
    monkeypatch.setattr(compositing, "_visibility", lambda layer, occ: calls.append(1) or real(layer, occ))
    layer, placement, image, occluders = _layer(), _placement(), _camera_image(), (_occluder(),)
    stage = Compositor(CompositeSettings(mode=CompositeMode.STAGE, shadow=False))
    black = Compositor(CompositeSettings(mode=CompositeMode.CAMERA_BLACK))
    alone = [c.compose(image, layer, placement, INTRINSICS, occluders).copy() for c in (stage, black)]
    assert len(calls) == 2  # without sharing: each output cuts the people out again
    calls.clear()
    shared = SharedLayer(layer)
    together = [
        c.compose(image, layer, placement, INTRINSICS, occluders, shared).copy() for c in (stage, black)
    ]
    assert len(calls) == 1  # shared: once a frame
    for a, b in zip(alone, together, strict=True):
        assert np.array_equal(a, b)
    assert together[0][100, 205].tolist() == [100, 100, 100]  # hidden by the person in front
    assert together[0][100, 230].tolist() == [
        40,
        40,
        200,
    ]  # the character (BGR) where nobody stands before him
    keyed = Compositor(CompositeSettings(mode=CompositeMode.KEYED))
    assert keyed.compose(image, layer, placement, INTRINSICS, occluders, shared)[100, 205].tolist() == [
        40,
        40,
        200,
    ]


class _RecordingStop(threading.Event):
    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout=None) -> bool:
        self.waits.append(timeout)
        return False


def test_live_tracking_runs_as_often_as_it_can_unless_capped():
    flow, stop = LiveFlow(), _RecordingStop()
    flow.rest_after_tracking(0.02, None, stop)
    assert stop.waits == []  # straight on to the newest frame
    flow.rest_after_tracking(0.02, 20.0, stop)
    assert stop.waits == [pytest.approx(0.03)]  # a cap from the settings: rest for the rest of 1/20 s
    assert Settings().tracking.live_rate_hz is None


def test_the_rate_counts_frames_placed_by_new_tracking():
    meter = RateMeter()
    # 30 frames a second for a second; tracking found something new on every third frame
    for i in range(31):
        meter.tick(100.0 + i / 30, 50.0, (i // 3) * 3)
    rate = meter.read(101.0)
    assert round(rate.fps) == 30
    assert round(rate.tracking_hz) == 10
    assert rate.latency_ms == 50.0
