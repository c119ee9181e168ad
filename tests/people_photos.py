"""Real people from ../shared/data composed into test scenes: a row of four, one person, a known pan.

The crops are boxes around whole people in the third-party photos (see ../shared/data/README.md); each is
scaled to a common standing height and put on a plain wall with its feet on one floor line, so that the
composed row looks like four guests standing side by side. The ground truth is where each was pasted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

WALL_BGR = (150, 160, 168)


@dataclass(frozen=True)
class Crop:
    file: str
    box_px: tuple[int, int, int, int]  # x0, y0, x1, y1 in the source photo: one whole person
    mirror: bool = False


# full-body people: the man on the left of basketball1 and basketball2 (two frames of one man, one of them
# mirrored) and the footballer of messi5 (mid-stride, low)
MAN_BASKETBALL_1 = Crop("basketball1.png", (20, 70, 200, 480))
MAN_BASKETBALL_2 = Crop("basketball2.png", (20, 70, 200, 480))
MAN_MIRRORED = Crop("basketball2.png", (20, 70, 200, 480), mirror=True)
FOOTBALLER = Crop("messi5.jpg", (60, 55, 470, 340))
# a row of four standing on one floor line, with their feet in view (a geometrically possible scene)
ROW_OF_FOUR = (MAN_BASKETBALL_1, FOOTBALLER, MAN_MIRRORED, MAN_BASKETBALL_2)


@dataclass(frozen=True)
class Pasted:
    crop: Crop
    box_px: tuple[int, int, int, int]  # where the person's crop lies in the composed image


def load_crop(data_dir: Path, crop: Crop) -> np.ndarray:
    image = cv2.imread(str(data_dir / crop.file), cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(data_dir / crop.file)
    x0, y0, x1, y1 = crop.box_px
    part = image[y0:y1, x0:x1]
    return part[:, ::-1].copy() if crop.mirror else part.copy()


def compose_row(
    data_dir: Path,
    crops: tuple[Crop, ...] = ROW_OF_FOUR,
    size_px: tuple[int, int] = (1280, 720),
    person_height_px: int = 560,
    floor_y_px: int = 690,
) -> tuple[np.ndarray, list[Pasted]]:
    """The crops side by side, evenly spaced, feet on one line: (BGR image, where each went)."""
    width, height = size_px
    canvas = np.empty((height, width, 3), np.uint8)
    canvas[:] = WALL_BGR
    slot = width / len(crops)
    pasted = []
    for i, crop in enumerate(crops):
        part = load_crop(data_dir, crop)
        scale = min(person_height_px / part.shape[0], 0.96 * slot / part.shape[1])
        part = cv2.resize(part, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        h, w = part.shape[:2]
        x0 = int(round(slot * (i + 0.5) - w / 2))
        y0 = floor_y_px - h
        canvas[y0 : y0 + h, x0 : x0 + w] = part
        pasted.append(Pasted(crop, (x0, y0, x0 + w, y0 + h)))
    return canvas, pasted


def compose_single(data_dir: Path, size_px: tuple[int, int] = (1280, 720)) -> tuple[np.ndarray, Pasted]:
    image, pasted = compose_row(data_dir, (MAN_BASKETBALL_1,), size_px)
    return image, pasted[0]


def pan(image: np.ndarray, shift_px: float) -> np.ndarray:
    """The image moved right by shift_px (sub-pixel), the uncovered strip filled with the wall colour."""
    matrix = np.array([[1.0, 0.0, shift_px], [0.0, 1.0, 0.0]], np.float32)
    return cv2.warpAffine(
        image,
        matrix,
        (image.shape[1], image.shape[0]),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=WALL_BGR,
    )


def write_bench_sources(data_dir: Path, out_dir: Path) -> tuple[Path, Path]:
    """one.png and four.png at 1280x720, for `arwed bench --source`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    one, four = out_dir / "one.png", out_dir / "four.png"
    cv2.imwrite(str(one), compose_single(data_dir)[0])
    cv2.imwrite(str(four), compose_row(data_dir)[0])
    return one, four


if __name__ == "__main__":  # python tests/people_photos.py ../shared/data OUT_DIR
    import sys

    print(*write_bench_sources(Path(sys.argv[1]), Path(sys.argv[2])))
