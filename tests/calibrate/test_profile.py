import re

import cv2
import numpy as np
import pytest
import yaml

from arwed.calibrate.boards import BoardSpec
from arwed.calibrate.calibration import IntrinsicsUncertainty
from arwed.calibrate.profile import CalibrationProfile, load_profile, ros_path_for, save_profile
from arwed.errors import InputFileError
from arwed.types import CameraIntrinsics, FloorPlane

INTRINSICS = CameraIntrinsics(1280, 720, 1001.5, 1003.25, 652.4, 355.1, (-0.12, 0.09, 0.0006, -0.0004, -0.02))
UP = np.array([0.05, -0.93, -0.3637])


def _profile(path, floor=True) -> CalibrationProfile:
    profile = CalibrationProfile(
        path=str(path),
        intrinsics=INTRINSICS,
        rms_px=0.061,
        per_view_errors_px=(0.05, 0.07, 0.06),
        uncertainty=IntrinsicsUncertainty(0.14, 0.15, 0.2, 0.17),
        board=BoardSpec("charuco", 11, 8, 0.02, 0.014, "DICT_5X5_100"),
        calibration_time="2025-06-01T10:00:00+02:00",
    )
    if floor:
        up = UP / np.linalg.norm(UP)
        profile = profile.with_floor(FloorPlane(up, 1.42, "calibration"), "board")
    return profile


def test_round_trip_keeps_everything(tmp_path):
    path = tmp_path / "cam.yaml"
    save_profile(_profile(path))
    loaded = load_profile(path)
    assert loaded.path == str(path)
    assert loaded.intrinsics == CameraIntrinsics(**{**INTRINSICS.__dict__, "source": str(path)})
    assert loaded.rms_px == pytest.approx(0.061) and loaded.per_view_errors_px == pytest.approx(
        (0.05, 0.07, 0.06)
    )
    assert loaded.uncertainty == IntrinsicsUncertainty(0.14, 0.15, 0.2, 0.17)
    assert loaded.board == BoardSpec("charuco", 11, 8, 0.02, 0.014, "DICT_5X5_100")
    assert loaded.floor.source == "calibration" and loaded.floor.offset_m == pytest.approx(1.42)
    assert np.allclose(loaded.floor.normal, UP / np.linalg.norm(UP))
    assert loaded.camera_height_m == pytest.approx(1.42)
    assert loaded.camera_tilt_deg == pytest.approx(np.degrees(np.arcsin(0.3637 / np.linalg.norm(UP))))
    assert loaded.floor_method == "board"


def test_opencv_reads_the_profile_with_its_own_field_names(tmp_path):
    path = tmp_path / "cam.yaml"
    save_profile(_profile(path))
    storage = cv2.FileStorage(str(path), cv2.FILE_STORAGE_READ)
    assert storage.getNode("image_width").real() == 1280 and storage.getNode("image_height").real() == 720
    assert np.allclose(storage.getNode("camera_matrix").mat(), INTRINSICS.matrix)
    assert np.allclose(storage.getNode("distortion_coefficients").mat().ravel(), INTRINSICS.distortion)
    assert storage.getNode("avg_reprojection_error").real() == pytest.approx(0.061)
    assert storage.getNode("per_view_reprojection_errors").mat().shape == (3, 1)
    assert storage.getNode("board_type").string() == "charuco"
    storage.release()


def test_ros_camera_info_is_written_beside(tmp_path):
    path = tmp_path / "cam.yaml"
    written = save_profile(_profile(path, floor=False), ros=True)
    assert written == [path, tmp_path / "cam.ros.yaml"] == [path, ros_path_for(path)]
    info = yaml.safe_load((tmp_path / "cam.ros.yaml").read_text())
    assert info["distortion_model"] == "plumb_bob" and info["camera_name"] == "cam"
    assert info["camera_matrix"]["data"] == pytest.approx(list(INTRINSICS.matrix.ravel()))
    assert len(info["projection_matrix"]["data"]) == 12
    # and arwed reads a ROS file as a profile too
    assert load_profile(tmp_path / "cam.ros.yaml").intrinsics.fx_px == pytest.approx(1001.5)


