"""MToon, the toon material of VRM, as the renderer needs it: VRMC_materials_mtoon 1.0 semantics.

VRM 0.x MToon properties are converted to these on load (characters/materials.py), so the renderer
knows one model. Colours are linear RGB; colour textures are sRGB uint8 as stored, the shading-shift
(R) and outline-width (G) textures are linear masks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

OutlineMode = Literal["none", "worldCoordinates", "screenCoordinates"]


@dataclass(frozen=True)
class MToonSpec:
    shade_color_factor: tuple[float, float, float] = (0.0, 0.0, 0.0)
    shade_multiply_texture: np.ndarray | None = None
    shading_shift_factor: float = 0.0
    shading_shift_texture: np.ndarray | None = None  # R channel adds to the shift, times the scale below
    shading_shift_texture_scale: float = 1.0
    shading_toony_factor: float = 0.9
    gi_equalization_factor: float = 0.9
    matcap_factor: tuple[float, float, float] = (1.0, 1.0, 1.0)
    matcap_texture: np.ndarray | None = None
    parametric_rim_color_factor: tuple[float, float, float] = (0.0, 0.0, 0.0)
    parametric_rim_fresnel_power_factor: float = 5.0
    parametric_rim_lift_factor: float = 0.0
    rim_multiply_texture: np.ndarray | None = None
    rim_lighting_mix_factor: float = 1.0
    outline_width_mode: OutlineMode = "none"
    outline_width_factor: float = 0.0  # metres (world) or a fraction of the screen height (screen)
    outline_width_multiply_texture: np.ndarray | None = None  # G channel multiplies the width
    outline_color_factor: tuple[float, float, float] = (0.0, 0.0, 0.0)
    outline_lighting_mix_factor: float = 1.0
    transparent_with_z_write: bool = False
    render_queue_offset_number: int = 0
    uv_animation_scroll_x_speed: float = 0.0  # recorded; the renderer draws the material at rest
    uv_animation_scroll_y_speed: float = 0.0
    uv_animation_rotation_speed: float = 0.0

    @property
    def has_outline(self) -> bool:
        return self.outline_width_mode != "none" and self.outline_width_factor > 0.0
