"""Whether a window can open here: one rule for `arwed run`, `arwed calibrate` (live) and `arwed doctor`.

Checked before Qt starts, because Qt aborts the whole process (no message, no saved set-up) when it
cannot reach a screen."""

from __future__ import annotations

import ctypes.util
import os
import sys

from arwed.errors import UserError

# the libraries Qt's X11 plugin needs beyond a plain X client (Qt aborts the process without them)
XCB_LIBRARIES = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-image": "libxcb-image0",
    "xcb-render-util": "libxcb-render-util0",
    "xkbcommon-x11": "libxkbcommon-x11-0",
}
HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb", "minimalegl")


def display_problem() -> str | None:
    """Why no window can open here, or None when one can (a headless Qt platform such as offscreen counts)."""
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    if platform in HEADLESS_PLATFORMS or not sys.platform.startswith("linux"):
        return None
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        return "DISPLAY and WAYLAND_DISPLAY are unset"
    if platform in ("", "xcb") and not os.environ.get("WAYLAND_DISPLAY"):
        missing = [
            package for library, package in XCB_LIBRARIES.items() if ctypes.util.find_library(library) is None
        ]
        if missing:
            return (
                f"Qt's X11 support needs {' '.join(missing)} (sudo apt-get install {' '.join(missing)}, "
                "or run scripts/bootstrap.sh)"
            )
    return None


def require_display(what: str, instead: str) -> None:
    """One line, exit code 2, instead of Qt aborting the process: `what` needs a screen; `instead` is the way out."""
    problem = display_problem()
    if problem is not None:
        raise UserError(f"no display: {what} needs a screen ({problem}); {instead}")
