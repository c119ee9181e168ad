"""Whom the partner stands beside, chosen as an operator does: the real console under Xvfb on a still of four
real people in a row (../shared/data, composed by tests/people_photos.py), and a real mouse click on the
leftmost of them in the preview. The console starts beside its own choice (the most central, largest
person: the third) and, after the click, stands beside the person clicked."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import cv2
import pytest

from tests.conftest import REPO_ROOT
from tests.people_photos import compose_row
from tests.xvfb import app_environment, arwed_command, end_app, xdotool

WAIT_S = 90  # for the first stats, for someone followed, for the click to take (minutes under load)
RUN_S = 240  # a backstop only: the test closes the console itself (Ctrl+C) once it has seen what it waits for


def _overlap(a, b) -> float:
    """The share of box a that lies inside box b."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return w * h / max((a[2] - a[0]) * (a[3] - a[1]), 1e-9)


def _stats_now(app: subprocess.Popen, stats_path: Path) -> dict:
    """The console's stats at this moment (it writes them on SIGUSR1): where the preview is drawn now. The
    layout can move while the console runs (a notice, a longer status text), most often on a loaded machine."""
    before = stats_path.stat().st_mtime_ns
    app.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + 20
    while stats_path.stat().st_mtime_ns == before and app.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stats_path.stat().st_mtime_ns != before, "the console wrote no stats when asked"
    return json.loads(stats_path.read_text())


def _stats_when(app: subprocess.Popen, stats_path: Path, wanted) -> dict:
    """The console's stats once `wanted(stats)` holds (asked twice a second), or the last ones after WAIT_S:
    under load a look at the still can take seconds, so the test waits for what it checks, not for a time."""
    deadline = time.monotonic() + WAIT_S
    stats = _stats_now(app, stats_path)
    while not wanted(stats) and app.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
        stats = _stats_now(app, stats_path)
    return stats


def _followed(stats: dict, pasted) -> int | None:
    """Which pasted person the partner stands beside (the one his person's box overlaps most), or None."""
    bbox = stats["partner_person_bbox_px"]
    if bbox is None:
        return None
    return max(range(len(pasted)), key=lambda i: _overlap(bbox, pasted[i].box_px))


@pytest.mark.slow
@pytest.mark.shared
def test_a_click_on_a_person_in_the_preview_makes_them_the_partners_person(
    xvfb_display, tmp_path, shared_data_dir
):
    image, pasted = compose_row(shared_data_dir)
    photo = tmp_path / "row.png"
    cv2.imwrite(str(photo), image)
    stats_path = tmp_path / "stats.json"
    command = arwed_command("run", "--source", str(photo), "--keepsakes", str(tmp_path / "keep"))
    app = subprocess.Popen(
        [*command, "--stats", str(stats_path), "--quit-after", str(RUN_S)],
        env=app_environment(xvfb_display, tmp_path),
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + WAIT_S
        while not stats_path.exists() and app.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert stats_path.exists(), "the console never wrote its first stats"
        # the console's own choice first (the most central, largest person: not the leftmost), so that the
        # click is what moves him
        stats = _stats_when(app, stats_path, lambda stats: _followed(stats, pasted) not in (None, 0))
        assert _followed(stats, pasted) not in (None, 0), "the console chose nobody, or the leftmost itself"
        x, y, w, h = stats["preview_rect"]  # where the preview is drawn at the moment of the click
        # the leftmost person's chest, in the preview's window coordinates
        x0, y0, x1, y1 = pasted[0].box_px
        frame_x, frame_y = (x0 + x1) / 2, y0 + 0.35 * (y1 - y0)
        click_x = round(x + frame_x * w / image.shape[1])
        click_y = round(y + frame_y * h / image.shape[0])
        xdotool(xvfb_display, "mousemove", str(click_x), str(click_y), "click", "1", check=True)
        stats = _stats_when(app, stats_path, lambda stats: _followed(stats, pasted) == 0)
        app.send_signal(
            signal.SIGINT
        )  # the terminal's Ctrl+C: the console closes as the operator's quit does
        _, stderr = app.communicate(timeout=WAIT_S)
    finally:
        end_app(app)
    assert app.returncode == 0, stderr[-2000:]
    chosen = _followed(stats, pasted)
    assert chosen is not None, "nobody was followed after the click"
    assert chosen == 0, f"the partner stands beside person {chosen}, not the one clicked (0)"
    assert _overlap(stats["partner_person_bbox_px"], pasted[0].box_px) > 0.5
