"""Compositing the rendered character with the camera image, in three modes.

- stage: camera image + character; wherever someone in view (the person, a guest, the officiant) stands
  nearer than the character, their own segmentation mask hides it; a soft contact shadow on the floor
  under the character.
- camera-black: the camera's view of the character on pure black (see render/eyes.py for her own view).
- keyed: the character on a key colour, or BGRA with a real alpha channel for PNG frames.
Only the region the character covers is touched; the output buffer is reused between frames.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from arwed.config import CompositeSettings
from arwed.geometry.camera import project_points
from arwed.types import CameraIntrinsics, CompositeMode, Occluder, Placement, RenderedLayer, SceneLight

SHADOW_RADII_M = (0.32, 0.22)  # across and along the character's facing: roughly its footprint plus a margin
SHADOW_SOFTNESS = 0.35  # blur sigma as a fraction of the shadow's projected height
MAX_SHADOW_SIGMA_PX = 40.0
SHADOW_CAST_M = 0.9  # how far a sharp shadow reaches from the feet at a 45-degree light (a contact shadow, not a full cast one)
MIN_LIGHT_ELEVATION_DEG = 25.0  # lower suns would throw shadows across the whole floor: capped
MAX_SHADOW_REACH_M = 1.2
OCCLUSION_MARGIN_M = 0.05
EDGE_FILL_PX = 2  # the rim of the rendered character that may have colour without depth
SOLID_RAMP_FROM, SOLID_FROM = (
    0.25,
    0.75,
)  # a silhouette's soft edge, in mask values  # a person hides the character only where they are nearer by more than this
SILHOUETTE_MARGIN = 0.3  # of a person's box width, each side: a dress, hair or a raised arm reach past it


def background_shape(settings: CompositeSettings, image_bgr: np.ndarray) -> tuple[int, ...]:
    """The shape of a composited frame: BGRA for keyed frames with alpha, else the camera's."""
    if settings.mode is CompositeMode.KEYED and settings.keyed_alpha_png:
        return (*image_bgr.shape[:2], 4)
    return image_bgr.shape


def fill_background(out: np.ndarray, settings: CompositeSettings, image_bgr: np.ndarray) -> None:
    """What the character is drawn on, into `out`: the camera picture on the stage, black (or
    transparent) otherwise, the key colour for keyed frames without alpha. The picture without him: the
    operator's hide shows it (session/veil.py)."""
    mode = settings.mode
    if mode is CompositeMode.STAGE:
        np.copyto(out, image_bgr)
    elif mode is CompositeMode.KEYED and out.shape[2] == 3:
        out[:] = settings.key_color_bgr
    else:
        out[:] = 0


