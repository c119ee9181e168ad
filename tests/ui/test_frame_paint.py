"""A picture on black (camera-black) is painted only where it is not black, and looks the same."""

from __future__ import annotations

import dataclasses

import numpy as np

from arwed.session.frames import FrameFanOut, TapFrame
from arwed.types import CompositeFrame, CompositeMode
from arwed.ui.frame_view import FrameView


def _camera_black_frame() -> CompositeFrame:
    image = np.zeros((360, 640, 3), np.uint8)
    image[100:300, 400:480] = (40, 160, 220)  # him, on black
    image[99, 400:480] = (10, 40, 55)  # his soft edge, one pixel outside the box the renderer reports
    return CompositeFrame(
        image=image,
        frame_index=7,
        capture_time_s=1.0,
        media_time_s=0.2,
        mode=CompositeMode.CAMERA_BLACK,
        placement=None,
        character_bbox_px=(400.0, 100.0, 480.0, 300.0),
    )


def _painted(qtbot, frame: TapFrame, side_by_side: bool) -> np.ndarray:
    view = FrameView(smooth=True)
    qtbot.addWidget(view)
    view.resize(960, 540 if not side_by_side else 270)
    view.side_by_side = side_by_side
    view.show_frame(frame)
    grabbed = view.grab().toImage()
    picture = grabbed.convertToFormat(grabbed.Format.Format_RGB888)
    data = np.frombuffer(picture.constBits(), np.uint8, picture.sizeInBytes())
    array = data.reshape(picture.height(), picture.bytesPerLine())[:, : picture.width() * 3]
    assert view.frames_painted == 1 and view.paint_ms() is not None  # the painting cost is measured
    return array.reshape(picture.height(), picture.width(), 3).astype(int)


def test_camera_black_is_painted_only_around_him_and_looks_the_same(qtbot):
    fan_out = FrameFanOut(lambda w, h: 500.0, lambda frame, now: None)
    fan_out.deliverer("camera-black")(_camera_black_frame())
    tap = fan_out.tap("camera-black").latest()
    assert tap.content_px == (398.0, 98.0, 482.0, 302.0)  # his box and a margin for the soft edge
    whole = dataclasses.replace(tap, content_px=None)
    for side_by_side in (False, True):
        part, full = _painted(qtbot, tap, side_by_side), _painted(qtbot, whole, side_by_side)
        assert full.max() > 150  # he is there
        assert np.abs(part - full).max() <= 2  # the same picture, painted from his box alone


def test_camera_black_without_him_paints_black(qtbot):
    frame = dataclasses.replace(_camera_black_frame(), character_bbox_px=None)
    frame.image[:] = 0
    fan_out = FrameFanOut(lambda w, h: 500.0, lambda frame, now: None)
    fan_out.deliverer("camera-black")(frame)
    tap = fan_out.tap("camera-black").latest()
    assert tap.content_px == (0.0, 0.0, 0.0, 0.0)
    assert _painted(qtbot, tap, False).max() == 0
    stage = dataclasses.replace(_camera_black_frame(), mode=CompositeMode.STAGE)
    fan_out.deliverer("stage")(stage)
    assert fan_out.tap("stage").latest().content_px is None  # a camera picture is painted whole


def _on_screen(view: FrameView) -> np.ndarray:
    """What the window shows (the offscreen platform's backing store), not a fresh paint like grab()."""
    grabbed = view.screen().grabWindow(view.winId()).toImage()
    picture = grabbed.convertToFormat(grabbed.Format.Format_RGB888)
    data = np.frombuffer(picture.constBits(), np.uint8, picture.sizeInBytes())
    array = data.reshape(picture.height(), picture.bytesPerLine())[:, : picture.width() * 3]
    return array.reshape(picture.height(), picture.width(), 3).astype(int)


def test_when_he_moves_only_where_he_was_and_is_is_painted_again_and_nothing_stays_behind(qtbot):
    fan_out = FrameFanOut(lambda w, h: 500.0, lambda frame, now: None)
    taps = []
    for x in (60, 400):  # him on the left, then on the right
        frame = _camera_black_frame()
        frame.image[:] = 0
        frame.image[100:300, x : x + 80] = (40, 160, 220)
        fan_out.deliverer("camera-black")(
            dataclasses.replace(frame, character_bbox_px=(x, 100.0, x + 80, 300.0))
        )
        taps.append(fan_out.tap("camera-black").latest())
    view = FrameView(smooth=True)
    qtbot.addWidget(view)
    view.resize(960, 270)
    view.side_by_side = True  # glasses: both eyes
    painted = []
    paint = view.paintEvent
    view.paintEvent = lambda event: (painted.append(event.region().boundingRect()), paint(event))
    view.show()
    qtbot.waitExposed(view)
    for count, tap in enumerate(taps, start=1):
        view.show_frame(tap)
        qtbot.waitUntil(lambda count=count: view.frames_painted == count)
    last = painted[-1]
    assert last.width() * last.height() < 0.5 * view.width() * view.height()  # not the whole screen
    fresh = _painted(qtbot, taps[1], True)
    shown = _on_screen(view)
    assert np.abs(shown - fresh).max() <= 2  # him where he is now, and black where he was
