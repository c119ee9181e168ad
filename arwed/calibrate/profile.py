"""Calibration profiles: one camera's intrinsics, and where its floor is, in one YAML file under calibration/.

The file is OpenCV FileStorage YAML, written with cv2.FileStorage so that OpenCV's own tools read it, with the
field names of OpenCV's calibration sample (image_width, image_height, camera_matrix, distortion_coefficients,
avg_reprojection_error, per_view_reprojection_errors) plus arwed's: the board used, the standard deviations
of fx, fy, cx, cy, and the floor plane with the camera's height and tilt above it. It is read with PyYAML
(so that a broken file gets a message with its line, and ROS camera_info YAML is read too), and every field
is checked: a corrupt or partial file is refused with the file and the field named.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import yaml

from arwed.calibrate.boards import BOARD_KINDS, CHARUCO, BoardSpec
from arwed.calibrate.calibration import CalibrationResult, IntrinsicsUncertainty
from arwed.calibrate.floor import FLOOR_SOURCE, StageCalibration, camera_pose_above
from arwed.calibrate.kept_fields import write_kept_fields
from arwed.errors import InputFileError, UserError
from arwed.geometry.camera import scaled_to
from arwed.types import CameraIntrinsics, FloorPlane
from arwed.user_files import SETTINGS_MAX_BYTES, SafeYamlLoader, parse_yaml, read_user_text

_DISTORTION_LENGTHS = (4, 5, 8, 12, 14)
MAX_IMAGE_SIDE_PX = 16384
PLAUSIBLE_HFOV_DEG = (5.0, 170.0)  # a long telephoto to a wide fisheye-like lens; outside: a broken profile
MAX_DISTORTION = 1000.0  # rational-model coefficients reach tens; 1e10 is a corrupt file
MAX_FLOOR_TILT_DEG = 80.0  # the floor's normal within this of the picture's up (a camera can look down)
FLOOR_OFFSET_RANGE_M = (0.05, 30.0)  # the camera's height above the floor


@dataclass(frozen=True)
class CalibrationProfile:
    path: str
    intrinsics: CameraIntrinsics  # at the calibrated resolution; source is the profile's path
    floor: FloorPlane | None = (
        None  # camera coordinates (OpenCV axes), normal pointing up; source "calibration"
    )
    camera_height_m: float | None = None  # the camera's centre above the floor
    camera_tilt_deg: float | None = None  # the optical axis below the horizon (positive looks down)
    camera_roll_deg: float | None = None  # how far the world's up leans towards the picture's right
    floor_method: str | None = None  # "board" (a board on the floor) or "person" (a person of known height)
    rms_px: float | None = None
    per_view_errors_px: tuple[float, ...] = ()
    uncertainty: IntrinsicsUncertainty | None = None
    board: BoardSpec | None = None
    calibration_time: str | None = None

    def intrinsics_for(self, width_px: int, height_px: int) -> CameraIntrinsics:
        """The intrinsics at another resolution of the same aspect ratio; another aspect ratio is refused."""
        if (width_px, height_px) == (self.intrinsics.width_px, self.intrinsics.height_px):
            return self.intrinsics
        try:
            return scaled_to(self.intrinsics, width_px, height_px)
        except ValueError as exc:
            raise InputFileError(
                self.path,
                f"{exc}: calibrate the camera again at {width_px}x{height_px}, or run it at"
                f" {self.intrinsics.width_px}x{self.intrinsics.height_px}",
            ) from None

    def with_floor(self, floor: FloorPlane, method: str) -> CalibrationProfile:
        height, tilt, roll = camera_pose_above(floor)
        return dataclasses.replace(
            self,
            floor=floor,
            camera_height_m=height,
            camera_tilt_deg=tilt,
            camera_roll_deg=roll,
            floor_method=method,
        )

    def with_stage(self, stage: StageCalibration) -> CalibrationProfile:
        return self.with_floor(stage.floor, stage.method)


def profile_from_calibration(result: CalibrationResult, path: str | Path) -> CalibrationProfile:
    intrinsics = dataclasses.replace(result.intrinsics, source=str(path))
    return CalibrationProfile(
        path=str(path),
        intrinsics=intrinsics,
        rms_px=result.rms_px,
        per_view_errors_px=result.per_view_errors_px,
        uncertainty=result.uncertainty,
        board=result.board,
        calibration_time=_dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    )


# ----------------------------------------------------------------------------------------------- writing


def save_profile(
    profile: CalibrationProfile,
    path: str | Path | None = None,
    ros: bool = False,
    keep_other_fields: bool = False,
) -> list[Path]:
    """Write the profile (atomically) as OpenCV YAML; with `ros`, also NAME.ros.yaml (ROS camera_info).

    `keep_other_fields`: the fields of the file already there that arwed does not write (OpenCV's `nframes`,
    `flags`, `extrinsic_parameters`, ...) are written again unchanged (adding the floor loses nothing)."""
    path = Path(path or profile.path)
    written = [path]
    kept = _read_mapping(path) if keep_other_fields and path.exists() else {}
    _write_atomically(path, _opencv_yaml(profile, kept))
    if ros:
        ros_path = ros_path_for(path)
        _write_atomically(ros_path, ros_camera_info_yaml(profile.intrinsics, path.stem))
        written.append(ros_path)
    return written


def ros_path_for(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.stem + ".ros.yaml")


def _write_atomically(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)  # a crash mid-write never leaves half a profile
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None


# the fields arwed writes itself; any others in a profile are kept as they are when the floor is added
_ARWED_FIELDS = {
    "calibration_time",
    "image_width",
    "image_height",
    "board_type",
    "board_cols",
    "board_rows",
    "square_size_m",
    "marker_size_m",
    "aruco_dictionary",
    "camera_matrix",
    "distortion_coefficients",
    "avg_reprojection_error",
    "nr_of_frames",
    "per_view_reprojection_errors",
    "intrinsics_std_dev_px",
    "floor_normal",
    "floor_offset_m",
    "camera_height_m",
    "camera_tilt_deg",
    "camera_roll_deg",
    "floor_method",
}


def _opencv_yaml(profile: CalibrationProfile, kept: dict[str, Any] | None = None) -> str:
    intrinsics = profile.intrinsics
    storage = cv2.FileStorage(
        "profile.yaml", cv2.FILE_STORAGE_WRITE | cv2.FILE_STORAGE_MEMORY | cv2.FILE_STORAGE_FORMAT_YAML
    )
    if profile.calibration_time:
        storage.write("calibration_time", profile.calibration_time)
    storage.write("image_width", int(intrinsics.width_px))
    storage.write("image_height", int(intrinsics.height_px))
    if profile.board is not None:
        _write_board(storage, profile.board)
    storage.write("camera_matrix", intrinsics.matrix)
    storage.write(
        "distortion_coefficients", np.asarray(intrinsics.distortion_array, np.float64).reshape(1, -1)
    )
    if profile.rms_px is not None:
        storage.write("avg_reprojection_error", float(profile.rms_px))
    if profile.per_view_errors_px:
        storage.write("nr_of_frames", len(profile.per_view_errors_px))
        storage.write(
            "per_view_reprojection_errors", np.asarray(profile.per_view_errors_px, np.float64).reshape(-1, 1)
        )
    if profile.uncertainty is not None:
        u = profile.uncertainty
        storage.write(
            "intrinsics_std_dev_px", np.array([[u.fx_px], [u.fy_px], [u.cx_px], [u.cy_px]], np.float64)
        )
    if kept:
        write_kept_fields(storage, kept, _ARWED_FIELDS)
    if profile.floor is not None:
        storage.write("floor_normal", np.asarray(profile.floor.normal, np.float64).reshape(3, 1))
        storage.write("floor_offset_m", float(profile.floor.offset_m))
        for name in ("camera_height_m", "camera_tilt_deg", "camera_roll_deg"):
            value = getattr(profile, name)
            if value is not None:
                storage.write(name, float(value))
        if profile.floor_method:
            storage.write("floor_method", profile.floor_method)
    return storage.releaseAndGetString()


def _write_board(storage: cv2.FileStorage, board: BoardSpec) -> None:
    storage.write("board_type", board.kind)
    storage.write("board_cols", int(board.cols))
    storage.write("board_rows", int(board.rows))
    storage.write("square_size_m", float(board.square_m))
    if board.kind == CHARUCO:
        storage.write("marker_size_m", float(board.marker_m or 0.0))
        storage.write("aruco_dictionary", board.dictionary)


def ros_camera_info_yaml(intrinsics: CameraIntrinsics, camera_name: str) -> str:
    """ROS camera_info YAML (camera_calibration_parsers' format), projection as ROS's mono calibrator makes it."""
    size = (intrinsics.width_px, intrinsics.height_px)
    distortion = list(intrinsics.distortion_array)
    model = "plumb_bob" if len(distortion) <= 5 else "rational_polynomial"
    distortion = (distortion + [0.0] * 5)[:5] if model == "plumb_bob" else (distortion + [0.0] * 8)[:8]
    projection, _ = cv2.getOptimalNewCameraMatrix(intrinsics.matrix, np.asarray(distortion), size, 0.0)
    projection = np.column_stack((projection, np.zeros(3)))

    def matrix(rows: int, cols: int, values) -> dict[str, Any]:
        return {"rows": rows, "cols": cols, "data": [float(v) for v in np.ravel(values)]}

    info = {
        "image_width": int(intrinsics.width_px),
        "image_height": int(intrinsics.height_px),
        "camera_name": camera_name,
        "camera_matrix": matrix(3, 3, intrinsics.matrix),
        "distortion_model": model,
        "distortion_coefficients": matrix(1, len(distortion), distortion),
        "rectification_matrix": matrix(3, 3, np.eye(3)),
        "projection_matrix": matrix(3, 4, projection),
    }
    return yaml.safe_dump(info, sort_keys=False, default_flow_style=None)


# ----------------------------------------------------------------------------------------------- reading


class _ProfileLoader(SafeYamlLoader):
    """PyYAML that understands OpenCV's `!!opencv-matrix` tag (a mapping of rows, cols, dt, data)."""


_ProfileLoader.add_constructor("tag:yaml.org,2002:opencv-matrix", yaml.SafeLoader.construct_mapping)


def load_profile(path: str | Path, floor_checked: bool = True) -> CalibrationProfile:
    """A profile from OpenCV YAML (as saved here or by OpenCV's calibration tools) or ROS camera_info YAML.

    With `floor_checked`, a floor that no person can stand on (its normal more than MAX_FLOOR_TILT_DEG
    from the picture's up: seen sideways or from below) is refused; measuring the floor again reads the
    profile without that check, since the floor is about to be replaced (or was saved with --force)."""
    path = Path(path)
    data = _read_mapping(path)
    fields = _Fields(path, data)
    width = fields.integer("image_width", minimum=1, maximum=MAX_IMAGE_SIDE_PX)
    height = fields.integer("image_height", minimum=1, maximum=MAX_IMAGE_SIDE_PX)
    matrix = fields.matrix("camera_matrix", (3, 3))
    fx, fy, cx, cy = matrix[0, 0], matrix[1, 1], matrix[0, 2], matrix[1, 2]
    if fx <= 0 or fy <= 0 or not np.allclose(matrix[2], [0.0, 0.0, 1.0]):
        raise InputFileError(
            path, "not a camera matrix (needs fx, fy > 0 and a last row of 0 0 1)", "camera_matrix"
        )
    _check_plausible_pinhole(path, width, fx, fy)
    if not (0 <= cx <= width and 0 <= cy <= height):
        raise InputFileError(
            path, f"principal point ({cx:g}, {cy:g}) lies outside the {width}x{height} image", "camera_matrix"
        )
    distortion = fields.vector("distortion_coefficients", _DISTORTION_LENGTHS)
    if np.max(np.abs(distortion)) > MAX_DISTORTION:
        raise InputFileError(
            path,
            f"a coefficient of {np.max(np.abs(distortion)):.3g} is beyond any real lens (at most {MAX_DISTORTION:g})",
            "distortion_coefficients",
        )
    intrinsics = CameraIntrinsics(
        width_px=width,
        height_px=height,
        fx_px=float(fx),
        fy_px=float(fy),
        cx_px=float(cx),
        cy_px=float(cy),
        distortion=tuple(float(v) for v in distortion),
        source=str(path),
    )
    errors = fields.optional_vector("per_view_reprojection_errors")
    std = fields.optional_vector("intrinsics_std_dev_px", (4,))
    profile = CalibrationProfile(
        path=str(path),
        intrinsics=intrinsics,
        rms_px=fields.optional_number("avg_reprojection_error", minimum=0.0),
        per_view_errors_px=tuple(float(v) for v in errors) if errors is not None else (),
        uncertainty=IntrinsicsUncertainty(*(float(v) for v in std)) if std is not None else None,
        board=_read_board(fields),
        calibration_time=fields.optional_text("calibration_time"),
    )
    return _read_floor(fields, profile, floor_checked)


def _read_mapping(path: Path) -> dict[str, Any]:
    if not os.path.lexists(path):
        raise InputFileError(path, "no such calibration profile")
    text = read_user_text(path, SETTINGS_MAX_BYTES, "calibration profile")
    # OpenCV writes a "%YAML:1.0" directive, which is not standard YAML
    lines = text.splitlines()
    if lines and lines[0].startswith("%YAML"):
        lines = ["", *lines[1:]]
    data = parse_yaml(
        "\n".join(lines), path, loader=_ProfileLoader, broken="not a valid calibration profile: broken YAML"
    )
    if not isinstance(data, dict):
        raise InputFileError(
            path, "not a calibration profile (expected fields such as image_width, camera_matrix)"
        )
    return data


def _short(value: Any) -> str:
    """A field's value for a one-line message: its repr on one line, cut at 60 characters."""
    text = " ".join(repr(value).split())
    return text if len(text) <= 60 else text[:57] + "..."


class _Fields:
    """Typed access to a profile's fields; every problem names the file and the field."""

    def __init__(self, path: Path, data: dict[str, Any]):
        self.path, self.data = path, data

    def _fail(self, name: str, problem: str) -> InputFileError:
        return InputFileError(self.path, problem, name)

    def _required(self, name: str) -> Any:
        if name not in self.data or self.data[name] is None:
            raise self._fail(name, "missing (the profile is incomplete: calibrate again)")
        return self.data[name]

    def integer(self, name: str, minimum: int, maximum: int = 1 << 31) -> int:
        value = self._required(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self._fail(name, f"expected a whole number of at least {minimum}, found {_short(value)}")
        if value > maximum:
            raise self._fail(name, f"expected a whole number of at most {maximum}, found {_short(value)}")
        return int(value)

    def number(self, name: str, minimum: float | None = None) -> float:
        value = self._required(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self._fail(name, f"expected a number, found {_short(value)}")
        if minimum is not None and value < minimum:
            raise self._fail(name, f"expected at least {minimum:g}, found {value!r}")
        return float(value)

    def optional_number(self, name: str, minimum: float | None = None) -> float | None:
        return None if self.data.get(name) is None else self.number(name, minimum)

    def optional_text(self, name: str) -> str | None:
        value = self.data.get(name)
        return None if value is None else str(value)

    def text(self, name: str, choices: tuple[str, ...] | None = None) -> str:
        value = self._required(name)
        if not isinstance(value, str) or (choices and value not in choices):
            expected = f"one of {', '.join(choices)}" if choices else "text"
            raise self._fail(name, f"expected {expected}, found {_short(value)}")
        return value

    def matrix(self, name: str, shape: tuple[int, int]) -> np.ndarray:
        value = self._required(name)
        if isinstance(value, dict):
            rows, cols, data = value.get("rows"), value.get("cols"), value.get("data")
        else:
            rows, cols, data = shape[0], shape[1], value
        if not isinstance(data, list) or not isinstance(rows, int) or not isinstance(cols, int):
            raise self._fail(name, "expected a matrix (rows, cols, data)")
        try:
            array = np.asarray(data, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            raise self._fail(name, "contains something that is not a number") from None
        if array.size != rows * cols or rows < 1 or cols < 1:
            raise self._fail(
                name, f"has {array.size} numbers for a {rows}x{cols} matrix (the file is cut short?)"
            )
        if not np.all(np.isfinite(array)):
            raise self._fail(name, "contains a value that is not finite")
        if rows * cols != shape[0] * shape[1] or (shape[0] > 1 and shape[1] > 1 and (rows, cols) != shape):
            raise self._fail(name, f"expected a {shape[0]}x{shape[1]} matrix, found {rows}x{cols}")
        return array.reshape(shape)

    def vector(self, name: str, lengths: tuple[int, ...] | None = None) -> np.ndarray:
        value = self._required(name)
        data = value.get("data") if isinstance(value, dict) else value
        count = len(data) if isinstance(data, list) else 0
        if count == 0:
            raise self._fail(name, "expected a list of numbers")
        if lengths and count not in lengths:
            raise self._fail(name, f"expected {' or '.join(map(str, lengths))} numbers, found {count}")
        return self.matrix(name, (count, 1)).ravel()

    def optional_vector(self, name: str, lengths: tuple[int, ...] | None = None) -> np.ndarray | None:
        return None if self.data.get(name) is None else self.vector(name, lengths)


def _read_board(fields: _Fields) -> BoardSpec | None:
    if fields.data.get("board_type") is None:
        return None
    kind = fields.text("board_type", BOARD_KINDS)
    marker = fields.number("marker_size_m", minimum=0.0) if kind == CHARUCO else None
    dictionary = fields.text("aruco_dictionary") if kind == CHARUCO else "DICT_5X5_100"
    try:
        return BoardSpec(
            kind,
            fields.integer("board_cols", 2),
            fields.integer("board_rows", 2),
            fields.number("square_size_m", minimum=0.0),
            marker,
            dictionary,
        )
    except UserError as exc:
        raise InputFileError(fields.path, f"describes an impossible board: {exc}", "board_type") from None


def _check_plausible_pinhole(path: Path, width: int, fx: float, fy: float) -> None:
    hfov_deg = math.degrees(2.0 * math.atan(width / (2.0 * fx)))
    low, high = PLAUSIBLE_HFOV_DEG
    if not low <= hfov_deg <= high:
        raise InputFileError(
            path,
            f"fx = {fx:.4g} px gives a {hfov_deg:.3g} degree field of view across {width} px,"
            f" outside the {low:g}..{high:g} degrees of a real camera",
            "camera_matrix",
        )
    if not 0.5 <= fy / fx <= 2.0:
        raise InputFileError(
            path, f"fy / fx = {fy / fx:.3g}: pixels that are not nearly square (0.5..2)", "camera_matrix"
        )


def _read_floor(fields: _Fields, profile: CalibrationProfile, checked: bool) -> CalibrationProfile:
    if fields.data.get("floor_normal") is None:
        if fields.data.get("floor_offset_m") is not None:
            raise fields._fail(
                "floor_normal", "missing while floor_offset_m is there (the floor is incomplete)"
            )
        return profile
    normal = fields.vector("floor_normal", (3,))
    length = float(np.linalg.norm(normal))
    if abs(length - 1.0) > 1e-3:
        raise fields._fail("floor_normal", f"expected a unit vector, found one of length {length:g}")
    up_deg = math.degrees(math.acos(float(np.clip(-normal[1] / length, -1.0, 1.0))))  # camera's up is -y
    if checked and up_deg > MAX_FLOOR_TILT_DEG:
        raise fields._fail(
            "floor_normal",
            f"points {up_deg:.0f} degrees away from the picture's up (at most {MAX_FLOOR_TILT_DEG:g}):"
            " a floor seen sideways or from below; measure the floor again",
        )
    offset = fields.number("floor_offset_m")
    low, high = FLOOR_OFFSET_RANGE_M
    if not low <= offset <= high:
        raise fields._fail(
            "floor_offset_m", f"the camera would be {offset:g} m above the floor (expected {low:g}..{high:g})"
        )
    method = fields.optional_text("floor_method") or "board"
    floor = FloorPlane(normal=normal / length, offset_m=offset, source=FLOOR_SOURCE)
    return profile.with_floor(floor, method)
