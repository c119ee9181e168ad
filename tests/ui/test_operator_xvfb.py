"""The operator's day on the real app, on two screens (Xorg's dummy driver: the laptop and a projector),
driven with real key events through xdotool (auto-repeat included).

One start of `python -m arwed run --source demo` with the stage output full screen on the projector, a
camera-black output full screen on the console's own screen and her view (eyes) in a window:
- full screen is what was asked, also on the console's screen; Esc leaves that one (saved so), F11 leaves
  nothing else (the projector stays full screen);
- the fade time typed into its field (2.5 s); R records; B fades every output to black and back (B held:
  auto-repeat ignored), H fades the character out: the projector painted the fades' frames in between
  (the recording keeps the picture: the keepsake film's replay switches the blackout);
- the gap typed large: PARTNER OUT OF FRAME on the preview, "partner out of frame" in the status bar;
  REC with its time, BLACKOUT, HIDDEN and her head tracking on the preview, none of it on the projector;
- Ctrl+Q twice while recording asks; Esc keeps recording; the quit key in the question quits, and the
  recording is saved whole;
- meanwhile `arwed run` given two outputs for the projector's screen is refused (exit code 2).
Pictures of the console go to /work/notes/shots/operator/ when that folder exists.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from arwed.session.recovery import marker_path
from tests.conftest import REPO_ROOT
from tests.ui.xdisplay import ConsoleApp, keys, screenshot
from tests.xvfb import CONSOLE_SCREEN_PX, PROJECTOR_SCREEN_PX, xdotool

SHOTS = Path("/work/notes/shots/operator")
HOLD_S = 1.5  # longer than the X server's auto-repeat delay
FADE_S = 2.5  # long enough for a loaded 2-core machine to paint some of its frames


def _shot(display: str, folder: Path, name: str) -> np.ndarray:
    picture = screenshot(display, folder)
    if SHOTS.is_dir():
        cv2.imwrite(str(SHOTS / f"{name}.png"), picture[: CONSOLE_SCREEN_PX[1], : CONSOLE_SCREEN_PX[0]])
    return picture


def _red_pixels(region: np.ndarray) -> int:
    """Pixels of the REC light's red (nearly opaque over the picture)."""
    b, g, r = (region[:, :, i].astype(int) for i in range(3))
    return int(np.sum((r > 180) & (g < 90) & (b < 90)))


