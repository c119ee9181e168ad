"""Ground truth for calibration tests: a board rendered through a known camera with known distortion.

Every output pixel is traced back through the true lens model (undistorted to a ray), intersected with the
board's plane and coloured from a high-resolution board image; rendering is supersampled, then blurred and
noised like a real sensor. The corner positions are known exactly, so recovered numbers can be checked.

`PrintConditions` add what real prints and real cameras have (as in OpenCV's own sample photographs): outer
squares narrower than the inner ones, a thin white paper margin and a grey frame (a clipboard) around the
sheet, uneven light, a glare spot on the glossy paper, slight defocus and JPEG compression.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from scipy.spatial.transform import Rotation

from arwed.calibrate.boards import BoardSpec
from arwed.types import CameraIntrinsics

TRUE_CAMERA = CameraIntrinsics(
    width_px=1280,
    height_px=720,
    fx_px=1000.0,
    fy_px=1003.0,
    cx_px=652.4,
    cy_px=355.1,
    distortion=(-0.12, 0.09, 0.0006, -0.0004, -0.02),
    source="synthetic truth",
)
SUPERSAMPLING = 2
TEXTURE_PX_PER_SQUARE = 96
BACKGROUND_GREY = 120


@dataclass(frozen=True)
class PrintConditions:
    """A real print in real light. Sizes are in squares of the board; light as a fraction of full light."""

    outer_square_fraction: float = 1.0  # chessboard: the outer ring of squares printed this wide
    paper_margin_squares: float = 1.0  # white paper around the squares
    frame_squares: float = 0.0  # a grey frame (a clipboard) around the paper
    frame_grey: int = 90
    light_falloff: float = 0.0  # the light is this much weaker at the far side of the picture
    glare: float = 0.0  # a specular spot this bright (grey levels at its centre)
    glare_spot: tuple[float, float] = (0.35, 0.4)  # where on the board (fractions of its width and height)
    defocus_radius_px: float = 0.0  # a disk blur (an out-of-focus lens), before the sensor's own blur
    jpeg_quality: int | None = None


IDEAL_PRINT = PrintConditions()
REAL_PRINT = PrintConditions(
    outer_square_fraction=0.55,
    paper_margin_squares=0.12,
    frame_squares=0.8,
    light_falloff=0.4,
    glare=70.0,
    defocus_radius_px=1.2,
    jpeg_quality=85,
)


@dataclass(frozen=True)
class BoardPose:
    rotation: np.ndarray  # (3, 3) board -> camera
    translation_m: np.ndarray  # (3,) board origin in camera coordinates

    @property
    def rvec(self) -> np.ndarray:
        return cv2.Rodrigues(self.rotation)[0].ravel()


@lru_cache(maxsize=4)
def _rays(camera: CameraIntrinsics, supersampling: int) -> np.ndarray:
    """Normalised image coordinates (H*s, W*s, 2) of every supersample, through the true lens."""
    s = supersampling
    xs = (np.arange(camera.width_px * s) + 0.5) / s - 0.5
    ys = (np.arange(camera.height_px * s) + 0.5) / s - 0.5
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 1, 2)
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 200, 1e-12)
    normalised = cv2.undistortPointsIter(
        grid, camera.matrix, camera.distortion_array, None, None, criteria
    ).reshape(-1, 2)
    sample = np.random.default_rng(0).choice(len(normalised), 20000, replace=False)
    check = cv2.projectPoints(
        np.column_stack((normalised[sample], np.ones(len(sample)))),
        np.zeros(3),
        np.zeros(3),
        camera.matrix,
        camera.distortion_array,
    )[0].reshape(-1, 2)
    assert np.abs(check - grid.reshape(-1, 2)[sample]).max() < 1e-3, "the lens inverse is not accurate enough"
    return normalised.reshape(len(ys), len(xs), 2).astype(np.float64)


@lru_cache(maxsize=8)
def _texture(board: BoardSpec, conditions: PrintConditions) -> tuple[np.ndarray, float]:
    """The printed sheet as an image, and where the squares area's top-left corner lies in it (pixels)."""
    px = TEXTURE_PX_PER_SQUARE
    squares = board.render(px)
    crop = 0
    if board.kind == "chessboard" and conditions.outer_square_fraction < 1.0:
        crop = int(round((1.0 - conditions.outer_square_fraction) * px))
        squares = squares[crop:-crop, crop:-crop]
    paper = int(round(conditions.paper_margin_squares * px))
    sheet = cv2.copyMakeBorder(squares, paper, paper, paper, paper, cv2.BORDER_CONSTANT, value=255)
    frame = int(round(conditions.frame_squares * px))
    if frame:
        sheet = cv2.copyMakeBorder(
            sheet, frame, frame, frame, frame, cv2.BORDER_CONSTANT, value=conditions.frame_grey
        )
    return sheet, float(paper + frame - crop)


