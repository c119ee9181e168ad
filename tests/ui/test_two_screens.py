"""The two-screen X server the operator tests use (tests/xvfb.py): Qt on it sees the console's screen and a
projector beside it, as on a laptop with a projector plugged in."""

from __future__ import annotations

import subprocess

from tests.conftest import REPO_ROOT
from tests.xvfb import CONSOLE_SCREEN_PX, PROJECTOR_SCREEN_PX, app_environment

_LIST_SCREENS = (
    "from PySide6.QtWidgets import QApplication\n"
    "app = QApplication([])\n"
    "for s in app.screens():\n"
    "    g = s.geometry()\n"
    "    print(g.x(), g.y(), g.width(), g.height())\n"
)


def test_qt_sees_two_screens_side_by_side(two_screens_display, tmp_path):
    import sys

    result = subprocess.run(
        [sys.executable, "-c", _LIST_SCREENS],
        env=app_environment(two_screens_display, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    screens = [tuple(int(v) for v in line.split()) for line in result.stdout.splitlines()]
    assert screens == [(0, 0, *CONSOLE_SCREEN_PX), (CONSOLE_SCREEN_PX[0], 0, *PROJECTOR_SCREEN_PX)]


def test_xvfb_displays_are_distinct_when_two_run_at_once(xvfb_display, two_screens_display):
    assert xvfb_display != two_screens_display
