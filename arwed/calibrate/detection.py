"""Finding a board's corners in an image, to sub-pixel accuracy.

Every corner is refined with cv2.cornerSubPix in a window fitted to the board's apparent size around that
corner: as large as possible (more pixels, less noise) but never reaching the next corner of a chessboard or
the nearest ArUco marker of a ChArUco board (a fixed large window on small squares can double the error).
OpenCV before 4.13 returns ChArUco corners shifted by +0.5 px in x and y (opencv/opencv#25539, fixed by
opencv/opencv#28380): the shift is taken off, then every corner is refined again in its fitted window.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from arwed.calibrate.boards import CHESSBOARD, BoardNotFound, BoardSpec
from arwed.calibrate.chessboard import MAX_REFINE_HALF_WINDOW_PX, find_chessboard, refine_windows

__all__ = ["BoardDetection", "BoardDetector", "BoardNotFound", "MirroredImage", "to_grey"]

_CHARUCO_HALF_PIXEL_SHIFT = tuple(int(p) for p in cv2.__version__.split(".")[:2]) < (4, 13)
_SUBPIX_CRITERIA = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_COUNT, 100, 1e-4)


@dataclass(frozen=True)
class BoardDetection:
    """The corners of one board view: where they are in the image and where on the board."""

    image_points_px: np.ndarray  # (N, 2) float32
    object_points_m: np.ndarray  # (N, 3) float32, board coordinates
    corner_ids: np.ndarray  # (N,) int32, index into BoardSpec.object_points()
    image_size_px: tuple[int, int]  # width, height
    refine_half_windows_px: np.ndarray  # (N,) the cornerSubPix half-window each corner was refined with
    marker_corners_px: tuple[np.ndarray, ...] = ()  # ChArUco: the ArUco markers seen, (4, 2) each
    marker_ids: np.ndarray | None = None

    @property
    def corner_count(self) -> int:
        return int(len(self.corner_ids))

    def bounding_box_px(self) -> tuple[float, float, float, float]:
        x0, y0 = self.image_points_px.min(axis=0)
        x1, y1 = self.image_points_px.max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)

    def hull_area_fraction(self) -> float:
        hull = cv2.convexHull(self.image_points_px.astype(np.float32))
        width, height = self.image_size_px
        return float(cv2.contourArea(hull)) / float(width * height)


def to_grey(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


class MirroredImage(BoardNotFound):
    """The picture is mirrored (the markers read only when flipped back): a mirrored image gives a wrong
    camera model, so it is refused rather than used."""


def charuco_detector(board: BoardSpec, try_refine_markers: bool) -> cv2.aruco.CharucoDetector:
    """OpenCV's ChArUco detector; `try_refine_markers` looks again, where the board says a marker must be, for
    markers the first pass missed (blur, noise, a board cut by the image edge), so more corners are found."""
    parameters = cv2.aruco.CharucoParameters()
    parameters.tryRefineMarkers = try_refine_markers
    return cv2.aruco.CharucoDetector(board.charuco_board, parameters)


class BoardDetector:
    """Detects one board kind; keeps OpenCV's detector objects between frames (live video)."""

    def __init__(self, board: BoardSpec):
        self.board = board
        self._charuco = None
        if board.kind != CHESSBOARD:
            self._charuco = charuco_detector(board, try_refine_markers=True)

    def detect(self, image: np.ndarray, fast: bool = False) -> BoardDetection:
        """The board's corners, or BoardNotFound saying why. `fast` skips slow searches and diagnoses (live video)."""
        grey = to_grey(image)
        if self.board.kind == CHESSBOARD:
            return self._detect_chessboard(grey, fast)
        return self._detect_charuco(grey, fast)

    def _detect_chessboard(self, grey: np.ndarray, fast: bool) -> BoardDetection:
        grid = find_chessboard(grey, self.board, fast)
        windows = refine_windows(grey, grid).ravel()
        refined = _refine(grey, grid.reshape(-1, 2).astype(np.float32), windows)
        ids = np.arange(len(refined), dtype=np.int32)
        return BoardDetection(
            image_points_px=refined,
            object_points_m=self.board.object_points()[ids].astype(np.float32),
            corner_ids=ids,
            image_size_px=(grey.shape[1], grey.shape[0]),
            refine_half_windows_px=windows,
        )

    def _detect_charuco(self, grey: np.ndarray, fast: bool) -> BoardDetection:
        corners, ids, marker_corners, marker_ids = self._charuco.detectBoard(grey)
        _explain_charuco_failure(self.board, grey, corners, ids, marker_ids, guess_dictionary=not fast)
        points = corners.reshape(-1, 2).astype(np.float32)
        if _CHARUCO_HALF_PIXEL_SHIFT:
            points -= 0.5
        ids = ids.ravel().astype(np.int32)
        windows = _charuco_windows(points, marker_corners)
        refined = _refine(grey, points, windows)
        object_points = self.board.object_points()[ids].astype(np.float32)
        if _collinear(object_points):
            raise BoardNotFound(
                f"the {len(ids)} ChArUco corners seen lie on one line: show more of the board"
            )
        return BoardDetection(
            image_points_px=refined,
            object_points_m=object_points,
            corner_ids=ids,
            image_size_px=(grey.shape[1], grey.shape[0]),
            refine_half_windows_px=windows,
            marker_corners_px=tuple(m.reshape(4, 2).astype(np.float32) for m in marker_corners),
            marker_ids=marker_ids.ravel().astype(np.int32),
        )


