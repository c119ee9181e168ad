"""A wheel built from the repository carries the default character (and the licences) but not the tool
that makes it; installed alone, `arwed render --source demo` shows the groom, not the block figure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from arwed.characters import catalog

REPO_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # offline: the build backend (setuptools, wheel) is installed in this environment by the dev extra
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO_ROOT),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "PIP_NO_INDEX": "1"},
    )
    (built,) = out.glob("arwed-*.whl")
    return built


def test_the_wheel_carries_the_default_character_and_the_licences(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "arwed/assets/characters/groom.glb" in names
    # the example ceremony and its voice (made by the build step before the wheel): `--ceremony example`
    assert {"arwed/assets/ceremonies/example.yaml", "arwed/assets/ceremonies/vows.wav"} <= set(names)
    packaged = zipfile.ZipFile(wheel).read("arwed/assets/characters/groom.glb")
    assert packaged == (catalog.ASSETS_DIR / catalog.DEFAULT_CHARACTER).read_bytes()
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert any(name.endswith(".dist-info/licenses/THIRD_PARTY.md") for name in names)
    assert not any(
        name.startswith("tools/") or "default_character" in name or "implicit_mesh" in name for name in names
    )


def test_render_from_the_installed_wheel_shows_the_groom(wheel, tmp_path):
    """The wheel unpacked alone (its dependencies from this environment) renders the demo with the groom."""
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target), "PYOPENGL_PLATFORM": "egl"}
    probe = (
        "import arwed.characters.catalog as c\n"
        "print(c.ASSETS_DIR)\n"
        "print(c.load_character_or_default(None, 1.8).info.name)\n"
        "from arwed.ceremony.script import ceremony_path, load_ceremony\n"
        "print(ceremony_path('example'))\n"
        "print(len(load_ceremony('example').cues))\n"
    )
    where = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assets, name, ceremony, cues = where.stdout.strip().splitlines()
    assert Path(assets).is_relative_to(target)  # the wheel's copy, not the checkout's
    assert name.startswith("Groom")
    assert Path(ceremony).is_relative_to(target) and int(cues) == 6  # its vows.wav found beside it
    stats = tmp_path / "stats.json"
    frames = tmp_path / "frames"
    code = "import sys; from arwed.cli import main; sys.exit(main(sys.argv[1:]))"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "render",
            "--source",
            "demo",
            "--max-frames",
            "3",
            "--out",
            f"{frames}/",
            "--stats",
            str(stats),
            "--no-progress",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "simple built-in figure" not in result.stderr
    summary = json.loads(stats.read_text())
    assert summary["frames"] == 3
    assert all(frame["character_bbox_px"] is not None for frame in summary["per_frame"])
