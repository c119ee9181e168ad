"""Calibration views from image files: every image is read and searched, and every one skipped is listed."""

from __future__ import annotations

import glob
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from arwed.calibrate.boards import BoardSpec
from arwed.calibrate.calibration import CalibrationView
from arwed.calibrate.detection import BoardDetector, BoardNotFound
from arwed.errors import UserError

_GLOB_CHARACTERS = set("*?[")


def expand_patterns(patterns: Sequence[str]) -> list[Path]:
    """The files the patterns name, sorted, each once; a pattern matching nothing is an error."""
    paths: list[Path] = []
    for pattern in patterns:
        if _GLOB_CHARACTERS & set(pattern):
            matches = sorted(glob.glob(pattern, recursive=True))
            if not matches:
                raise UserError(f"no files match '{pattern}'")
            paths += [Path(match) for match in matches]
        else:
            paths.append(Path(pattern))
    unique = list(dict.fromkeys(paths))
    if not unique:
        raise UserError("no images given")
    return unique


@dataclass
class CollectedViews:
    paths: list[Path]
    views: list[CalibrationView] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    def report(self, board: BoardSpec) -> str:
        lines = [
            f"{len(self.paths)} image{'s' if len(self.paths) != 1 else ''}: {len(self.views)} with the board"
            f" ({board.describe()}), {len(self.skipped)} skipped" + (":" if self.skipped else ".")
        ]
        lines += [f"  skipped {path}: {reason}" for path, reason in self.skipped]
        return "\n".join(lines)


def read_image(path: Path) -> np.ndarray:
    """The image as greyscale, or UserError saying why it cannot be used."""
    if not path.exists():
        raise UserError("no such file")
    if path.is_dir():
        raise UserError("is a folder")
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise UserError(f"cannot be read ({exc.strerror or exc})") from None
    image = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if data.size else None
    if image is None:
        raise UserError("not an image OpenCV can read (corrupt, empty or an unknown format)")
    return image


def collect_views(paths: Sequence[Path], board: BoardSpec, min_corners: int | None = None) -> CollectedViews:
    """A view from each image with the board in it; the others listed with the reason."""
    collected = CollectedViews(list(paths))
    detector = BoardDetector(board)
    size: tuple[int, int] | None = None
    needed = (
        board.min_corners_per_view if min_corners is None else min(min_corners, board.min_corners_per_view)
    )
    for path in paths:
        try:
            image = read_image(path)
        except UserError as exc:
            collected.skipped.append((path, str(exc)))
            continue
        image_size = (image.shape[1], image.shape[0])
        if size is not None and image_size != size:
            collected.skipped.append(
                (
                    path,
                    f"is {image_size[0]}x{image_size[1]}, the first image was"
                    f" {size[0]}x{size[1]} (one camera, one resolution)",
                )
            )
            continue
        try:
            detection = detector.detect(image)
        except BoardNotFound as exc:
            collected.skipped.append((path, str(exc)))
            continue
        if detection.corner_count < needed:
            collected.skipped.append((path, f"only {detection.corner_count} corners, {needed} needed"))
            continue
        size = image_size
        collected.views.append(CalibrationView(str(path), detection))
    return collected
