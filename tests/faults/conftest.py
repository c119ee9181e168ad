"""A small full disk: a tmpfs when the tests run as root (CI does), else the test says why it skipped."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


@pytest.fixture
def small_tmpfs(tmp_path):
    """A folder on a tmpfs of 4 MiB, unmounted afterwards."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a tmpfs needs root; the RLIMIT_FSIZE variant of this test runs instead")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); the RLIMIT_FSIZE variant runs")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)
