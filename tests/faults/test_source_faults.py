"""Sources that change size, carry unreadable frames, or are not files: the run goes on, or one line."""

from __future__ import annotations

import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from arwed.capture.sources import MAX_SOURCE_PIXELS, open_source
from arwed.errors import SourceError
from tests.faults.bombs import _png

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _picture(width: int, height: int, value: int) -> np.ndarray:
    image = np.full((height, width, 3), value, np.uint8)
    cv2.circle(image, (width // 2, height // 2), min(width, height) // 4, (0, 0, 255), -1)
    return image


def test_a_folder_of_mixed_sizes_and_a_broken_image_goes_on_at_the_first_size(tmp_path):
    cv2.imwrite(str(tmp_path / "a.png"), _picture(320, 240, 50))
    cv2.imwrite(str(tmp_path / "b.png"), _picture(200, 400, 100))  # portrait
    (tmp_path / "c.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    cv2.imwrite(str(tmp_path / "d.png"), _picture(640, 480, 150))  # same shape, twice the size
    (tmp_path / "e.png").write_bytes(_png(20000, 20000))  # too big to decode: skipped too
    source = open_source(str(tmp_path))
    frames = []
    while (frame := source.read()) is not None:
        frames.append(frame)
    assert [f.size_px for f in frames] == [(320, 240)] * 3
    assert source.frames_skipped == 2 and source.frames_fitted == 2
    portrait = frames[1].image_bgr
    assert portrait[:, :100].max() == 0 and portrait[:, -100:].max() == 0  # black bars either side
    assert portrait[120, 160, 2] == 255  # the red disc, centred
    assert np.abs(frames[2].image_bgr.astype(int) - _picture(320, 240, 150)).mean() < 3  # scaled, not cut


def test_sources_that_are_not_files_or_too_big_are_one_line(tmp_path):
    fifo = tmp_path / "stream.mp4"
    os.mkfifo(fifo)
    with pytest.raises(SourceError, match="not a video file"):
        open_source(str(fifo))
    still = tmp_path / "huge.png"
    still.write_bytes(_png(20000, 20000))
    with pytest.raises(SourceError, match=r"20000x20000 px .* over the 36.0 Mpx limit for a source image"):
        open_source(str(still))
    assert MAX_SOURCE_PIXELS < 20000 * 20000


def test_render_of_a_mixed_folder_runs_to_the_end_with_one_clean_note_per_fault(tmp_path):
    """The real command on mixed sizes (MediaPipe's smoothing used to assert on the new size): exit 0;
    a bad source is one line with nothing from OpenCV or FFmpeg around it."""
    from arwed.capture.demo import DemoSource

    demo = DemoSource(frames=1, size_px=(480, 270)).read().image_bgr
    folder = tmp_path / "shots"
    folder.mkdir()
    for index in range(6):
        image = demo if index % 2 == 0 else cv2.resize(demo, (300, 300))
        cv2.imwrite(str(folder / f"{index}.png"), image)
    (folder / "3.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    arwed = [sys.executable, "-c", "import sys; from arwed.cli import main; sys.exit(main())"]
    env = dict(os.environ, PYTHONPATH=REPO, QT_QPA_PLATFORM="offscreen", PYOPENGL_PLATFORM="egl")
    out = tmp_path / "mixed.mp4"
    done = subprocess.run(
        [*arwed, "render", "--source", str(folder), "--out", str(out), "--no-progress"],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    assert "5 frames" in done.stdout and "1 unreadable frame(s) of the source skipped" in done.stdout
    assert "2 frame(s) of another size fitted" in done.stdout
    assert all(line.startswith("arwed: ") for line in done.stderr.splitlines()), done.stderr
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000))
    done = subprocess.run(
        [*arwed, "render", "--source", str(broken), "--out", str(tmp_path / "o.mp4")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith(f"arwed: error: {broken}")
