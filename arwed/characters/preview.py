"""Looking at a character: orbit cameras, the facts as JSON, and overlays (height ruler, skeleton).

No rendering here (characters may not import render): arwed.render.contact_sheet and the preview window
use these pieces with the renderer. Cameras are OpenCV's (x right, y down, z forward); the character
stands in its own space (y up, facing +z, feet at y = 0, metres).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from arwed.characters.base import CharacterInfo, PosedPart, SkeletonPose
from arwed.geometry.camera import intrinsics_from_fov, project_points
from arwed.types import CameraIntrinsics

POSE_MODES = ("rest", "idle", "tpose")
# The contact sheet: (label, yaw of the camera around the character in degrees; 0 is in front of it).
SHEET_VIEWS: tuple[tuple[str, float], ...] = (
    ("front", 0.0),
    ("three-quarter", 35.0),
    ("side", 90.0),
    ("back", 180.0),
)
PREVIEW_FOV_DEG = 30.0


@dataclass(frozen=True)
class Overlays:
    """What is drawn over a rendered view."""

    ruler: bool = True
    skeleton: bool = False


DEFAULT_OVERLAYS = Overlays()


@dataclass(frozen=True)
class OrbitView:
    """A camera circling the character: yaw around its vertical axis, pitch above the horizon."""

    yaw_deg: float
    pitch_deg: float
    distance_m: float
    target_m: tuple[float, float, float]

    def orbited(self, d_yaw_deg: float = 0.0, d_pitch_deg: float = 0.0) -> OrbitView:
        return OrbitView(
            self.yaw_deg + d_yaw_deg,
            float(np.clip(self.pitch_deg + d_pitch_deg, -80.0, 80.0)),
            self.distance_m,
            self.target_m,
        )

    def zoomed(self, factor: float) -> OrbitView:
        """Closer for factor < 1, further for factor > 1 (kept between 0.3 m and 30 m)."""
        return OrbitView(
            self.yaw_deg, self.pitch_deg, float(np.clip(self.distance_m * factor, 0.3, 30.0)), self.target_m
        )

    @property
    def eye_m(self) -> np.ndarray:
        yaw, pitch = math.radians(self.yaw_deg), math.radians(self.pitch_deg)
        direction = np.array(
            [math.sin(yaw) * math.cos(pitch), math.sin(pitch), math.cos(yaw) * math.cos(pitch)]
        )
        return np.asarray(self.target_m) + self.distance_m * direction

    def character_to_camera(self) -> np.ndarray:
        """(4, 4) from character space into this camera's OpenCV coordinates."""
        eye = self.eye_m
        forward = np.asarray(self.target_m) - eye
        forward /= np.linalg.norm(forward)
        right = np.cross(forward, [0.0, 1.0, 0.0])
        if np.linalg.norm(right) < 1e-9:  # looking straight down or up: any right will do
            right = np.array([1.0, 0.0, 0.0])
        right /= np.linalg.norm(right)
        down = np.cross(forward, right)
        m = np.eye(4)
        m[:3, :3] = np.stack([right, down, forward])
        m[:3, 3] = -m[:3, :3] @ eye
        return m

    def right_m(self) -> np.ndarray:
        """The camera's right in character space."""
        return self.character_to_camera()[0, :3].copy()