class Compositor:
    def __init__(self, settings: CompositeSettings | None = None):
        self.settings = settings or CompositeSettings()
        self.light = SceneLight()  # the contact shadow falls away from its key light, as sharp as it says
        self._out: np.ndarray | None = None

    def _buffer(self, shape: tuple[int, ...]) -> np.ndarray:
        if self._out is None or self._out.shape != shape:
            self._out = np.empty(shape, np.uint8)
        return self._out

    def compose(
        self,
        image_bgr: np.ndarray,
        layer: RenderedLayer | None,
        placement: Placement | None,
        intrinsics: CameraIntrinsics,
        occluders: Sequence[Occluder] = (),
        shared: SharedLayer | None = None,
    ) -> np.ndarray:
        """The composited frame; valid until the next call (the buffer is reused).

        occluders: everyone in view with their silhouette and distance (geometry.bystanders).
        shared: the same frame's layer as other outputs paint it (`SharedLayer(layer)`), so that the
        people in front hide the character once per frame, not once per output."""
        mode = self.settings.mode
        out = self._buffer(background_shape(self.settings, image_bgr))
        fill_background(out, self.settings, image_bgr)
        if placement is not None and layer is not None and layer.rgba.size:
            occluding = self.settings.occlusion and mode is not CompositeMode.KEYED
            if mode is CompositeMode.STAGE and self.settings.shadow:
                self._draw_contact_shadow(out, placement, intrinsics, occluders if occluding else ())
            hiding = tuple(o for o in occluders if _overlaps(o.bbox_px, layer)) if occluding else ()
            _blend_layer(
                out,
                shared if shared is not None and shared.layer is layer else SharedLayer(layer),
                hiding,
                on_black=mode in (CompositeMode.CAMERA_BLACK, CompositeMode.EYES),
            )
        return out

    def _draw_contact_shadow(
        self,
        out: np.ndarray,
        placement: Placement,
        intrinsics: CameraIntrinsics,
        occluders: Sequence[Occluder] = (),
    ) -> None:
        """The shadow on the floor under the character; a person nearer than it hides it as they hide him
        (else it would darken a guest's legs in front of him)."""
        outline_px = contact_shadow_outline_px(placement, intrinsics, self.light)
        if outline_px is None:
            return
        height, width = out.shape[:2]
        softness = SHADOW_SOFTNESS * (0.3 + 0.7 * self.light.shadow_softness)
        sigma = float(np.clip(softness * np.ptp(outline_px[:, 1]), 1.0, MAX_SHADOW_SIGMA_PX))
        pad = int(3 * sigma) + 1
        x0, y0 = np.floor(outline_px.min(axis=0)).astype(int) - pad
        x1, y1 = np.ceil(outline_px.max(axis=0)).astype(int) + pad
        # only the part that can reach the frame is drawn: the shadow of feet below the frame costs nothing
        x0, y0, x1, y1 = max(x0, -pad), max(y0, -pad), min(x1, width + pad), min(y1, height + pad)
        if x1 <= max(0, x0) or y1 <= max(0, y0) or x0 >= width or y0 >= height:
            return
        mask = np.zeros((y1 - y0, x1 - x0), np.float32)
        cv2.fillPoly(mask, [np.round(outline_px - (x0, y0)).astype(np.int32)], 1.0, lineType=cv2.LINE_AA)
        cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
        mask = cv2.GaussianBlur(mask, (0, 0), sigma)[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0]
        shadow_depth_m = float(placement.anchor_m[2])
        for occluder in occluders:
            if occluder.depth_m + OCCLUSION_MARGIN_M < shadow_depth_m and _box_reaches(
                occluder.bbox_px, (cx0, cy0, cx1, cy1)
            ):
                mask *= 1.0 - _solid(
                    _mask_in_frame_region(occluder.mask, (width, height), (cx0, cy0), (cx1 - cx0, cy1 - cy0))
                )
        strength = self.settings.shadow_strength * placement.opacity
        region = out[cy0:cy1, cx0:cx1, :3]
        region[:] = (region * (1.0 - strength * mask[:, :, None])).astype(np.uint8)


def contact_shadow_outline_px(
    placement: Placement, intrinsics: CameraIntrinsics, light: SceneLight | None = None
) -> np.ndarray | None:
    """An ellipse on the floor under the character, projected into the image (N, 2), or None if behind.

    A soft light (indoors) leaves it a blob under the feet; a sharp one (the sun) stretches it away from
    the light, the further the lower the light stands, as the people's own shadows fall."""
    rotation = placement.character_to_camera[:3, :3]
    across, along = rotation[:, 0], rotation[:, 2]
    centre = placement.anchor_m.astype(np.float64)
    reach_m = 0.0
    if light is not None and light.shadow_softness < 1.0:
        up = rotation[:, 1]  # the character's up in camera coordinates
        towards = np.asarray(light.key.towards_light, dtype=np.float64)
        towards /= max(float(np.linalg.norm(towards)), 1e-9)
        on_floor = towards - np.dot(towards, up) * up
        if np.dot(towards, up) > 0.0 and np.linalg.norm(on_floor) > 1e-6:
            elevation = max(
                np.arcsin(np.clip(np.dot(towards, up), -1.0, 1.0)), np.radians(MIN_LIGHT_ELEVATION_DEG)
            )
            reach_m = min(
                SHADOW_CAST_M * (1.0 - light.shadow_softness) / np.tan(elevation), MAX_SHADOW_REACH_M
            )
            along = -on_floor / np.linalg.norm(on_floor)  # the shadow falls away from the light
            across = np.cross(up, along)
            centre = centre + 0.5 * reach_m * along
    angles = np.linspace(0.0, 2.0 * np.pi, 32, endpoint=False)
    radius_along = SHADOW_RADII_M[1] + 0.5 * reach_m if reach_m > 0.0 else SHADOW_RADII_M[1]
    radius_across = SHADOW_RADII_M[0] * (
        0.75 if reach_m > 0.0 else 1.0
    )  # a body's shadow is narrower than its footprint
    points = (
        centre[None, :]
        + np.cos(angles)[:, None] * radius_across * across[None, :]
        + np.sin(angles)[:, None] * radius_along * along[None, :]
    )
    if np.any(points[:, 2] <= 0.05):
        return None
    return project_points(intrinsics, points)


