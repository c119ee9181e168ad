"""Importing mediapipe's parts without mediapipe's own package `__init__` (which imports matplotlib).

`import mediapipe` (and importing any of its submodules, which runs that `__init__` first) imports every
legacy solution, and one of them (`mediapipe.python.solutions.drawing_utils`) imports matplotlib.pyplot:
about 1 s of CPU on a quiet 2-core machine and 3-4 s under load, at every tracker start, for plotting
that arwed never does. So the two package initialisers that lead there, `mediapipe` and
`mediapipe.python.solutions`, are registered as bare packages (their folder, no code run) by
`mediapipe_without_matplotlib()`, called before every import of mediapipe; the imports that follow it
name the modules they use in full (`from mediapipe.python.solutions import face_mesh`), and everything
else of mediapipe (`mediapipe.python`, `mediapipe.tasks.python`) initialises as it always does.

Where mediapipe was already imported whole (by someone else in the process), that is used as it is.
A bare `mediapipe` has no `solutions`, `tasks` or `__version__` of its own until those are imported.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from pathlib import Path

BARE_PACKAGES = ("mediapipe", "mediapipe.python.solutions")  # their __init__ leads to matplotlib
_lock = threading.Lock()


def _register_bare(name: str) -> None:
    if name in sys.modules:
        return
    parent, _, child = name.rpartition(".")
    if parent:
        importlib.import_module(parent)
    spec = importlib.util.find_spec(name)
    if spec is None or spec.submodule_search_locations is None:
        raise ModuleNotFoundError(f"no package named {name!r}", name=name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    if parent:
        setattr(sys.modules[parent], child, module)


def mediapipe_without_matplotlib() -> None:
    """Call before importing any part of mediapipe (cheap after the first call)."""
    with _lock:
        for package in BARE_PACKAGES:
            _register_bare(package)


def mediapipe_folder() -> Path:
    """Where the mediapipe package is installed (found without importing it)."""
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("no package named 'mediapipe'", name="mediapipe")
    return Path(next(iter(spec.submodule_search_locations)))