def posed_bounds(posed: tuple[PosedPart, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest corner of every part's vertices (float64), column by column with OpenCV:
    numpy's min(axis=0) over an (N, 3) array walks it three floats at a time (a millisecond a frame for
    the default character, where this takes a twentieth of that)."""
    lows, highs = [], []
    for part in posed:
        if len(part.positions_m) == 0:
            continue
        extremes = [cv2.minMaxLoc(part.positions_m[:, axis])[:2] for axis in range(3)]
        lows.append([low for low, _ in extremes])
        highs.append([high for _, high in extremes])
    if not lows:
        raise ValueError("a posed character without vertices has no bounds")
    return np.min(lows, axis=0), np.max(highs, axis=0)


def framing_view(
    bounds_min: np.ndarray,
    bounds_max: np.ndarray,
    intrinsics: CameraIntrinsics,
    yaw_deg: float,
    pitch_deg: float = 4.0,
    margin: float = 1.12,
) -> OrbitView:
    """An orbit view whose camera sees the whole bounding box, with a margin, from any yaw."""
    centre = 0.5 * (bounds_min + bounds_max)
    half_height = 0.5 * (bounds_max[1] - bounds_min[1])
    # The widest horizontal extent seen from any side: the box's diagonal in plan.
    half_width = 0.5 * float(np.hypot(bounds_max[0] - bounds_min[0], bounds_max[2] - bounds_min[2]))
    fit_h = half_height * margin * intrinsics.fy_px / (0.5 * intrinsics.height_px)
    fit_w = half_width * margin * intrinsics.fx_px / (0.5 * intrinsics.width_px)
    distance = max(fit_h, fit_w) + half_width
    return OrbitView(yaw_deg, pitch_deg, float(distance), tuple(float(c) for c in centre))


def tile_intrinsics(width_px: int, height_px: int) -> CameraIntrinsics:
    """The preview camera: a moderate vertical field of view so the figure is not distorted."""
    vertical = math.radians(PREVIEW_FOV_DEG)
    horizontal = 2.0 * math.degrees(math.atan(math.tan(vertical / 2.0) * width_px / height_px))
    return intrinsics_from_fov(width_px, height_px, horizontal)


def info_dict(info: CharacterInfo) -> dict:
    """The facts `arwed preview --info` writes (JSON-ready)."""
    return {
        "name": info.name,
        "format": info.format,
        "vrm_version": info.vrm_version,
        "triangles": int(info.triangles),
        "humanoid": bool(info.humanoid),
        "bones_mapped": list(info.bones_mapped),
        "bones_missing": list(info.bones_missing),
        "source_height_m": round(float(info.source_height_m), 6),
        "height_m": round(float(info.height_m), 6),
        "scale": round(float(info.scale), 9),
        "license": info.license,
        "meta": dict(info.meta),
        "notices": list(info.notices),
        "expressions": list(info.expressions),
        "expression_aliases": dict(info.expression_aliases),
    }


def ruler_ticks(height_m: float, step_m: float = 0.1) -> list[tuple[float, str]]:
    """(height, label) marks from the floor to just above the character: every 10 cm, labelled each 50 cm."""
    ticks = []
    for i in range(int(math.floor(height_m / step_m + 1e-6)) + 1):
        y = round(i * step_m, 6)
        label = f"{y:.1f} m" if abs(y / 0.5 - round(y / 0.5)) < 1e-6 else ""
        ticks.append((y, label))
    return ticks


def draw_ruler(
    image_bgr: np.ndarray,
    view: OrbitView,
    intrinsics: CameraIntrinsics,
    height_m: float,
    side_offset_m: float,
    color=(235, 235, 235),
) -> None:
    """A vertical ruler standing on the floor beside the character, with its height marked at the top.

    It stands side_offset_m to the camera's right of the character; when that (or a label) would leave
    the picture, the ruler moves left until everything, labels included, is inside.
    """
    right = view.right_m()
    right[1] = 0.0
    right /= max(np.linalg.norm(right), 1e-9)
    base = np.array([view.target_m[0], 0.0, view.target_m[2]]) + right * side_offset_m
    cam = view.character_to_camera()

    def px(point: np.ndarray) -> np.ndarray:
        p = cam[:3, :3] @ point + cam[:3, 3]
        return project_points(intrinsics, p[None])[0]

    font = cv2.FONT_HERSHEY_SIMPLEX
    ticks = ruler_ticks(height_m)
    marks = [
        (px(base + [0.0, y, 0.0]), px(base + [0.0, y, 0.0] + right * (0.05 if lb else 0.025)), lb)
        for y, lb in ticks
    ]
    top = base + [0.0, height_m, 0.0]
    bar = (px(top - right * 0.06), px(top + right * 0.06))
    title = f"{height_m:.2f} m"
    (title_w, _), _ = cv2.getTextSize(title, font, 0.5, 1)
    label_w = max((cv2.getTextSize(lb, font, 0.4, 1)[0][0] for _, _, lb in marks if lb), default=0)
    width = image_bgr.shape[1]
    margin = 6
    right_edge = max(max(b[0] for _, b, _ in marks) + 4 + label_w, bar[1][0])
    left_edge = min(bar[0][0] - title_w - 4, min(a[0] for a, _, _ in marks))
    shift = 0.0
    if right_edge > width - margin:
        shift = (width - margin) - right_edge
    if left_edge + shift < margin:
        shift = margin - left_edge

    def at(p: np.ndarray) -> tuple[int, int]:
        return int(round(p[0] + shift)), int(round(p[1]))

    cv2.line(image_bgr, at(marks[0][0]), at(px(top)), color, 1, cv2.LINE_AA)
    for a, b, label in marks:
        cv2.line(image_bgr, at(a), at(b), color, 1, cv2.LINE_AA)
        if label:
            x, y = at(b)
            cv2.putText(image_bgr, label, (x + 4, y + 4), font, 0.4, color, 1, cv2.LINE_AA)
    a, b = at(bar[0]), at(bar[1])
    cv2.line(image_bgr, a, b, (90, 200, 255), 2, cv2.LINE_AA)
    cv2.putText(
        image_bgr, title, (min(a[0], b[0]) - title_w - 4, a[1] + 5), font, 0.5, (90, 200, 255), 1, cv2.LINE_AA
    )


def draw_skeleton(
    image_bgr: np.ndarray,
    skeleton: SkeletonPose,
    view: OrbitView,
    intrinsics: CameraIntrinsics,
    color=(80, 220, 120),
) -> None:
    """Bones as lines between joints, humanoid joints as dots (drawn over the render, not occluded)."""
    if len(skeleton.positions_m) == 0:
        return
    cam = view.character_to_camera()
    points = skeleton.positions_m.astype(np.float64) @ cam[:3, :3].T + cam[:3, 3]
    if np.any(points[:, 2] <= 0.05):
        return
    uv = np.round(project_points(intrinsics, points)).astype(int)
    for parent, child in skeleton.bone_lines():
        cv2.line(image_bgr, tuple(uv[parent]), tuple(uv[child]), color, 1, cv2.LINE_AA)
    for index in skeleton.humanoid.values():
        if 0 <= index < len(uv):
            cv2.circle(image_bgr, tuple(uv[index]), 3, color, -1, cv2.LINE_AA)


def composite_over(background_bgr: np.ndarray, rgba: np.ndarray, origin_px: tuple[int, int]) -> None:
    """Blend a premultiplied RGBA crop (the renderer's output) over a BGR image, in place."""
    x0, y0 = origin_px
    h = min(rgba.shape[0], background_bgr.shape[0] - y0)
    w = min(rgba.shape[1], background_bgr.shape[1] - x0)
    if h <= 0 or w <= 0:
        return
    crop = rgba[:h, :w].astype(np.float32)
    alpha = crop[:, :, 3:4] / 255.0
    target = background_bgr[y0 : y0 + h, x0 : x0 + w].astype(np.float32)
    blended = crop[:, :, 2::-1] + target * (1.0 - alpha)
    background_bgr[y0 : y0 + h, x0 : x0 + w] = np.clip(blended + 0.5, 0, 255).astype(np.uint8)
