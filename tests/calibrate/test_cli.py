"""arwed calibrate end to end: images in, a profile out; the floor; printable boards; bad input exits 2."""

import cv2
import numpy as np
import pytest

from arwed.calibrate.profile import load_profile
from arwed.cli import build_parser, main
from arwed.errors import InputFileError
from tests.calibrate.synthetic import TRUE_CAMERA, board_on_floor, camera_up, render_view
from tests.calibrate.test_floor import FLOOR_BOARD

CHARUCO_OPTIONS = [
    "--board",
    "charuco:11x8",
    "--square",
    "0.03",
    "--marker",
    "0.022",
    "--dict",
    "DICT_5X5_100",
]


@pytest.fixture
def shots(tmp_path, charuco_set):
    folder = tmp_path / "shots"
    folder.mkdir()
    for index, image in enumerate(charuco_set.images[:12]):
        cv2.imwrite(str(folder / f"shot{index:02d}.png"), image)
    (folder / "shot90.png").write_bytes(b"not a png at all")
    cv2.imwrite(str(folder / "shot91.png"), np.full((720, 1280, 3), 90, np.uint8))
    cv2.imwrite(str(folder / "shot92.png"), cv2.resize(charuco_set.images[0], (640, 360)))
    return folder


def test_calibrate_from_images_lists_skips_and_writes_profiles(shots, tmp_path, capsys):
    out = tmp_path / "calibration" / "cam.yaml"
    code = main(
        [
            "calibrate",
            "--images",
            str(shots / "*.png"),
            *CHARUCO_OPTIONS,
            "--out",
            str(out),
            "--format",
            "ros",
            "--keep-outliers",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "15 images: 12 with the board" in captured.err
    assert "skipped" in captured.err and "shot90.png: not an image OpenCV can read" in captured.err
    assert "shot91.png: " in captured.err and "shot92.png: is 640x360" in captured.err
    for text in (
        "RMS reprojection error",
        "fx = ",
        "std dev",
        "cy = ",
        "Per-view RMS errors",
        "shot03.png",
        "Largest corner error",
        "Outlier views",
        "Coverage: left-right",
        "TRUSTED",
    ):
        assert text in captured.out
    profile = load_profile(out)
    assert abs(profile.intrinsics.fx_px - TRUE_CAMERA.fx_px) / TRUE_CAMERA.fx_px < 0.005
    assert (tmp_path / "calibration" / "cam.ros.yaml").exists()


def test_too_few_views_exit_2_and_say_how_many(shots, tmp_path, capsys):
    patterns = [str(shots / "shot0[0-2].png"), str(shots / "shot9*.png")]
    code = main(["calibrate", "--images", *patterns, *CHARUCO_OPTIONS, "--out", str(tmp_path / "c.yaml")])
    captured = capsys.readouterr()
    assert code == 2
    assert "arwed: error: 3 usable board views found, 5 needed" in captured.err
    assert captured.err.count("skipped ") == 3
    assert not (tmp_path / "c.yaml").exists()


def test_no_matching_images_and_bad_board_exit_2(tmp_path, capsys):
    assert main(["calibrate", "--images", str(tmp_path / "*.jpg"), *CHARUCO_OPTIONS]) == 2
    assert "no files match" in capsys.readouterr().err
    assert main(["calibrate", "--images", "x.png", "--board", "chessboard:9x6"]) == 2
    assert "--square is needed" in capsys.readouterr().err


def test_floor_goes_into_the_profile(shots, tmp_path, capsys):
    out = tmp_path / "cam.yaml"
    assert (
        main(
            [
                "calibrate",
                "--images",
                str(shots / "shot0*.png"),
                *CHARUCO_OPTIONS,
                "--out",
                str(out),
                "--keep-outliers",
            ]
        )
        == 0
    )
    up = camera_up(22.0, 3.0)
    floor_image = tmp_path / "stage.png"
    cv2.imwrite(
        str(floor_image), render_view(FLOOR_BOARD, board_on_floor(FLOOR_BOARD, up, 1.3, (700, 520), 15.0))
    )
    code = main(
        [
            "calibrate",
            "floor",
            "--image",
            str(floor_image),
            "--profile",
            str(out),
            "--board",
            "charuco:8x6",
            "--square",
            "0.08",
            "--marker",
            "0.056",
            "--dict",
            "DICT_4X4_50",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "camera 1.30" in captured.out
    profile = load_profile(out)
    assert profile.floor is not None and profile.floor_method == "board"
    assert np.degrees(np.arccos(profile.floor.normal @ up)) < 1.0
    assert profile.camera_height_m == pytest.approx(1.3, abs=0.01)
    assert profile.intrinsics.fx_px == pytest.approx(load_profile(out).intrinsics.fx_px)


def test_floor_refuses_a_broken_profile(tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text("%YAML:1.0\n---\nimage_width: 1280\n")
    image = tmp_path / "x.png"
    cv2.imwrite(str(image), np.zeros((10, 10), np.uint8))
    assert main(["calibrate", "floor", "--image", str(image), "--profile", str(broken)]) == 2
    assert "broken.yaml: field 'image_height': missing" in capsys.readouterr().err


def test_print_a_board(tmp_path, capsys):
    out = tmp_path / "board.png"
    assert (
        main(
            [
                "calibrate",
                "board",
                "--type",
                "chessboard",
                "--paper",
                "letter",
                "--out",
                str(out),
                "--dpi",
                "100",
            ]
        )
        == 0
    )
    assert out.exists() and "--board chessboard:9x6 --square 0.023" in capsys.readouterr().out


def test_help_explains_how_boards_are_counted():
    parser = build_parser()
    calibrate = parser._subparsers._group_actions[0].choices["calibrate"]
    text = calibrate.format_help()
    assert "counts INNER corners" in text and "counts SQUARES" in text
    for option in (
        "--images",
        "--board",
        "--square",
        "--marker",
        "--dict",
        "--out",
        "--format",
        "--drop-outliers",
        "--camera",
        "--video",
    ):
        assert option in text


def test_floor_from_a_person_in_a_picture(tmp_path, capsys):
    """MediaPipe on a real photograph (a footballer mid-stride): it runs end to end, and says the person was
    not standing straight."""
    from arwed.calibrate.profile import CalibrationProfile, save_profile
    from arwed.geometry.camera import intrinsics_from_fov
    from tests.conftest import shared_path

    photo = shared_path("data", "messi5.jpg")
    profile_path = tmp_path / "photo.yaml"
    save_profile(CalibrationProfile(str(profile_path), intrinsics_from_fov(548, 342, 60.0)))
    code = main(
        [
            "calibrate",
            "floor",
            "--person-height",
            "1.70",
            "--source",
            str(photo),
            "--frames",
            "12",
            "--profile",
            str(profile_path),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert (
        "found in 12 of the frames" in captured.out and "floor from a person of known height" in captured.out
    )
    assert "warning: the camera seems rolled" in captured.err
    assert load_profile(profile_path).floor_method == "person"


FLOOR_OPTIONS = ["--board", "charuco:8x6", "--square", "0.08", "--marker", "0.056", "--dict", "DICT_4X4_50"]


def _opencv_sample_profile(path):
    """A profile as OpenCV's calibration sample writes it (its own fields beside the camera's)."""
    storage = cv2.FileStorage(str(path), cv2.FILE_STORAGE_WRITE)
    storage.write("calibration_time", "Tue Dec  1 10:00:00 2026")
    storage.write("nframes", 13)
    storage.write("image_width", TRUE_CAMERA.width_px)
    storage.write("image_height", TRUE_CAMERA.height_px)
    storage.write("board_width", 9)
    storage.write("board_height", 6)
    storage.write("square_size", 0.025)
    storage.write("flags", 6144)
    storage.writeComment("flags: +zero_tangent_dist")
    storage.write("camera_matrix", TRUE_CAMERA.matrix)
    storage.write(
        "distortion_coefficients", np.asarray(TRUE_CAMERA.distortion_array, np.float64).reshape(5, 1)
    )
    storage.write("avg_reprojection_error", 0.21)
    storage.write("extrinsic_parameters", np.arange(13 * 6, dtype=np.float64).reshape(13, 6) / 7.0)
    storage.write("image_points", (np.arange(13 * 54 * 2, dtype=np.float32).reshape(13, 54, 2) / 3.0))
    storage.release()


def _fields(path):
    storage = cv2.FileStorage(str(path), cv2.FILE_STORAGE_READ)
    root = storage.root()
    values = {}
    for name in root.keys():  # noqa: SIM118 - a cv2.FileNode, not a dict
        node = root.getNode(name)
        values[name] = node.mat() if node.isMap() else node.string() if node.isString() else node.real()
    storage.release()
    return values


def test_floor_keeps_the_fields_opencv_wrote(tmp_path, capsys):
    profile_path = tmp_path / "opencv.yaml"
    _opencv_sample_profile(profile_path)
    before = _fields(profile_path)
    floor_image = tmp_path / "stage.png"
    up = camera_up(22.0, 3.0)
    cv2.imwrite(
        str(floor_image), render_view(FLOOR_BOARD, board_on_floor(FLOOR_BOARD, up, 1.3, (700, 520), 15.0))
    )
    code = main(
        ["calibrate", "floor", "--image", str(floor_image), "--profile", str(profile_path), *FLOOR_OPTIONS]
    )
    assert code == 0, capsys.readouterr().err
    after = _fields(profile_path)
    for name in (
        "nframes",
        "flags",
        "board_width",
        "board_height",
        "square_size",
        "extrinsic_parameters",
        "image_points",
    ):
        assert name in after, name
        assert np.array_equal(np.asarray(after[name]), np.asarray(before[name])), name
    assert after["image_points"].shape == (13, 54, 2) and after["image_points"].dtype == np.float32
    assert after["calibration_time"] == before["calibration_time"]
    assert np.allclose(after["camera_matrix"], before["camera_matrix"])
    profile = load_profile(profile_path)
    assert profile.floor is not None and profile.camera_height_m == pytest.approx(1.3, abs=0.01)


def test_floor_refuses_a_board_held_up_and_force_saves_it(tmp_path, capsys):
    from arwed.calibrate.profile import CalibrationProfile, save_profile
    from tests.calibrate.synthetic import pose_facing

    profile_path = tmp_path / "cam.yaml"
    save_profile(CalibrationProfile(str(profile_path), TRUE_CAMERA))
    image = tmp_path / "held.png"
    cv2.imwrite(
        str(image), render_view(FLOOR_BOARD, pose_facing(FLOOR_BOARD, (640, 400), 1.0, 50.0, 10.0, 55.0))
    )
    command = ["calibrate", "floor", "--image", str(image), "--profile", str(profile_path), *FLOOR_OPTIONS]
    assert main(command) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "the board does not seem to lie on the floor" in err and "rolled" in err and "--force" in err
    assert load_profile(profile_path).floor is None
    assert main([*command, "--force"]) == 0
    captured = capsys.readouterr()
    assert "warning: saved with --force although the camera would be" in captured.err
    assert load_profile(profile_path, floor_checked=False).floor is not None
    with pytest.raises(InputFileError, match="floor_normal"):  # forced, it is saved; a run refuses it
        load_profile(profile_path)