def render_view(
    board: BoardSpec,
    pose: BoardPose,
    camera: CameraIntrinsics = TRUE_CAMERA,
    blur_sigma_px: float = 0.7,
    noise_grey: float = 2.0,
    seed: int = 0,
    conditions: PrintConditions = IDEAL_PRINT,
) -> np.ndarray:
    """The board seen by the camera, as a BGR image."""
    rays = _rays(camera, SUPERSAMPLING)
    texture, margin = _texture(board, conditions)
    window = _board_window(board, pose, camera, max(margin, 0.0))
    rays = rays[window]
    plane_to_image = np.column_stack((pose.rotation[:, 0], pose.rotation[:, 1], pose.translation_m))
    image_to_plane = np.linalg.inv(plane_to_image)
    homogeneous = rays @ image_to_plane[:, :2].T + image_to_plane[:, 2]
    behind = homogeneous[..., 2] <= 0
    board_xy = homogeneous[..., :2] / homogeneous[..., 2:3]
    scale = TEXTURE_PX_PER_SQUARE / board.square_m
    map_xy = (board_xy * scale + margin - 0.5).astype(np.float32)
    map_xy[behind] = -1e6
    sampled = np.full(
        (camera.height_px * SUPERSAMPLING, camera.width_px * SUPERSAMPLING), BACKGROUND_GREY, np.uint8
    )
    sampled[window] = cv2.remap(
        texture,
        map_xy[..., 0],
        map_xy[..., 1],
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=BACKGROUND_GREY,
    )
    image = cv2.resize(
        sampled.astype(np.float32), (camera.width_px, camera.height_px), interpolation=cv2.INTER_AREA
    )
    # a gentle light falloff, so the board is not perfectly black and white
    image = 30.0 + image * 0.8
    image = _real_light(image, board, pose, camera, conditions)
    if conditions.defocus_radius_px > 0:
        image = cv2.filter2D(image, -1, _disk(conditions.defocus_radius_px))
    if blur_sigma_px > 0:
        image = cv2.GaussianBlur(image, (0, 0), blur_sigma_px)
    rng = np.random.default_rng(seed)
    image = image + rng.normal(0.0, noise_grey, image.shape)
    grey = np.clip(np.round(image), 0, 255).astype(np.uint8)
    if conditions.jpeg_quality is not None:
        _, encoded = cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, conditions.jpeg_quality])
        grey = cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)


def _real_light(
    image: np.ndarray,
    board: BoardSpec,
    pose: BoardPose,
    camera: CameraIntrinsics,
    conditions: PrintConditions,
) -> np.ndarray:
    """Uneven light (weaker towards one side of the picture) and a glare spot on the board."""
    height, width = image.shape
    if conditions.light_falloff > 0:
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        across = (0.7 * xs / width + 0.3 * ys / height).astype(np.float32)
        image = image * (1.0 - conditions.light_falloff * across)
    if conditions.glare > 0:
        board_w, board_h = board.size_m
        spot = np.array([[conditions.glare_spot[0] * board_w, conditions.glare_spot[1] * board_h, 0.0]])
        centre = cv2.projectPoints(
            spot, pose.rvec, pose.translation_m, camera.matrix, camera.distortion_array
        )[0].ravel()
        square_px = camera.fx_px * board.square_m / float(pose.translation_m[2])
        sigma = 0.9 * square_px
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        spot_light = np.exp(-((xs - centre[0]) ** 2 + (ys - centre[1]) ** 2) / (2.0 * sigma**2))
        image = image + conditions.glare * spot_light
    return image


def _disk(radius_px: float) -> np.ndarray:
    size = int(np.ceil(radius_px)) * 2 + 1
    ys, xs = np.mgrid[0:size, 0:size] - size // 2
    kernel = (xs**2 + ys**2 <= radius_px**2 + 0.25).astype(np.float32)
    return kernel / kernel.sum()


