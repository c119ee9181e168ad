"""Key-to-output latency of blackout and hide, measured on the real console with real key events.

Starts Xvfb (one 1600x900 screen), then `arwed run --source demo --output stage` (the stage output as a
window) with the fade time given (default 0: a cut). Presses B and H through XTest (libXtst via ctypes, so
the moment of each press is known to the microsecond on time.monotonic(), the clock every process on the
machine shares), PRESSES times each, 1.5 s apart, and reads back from the console's --stats (SIGUSR1) when
the stage output window painted its first frame showing the change:
- blackout on: the first frame painted at curtain 0 (black) after the press (with a fade: the first
  frame painted darker than the picture, the fade's start, and the one at black);
- blackout off: the first painted at curtain 1 after the press (the fade's start: above 0);
- hide: the first painted at visibility 0 (the character gone; with a fade, below 1 first);
- show: the first painted at visibility 1.
Prints the median and maximum of each in milliseconds, and a JSON line. Speed is measured here and
reported, never asserted by a test.

    .venv/bin/python scripts/measure_operator_latency.py [--presses N] [--fade SECONDS] [--json FILE]
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import random
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GAP_S = 1.5  # between presses: the change is painted and the fade is over before the next


class XTest:
    """Key presses through the XTest extension, as a keyboard sends them (auto-repeat cannot happen)."""

    def __init__(self, display: str) -> None:
        self._x11 = ctypes.CDLL("libX11.so.6")
        self._xtst = ctypes.CDLL("libXtst.so.6")
        self._x11.XOpenDisplay.restype = ctypes.c_void_p
        self._x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self._x11.XStringToKeysym.restype = ctypes.c_ulong
        self._x11.XStringToKeysym.argtypes = [ctypes.c_char_p]
        self._x11.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        self._x11.XFlush.argtypes = [ctypes.c_void_p]
        self._x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        self._xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
        self._display = self._x11.XOpenDisplay(display.encode())
        if not self._display:
            raise SystemExit(f"cannot open display {display}")

    def press(self, key: str) -> float:
        """Press and release `key`; the time.monotonic() at which the press left for the X server."""
        code = self._x11.XKeysymToKeycode(self._display, self._x11.XStringToKeysym(key.encode()))
        self._xtst.XTestFakeKeyEvent(self._display, code, 1, 0)
        pressed_s = time.monotonic()
        self._x11.XSync(self._display, 0)
        time.sleep(0.06)
        self._xtst.XTestFakeKeyEvent(self._display, code, 0, 0)
        self._x11.XSync(self._display, 0)
        return pressed_s


def _start_xvfb(tries: int = 5) -> tuple[subprocess.Popen, str]:
    """An Xvfb that accepts connections, on a display number of its own.

    The script used to read the number -displayfd gives once and close the pipe: the newline often came
    in a second write, which then failed, and Xvfb stopped ("Cannot write display number"); the console
    aborted with "could not connect to display" and the script said "the console wrote no stats" (4 of 8
    starts here). Now the number is chosen here (a high random one free in /tmp, away from the low
    numbers other X servers on the machine take), the pipe is read to its newline (the server is ready
    then), and the server is checked with a real connection (-noreset: the check's leaving must not
    reset the server while the console connects); another number is tried when it does not answer."""
    for _ in range(tries):
        number = random.randrange(2000, 30000)
        if any(Path(p).exists() for p in (f"/tmp/.X{number}-lock", f"/tmp/.X11-unix/X{number}")):
            continue
        read_end, write_end = os.pipe()
        server = subprocess.Popen(
            ["Xvfb", f":{number}", "-screen", "0", "1600x900x24", "-nolisten", "tcp", "-noreset"]
            + ["-displayfd", str(write_end)],  # written once the server is ready
            pass_fds=(write_end,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write_end)
        written = b""
        while not written.endswith(b"\n"):  # the number, then its newline: read both (a closed pipe
            ready, _, _ = select.select([read_end], [], [], 15)  # would stop the server)
            chunk = os.read(read_end, 16) if ready else b""
            if not chunk:
                break
            written += chunk
        os.close(read_end)
        display = f":{number}"
        if written.endswith(b"\n") and _answers(display, server):
            return server, display
        server.kill()
        server.wait()
    raise SystemExit(f"Xvfb did not start in {tries} tries")


def _answers(display: str, server: subprocess.Popen, timeout_s: float = 10.0) -> bool:
    """True once a client can open `display` (and its server still runs)."""
    x11 = ctypes.CDLL("libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and server.poll() is None:
        connection = x11.XOpenDisplay(display.encode())
        if connection:
            x11.XCloseDisplay(connection)
            return True
        time.sleep(0.2)
    return False


def _stats(app: subprocess.Popen, path: Path, timeout_s: float = 120.0) -> dict:
    previous = path.stat().st_mtime_ns if path.exists() else None
    if previous is not None:
        app.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and app.poll() is None:
        if path.exists() and path.stat().st_mtime_ns != previous:
            return json.loads(path.read_text())
        time.sleep(0.05)
    ended = f" (it ended with exit code {app.returncode})" if app.poll() is not None else ""
    raise SystemExit(f"the console wrote no stats{ended}: {path.parent / 'console.log'}")


def _first(paints: list, after_s: float, index: int, test) -> float | None:
    """Milliseconds from `after_s` to the first paint whose value at `index` passes `test`."""
    for paint in paints:
        if paint[0] >= after_s and test(paint[index]):
            return (paint[0] - after_s) * 1000.0
    return None


def _summary(values: list[float | None]) -> dict:
    seen = [v for v in values if v is not None]
    if not seen:
        return {"median_ms": None, "max_ms": None, "missed": len(values)}
    return {
        "median_ms": round(statistics.median(seen), 1),
        "max_ms": round(max(seen), 1),
        "missed": len(values) - len(seen),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=10)
    parser.add_argument("--fade", type=float, default=0.0, help="the fade time the console runs with")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    load_before = round(os.getloadavg()[0], 1)
    server, display = _start_xvfb()
    folder = Path(tempfile.mkdtemp(prefix="arwed-latency-"))
    (folder / "console.yaml").write_text(f"fade_s: {args.fade}\n")
    stats_path = folder / "stats.json"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(DISPLAY=display, PYOPENGL_PLATFORM="egl", PYTHONPATH=str(REPO), ARWED_CONFIG_DIR=str(folder))
    command = [sys.executable, "-m", "arwed", "run", "--source", "demo", "--output", "stage"]
    command += ["--keepsakes", str(folder / "keep"), "--stats", str(stats_path)]
    log = open(folder / "console.log", "w")  # noqa: SIM115 - for as long as the console runs
    app = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 120
        while _stats(app, stats_path)["console_frames_painted"] < 10:
            if time.monotonic() > deadline:
                raise SystemExit("the console painted nothing in 120 s")
            time.sleep(0.5)
        window = subprocess.run(
            ["xdotool", "search", "--sync", "--name", "operator console"],
            env={**os.environ, "DISPLAY": display},
            capture_output=True,
            text=True,
            timeout=20,
        ).stdout.split()[0]
        subprocess.run(["xdotool", "windowfocus", "--sync", window], env={**os.environ, "DISPLAY": display})
        keys = XTest(display)
        presses: dict[str, list[float]] = {"blackout_on": [], "blackout_off": [], "hide": [], "show": []}
        for _ in range(args.presses):
            for name, key in (("blackout_on", "b"), ("blackout_off", "b"), ("hide", "h"), ("show", "h")):
                presses[name].append(keys.press(key))
                time.sleep(GAP_S + args.fade)
        stats = _stats(app, stats_path)
        paints = next(o["paints"] for o in stats["outputs"] if o["mode"] == "stage")
        fps = stats["pipeline_stage_fps"]
    finally:
        app.send_signal(signal.SIGINT)
        try:
            app.wait(timeout=30)
        except subprocess.TimeoutExpired:
            app.kill()
        server.terminate()
    result = {
        "fade_s": args.fade,
        "presses": args.presses,
        "pipeline_fps": fps,
        "load_1min": [load_before, round(os.getloadavg()[0], 1)],  # at the start and the end
        "blackout_on_black": _summary(
            [_first(paints, t, 1, lambda c: c == 0.0) for t in presses["blackout_on"]]
        ),
        "blackout_off_shown": _summary(
            [_first(paints, t, 1, lambda c: c == 1.0) for t in presses["blackout_off"]]
        ),
        "hide_gone": _summary([_first(paints, t, 2, lambda v: v == 0.0) for t in presses["hide"]]),
        "show_back": _summary([_first(paints, t, 2, lambda v: v == 1.0) for t in presses["show"]]),
    }
    if args.fade > 0:
        result["blackout_on_first_change"] = _summary(
            [_first(paints, t, 1, lambda c: c < 1.0) for t in presses["blackout_on"]]
        )
        result["hide_first_change"] = _summary(
            [_first(paints, t, 2, lambda v: v < 1.0) for t in presses["hide"]]
        )
    for name, figures in result.items():
        if isinstance(figures, dict):
            print(
                f"{name:26s} median {figures['median_ms']} ms, max {figures['max_ms']} ms, missed {figures['missed']}"
            )
    print(json.dumps(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
