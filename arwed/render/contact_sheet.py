"""Pictures of a character from several sides: the preview window's view and `arwed preview --out`."""

from __future__ import annotations

import cv2
import numpy as np

from arwed.characters.base import Character, CharacterCue, PosedPart
from arwed.characters.preview import (
    DEFAULT_OVERLAYS,
    SHEET_VIEWS,
    OrbitView,
    Overlays,
    composite_over,
    draw_ruler,
    draw_skeleton,
    framing_view,
    posed_bounds,
    tile_intrinsics,
)
from arwed.render.renderer import CharacterRenderer

BACKGROUND_BGR = (112, 106, 100)
LABEL_BGR = (230, 230, 230)


def render_view(
    renderer: CharacterRenderer,
    character: Character,
    posed: tuple[PosedPart, ...],
    view: OrbitView,
    size_px: tuple[int, int],
    overlays: Overlays = DEFAULT_OVERLAYS,
    label: str = "",
) -> np.ndarray:
    """One BGR picture of the posed character from `view` on a plain background."""
    width, height = size_px
    intrinsics = tile_intrinsics(width, height)
    image = np.empty((height, width, 3), np.uint8)
    image[:] = BACKGROUND_BGR
    _floor_line(image, view, intrinsics)
    layer = renderer.render(posed, view.character_to_camera(), intrinsics)
    composite_over(image, layer.rgba, layer.origin_px)
    if overlays.ruler:
        low, high = posed_bounds(posed)
        half_width = 0.5 * float(np.hypot(high[0] - low[0], high[2] - low[2]))
        draw_ruler(image, view, intrinsics, character.height_m, side_offset_m=half_width + 0.12)
    if overlays.skeleton:
        skeleton = getattr(character, "skeleton", None)
        if callable(skeleton):
            draw_skeleton(image, skeleton(), view, intrinsics)
    if label:
        cv2.putText(image, label, (12, 26), cv2.FONT_HERSHEY_SIMPLEX, 0.65, LABEL_BGR, 1, cv2.LINE_AA)
    return image


class PreviewRenderer:
    """Renders views of one character for the preview window (which may not import the renderer itself)."""

    def __init__(self, character: Character):
        self.character = character
        self._renderer = CharacterRenderer()
        self._renderer.set_character(character)

    def render(
        self,
        posed: tuple[PosedPart, ...],
        view: OrbitView,
        size_px: tuple[int, int],
        overlays: Overlays = DEFAULT_OVERLAYS,
    ) -> np.ndarray:
        return render_view(self._renderer, self.character, posed, view, size_px, overlays)

    def close(self) -> None:
        self._renderer.close()


def _floor_line(image: np.ndarray, view: OrbitView, intrinsics) -> None:
    """A faint ellipse on the floor under the character, so the feet visibly stand on something."""
    cam = view.character_to_camera()
    angles = np.linspace(0.0, 2.0 * np.pi, 73)
    ring = np.stack(
        [
            0.45 * np.cos(angles) + view.target_m[0],
            np.zeros_like(angles),
            0.45 * np.sin(angles) + view.target_m[2],
        ],
        axis=1,
    )
    points = ring @ cam[:3, :3].T + cam[:3, 3]
    if np.any(points[:, 2] <= 0.05):
        return
    uv = points[:, :2] / points[:, 2:3] * [intrinsics.fx_px, intrinsics.fy_px] + [
        intrinsics.cx_px,
        intrinsics.cy_px,
    ]
    cv2.polylines(image, [np.round(uv).astype(np.int32)], True, (92, 86, 80), 1, cv2.LINE_AA)


def contact_sheet(
    character: Character,
    cue: CharacterCue,
    tile_px: tuple[int, int] = (480, 720),
    overlays: Overlays = DEFAULT_OVERLAYS,
    renderer: CharacterRenderer | None = None,
) -> np.ndarray:
    """Front, three-quarter, side and back views in a 2 x 2 grid (BGR), all with the same camera distance."""
    own = renderer is None
    renderer = renderer or CharacterRenderer()
    try:
        renderer.set_character(character)
        posed = character.pose(cue)
        low, high = posed_bounds(posed)
        # the whole figure from the floor to its height, even where the mesh is only a part of it
        low[1], high[1] = min(low[1], 0.0), max(high[1], character.height_m)
        intrinsics = tile_intrinsics(*tile_px)
        tiles = []
        for label, yaw in SHEET_VIEWS:
            view = framing_view(low, high, intrinsics, yaw)
            tiles.append(render_view(renderer, character, posed, view, tile_px, overlays, label))
    finally:
        if own:
            renderer.close()
    top = np.concatenate(tiles[:2], axis=1)
    bottom = np.concatenate(tiles[2:], axis=1)
    sheet = np.concatenate([top, bottom], axis=0)
    height, width = sheet.shape[:2]
    cv2.line(sheet, (width // 2, 0), (width // 2, height), (30, 30, 30), 2)
    cv2.line(sheet, (0, height // 2), (width, height // 2), (30, 30, 30), 2)
    return sheet