def _overlaps(person_bbox_px, layer: RenderedLayer) -> bool:
    """Whether a person's box touches the character's: if not, their silhouette cannot hide it."""
    return _box_reaches(person_bbox_px, layer.character_bbox_px)


def _box_reaches(person_bbox_px, box_px) -> bool:
    """Whether a person's silhouette may reach into a box (their box, widened by SILHOUETTE_MARGIN);
    True when either box is unknown."""
    if person_bbox_px is None or box_px is None:
        return True
    px0, py0, px1, py1 = person_bbox_px
    margin = SILHOUETTE_MARGIN * (px1 - px0)
    px0, px1 = px0 - margin, px1 + margin
    cx0, cy0, cx1, cy1 = box_px
    return px0 < cx1 and cx0 < px1 and py0 < cy1 and cy0 < py1


def _mask_in_region(layer: RenderedLayer, person_mask: np.ndarray) -> np.ndarray:
    """A person's mask over the layer's region, at the layer's size."""
    h, w = layer.rgba.shape[:2]
    return _mask_in_frame_region(person_mask, layer.frame_size_px, layer.origin_px, (w, h))


def _mask_in_frame_region(
    person_mask: np.ndarray,
    frame_size_px: tuple[int, int],
    origin_px: tuple[int, int],
    size_px: tuple[int, int],
) -> np.ndarray:
    """A person's mask (at tracking resolution) over a region of the frame, at the region's size."""
    frame_w, frame_h = frame_size_px
    mask_h, mask_w = person_mask.shape[:2]
    x0, y0 = origin_px
    sx, sy = mask_w / frame_w, mask_h / frame_h
    # the region in mask pixels, resized to the region's size in one step
    affine = np.array([[sx, 0.0, x0 * sx + 0.5 * sx - 0.5], [0.0, sy, y0 * sy + 0.5 * sy - 0.5]], np.float32)
    mask = cv2.warpAffine(
        person_mask,
        affine,
        size_px,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
    )
    return np.clip(mask, 0.0, 1.0)


def _visibility(layer: RenderedLayer, occluders: Sequence[Occluder]) -> np.ndarray:
    """Per pixel of the layer, 1 where the character stays visible, 0 where someone nearer hides it."""
    visible = np.ones(layer.rgba.shape[:2], np.float32)
    depth_m = _depth_under_edges(layer.depth_m)
    for occluder in occluders:
        in_front = depth_m > occluder.depth_m + OCCLUSION_MARGIN_M
        if not in_front.any():
            continue
        visible *= 1.0 - _solid(_mask_in_region(layer, occluder.mask)) * in_front
    return visible


def _depth_under_edges(depth_m: np.ndarray) -> np.ndarray:
    """The layer's depth with its anti-aliased rim filled in: those pixels carry some of the character's
    colour but no depth (0), and a person in front would let them through as a thin outline of him."""
    empty = depth_m <= 0.0
    if not empty.any():
        return depth_m
    grown = cv2.dilate(depth_m, np.ones((2 * EDGE_FILL_PX + 1, 2 * EDGE_FILL_PX + 1), np.uint8))
    return np.where(empty, grown, depth_m)