def _board_window(
    board: BoardSpec, pose: BoardPose, camera: CameraIntrinsics, margin_px: float
) -> tuple[slice, slice]:
    """The supersampled image region the board (with its white margin) can cover, to render only that."""
    margin_m = margin_px / TEXTURE_PX_PER_SQUARE * board.square_m
    width, height = board.size_m
    xs = np.linspace(-margin_m, width + margin_m, 9)
    ys = np.linspace(-margin_m, height + margin_m, 9)
    outline = np.array([(x, y, 0.0) for x in xs for y in ys if x in (xs[0], xs[-1]) or y in (ys[0], ys[-1])])
    in_camera = outline @ pose.rotation.T + pose.translation_m
    if (in_camera[:, 2] <= 0.05).any():
        return slice(None), slice(None)
    pixels = cv2.projectPoints(
        outline, pose.rvec, pose.translation_m, camera.matrix, camera.distortion_array
    )[0].reshape(-1, 2)
    s = SUPERSAMPLING
    x0, y0 = np.floor((pixels.min(axis=0) - 4) * s).astype(int)
    x1, y1 = np.ceil((pixels.max(axis=0) + 4) * s).astype(int)
    x0, x1 = np.clip([x0, x1], 0, camera.width_px * s)
    y0, y1 = np.clip([y0, y1], 0, camera.height_px * s)
    return slice(y0, max(y1, y0 + 1)), slice(x0, max(x1, x0 + 1))


def true_corners_px(board: BoardSpec, pose: BoardPose, camera: CameraIntrinsics = TRUE_CAMERA) -> np.ndarray:
    return cv2.projectPoints(
        board.object_points(), pose.rvec, pose.translation_m, camera.matrix, camera.distortion_array
    )[0].reshape(-1, 2)


def pose_facing(
    board: BoardSpec,
    target_px: tuple[float, float],
    distance_m: float,
    tilt_x_deg: float,
    tilt_y_deg: float,
    roll_deg: float = 0.0,
    camera: CameraIntrinsics = TRUE_CAMERA,
) -> BoardPose:
    """The board's centre on the ray through `target_px`, `distance_m` away, tilted about its own axes."""
    ray = np.array(
        [(target_px[0] - camera.cx_px) / camera.fx_px, (target_px[1] - camera.cy_px) / camera.fy_px, 1.0]
    )
    centre = ray / np.linalg.norm(ray) * distance_m
    rotation = Rotation.from_euler("xyz", [tilt_x_deg, tilt_y_deg, roll_deg], degrees=True).as_matrix()
    width, height = board.size_m
    translation = centre - rotation @ np.array([width / 2, height / 2, 0.0])
    return BoardPose(rotation, translation)


def calibration_poses(
    board: BoardSpec, camera: CameraIntrinsics = TRUE_CAMERA, count: int = 24, whole_board: bool = False
) -> list[BoardPose]:
    """`count` varied views: all over the image, near and far, tilted both ways about both axes.

    With `whole_board`, only views that show every square (a chessboard is found only whole).
    """
    w, h = camera.width_px, camera.height_px
    spots = [
        (0.5, 0.5),
        (0.25, 0.25),
        (0.75, 0.25),
        (0.25, 0.75),
        (0.75, 0.75),
        (0.5, 0.25),
        (0.5, 0.75),
        (0.25, 0.5),
        (0.75, 0.5),
        (0.2, 0.2),
        (0.8, 0.2),
        (0.2, 0.8),
        (0.8, 0.8),
    ]
    tilts = [
        (0, 0),
        (30, 0),
        (-30, 0),
        (0, 30),
        (0, -30),
        (25, 25),
        (-25, 25),
        (25, -25),
        (-25, -25),
        (35, 10),
        (-10, 35),
        (15, -35),
    ]
    board_width = board.size_m[0]
    poses = []
    for index in range(count * 6):
        spot_x, spot_y = spots[index % len(spots)]
        tilt_x, tilt_y = tilts[index % len(tilts)]
        distance = board_width * (1.3, 1.9, 2.8)[index % 3] * (1.0 + 0.25 * (index // 24)) + 0.03 * (
            index % 4
        )
        roll = (-8, 0, 8, 4)[index % 4]
        pose = pose_facing(board, (spot_x * w, spot_y * h), distance, tilt_x, tilt_y, roll, camera)
        if whole_board and not _whole_board_visible(board, pose, camera):
            continue
        poses.append(pose)
        if len(poses) == count:
            break
    return poses


def _whole_board_visible(board: BoardSpec, pose: BoardPose, camera: CameraIntrinsics) -> bool:
    width, height = board.size_m
    margin = 0.5 * board.square_m
    outline = np.array(
        [
            [-margin, -margin, 0],
            [width + margin, -margin, 0],
            [width + margin, height + margin, 0],
            [-margin, height + margin, 0],
        ]
    )
    pixels = cv2.projectPoints(
        outline, pose.rvec, pose.translation_m, camera.matrix, camera.distortion_array
    )[0].reshape(-1, 2)
    return bool(
        (pixels >= 5).all()
        and (pixels[:, 0] < camera.width_px - 5).all()
        and (pixels[:, 1] < camera.height_px - 5).all()
    )


def covered_pixels(detections, camera: CameraIntrinsics = TRUE_CAMERA, step_px: int = 8) -> np.ndarray:
    """Pixels (N, 2) on a grid inside the area the boards covered (the union of each view's corner hull)."""
    mask = np.zeros((camera.height_px, camera.width_px), np.uint8)
    for detection in detections:
        hull = cv2.convexHull(detection.image_points_px.astype(np.float32)).astype(np.int32)
        cv2.fillConvexPoly(mask, hull, 1)
    ys, xs = np.mgrid[0 : camera.height_px : step_px, 0 : camera.width_px : step_px]
    inside = mask[ys, xs] > 0
    return np.column_stack((xs[inside], ys[inside])).astype(np.float64)


def projection_errors_px(
    recovered: CameraIntrinsics, pixels: np.ndarray, truth: CameraIntrinsics = TRUE_CAMERA
) -> np.ndarray:
    """For each pixel: trace its ray through the true lens, project the ray with the recovered camera."""
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 200, 1e-12)
    rays = cv2.undistortPointsIter(
        pixels.reshape(-1, 1, 2), truth.matrix, truth.distortion_array, None, None, criteria
    ).reshape(-1, 2)
    projected = cv2.projectPoints(
        np.column_stack((rays, np.ones(len(rays)))),
        np.zeros(3),
        np.zeros(3),
        recovered.matrix,
        recovered.distortion_array,
    )[0].reshape(-1, 2)
    return np.linalg.norm(projected - pixels, axis=1)


