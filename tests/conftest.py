"""Shared fixtures. Third-party data lives in ../shared beside the checkout; tests skip without it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file in ../shared, or a skip with the reason when the folder or file is absent."""
    path = SHARED_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: third-party test data lives in ../shared beside the checkout")
    return path


@pytest.fixture
def shared_models_dir() -> Path:
    return shared_path("models")


@pytest.fixture
def shared_data_dir() -> Path:
    return shared_path("data")


# The slowest files, heaviest first (per-file totals of `pytest --durations=0` on the whole suite). xdist
# hands whole files to its workers in collection order (scripts/test.sh: --dist loadfile
# --no-loadscope-reorder), so starting these first lets the many short files fill in around them at the end,
# instead of one worker finishing a long file alone while the other waits (longest first). A file missing
# from this list keeps its place after them; a name here that no longer exists is harmless.
SLOWEST_FILES_FIRST = (
    "tests/keepsakes/test_crash_xvfb.py",
    "tests/pipeline/test_guests.py",
    "tests/ui/test_operator_xvfb.py",
    "tests/calibrate/test_cli.py",
    "tests/calibrate/test_detection.py",
    "tests/pipeline/test_end_to_end.py",
    "tests/tools/test_groom.py",
    "tests/ui/test_choose_person_xvfb.py",
    "tests/calibrate/test_calibrate_xvfb.py",
    "tests/tools/test_wheel.py",
    "tests/ui/test_app_xvfb.py",
    "tests/faults/test_render_faults.py",
    "tests/faults/test_source_faults.py",
    "tests/faults/test_fuzz.py",
    "tests/calibrate/test_floor.py",
    "tests/ui/test_keys_xvfb.py",
    "tests/ui/test_wizard_xvfb.py",
    "tests/eyes/test_render_eyes.py",
    "tests/tracking/test_people.py",
    "tests/ceremony/test_rehearse.py",
)


def pytest_collection_modifyitems(session, config, items):
    rank = {name: place for place, name in enumerate(SLOWEST_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable: files stay whole


# the X servers (tests/xvfb.py) for every test that drives the real app
from tests.xvfb import two_screens_display, xvfb_display  # noqa: E402, F401
