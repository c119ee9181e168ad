"""The operator's keys on the real app under Xvfb, pressed with xdotool as a keyboard or clicker would.

One run of `python -m arwed run --source demo`: the operator clicks the gap field, types a number (its
'.' is also the blackout key), presses H straight after (it hides the character), leaves the field with
Esc, holds B and then Page Down for over a second each (Xvfb auto-repeats a held key: each acts once)
switches the operator lock on with Ctrl+L (the gap field then types nothing) and quits with Ctrl+Q
twice. The app's --stats file tells what the keys did.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.xvfb import app_environment, arwed_command, end_app, xdotool

HOLD_S = 1.5  # longer than the X server's auto-repeat delay (660 ms by default)


def _wait_for_stats(path: Path, app: subprocess.Popen, timeout_s: float = 90) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and app.poll() is None:
        if path.exists():
            return json.loads(path.read_text())
        time.sleep(0.2)
    app.kill()
    _, stderr = app.communicate(timeout=10)
    pytest.fail(f"the console never wrote its stats: {stderr[-2000:]}")


@pytest.mark.slow
def test_ceremony_keys_act_whatever_has_the_focus_and_a_held_key_acts_once(xvfb_display, tmp_path):
    if shutil.which("xdotool") is None:
        pytest.skip("xdotool is not installed (apt-get install xdotool, or scripts/bootstrap.sh)")
    stats_path = tmp_path / "stats.json"
    env = app_environment(xvfb_display, tmp_path)
    command = arwed_command("run", "--source", "demo", "--keepsakes", str(tmp_path / "keep"))
    app = subprocess.Popen(
        [*command, "--stats", str(stats_path)],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = _wait_for_stats(stats_path, app)
        stats_path.unlink()
        assert first["keys"] == {"acted": {}, "repeats_ignored": 0}
        x, y, w, h = first["fields"]["gapSpin"]["rect"]
        keys = lambda *names: xdotool(xvfb_display, "key", "--delay", "120", *names)  # noqa: E731
        xdotool(xvfb_display, "mousemove", str(x + w // 3), str(y + h // 2), "click", "1")
        keys("ctrl+a", "1", "period", "5", "Return", "h")  # digits and '.' type; H acts from the field
        keys("Escape")  # leaves the field: the focus goes back to the preview
        for held in ("b", "Next"):  # a held B toggles the blackout once; a held Page Down steps once
            xdotool(xvfb_display, "keydown", held)
            time.sleep(HOLD_S)
            xdotool(xvfb_display, "keyup", held)
            time.sleep(0.3)
        keys("ctrl+l")  # the operator lock: every field read-only
        xdotool(xvfb_display, "mousemove", str(x + w // 3), str(y + h // 2), "click", "1")
        keys("ctrl+a", "3", "Return", "Escape")  # types nothing; Esc still leaves the field
        keys("ctrl+q", "ctrl+q")
        _, stderr = app.communicate(timeout=60)
    finally:
        end_app(app)
    assert app.returncode == 0, stderr[-2000:]
    stats = json.loads(stats_path.read_text())
    assert stats["fields"]["gapSpin"]["value"] == pytest.approx(1.5)
    assert stats["focus"] == "preview"
    assert stats["operator_locked"] and stats["fields"]["gapSpin"]["read_only"]
    assert stats["keys"]["acted"] == {
        "toggle_hidden": 1,
        "toggle_blackout": 1,
        "step_forward": 1,
        "toggle_operator_lock": 1,
        "quit": 2,
    }
    assert stats["keys"]["repeats_ignored"] >= 2, "the X server did not auto-repeat the held keys"
    # H hid the character, B blacked out once, Page Down stepped once: out of the blackout, still hidden
    assert (stats["hidden"], stats["blackout"]) == (True, False)
