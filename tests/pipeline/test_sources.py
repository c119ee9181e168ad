"""Frame sources: every kind of --source, the demo's known motion, and the errors a user can hit."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from arwed.capture.demo import DemoSource, demo_photo_path
from arwed.capture.sources import ImageSequenceSource, VideoFileSource, open_source
from arwed.errors import SourceError


def _write_images(folder, count, size=(64, 48)):
    paths = []
    for i in range(count):
        image = np.full((size[1], size[0], 3), i * 20, np.uint8)
        path = folder / f"img_{i:02d}.png"
        cv2.imwrite(str(path), image)
        paths.append(path)
    return paths


def test_demo_is_a_moving_person_with_known_motion():
    source = DemoSource(frames=40)
    first, later = source.read(), None
    for _ in range(30):
        later = source.read()
    assert first.size_px == (1280, 720) and later.index == 30
    assert later.media_time_s == pytest.approx(1.0)
    assert not np.array_equal(first.image_bgr, later.image_bgr)
    # the known transform is the ground truth: a photo pixel lands where demo_transform says
    photo = cv2.imread(str(demo_photo_path()))
    affine = source.transform_at(1.0)
    x, y = 256, 300  # the middle of the face in the photo
    u, v = affine @ np.array([x, y, 1.0])
    rendered = later.image_bgr[int(round(v)), int(round(u))].astype(int)
    assert np.abs(rendered - photo[y, x].astype(int)).max() < 40


def test_demo_ends_after_its_frames_and_loops_when_asked():
    source = DemoSource(frames=3, size_px=(320, 180))
    assert [source.read() is not None for _ in range(4)] == [True, True, True, False]
    looping = DemoSource(frames=2, size_px=(320, 180), loop=True)
    assert all(looping.read() is not None for _ in range(5))


def test_still_image_repeats(tmp_path):
    (path,) = _write_images(tmp_path, 1)
    source = open_source(str(path), still_frames=5)
    frames = [source.read() for _ in range(6)]
    assert all(f is not None for f in frames[:5]) and frames[5] is None
    assert frames[4].media_time_s == pytest.approx(4 / 30.0)


def test_folder_and_glob_play_images_in_order(tmp_path):
    _write_images(tmp_path, 3)
    for spec in (str(tmp_path), str(tmp_path / "img_*.png")):
        source = open_source(spec)
        assert isinstance(source, ImageSequenceSource)
        values = [int(source.read().image_bgr[0, 0, 0]) for _ in range(3)]
        assert values == [0, 20, 40] and source.read() is None


def test_video_file_round_trip(tmp_path):
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (64, 48))
    for i in range(10):
        writer.write(np.full((48, 64, 3), i * 25, np.uint8))
    writer.release()
    source = open_source(str(path))
    assert isinstance(source, VideoFileSource) and source.fps == pytest.approx(25.0)
    frames = []
    while (frame := source.read()) is not None:
        frames.append(frame)
    assert len(frames) == 10
    assert frames[-1].media_time_s == pytest.approx(9 / 25.0)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: str(d / "missing.mp4"), "no such file"),
        (lambda d: str(d / "*.png"), "no images match"),
        (lambda d: str(d), "has no images"),
        (lambda d: "camera:abc", "camera:N"),
        (lambda d: "camera:63", "cannot open"),
    ],
)
def test_bad_sources_say_what_is_wrong(tmp_path, make, message):
    with pytest.raises(SourceError, match=message):
        open_source(make(tmp_path))


def test_corrupt_image_and_video_are_refused(tmp_path):
    bad_image = tmp_path / "broken.jpg"
    bad_image.write_bytes(b"\xff\xd8 not really a jpeg")
    with pytest.raises(SourceError, match="not a readable image"):
        open_source(str(bad_image))
    bad_video = tmp_path / "broken.mp4"
    bad_video.write_bytes(b"\x00" * 1000)
    with pytest.raises(SourceError, match="broken.mp4"):
        open_source(str(bad_video))
