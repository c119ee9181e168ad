"""arwed doctor: is this machine ready for the day? Each check says OK or FAIL, and the fix."""

from __future__ import annotations

import argparse
import importlib.metadata
import platform
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from arwed.commands.display import display_problem

PACKAGES = (
    "mediapipe",
    "numpy",
    "opencv-contrib-python",
    "pyrender",
    "PyOpenGL",
    "trimesh",
    "pygltflib",
    "scipy",
    "PySide6-Essentials",
    "pydantic",
)
REPO_ROOT = Path(__file__).resolve().parents[2]
FIX_INSTALL = "run: bash scripts/bootstrap.sh"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--calibration-dir",
        default=str(REPO_ROOT / "calibration"),
        metavar="DIR",
        help="the folder calibration profiles are saved in",
    )


Check = tuple[bool, str, str]  # ok, what was found, the fix when not ok


def _python() -> Check:
    ok = sys.version_info[:2] in ((3, 11), (3, 12))
    return (
        ok,
        f"Python {platform.python_version()}",
        "arwed needs Python 3.11 or 3.12 (mediapipe 0.10.21's wheels)",
    )


def _packages() -> Check:
    found, missing = [], []
    for name in PACKAGES:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    try:
        importlib.metadata.version("opencv-python")
        return (
            False,
            "opencv-python is installed beside opencv-contrib-python",
            "pip uninstall -y opencv-python",
        )
    except importlib.metadata.PackageNotFoundError:
        pass
    if missing:
        return False, "missing: " + ", ".join(missing), FIX_INSTALL
    return True, "; ".join(found), ""


def _opengl() -> Check:
    try:
        from arwed.render.renderer import CharacterRenderer

        renderer = CharacterRenderer()
        name = renderer.renderer_name()
        renderer.close()
    except Exception as exc:  # noqa: BLE001 - any failure here is the answer to the check
        return (
            False,
            f"no OpenGL through EGL ({exc.__class__.__name__}: {exc})",
            (
                "install the EGL/Mesa libraries: sudo apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri libgl1"
            ),
        )
    kind = "software, no GPU" if "llvmpipe" in name.lower() else "GPU"
    return True, f"OpenGL renderer: {name} ({kind})", ""


def _cameras() -> Check:
    from arwed.capture.live import list_cameras

    cameras = list_cameras()
    if not cameras:
        return (
            False,
            "no camera found (/dev/video*)",
            "plug in a camera; the demo source and files work without one",
        )
    return True, "cameras: " + ", ".join(cameras), ""


def _pose_model() -> Check:
    try:
        from arwed.config import TrackingSettings
        from arwed.tracking.models import ModelUnavailable, pose_task_path

        complexity = TrackingSettings().model_complexity
        path = pose_task_path(complexity)
    except ModelUnavailable as exc:
        return False, f"pose model: {exc}", FIX_INSTALL
    except Exception as exc:  # noqa: BLE001
        return False, f"mediapipe cannot be imported ({exc.__class__.__name__})", FIX_INSTALL
    return True, f"pose model: {path} ({path.stat().st_size // 1024} KiB, built offline)", ""


def _calibration_dir(folder: Path) -> Check:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return False, f"calibration folder {folder} is not writable ({exc.strerror})", f"chmod u+w {folder}"
    return True, f"calibration folder {folder} is writable", ""


def _display() -> Check:
    problem = display_problem()
    if problem is None:
        return True, "a display is available for the console and output windows", ""
    return (
        False,
        f"no display ({problem}): the console cannot open; headless commands work",
        "run on the desktop, or under Xvfb for tests",
    )


def run(args: argparse.Namespace) -> int:
    checks: list[tuple[str, Callable[[], Check]]] = [
        ("python", _python),
        ("packages", _packages),
        ("opengl", _opengl),
        ("pose model", _pose_model),
        ("cameras", _cameras),
        ("calibration", lambda: _calibration_dir(Path(args.calibration_dir))),
        ("display", _display),
    ]
    failures = 0
    for name, check in checks:
        ok, found, fix = check()
        print(f"{'OK  ' if ok else 'FAIL'} {name:<12} {found}")
        if not ok:
            failures += 1
            print(f"     {'':<12} fix: {fix}")
    return 0 if failures == 0 else 1
