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


# the X servers (tests/xvfb.py) for every test that drives the real app
from tests.xvfb import two_screens_display, xvfb_display  # noqa: E402, F401