def _explain_charuco_failure(
    board: BoardSpec, grey: np.ndarray, corners, ids, marker_ids, guess_dictionary: bool
) -> None:
    found = 0 if ids is None else len(ids)
    markers = 0 if marker_ids is None else len(marker_ids)
    if found >= board.min_corners_per_view:
        return
    _refuse_a_mirrored_image(board, grey, markers)
    family = _family(board.dictionary)
    likely = _likely_dictionary_family(grey) if guess_dictionary else None
    if likely is not None and likely != family and (markers == 0 or found == 0):
        raise BoardNotFound(f"the markers look like {likely} markers, not {board.dictionary}: check --dict")
    if markers == 0:
        raise BoardNotFound(
            f"no ArUco markers of {board.dictionary} found (is --dict right? is the board lit?)"
        )
    board_ids = int(board.charuco_board.getIds().max())
    if int(marker_ids.max()) > board_ids:
        raise BoardNotFound(
            f"markers with ids up to {int(marker_ids.max())} found, but a {board.cols}x{board.rows} ChArUco board"
            f" has ids 0..{board_ids}: the board has more squares than --board says"
        )
    raise BoardNotFound(
        f"only {found} ChArUco corners found ({markers} markers), {board.min_corners_per_view} needed:"
        " show more of the board, or check --board (it counts squares for ChArUco) and --marker"
    )


def _refuse_a_mirrored_image(board: BoardSpec, grey: np.ndarray, markers_seen: int) -> None:
    """A marker never reads in a mirror image (decoding tries its four rotations, not its reflection), so a
    board whose markers read only in the flipped picture was seen by a mirroring camera."""
    dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, board.dictionary))
    _, ids, _ = cv2.aruco.ArucoDetector(dictionary, cv2.aruco.DetectorParameters()).detectMarkers(
        cv2.flip(grey, 1)
    )
    flipped = 0 if ids is None else int(np.count_nonzero(ids.ravel() <= board.charuco_board.getIds().max()))
    if flipped >= max(4, 2 * markers_seen + 1):
        raise MirroredImage(
            f"the picture is mirrored ({flipped} markers read only when it is flipped back, {markers_seen}"
            " as it is): turn mirroring off in the camera's settings (or its app) and take the views again;"
            " a mirrored image gives a wrong camera model"
        )


_DICTIONARY_FAMILIES = (
    "DICT_4X4_1000",
    "DICT_5X5_1000",
    "DICT_6X6_1000",
    "DICT_7X7_1000",
    "DICT_ARUCO_ORIGINAL",
    "DICT_APRILTAG_36h11",
)


def _family(dictionary: str) -> str:
    """DICT_5X5_100 -> DICT_5X5: dictionaries of one family share their first markers."""
    parts = dictionary.split("_")
    return "_".join(parts[:2]) if len(parts) == 3 and parts[2].isdigit() else dictionary


def _likely_dictionary_family(grey: np.ndarray) -> str | None:
    """The dictionary family with the most markers in the picture (at least 4), to suggest a --dict."""
    best, best_count = None, 3
    parameters = cv2.aruco.DetectorParameters()
    for name in _DICTIONARY_FAMILIES:
        dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, name))
        _, ids, _ = cv2.aruco.ArucoDetector(dictionary, parameters).detectMarkers(grey)
        count = 0 if ids is None else len(ids)
        if count > best_count:
            best, best_count = _family(name), count
    return best


def _collinear(object_points: np.ndarray) -> bool:
    centred = object_points[:, :2] - object_points[:, :2].mean(axis=0)
    return bool(np.linalg.svd(centred, compute_uv=False)[-1] < 1e-6)


def _charuco_windows(points: np.ndarray, marker_corners) -> np.ndarray:
    """Half-windows that stop two pixels short of the nearest marker (its black border would pull the corner;
    cornerSubPix's gradients and the lens blur reach a pixel or so beyond the window)."""
    steps = np.linspace(0.0, 1.0, 9, endpoint=False)[:, None]
    outline = []
    for marker in marker_corners:
        quad = marker.reshape(4, 2).astype(np.float64)
        for start, end in zip(quad, np.roll(quad, -1, axis=0), strict=True):
            outline.append(start + steps * (end - start))
    outline = np.concatenate(outline)
    chebyshev = np.abs(points[:, None, :] - outline[None, :, :]).max(axis=2).min(axis=1)
    return np.clip(np.floor(chebyshev) - 2, 2, MAX_REFINE_HALF_WINDOW_PX).astype(np.int32)


def _refine(grey: np.ndarray, points: np.ndarray, half_windows: np.ndarray) -> np.ndarray:
    refined = points.astype(np.float32).copy()
    for half in np.unique(half_windows):
        chosen = half_windows == half
        refined[chosen] = cv2.cornerSubPix(
            grey, refined[chosen].reshape(-1, 1, 2).copy(), (int(half), int(half)), (-1, -1), _SUBPIX_CRITERIA
        ).reshape(-1, 2)
    return refined
