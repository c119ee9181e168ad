"""Compositing modes, occlusion by the person's silhouette, the contact shadow, and sinks."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from arwed.compositing import Compositor, contact_shadow_outline_px
from arwed.config import CompositeSettings
from arwed.errors import UserError
from arwed.geometry.camera import intrinsics_from_fov
from arwed.sinks import ImageSequenceSink, VideoFileSink, open_sink
from arwed.types import CompositeMode, FloorPlane, Occluder, Placement, RenderedLayer, TrackingState

INTRINSICS = intrinsics_from_fov(320, 240, 60.0)
CHARACTER_RGB = (200, 40, 40)  # red in RGB, as the renderer produces


def _layer(depth_m: float = 3.0) -> RenderedLayer:
    """A 40x80 opaque red block at (200, 60) in a 320x240 frame, at a known depth."""
    rgba = np.zeros((80, 40, 4), np.uint8)
    rgba[:, :] = (*CHARACTER_RGB, 255)
    return RenderedLayer(
        rgba, np.full((80, 40), depth_m, np.float32), (200, 60), (320, 240), (200, 60, 240, 140)
    )


def _placement(person_depth_m: float = 2.0) -> Placement:
    floor = FloorPlane(np.array([0.0, -1.0, 0.0]), 1.2, "default")
    to_camera = np.eye(4)
    to_camera[:3, :3] = np.diag([1.0, -1.0, -1.0])
    to_camera[:3, 3] = (0.5, 1.2, 3.0)
    return Placement(
        media_time_s=0.0,
        state=TrackingState.TRACKING,
        person_feet_m=np.array([-0.2, 1.2, 3.0]),
        person_head_m=np.array([-0.2, -0.4, 3.0]),
        person_depth_m=person_depth_m,
        person_height_m=1.7,
        floor=floor,
        anchor_m=np.array([0.5, 1.2, 3.0]),
        character_to_camera=to_camera,
        opacity=1.0,
    )


def _camera_image() -> np.ndarray:
    return np.full((240, 320, 3), 100, np.uint8)


@pytest.mark.parametrize(
    ("mode", "background_bgr"),
    [
        (CompositeMode.STAGE, (100, 100, 100)),
        (CompositeMode.CAMERA_BLACK, (0, 0, 0)),
        (CompositeMode.KEYED, (0, 255, 0)),
    ],
)
def test_modes_put_the_character_on_their_background(mode, background_bgr):
    out = Compositor(CompositeSettings(mode=mode, shadow=False)).compose(
        _camera_image(), _layer(), _placement(), INTRINSICS
    )
    assert tuple(out[100, 220]) == (40, 40, 200)  # BGR of the character
    assert tuple(out[10, 10]) == background_bgr


def test_on_black_the_character_is_what_over_a_black_camera_picture_would_give():
    # camera-black copies the layer instead of blending it: the same pixels, soft edges and occlusion too
    layer = _layer()
    layer.rgba[:, :20] = (100, 20, 20, 128)  # half-covered pixels, premultiplied
    person = np.zeros((240, 320), np.float32)
    person[90:120, 190:230] = 1.0
    occluders = (Occluder(person, 2.0, (190.0, 90.0, 230.0, 120.0)),)
    black = np.zeros((240, 320, 3), np.uint8)
    on_black = Compositor(CompositeSettings(mode=CompositeMode.CAMERA_BLACK)).compose(
        _camera_image(), layer, _placement(), INTRINSICS, occluders
    )
    over = Compositor(CompositeSettings(mode=CompositeMode.STAGE, shadow=False)).compose(
        black, layer, _placement(), INTRINSICS, occluders
    )
    assert np.array_equal(on_black, over)
    assert tuple(on_black[100, 210]) == (0, 0, 0) and tuple(on_black[130, 230]) == (40, 40, 200)


def test_keyed_alpha_output_is_bgra_with_straight_alpha():
    layer = _layer()
    layer.rgba[:, :20] = (100, 20, 20, 128)  # half-covered pixels, premultiplied
    out = Compositor(CompositeSettings(mode=CompositeMode.KEYED, keyed_alpha_png=True)).compose(
        _camera_image(), layer, _placement(), INTRINSICS
    )
    assert out.shape == (240, 320, 4)
    assert out[10, 10, 3] == 0 and out[100, 230, 3] == 255
    assert out[100, 205, 3] == 128 and abs(int(out[100, 205, 2]) - 199) <= 2  # un-premultiplied red


def _silhouette(columns: slice) -> np.ndarray:
    mask = np.zeros((120, 160), np.float32)  # tracking resolution: half the frame's
    mask[:, columns] = 1.0
    return mask


def test_person_in_front_hides_the_character_only_where_they_stand():
    mask = _silhouette(slice(100, 110))  # a person's silhouette over frame columns 200..220
    settings = CompositeSettings(mode=CompositeMode.STAGE, shadow=False)
    box = (200.0, 0.0, 220.0, 240.0)
    nearer = Compositor(settings).compose(
        _camera_image(), _layer(3.0), _placement(), INTRINSICS, [Occluder(mask, 2.0, box)]
    )
    assert tuple(nearer[100, 205]) == (100, 100, 100)  # the person (here: the camera image) is in front
    assert tuple(nearer[100, 230]) == (40, 40, 200)  # beside the silhouette the character shows
    farther = Compositor(settings).compose(
        _camera_image(), _layer(3.0), _placement(), INTRINSICS, [Occluder(mask, 4.0, box)]
    )
    assert tuple(farther[100, 205]) == (40, 40, 200)  # a person behind the character does not hide it


def test_everyone_nearer_hides_the_character_each_with_their_own_silhouette():
    settings = CompositeSettings(mode=CompositeMode.STAGE, shadow=False)
    guest = Occluder(_silhouette(slice(100, 105)), 2.0, (200.0, 0.0, 210.0, 240.0))  # columns 200..210
    officiant = Occluder(_silhouette(slice(112, 116)), 2.5, (224.0, 0.0, 232.0, 240.0))  # 224..232
    behind = Occluder(_silhouette(slice(116, 120)), 5.0, (232.0, 0.0, 240.0, 240.0))  # 232..240
    out = Compositor(settings).compose(
        _camera_image(), _layer(3.0), _placement(), INTRINSICS, [guest, officiant, behind]
    )
    assert tuple(out[100, 204]) == (100, 100, 100)  # the guest in front
    assert tuple(out[100, 228]) == (100, 100, 100)  # the officiant in front
    assert tuple(out[100, 216]) == (40, 40, 200)  # between them the character
    assert tuple(out[100, 236]) == (40, 40, 200)  # the one standing behind does not hide it


def test_contact_shadow_darkens_the_floor_under_the_character():
    placement = _placement()
    outline = contact_shadow_outline_px(placement, INTRINSICS)
    centre_x, centre_y = outline.mean(axis=0).round().astype(int)
    empty_layer = _layer()
    empty_layer.rgba[:] = 0
    out = Compositor(CompositeSettings(mode=CompositeMode.STAGE, shadow=True, shadow_strength=0.5)).compose(
        _camera_image(), empty_layer, placement, INTRINSICS
    )
    assert out[centre_y, centre_x, 0] < 75  # darkened by about half at the centre
    assert out[5, 5, 0] == 100  # untouched far away


def test_video_sink_writes_a_readable_video(tmp_path):
    path = tmp_path / "out.mp4"
    sink = open_sink(str(path), 25.0, (64, 48))
    assert isinstance(sink, VideoFileSink)
    for i in range(5):
        sink.write(np.full((48, 64, 3), i * 40, np.uint8))
    sink.close()
    capture = cv2.VideoCapture(str(path))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 5


def test_image_sequence_sink_writes_numbered_pngs_with_alpha(tmp_path):
    sink = open_sink(str(tmp_path / "frames") + "/", 30.0, (8, 8), needs_alpha=True)
    assert isinstance(sink, ImageSequenceSink)
    sink.write(np.zeros((8, 8, 4), np.uint8))
    sink.write(np.full((8, 8, 4), 255, np.uint8))
    written = sorted((tmp_path / "frames").glob("*.png"))
    assert [p.name for p in written] == ["frame_000000.png", "frame_000001.png"]
    assert cv2.imread(str(written[1]), cv2.IMREAD_UNCHANGED).shape == (8, 8, 4)


def test_sinks_refuse_what_they_cannot_write(tmp_path):
    with pytest.raises(UserError, match="needs an image sequence"):
        open_sink(str(tmp_path / "a.mp4"), 30.0, (8, 8), needs_alpha=True)
    with pytest.raises(UserError, match="unknown output type"):
        open_sink(str(tmp_path / "a.xyz"), 30.0, (8, 8))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UserError, match="cannot create|not a folder"):
        open_sink(str(blocker / "sub" / "a.mp4"), 30.0, (8, 8))