def test_other_resolution_of_the_same_aspect_scales_and_another_aspect_is_refused(tmp_path):
    path = tmp_path / "cam.yaml"
    save_profile(_profile(path))
    profile = load_profile(path)
    half = profile.intrinsics_for(640, 360)
    assert (half.width_px, half.fx_px, half.fy_px) == (640, pytest.approx(500.75), pytest.approx(501.625))
    assert half.cx_px == pytest.approx((652.4 + 0.5) / 2 - 0.5)
    assert profile.intrinsics_for(1280, 720) is profile.intrinsics
    with pytest.raises(InputFileError, match=r"cam\.yaml.*1280x720, cannot be used at 640x480"):
        profile.intrinsics_for(640, 480)


def _saved_text(tmp_path) -> str:
    path = tmp_path / "good.yaml"
    save_profile(_profile(path))
    return path.read_text()


@pytest.mark.parametrize(
    ("edit", "field", "problem"),
    [
        (lambda t: t.replace("image_width: 1280\n", ""), "image_width", "missing"),
        (lambda t: t.replace("image_height: 720", "image_height: -3"), "image_height", "at least 1"),
        (
            lambda t: t.replace("rows: 3\n   cols: 3", "rows: 2\n   cols: 3", 1),
            "camera_matrix",
            "6 for|6 numbers|9 numbers",
        ),
        (lambda t: t.replace("1001.5", "nan", 1), "camera_matrix", "not finite|not a number"),
        (lambda t: t.replace("1001.5", "-1001.5", 1), "camera_matrix", "fx, fy > 0"),
        (lambda t: t.replace("652.39999999999998", "5000.", 1), "camera_matrix", "outside"),
        (lambda t: t.replace("cols: 5", "cols: 3"), "distortion_coefficients", "5 numbers for a 1x3 matrix"),
        (
            lambda t: re.sub(
                r"cols: 5\n   dt: d\n   data: \[[^\]]*\]", "cols: 3\n   dt: d\n   data: [ 0.1, 0.2, 0.3 ]", t
            ),
            "distortion_coefficients",
            "expected 4 or 5 or 8",
        ),
        (lambda t: t.replace("floor_offset_m", "floor_offset_xx"), "floor_offset_m", "missing"),
        (lambda t: t.replace("floor_normal", "floor_normxx"), "floor_normal", "floor is incomplete"),
        (
            lambda t: t.replace("floor_offset_m: 1.4199999999999999", "floor_offset_m: oops"),
            "floor_offset_m",
            "expected a number",
        ),
        (lambda t: t.replace("board_type: charuco", "board_type: circles"), "board_type", "one of"),
    ],
)
def test_broken_profiles_are_refused_naming_the_field(tmp_path, edit, field, problem):
    text = _saved_text(tmp_path)
    broken = edit(text)
    assert broken != text
    path = tmp_path / "broken.yaml"
    path.write_text(broken)
    with pytest.raises(InputFileError, match=problem) as caught:
        load_profile(path)
    assert caught.value.field == field and caught.value.path == str(path)


def test_unit_normal_is_checked(tmp_path):
    text = _saved_text(tmp_path)
    start = text.index("floor_normal")
    data_at = text.index("data: [", start) + len("data: [")
    path = tmp_path / "broken.yaml"
    path.write_text(text[:data_at] + "0., 0., 0.5 ]\n" + text[text.index("]", data_at) + 2 :])
    with pytest.raises(InputFileError, match="unit vector") as caught:
        load_profile(path)
    assert caught.value.field == "floor_normal"


@pytest.mark.parametrize("cut", [0.3, 0.5, 0.8])
def test_a_file_cut_short_is_refused(tmp_path, cut):
    text = _saved_text(tmp_path)
    path = tmp_path / "partial.yaml"
    path.write_text(text[: int(len(text) * cut)])
    with pytest.raises(InputFileError) as caught:
        load_profile(path)
    assert "partial.yaml" in str(caught.value)


def test_missing_and_non_yaml_files(tmp_path):
    with pytest.raises(InputFileError, match="no such calibration profile"):
        load_profile(tmp_path / "absent.yaml")
    (tmp_path / "junk.yaml").write_text("camera_matrix: [1, 2\n  ]]]: :")
    with pytest.raises(InputFileError, match="broken YAML at line"):
        load_profile(tmp_path / "junk.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(InputFileError, match="not a calibration profile"):
        load_profile(tmp_path / "list.yaml")
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputFileError, match="cannot be read"):
        load_profile(tmp_path / "bin.yaml")
