"""Real X servers for the tests that drive the app as an operator would: Xvfb for one screen, Xorg's dummy video
driver for two (a 1280x720 console screen and a 1920x1080 projector to its right), and xdotool to press keys and
click. Each server picks a free display number itself (-displayfd), so tests running side by side never race
for one. Everything the test command installs (scripts/bootstrap.sh); a missing tool skips with its name.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tools.xorg_dummy import DummyScreen, dummy_conf

REPO_ROOT = Path(__file__).resolve().parents[1]  # not from conftest, which imports this module
START_S = 15.0  # an X server starts in well under a second; a loaded 2-core machine may take a few

CONSOLE_SCREEN_PX = (1280, 720)
PROJECTOR_SCREEN_PX = (1920, 1080)


def _start_server(command: list[str], name: str) -> Iterator[str]:
    """Starts an X server that writes its display number to a pipe (-displayfd) and yields ":N"."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        [*command, "-displayfd", str(write_end), "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        number = _read_display_number(read_end, server)
        if number is None:
            server.kill()
            pytest.skip(f"{name} did not start within {START_S:.0f} s")
        yield f":{number}"
    finally:
        os.close(read_end)
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


def _read_display_number(read_end: int, server: subprocess.Popen) -> int | None:
    import select

    text = b""
    while not text.endswith(b"\n"):
        ready, _, _ = select.select([read_end], [], [], START_S)
        if not ready or server.poll() is not None:
            return None
        chunk = os.read(read_end, 16)
        if not chunk:
            return None
        text += chunk
    return int(text.strip())


@pytest.fixture
def xvfb_display() -> Iterator[str]:
    """One 1600x900 screen."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb xauth, or scripts/bootstrap.sh)")
    # -noreset: without it the server resets whenever its last client leaves (an xdotool call, a killed app),
    # and refuses connections for a moment while it does
    yield from _start_server(["Xvfb", "-screen", "0", "1600x900x24", "-noreset"], "Xvfb")


@pytest.fixture
def two_screens_display(tmp_path_factory) -> Iterator[str]:
    """Two screens side by side on Xorg's dummy video driver: the console's (1280x720 at 0,0) and a projector
    (1920x1080 at 1280,0), as Qt sees two monitors."""
    driver = Path("/usr/lib/xorg/modules/drivers/dummy_drv.so")
    if shutil.which("Xorg") is None or not driver.exists():
        pytest.skip(
            "Xorg's dummy video driver is not installed (xserver-xorg-video-dummy, or scripts/bootstrap.sh)"
        )
    folder = tmp_path_factory.mktemp("xorg")
    config = folder / "xorg.conf"
    screens = [DummyScreen("console", *CONSOLE_SCREEN_PX), DummyScreen("projector", *PROJECTOR_SCREEN_PX)]
    config.write_text(dummy_conf(screens))
    command = ["Xorg", "-config", str(config), "-logfile", str(folder / "xorg.log"), "-noreset"]
    yield from _start_server(command, "Xorg with the dummy driver")


def xdotool(display: str, *args: str, timeout: float = 20.0, check: bool = False) -> str:
    """Runs xdotool on the display (real key and mouse events, as a keyboard or clicker sends them)."""
    if shutil.which("xdotool") is None:
        pytest.skip("xdotool is not installed (apt-get install xdotool, or scripts/bootstrap.sh)")
    result = subprocess.run(
        ["xdotool", *args],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )
    return result.stdout.strip()


def app_environment(display: str, config_dir: Path) -> dict[str, str]:
    """The environment the real app runs in on that display, with its settings kept in config_dir."""
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(
        DISPLAY=display, PYOPENGL_PLATFORM="egl", PYTHONPATH=str(REPO_ROOT), ARWED_CONFIG_DIR=str(config_dir)
    )
    return env


def end_app(app: subprocess.Popen) -> None:
    """After a test's last step: an app still running (the test failed before it quit) is killed and reaped."""
    if app.poll() is None:
        app.kill()
        app.communicate(timeout=10)


def arwed_command(*args: str) -> list[str]:
    """`python -m arwed ARGS` with the test's interpreter."""
    return [sys.executable, "-m", "arwed", *args]


def read_xwd(path: Path) -> np.ndarray:
    """A TrueColor XWD dump (what `xwd -root` writes) as a BGR image."""
    data = path.read_bytes()
    header = np.frombuffer(data[:100], ">u4")
    header_size, width, height, byte_order = int(header[0]), int(header[4]), int(header[5]), int(header[7])
    bits_per_pixel, bytes_per_line, colours = int(header[11]), int(header[12]), int(header[19])
    assert bits_per_pixel in (24, 32), f"expected 24 or 32 bits per pixel, found {bits_per_pixel}"
    size = bits_per_pixel // 8
    start = header_size + 12 * colours
    rows = np.frombuffer(data[start : start + bytes_per_line * height], np.uint8).reshape(height, -1)
    pixels = rows[:, : width * size].reshape(height, width, size)
    # LSBFirst: blue, green, red (, pad); MSBFirst: (pad,) red, green, blue
    return np.ascontiguousarray(pixels[..., :3] if byte_order == 0 else pixels[..., -3:][..., ::-1])
