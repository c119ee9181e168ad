"""The real console on a test X server (tests/xvfb.py), driven as an operator: keys through xdotool, its
--stats asked for at any moment (SIGUSR1), pictures of the whole display (xwd)."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO_ROOT
from tests.xvfb import app_environment, arwed_command, read_xwd, xdotool


def keys(display: str, *names: str) -> None:
    xdotool(display, "key", "--delay", "150", *names)


def screenshot(display: str, folder: Path) -> np.ndarray:
    """The whole display as BGR."""
    if shutil.which("xwd") is None:
        pytest.skip("xwd is not installed (x11-apps, or scripts/bootstrap.sh)")
    path = folder / "screen.xwd"
    subprocess.run(
        ["xwd", "-root", "-silent", "-display", display, "-out", str(path)], timeout=30, check=True
    )
    return read_xwd(path)


class ConsoleApp:
    """`python -m arwed run --source demo ARGS` on a display, its stats read whenever asked."""

    def __init__(self, display: str, folder: Path, *args: str) -> None:
        self.display, self.folder = display, folder
        self.stats_path, self.log_path = folder / "stats.json", folder / "console.log"
        command = arwed_command("run", "--source", "demo", "--keepsakes", str(folder / "keep"))
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in `finish`
        self.process = subprocess.Popen(
            [*command, "--stats", str(self.stats_path), *args],
            env=app_environment(display, folder),
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )

    def log(self) -> str:
        return self.log_path.read_text()

    def stats(self, timeout_s: float = 90.0) -> dict:
        """The console's state now (after its first copy, asked for with SIGUSR1)."""
        previous = self.stats_path.stat().st_mtime_ns if self.stats_path.exists() else None
        if previous is not None:
            self.process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.process.poll() is None:
            if self.stats_path.exists() and self.stats_path.stat().st_mtime_ns != previous:
                return json.loads(self.stats_path.read_text())
            time.sleep(0.05)
        pytest.fail(f"the console wrote no stats: {self.log()[-2000:]}")

    def wait_until(self, condition, timeout_s: float = 30.0, what: str = "") -> dict:
        deadline = time.monotonic() + timeout_s
        while True:
            stats = self.stats()
            if condition(stats):
                return stats
            if time.monotonic() > deadline:
                brief = {k: v for k, v in stats.items() if k not in ("outputs", "fields")}
                pytest.fail(f"never {what}: {brief}")
            time.sleep(0.3)

    def finish(self, timeout_s: float = 60.0) -> int:
        try:
            self.process.wait(timeout=timeout_s)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=10)
            self._log.close()
        return self.process.returncode