def _type_into(app: ConsoleApp, field: str, text: str) -> None:
    x, y, w, h = app.stats()["fields"][field]["rect"]
    for _ in range(6):  # a small screen: the side panel scrolls (the mouse wheel over it, not over a field)
        if y + h < CONSOLE_SCREEN_PX[1] - 40:
            break
        over_labels = str(max(0, x - 120))
        xdotool(
            app.display, "mousemove", over_labels, str(CONSOLE_SCREEN_PX[1] // 2), "click", "5", "click", "5"
        )
        x, y, w, h = app.stats()["fields"][field]["rect"]
    xdotool(app.display, "mousemove", str(x + w // 3), str(y + h // 2), "click", "1")
    keys(app.display, "ctrl+a", *["period" if c == "." else c for c in text], "Return", "Escape")


def _start_refused_outputs(display: str, folder: Path) -> subprocess.Popen:
    """`arwed run` given two outputs for the projector's screen: refused, one line, exit code 2."""
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(DISPLAY=display, PYTHONPATH=str(REPO_ROOT), ARWED_CONFIG_DIR=str(folder))
    command = ["run", "--source", "demo", "--output", "stage@2", "--output", "eyes@DUMMY1"]
    return subprocess.Popen(
        [sys.executable, "-m", "arwed", *command],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_painted(app: ConsoleApp, index: int, level: float, what: str) -> dict:
    """Until the projector painted a frame at `level` (index 1: the curtain, 2: the character's visibility)."""
    return app.wait_until(lambda s: _output(s, "stage")["paints"][-1][index] == level, what=what)


def _focus_question(display: str) -> None:
    """What a window manager does: the keyboard goes to the question that just opened."""
    (window,) = xdotool(display, "search", "--name", "Quit while recording").split()[-1:]
    xdotool(display, "windowfocus", "--sync", window)


def _saved_screens(folder: Path) -> list[tuple]:
    return [
        (o["screen"], o["full_screen"])
        for o in yaml.safe_load((folder / "console.yaml").read_text())["outputs"]
    ]


def _output(stats: dict, mode: str) -> dict:
    return next(o for o in stats["outputs"] if o["mode"] == mode)


@pytest.mark.slow
def test_the_operator_runs_the_day_with_fades_lights_full_screens_and_a_guarded_quit(
    two_screens_display, tmp_path
):
    display = two_screens_display
    refused = _start_refused_outputs(display, tmp_path / "refused")  # meanwhile: two outputs for one screen
    app = ConsoleApp(
        display, tmp_path, "--output", "stage@2", "--fullscreen-output", "camera-black@1", "--output", "eyes"
    )
    try:
        stats = app.wait_until(
            lambda s: s["console_frames_painted"] > 3, timeout_s=120, what="painted a frame"
        )
        projector, own = _output(stats, "stage"), _output(stats, "camera-black")
        assert (
            projector["screen"] == "DUMMY1"
            and projector["full_screen"]
            and projector["size"] == list(PROJECTOR_SCREEN_PX)
        )
        assert own["screen"] == "DUMMY0" and own["full_screen"] and own["size"] == list(CONSOLE_SCREEN_PX)
        keys(display, "Escape")  # leaves the full screen that covers the console
        stats = app.wait_until(
            lambda s: not _output(s, "camera-black")["full_screen"], what="left full screen"
        )
        keys(display, "F11")  # nothing else covers the console: the projector stays full screen
        wanted = [("DUMMY1", True), (None, True), ("DUMMY0", False)]  # saved so (a moment after the change)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _saved_screens(tmp_path) != wanted:
            time.sleep(0.1)
        assert _saved_screens(tmp_path) == wanted
        for name, x in (("(camera-black)", "0"), ("(eyes)", "700")):  # the two windows off the preview
            for window in xdotool(display, "search", "--name", name).split():
                xdotool(display, "windowmove", window, x, "730")  # below the console's screen

        _type_into(app, "fadeSpin", "2.5")
        app.wait_until(lambda s: s["fade_s"] == FADE_S, what="took the fade time")
        keys(display, "r")
        app.wait_until(
            lambda s: s["recording"] and any(t.startswith("● REC") for t in s["on_air"]), what="recorded"
        )
        blackout_s = time.monotonic()
        keys(display, "b")
        _wait_painted(app, 1, 0.0, "faded to black")
        xdotool(display, "keydown", "b")  # held: one toggle, the X server's repeats ignored
        time.sleep(HOLD_S)
        xdotool(display, "keyup", "b")
        _wait_painted(app, 1, 1.0, "faded back")

        _type_into(app, "gapSpin", "4")  # his spot far outside the picture
        stats = app.wait_until(lambda s: "PARTNER OUT OF FRAME" in s["on_air"], what="said out of frame")
        assert stats["status_bar"]["tracking"] == "● tracking · partner out of frame"
        picture = _shot(display, tmp_path, "preview-rec-partner-out-of-frame")
        x, y, w, h = stats["fields"]["preview"]["rect"]  # the preview widget (the lights are in its corner)
        assert _red_pixels(picture[y : y + 60, x : x + 300]) > 100  # the REC light on the preview
        assert (
            _red_pixels(picture[:120, CONSOLE_SCREEN_PX[0] : CONSOLE_SCREEN_PX[0] + 400]) == 0
        )  # never on the projector
        _type_into(app, "gapSpin", "0.7")
        app.wait_until(lambda s: "PARTNER OUT OF FRAME" not in s["on_air"], what="had him back in frame")
        hide_s = time.monotonic()
        keys(display, "h")
        _wait_painted(app, 2, 0.0, "faded the character out")
        keys(display, "b")
        stats = _wait_painted(app, 1, 0.0, "faded to black again")
        _shot(display, tmp_path, "preview-rec-blackout-hidden-head")
        lights = stats["on_air"]
        assert lights[0].startswith("● REC 00:") and lights[1:3] == ["BLACKOUT", "HIDDEN"]
        assert any(t.startswith("HEAD: ") for t in lights) and stats["status_bar"]["head"].startswith(
            "● head: "
        )
        assert stats["keys"]["acted"]["toggle_blackout"] == 3 and stats["keys"]["repeats_ignored"] >= 2

        paints = _output(stats, "stage")["paints"]  # what the projector painted, frame by frame
        levels = [p[1] for p in paints if p[0] >= blackout_s]  # the blackout's curtain, painted in order
        black = levels.index(0.0)
        shown = next((i for i in range(black, len(levels)) if levels[i] == 1.0), None)
        assert shown is not None, (stats["keys"], levels)
        out = [level for level in levels[:black] if 0.0 < level < 1.0]
        back = [level for level in levels[black:shown] if 0.0 < level < 1.0]
        assert out == sorted(out, reverse=True), levels  # to black, never brighter
        assert back == sorted(back), levels  # and back up
        assert len(out) + len(back) >= 2, levels  # frames between, painted (however loaded the machine)
        hiding = [p[2] for p in paints if p[0] >= hide_s and 0.0 < p[2] < 1.0]
        assert hiding and hiding == sorted(hiding, reverse=True), hiding  # the character fading out
        assert paints[-1][1] == 0.0  # black at the end

        keys(display, "ctrl+q", "ctrl+q")
        app.wait_until(lambda s: s["quit_question"], what="asked before quitting while recording")
        _focus_question(display)
        keys(display, "Escape")  # keeps recording
        stats = app.wait_until(lambda s: not s["quit_question"], what="closed the question")
        assert stats["recording"] and app.process.poll() is None
        keys(display, "ctrl+q", "ctrl+q")
        app.wait_until(lambda s: s["quit_question"], what="asked again")
        _focus_question(display)
        keys(display, "ctrl+q")  # the quit key once more: stop the recording and quit
        assert app.finish() == 0, app.log()[-3000:]
    finally:
        if app.process.poll() is None:
            app.process.kill()
        app.finish()
    log = app.log()
    assert "recording saved" in log, log[-3000:]
    _, stderr = refused.communicate(timeout=60)
    assert refused.returncode == 2
    assert "arwed: error: screen DUMMY1 is given two outputs (stage and eyes)" in stderr
    video = Path(re.search(r"recording to (\S+\.mp4)", log).group(1))
    assert not marker_path(video).exists()  # finished properly, nothing left to recover
    capture = cv2.VideoCapture(str(video))
    brightness = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        brightness.append(float(frame.mean()))
    capture.release()
    if SHOTS.is_dir():  # what the run saw, for the notes
        figures = {
            "painted_fading_frames": {"out": len(out), "back": len(back), "hide": len(hiding)},
            "recording_frames": len(brightness),
        }
        (SHOTS / "xvfb-run-figures.json").write_text(json.dumps(figures, indent=1))
    # the keepsake keeps the picture through the blackouts (the replay switches them: keepsakes' tests)
    assert len(brightness) > 10 and min(brightness) > 20.0, brightness
