"""X displays for the console's behaviour tests: Xorg's dummy video driver with two screens (a laptop and a
projector, as RandR outputs Qt sees as two QScreens), the real app started on it, keys through xdotool,
its --stats on demand (SIGUSR1) and pictures of the whole display (xwd, read here without any image tool)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO_ROOT

LAPTOP_PX, PROJECTOR_PX = (1600, 900), (1280, 720)
DUMMY_CONF = """
Section "Device"
  Identifier "dummy"
  Driver "dummy"
  VideoRam 256000
  Option "Monitor-DUMMY0" "laptop"
  Option "Monitor-DUMMY1" "projector"
EndSection
Section "Monitor"
  Identifier "laptop"
  HorizSync 5.0 - 1000.0
  VertRefresh 5.0 - 200.0
  Modeline "1600x900" 118.25 1600 1696 1856 2112 900 903 908 934 -hsync +vsync
  Option "PreferredMode" "1600x900"
  Option "Primary" "true"
EndSection
Section "Monitor"
  Identifier "projector"
  HorizSync 5.0 - 1000.0
  VertRefresh 5.0 - 200.0
  Modeline "1280x720" 74.50 1280 1344 1472 1664 720 723 728 748 -hsync +vsync
  Option "PreferredMode" "1280x720"
  Option "Enable" "true"
  Option "RightOf" "laptop"
EndSection
Section "Screen"
  Identifier "screen"
  Device "dummy"
  Monitor "laptop"
  DefaultDepth 24
  SubSection "Display"
    Depth 24
    Virtual 2880 900
  EndSubSection
EndSection
"""


def _free_display() -> int:
    return next(n for n in range(260, 360) if not Path(f"/tmp/.X{n}-lock").exists())


@pytest.fixture(scope="module")
def two_screens(tmp_path_factory):
    """DISPLAY of an Xorg with two screens: DUMMY0 1600x900 (the console's) and DUMMY1 1280x720 right of it."""
    xorg = shutil.which("Xorg")
    if xorg is None or not Path("/usr/lib/xorg/modules/drivers/dummy_drv.so").exists():
        pytest.skip(
            "Xorg's dummy driver is not installed (xserver-xorg-video-dummy, or scripts/bootstrap.sh)"
        )
    for tool in ("xdotool", "xwd"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (scripts/bootstrap.sh)")
    folder = tmp_path_factory.mktemp("xorg")
    (folder / "dummy.conf").write_text(DUMMY_CONF)
    number = _free_display()
    server = subprocess.Popen(
        [
            xorg,
            f":{number}",
            "-noreset",
            "-nolisten",
            "tcp",
            "-config",
            str(folder / "dummy.conf"),
            "-logfile",
            str(folder / "xorg.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    socket = Path(f"/tmp/.X11-unix/X{number}")
    deadline = time.monotonic() + 15
    while not socket.exists() and time.monotonic() < deadline and server.poll() is None:
        time.sleep(0.05)
    if not socket.exists():
        server.kill()
        pytest.skip(f"Xorg :{number} with the dummy driver did not start (see {folder / 'xorg.log'})")
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


def xdotool(display: str, *args: str) -> str:
    done = subprocess.run(
        ["xdotool", *args], env={**os.environ, "DISPLAY": display}, capture_output=True, text=True, timeout=30
    )
    return done.stdout.strip()


def keys(display: str, *names: str) -> None:
    xdotool(display, "key", "--delay", "150", *names)


def screenshot(display: str) -> np.ndarray:
    """The whole display as BGR (xwd's ZPixmap, 24-bit depth in 32-bit pixels)."""
    data = subprocess.run(
        ["xwd", "-root", "-silent", "-display", display], capture_output=True, timeout=30, check=True
    ).stdout
    header = np.frombuffer(data[:100], ">u4")
    header_size, width, height = int(header[0]), int(header[4]), int(header[5])
    byte_order, bits_per_pixel, bytes_per_line, colours = (
        int(header[7]),
        int(header[11]),
        int(header[12]),
        int(header[19]),
    )
    assert bits_per_pixel in (24, 32), f"xwd wrote {bits_per_pixel}-bit pixels"
    step = bits_per_pixel // 8
    start = header_size + 12 * colours
    rows = np.frombuffer(data[start : start + bytes_per_line * height], np.uint8).reshape(
        height, bytes_per_line
    )
    pixels = rows[:, : width * step].reshape(height, width, step)
    return np.ascontiguousarray(
        pixels[:, :, :3] if byte_order == 0 else pixels[:, :, step - 1 : step - 4 : -1]
    )


class ConsoleApp:
    """`python -m arwed run` on a display, its stats read whenever asked."""

    def __init__(self, display: str, folder: Path, *args: str) -> None:
        self.display, self.folder = display, folder
        self.stats_path, self.log_path = folder / "stats.json", folder / "console.log"
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        env.update(
            DISPLAY=display, PYOPENGL_PLATFORM="egl", PYTHONPATH=str(REPO_ROOT), ARWED_CONFIG_DIR=str(folder)
        )
        command = [
            sys.executable,
            "-m",
            "arwed",
            "run",
            "--source",
            "demo",
            "--keepsakes",
            str(folder / "keep"),
        ]
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in `finish`
        self.process = subprocess.Popen(
            [*command, "--stats", str(self.stats_path), *args],
            env=env,
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )

    def log(self) -> str:
        return self.log_path.read_text()

    def stats(self, timeout_s: float = 90.0) -> dict:
        """The console's state now (after the first copy: asked for with SIGUSR1)."""
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
        while time.monotonic() < deadline:
            stats = self.stats()
            if condition(stats):
                return stats
            time.sleep(0.3)
        brief = {k: v for k, v in stats.items() if k not in ("outputs", "fields")}
        pytest.fail(f"never {what}: {brief}")

    def finish(self, timeout_s: float = 60.0) -> int:
        try:
            self.process.wait(timeout=timeout_s)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=10)
            self._log.close()
        return self.process.returncode
