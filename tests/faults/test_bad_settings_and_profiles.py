"""Settings and calibration profiles: numbers checked where they enter, refused on one line with the field."""

from __future__ import annotations

import time

import numpy as np
import pytest
import yaml

from arwed.calibrate.profile import CalibrationProfile, load_profile, save_profile
from arwed.cli import main
from arwed.errors import InputFileError
from arwed.types import CameraIntrinsics, FloorPlane
from tests.faults.test_user_files import BILLION_LAUGHS

SETTINGS_CASES = [
    ("composite:\n  key_color_bgr: [300, -1, 0]\n", "composite.key_color_bgr.0"),
    ("composite:\n  key_color_bgr: [100000000000000000000, 0, 0]\n", "composite.key_color_bgr.0"),
    (
        "tracking:\n  min_detection_confidence: 0\n  min_tracking_confidence: 0\n",
        "tracking.min_detection_confidence",
    ),
    ("tracking:\n  min_tracking_confidence: 0.0\n", "tracking.min_tracking_confidence"),
    ("placement:\n  gap_m: .nan\n", "placement.gap_m"),
    ("placement:\n  character_height_m: .inf\n", "placement.character_height_m"),
    ("camera:\n  default_hfov_deg: 1e300\n", "camera.default_hfov_deg"),
    ("placement: " + "[" * 5000 + "]" * 5000 + "\n", "deeper than 64"),
    (BILLION_LAUGHS, "alias"),
    ("placement:\n  gap_m: 0.5\n  gap_m: [1, 2]\n", "placement.gap_m"),
    ("composite: !!binary aGVsbG8=\n", "composite"),
]


@pytest.mark.parametrize(("text", "named"), SETTINGS_CASES)
def test_bad_settings_are_one_line_exit_2_naming_the_field(tmp_path, capsys, text, named):
    path = tmp_path / "settings.yaml"
    path.write_text(text)
    started = time.monotonic()
    code = main(["render", "--source", "demo", "--out", str(tmp_path / "o.mp4"), "--settings", str(path)])
    assert time.monotonic() - started < 30  # the first call imports the pipeline
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith(f"arwed: error: {path}") and named in err, err


def test_good_settings_in_yaml12_notation_are_read_as_numbers(tmp_path):
    from arwed.config import load_settings

    path = tmp_path / "settings.yaml"
    path.write_text(
        "tracking:\n  min_detection_confidence: 5e-1\ncomposite:\n  key_color_bgr: [255, 0, 255]\n"
    )
    settings = load_settings(path)
    assert settings.tracking.min_detection_confidence == 0.5
    assert settings.composite.key_color_bgr == (255, 0, 255)


INTRINSICS = CameraIntrinsics(1280, 720, 1000.0, 1000.0, 640.0, 360.0, (-0.1, 0.05, 0.0, 0.0, 0.0))


def _saved(tmp_path, floor_normal=(0.0, -0.96, -0.28)) -> tuple:
    path = tmp_path / "cam.yaml"
    profile = CalibrationProfile(str(path), INTRINSICS)
    normal = np.asarray(floor_normal) / np.linalg.norm(floor_normal)
    save_profile(profile.with_floor(FloorPlane(normal, 1.5, "calibration"), "board"))
    text = path.read_text()
    return path, text, yaml.safe_load(text.replace("%YAML:1.0", "").replace("!!opencv-matrix", ""))


def _write_plain(path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data))


def _matrix(rows, cols, values) -> dict:
    return {"rows": rows, "cols": cols, "dt": "d", "data": list(values)}


PROFILE_CASES = [
    ("fx of 1 px", {"camera_matrix": _matrix(3, 3, [1, 0, 640, 0, 1, 360, 0, 0, 1])}, "field of view"),
    (
        "fx of 1e-300",
        {"camera_matrix": _matrix(3, 3, [1e-300, 0, 640, 0, 1e-300, 360, 0, 0, 1])},
        "field of view",
    ),
    (
        "fx of 1e300",
        {"camera_matrix": _matrix(3, 3, [1e300, 0, 640, 0, 1e300, 360, 0, 0, 1])},
        "field of view",
    ),
    ("fy far from fx", {"camera_matrix": _matrix(3, 3, [1000, 0, 640, 0, 5000, 360, 0, 0, 1])}, "square"),
    ("distortion of 1e10", {"distortion_coefficients": _matrix(1, 5, [1e10, 0, 0, 0, 0])}, "distortion"),
    (
        "distortion as a 5x2 list",
        {"distortion_coefficients": [[0.1, 0.2] for _ in range(5)]},
        "distortion_coefficients",
    ),
    ("camera matrix as 9x3", {"camera_matrix": [[1000.0, 0.0, 1.0] for _ in range(9)]}, "camera_matrix"),
    ("a number too big for a float", {"camera_matrix": _matrix(3, 3, [10**400] + [0] * 8)}, "camera_matrix"),
    ("an image 10^20 px wide", {"image_width": 10**20}, "image_width"),
    ("floor normal sideways", {"floor_normal": _matrix(3, 1, [1.0, 0.0, 0.0])}, "floor_normal"),
    ("floor normal down", {"floor_normal": _matrix(3, 1, [0.0, 1.0, 0.0])}, "floor_normal"),
    ("camera 500 m above the floor", {"floor_offset_m": 500.0}, "floor_offset_m"),
]


@pytest.mark.parametrize(("case", "change", "named"), PROFILE_CASES, ids=[c[0] for c in PROFILE_CASES])
def test_implausible_profiles_are_refused_naming_the_field(tmp_path, case, change, named):
    path, _, data = _saved(tmp_path)
    _write_plain(path, {**data, **change})
    with pytest.raises(InputFileError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and named in message, message
    assert len(message) < 300, message  # no matrix printed inside it


def test_the_saved_profile_itself_loads_and_1e_minus_300_is_a_number(tmp_path):
    path, text, data = _saved(tmp_path)
    assert load_profile(path).floor is not None
    _write_plain(path, {**data, "avg_reprojection_error": "1e-300"})
    path.write_text(path.read_text().replace("'1e-300'", "1e-300"))
    assert load_profile(path).rms_px == 1e-300


@pytest.mark.parametrize("bomb", ["aliases", "nesting", "size"])
def test_profile_bombs_are_refused_within_a_second(tmp_path, bomb):
    path = tmp_path / "bomb.yaml"
    if bomb == "aliases":
        path.write_text(BILLION_LAUGHS)
    elif bomb == "nesting":
        path.write_text("camera_matrix: " + "[" * 5000 + "]" * 5000)
    else:
        with open(path, "wb") as file:
            file.truncate(1 << 30)
    started = time.monotonic()
    with pytest.raises(InputFileError):
        load_profile(path)
    assert time.monotonic() - started < 1.0
