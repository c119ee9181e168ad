"""Fields of a profile that arwed does not use, written back unchanged when arwed adds to the profile.

OpenCV's calibration tools write more than arwed reads (`nframes`, `flags`, `extrinsic_parameters`,
`image_points`, ...; ROS adds `camera_name`, `projection_matrix`, ...). Measuring the floor must not lose them:
each is written again through cv2.FileStorage from the YAML it was read from, OpenCV matrices as matrices
(with their element type and channels), maps and lists as maps and lists.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

# OpenCV FileStorage element types (the `dt` of an !!opencv-matrix)
_DTYPES = {
    "u": np.uint8,
    "c": np.int8,
    "w": np.uint16,
    "s": np.int16,
    "i": np.int32,
    "f": np.float32,
    "d": np.float64,
}


def write_kept_fields(storage: cv2.FileStorage, fields: dict[str, Any], skip: set[str]) -> None:
    """Write every top-level field not in `skip` (those arwed writes itself)."""
    for name, value in fields.items():
        if isinstance(name, str) and name not in skip and name.isidentifier():
            _write(storage, name, value)


def _write(storage: cv2.FileStorage, name: str, value: Any) -> None:
    matrix = _opencv_matrix(value)
    if matrix is not None:
        storage.write(name, matrix)
    elif isinstance(value, bool):
        storage.write(name, int(value))
    elif isinstance(value, int):
        storage.write(name, value)
    elif isinstance(value, float):
        if math.isfinite(value):
            storage.write(name, value)
    elif isinstance(value, str):
        storage.write(name, value)
    elif isinstance(value, dict):
        storage.startWriteStruct(name, cv2.FileNode_MAP)
        for key, item in value.items():
            if isinstance(key, str) and key.isidentifier():
                _write(storage, key, item)
        storage.endWriteStruct()
    elif isinstance(value, list):
        storage.startWriteStruct(name, cv2.FileNode_SEQ)
        for item in value:
            _write(storage, "", item)
        storage.endWriteStruct()
    # anything else (null, a date PyYAML made) has no FileStorage form: nothing OpenCV wrote


def _opencv_matrix(value: Any) -> np.ndarray | None:
    """The array of an !!opencv-matrix mapping (rows, cols, dt, data), or None."""
    if not isinstance(value, dict) or set(value) != {"rows", "cols", "dt", "data"}:
        return None
    rows, cols, dt, data = value["rows"], value["cols"], value["dt"], value["data"]
    if not (
        isinstance(rows, int) and isinstance(cols, int) and isinstance(dt, str) and isinstance(data, list)
    ):
        return None
    channels = int(dt[:-1]) if dt[:-1].isdigit() else 1
    dtype = _DTYPES.get(dt[-1:])
    if dtype is None or len(data) != rows * cols * channels:
        return None
    try:
        array = np.asarray(data, dtype=dtype)
    except (TypeError, ValueError):
        return None
    return array.reshape(rows, cols, channels) if channels > 1 else array.reshape(rows, cols)