@dataclass(frozen=True)
class RecoveryFigures:
    fx_error_percent: float
    fy_error_percent: float
    cx_error_px: float
    cy_error_px: float
    rms_px: float
    max_projection_error_px: float
    covered_fraction: float

    def text(self) -> str:
        return (
            f"fx {self.fx_error_percent:+.3f}%  fy {self.fy_error_percent:+.3f}%  cx {self.cx_error_px:+.3f} px"
            f"  cy {self.cy_error_px:+.3f} px  RMS {self.rms_px:.3f} px  max projection error"
            f" {self.max_projection_error_px:.3f} px over {self.covered_fraction * 100:.0f}% of the image"
        )


def recovery_figures(
    recovered: CameraIntrinsics, rms_px: float, detections, truth: CameraIntrinsics = TRUE_CAMERA
) -> RecoveryFigures:
    pixels = covered_pixels(detections, truth)
    grid = ((truth.height_px + 7) // 8) * ((truth.width_px + 7) // 8)
    return RecoveryFigures(
        fx_error_percent=(recovered.fx_px / truth.fx_px - 1.0) * 100.0,
        fy_error_percent=(recovered.fy_px / truth.fy_px - 1.0) * 100.0,
        cx_error_px=recovered.cx_px - truth.cx_px,
        cy_error_px=recovered.cy_px - truth.cy_px,
        rms_px=rms_px,
        max_projection_error_px=float(projection_errors_px(recovered, pixels, truth).max()),
        covered_fraction=len(pixels) / grid,
    )


def camera_up(tilt_deg: float, roll_deg: float) -> np.ndarray:
    """The world's up direction in camera coordinates, for a camera tilted down and rolled."""
    t, r = np.radians(tilt_deg), np.radians(roll_deg)
    return np.array([np.sin(r) * np.cos(t), -np.cos(r) * np.cos(t), -np.sin(t)])


def floor_point(
    up: np.ndarray, height_m: float, pixel: tuple[float, float], camera: CameraIntrinsics = TRUE_CAMERA
) -> np.ndarray:
    """Where the ray through an (undistorted) pixel meets the floor height_m below the camera."""
    ray = np.array([(pixel[0] - camera.cx_px) / camera.fx_px, (pixel[1] - camera.cy_px) / camera.fy_px, 1.0])
    return ray * (-height_m / float(up @ ray))


def board_on_floor(
    board: BoardSpec,
    up: np.ndarray,
    height_m: float,
    pixel: tuple[float, float],
    yaw_deg: float = 0.0,
    camera: CameraIntrinsics = TRUE_CAMERA,
) -> BoardPose:
    """The board lying face up on the floor, centred under `pixel`, turned by `yaw_deg` about the vertical."""
    centre = floor_point(up, height_m, pixel, camera)
    across = np.array([1.0, 0.0, 0.0]) - up * up[0]
    across /= np.linalg.norm(across)
    yaw = np.radians(yaw_deg)
    across = np.cos(yaw) * across + np.sin(yaw) * np.cross(up, across)
    into_floor = -up
    down_board = np.cross(into_floor, across)
    rotation = np.column_stack((across, down_board, into_floor))
    width, height = board.size_m
    return BoardPose(rotation, centre - rotation @ np.array([width / 2, height / 2, 0.0]))


# A person standing straight, facing +z, in metres for a height of 1 (y up, feet on y = 0): BlazePose's 33
# landmarks at typical adult proportions (eyes at 0.936 of the height).
_SIDE = {"l": 1.0, "r": -1.0}
_BODY_UNIT = np.array(
    [[0.0, 0.915, 0.06]]  # 0 nose
    + [[s * x, 0.936, 0.05] for s in (1.0,) for x in (0.012, 0.018, 0.026)]  # 1-3 left eye inner, eye, outer
    + [[-x, 0.936, 0.05] for x in (0.012, 0.018, 0.026)]  # 4-6 right eye
    + [[0.04, 0.925, 0.0], [-0.04, 0.925, 0.0]]  # 7-8 ears
    + [[0.014, 0.885, 0.05], [-0.014, 0.885, 0.05]]  # 9-10 mouth
    + [[0.13, 0.818, 0.0], [-0.13, 0.818, 0.0]]  # 11-12 shoulders
    + [[0.15, 0.63, 0.0], [-0.15, 0.63, 0.0]]  # 13-14 elbows
    + [[0.15, 0.485, 0.02], [-0.15, 0.485, 0.02]]  # 15-16 wrists
    + [[s * 0.155, 0.44, z] for z in (0.0, 0.03, 0.04) for s in (1.0, -1.0)]  # 17-22 pinky, index, thumb
    + [[0.055, 0.53, 0.0], [-0.055, 0.53, 0.0]]  # 23-24 hips
    + [[0.055, 0.285, 0.01], [-0.055, 0.285, 0.01]]  # 25-26 knees
    + [[0.06, 0.039, -0.01], [-0.06, 0.039, -0.01]]  # 27-28 ankles
    + [[0.06, 0.008, -0.035], [-0.06, 0.008, -0.035]]  # 29-30 heels
    + [[0.07, 0.005, 0.1], [-0.07, 0.005, 0.1]]  # 31-32 foot index
)


def standing_person_frames(
    height_m: float,
    up: np.ndarray,
    camera_height_m: float,
    pixel: tuple[float, float],
    frames: int = 20,
    facing_yaw_deg: float = 20.0,
    pixel_noise: float = 1.0,
    world_noise_m: float = 0.01,
    world_scale: float = 0.93,
    seed: int = 0,
    camera: CameraIntrinsics = TRUE_CAMERA,
):
    """PoseObservations of a person standing still on the floor, as MediaPipe would report them (noisy, its
    world landmarks hip-centred, in its own orientation and a little off in scale)."""
    from arwed.types import PoseObservation

    feet = floor_point(up, camera_height_m, pixel, camera)
    towards_camera = -feet - up * float(up @ -feet)
    towards_camera /= np.linalg.norm(towards_camera)
    yaw = np.radians(facing_yaw_deg)
    forward = np.cos(yaw) * towards_camera + np.sin(yaw) * np.cross(up, towards_camera)
    left = np.cross(up, forward)  # the person's left, with y up and z forward
    body_to_camera = np.column_stack((left, up, forward))
    body = _BODY_UNIT * height_m
    in_camera = body @ body_to_camera.T + feet
    truth_px = cv2.projectPoints(in_camera, np.zeros(3), np.zeros(3), camera.matrix, camera.distortion_array)[
        0
    ].reshape(-1, 2)
    hips = body[23:25].mean(axis=0)
    mediapipe_axes = Rotation.from_euler("xyz", [180.0, 25.0, 4.0], degrees=True).as_matrix()
    rng = np.random.default_rng(seed)
    observations = []
    for index in range(frames):
        world = (body - hips) @ mediapipe_axes.T * world_scale + rng.normal(0, world_noise_m, body.shape)
        image = truth_px + rng.normal(0, pixel_noise, truth_px.shape)
        observations.append(
            PoseObservation(
                frame_index=index,
                media_time_s=index / 30.0,
                image_landmarks_px=image,
                world_landmarks_m=world,
                visibility=np.full(33, 0.95),
                segmentation_mask=None,
                bbox_px=(*image.min(axis=0), *image.max(axis=0)),
            )
        )
    return observations