def _solid(mask: np.ndarray) -> np.ndarray:
    """A segmentation mask as how much it hides: fully from SOLID_FROM up (MediaPipe's masks stay below 1 well
    inside a person's outline, and a guest must not show the partner through them), a soft ramp below."""
    return np.clip((mask - SOLID_RAMP_FROM) / (SOLID_FROM - SOLID_RAMP_FROM), 0.0, 1.0)


class SharedLayer:
    """One frame's rendered layer as every output paints it: premultiplied BGRA with the people in front
    cut out, made once for each set of people in front (stage and camera-black share it), and the two
    planes "over" takes from it, made once too."""

    def __init__(self, layer: RenderedLayer) -> None:
        self.layer = layer
        self._bgra: np.ndarray | None = None
        self._hidden: dict[tuple[int, ...], np.ndarray] = {}
        self._over: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}

    def bgra(self, occluders: Sequence[Occluder]) -> np.ndarray:
        if self._bgra is None:
            self._bgra = cv2.cvtColor(self.layer.rgba, cv2.COLOR_RGBA2BGRA)  # premultiplied
        if not occluders:
            return self._bgra
        key = tuple(id(occluder) for occluder in occluders)
        hidden = self._hidden.get(key)
        if hidden is None:
            visible = _visibility(self.layer, occluders)
            hidden = self._hidden[key] = cv2.multiply(self._bgra, cv2.merge([visible] * 4), dtype=cv2.CV_8U)
        return hidden

    def colour_and_transparency(self, occluders: Sequence[Occluder]) -> tuple[np.ndarray, np.ndarray]:
        """The premultiplied BGR colour and 255 - alpha in three channels, each contiguous: OpenCV
        copies a strided view such as bgra[:, :, :3] pixel by pixel first (ten times the arithmetic)."""
        key = tuple(id(occluder) for occluder in occluders)
        planes = self._over.get(key)
        if planes is None:
            # nobody in front: straight from the rendered RGBA, without the BGRA copy in between
            source, to_bgr = (
                (self.bgra(occluders), cv2.COLOR_BGRA2BGR)
                if occluders
                else (self.layer.rgba, cv2.COLOR_RGBA2BGR)
            )
            transparency = cv2.cvtColor(cv2.bitwise_not(cv2.extractChannel(source, 3)), cv2.COLOR_GRAY2BGR)
            planes = self._over[key] = (cv2.cvtColor(source, to_bgr), transparency)
        return planes


def _blend_layer(
    out: np.ndarray, shared: SharedLayer, occluders: Sequence[Occluder], on_black: bool = False
) -> None:
    """The layer "over" the frame; `on_black`: the frame is black there, so "over" is the layer's
    premultiplied colour itself (a copy, no arithmetic)."""
    layer = shared.layer
    x0, y0 = layer.origin_px
    h, w = layer.rgba.shape[:2]
    frame_h, frame_w = out.shape[:2]
    h, w = min(h, frame_h - y0), min(w, frame_w - x0)
    if h <= 0 or w <= 0:
        return
    region = out[y0 : y0 + h, x0 : x0 + w]
    if region.shape[2] == 4:  # keyed with alpha: the character alone, straight alpha for PNG
        bgra = shared.bgra(occluders)[:h, :w]
        alpha = bgra[:, :, 3:4].astype(np.float32)
        straight = np.divide(
            bgra[:, :, :3] * 255.0, alpha, out=np.zeros((h, w, 3), np.float32), where=alpha > 0
        )
        region[:, :, :3] = np.clip(straight, 0, 255).astype(np.uint8)
        region[:, :, 3] = bgra[:, :, 3]
        return
    colour, transparency = shared.colour_and_transparency(occluders)
    colour, transparency = colour[:h, :w], transparency[:h, :w]
    if on_black:
        np.copyto(region, colour)
        return
    # premultiplied "over" in 8-bit with OpenCV's saturating, vectorised arithmetic
    cv2.add(cv2.multiply(region, transparency, scale=1.0 / 255.0), colour, dst=region)
