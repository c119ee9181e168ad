"""Glasses profiles: the shipped presets, the maths of their field of view, broken user files."""

from __future__ import annotations

import math

import pytest

from arwed.errors import InputFileError
from arwed.glasses import DEFAULT_PRESET, load_glasses_profile, preset_names


def test_presets_load_and_make_sense() -> None:
    names = preset_names()
    assert len(names) >= 3 and DEFAULT_PRESET in names
    for name in names:
        profile = load_glasses_profile(name)
        width, height = profile.eye_resolution_px
        diagonal = 2 * math.degrees(math.atan(0.5 * math.hypot(width, height) / profile.focal_px))
        assert diagonal == pytest.approx(profile.diagonal_fov_deg)
        assert 40 <= profile.diagonal_fov_deg <= 57
        assert profile.output_size_px == ((2 * width, height) if profile.stereo else (width, height))
    assert load_glasses_profile(None).name == load_glasses_profile(DEFAULT_PRESET).name


def test_user_file(tmp_path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("name: Mine\nmode: side-by-side\neye_resolution_px: [1920, 1200]\ndiagonal_fov_deg: 52\n")
    profile = load_glasses_profile(path)
    assert profile.output_size_px == (3840, 1200) and profile.eye_separation_m == 0.063


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: X\nmode: 3d\neye_resolution_px: [1920, 1080]\ndiagonal_fov_deg: 50\n", "mode"),
        ("name: X\nmode: mono\neye_resolution_px: [1920, 1080]\ndiagonal_fov_deg: 500\n", "diagonal_fov_deg"),
        (
            "name: X\nmode: mono\neye_resolution_px: [19200000, 1080]\ndiagonal_fov_deg: 50\n",
            "eye_resolution_px",
        ),
        ("name: X\nmode: mono\neye_resolution_px: [1920, 1080]\ndiagonal_fov_deg: 50\nfov: 3\n", "fov"),
        ("name: [unclosed\n", "not valid YAML"),
        ("- a list\n", "expected a mapping"),
    ],
)
def test_broken_files_name_the_file_and_the_problem(tmp_path, text: str, expected: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(InputFileError) as caught:
        load_glasses_profile(path)
    assert str(path) in str(caught.value) and expected in str(caught.value)


def test_missing_and_unknown(tmp_path) -> None:
    with pytest.raises(InputFileError, match="no such glasses preset"):
        load_glasses_profile("hololens-9")
    with pytest.raises(InputFileError, match="no such file"):
        load_glasses_profile(tmp_path / "absent.yaml")
    with pytest.raises(InputFileError, match="is a folder, not a glasses profile"):
        load_glasses_profile(tmp_path)
