"""Her view: the partner rendered from her eyes, for optical see-through glasses (black = transparent).

Each eye of the glasses profile is a camera at her eye (arwed.geometry.eyes); the character, placed in
the real camera's coordinates, is drawn with the shared CharacterRenderer through that eye: world-locked,
from her side, at the glasses' own field of view. Mono profiles render one picture from between her eyes;
side-by-side profiles render both eyes and put them left | right. Everything else is pure black. The
character fades with her head pose's opacity (held, then faded out when she is not seen).
"""

from __future__ import annotations

import cv2
import numpy as np

from arwed.characters.base import PosedPart
from arwed.characters.preview import posed_bounds
from arwed.geometry.eyes import box_outside_view, camera_to_eye, eye_intrinsics, eye_placements
from arwed.geometry.head import HeadPose
from arwed.glasses import GlassesProfile
from arwed.render.renderer import CharacterRenderer
from arwed.types import BBox


class EyesView:
    """Renders her view for one glasses profile into a reused BGR buffer (valid until the next call)."""

    def __init__(self, profile: GlassesProfile) -> None:
        self.profile = profile
        self.intrinsics = eye_intrinsics(profile)
        self._eyes = eye_placements(profile)  # the wizard's calibration where the profile has one
        width, height = profile.output_size_px
        self._out = np.zeros((height, width, 3), np.uint8)
        self.character_bbox_px: BBox | None = None  # where he appears in the last picture (left eye / mono)

    @property
    def eyes(self):
        """Each eye's placement (arwed.geometry.eyes.EyePlacement), in picture order."""
        return self._eyes

    def draw_cross(self, eye_index: int, position_px: tuple[float, float] | None) -> np.ndarray:
        """A white alignment cross (a ring round its centre) in one eye's picture of the last output;
        nothing when the position is None or off that eye's picture."""
        out = self._out
        if position_px is None or not 0 <= eye_index < len(self._eyes):
            return out
        width, height = self.intrinsics.width_px, self.intrinsics.height_px
        x, y = position_px
        if not (0.0 <= x < width and 0.0 <= y < height):
            return out
        arm = max(12, height // 25)
        eye = out[
            :, eye_index * width : (eye_index + 1) * width
        ]  # a view: drawn in place, clipped to the eye
        centre = (int(round(x)), int(round(y)))
        thick = max(2, height // 400)
        cv2.line(
            eye,
            (centre[0] - arm, centre[1]),
            (centre[0] + arm, centre[1]),
            (255, 255, 255),
            thick,
            cv2.LINE_AA,
        )
        cv2.line(
            eye,
            (centre[0], centre[1] - arm),
            (centre[0], centre[1] + arm),
            (255, 255, 255),
            thick,
            cv2.LINE_AA,
        )
        cv2.circle(eye, centre, arm // 3, (255, 255, 255), thick, cv2.LINE_AA)
        return out

    def black(self) -> np.ndarray:
        self._out[:] = 0
        self.character_bbox_px = None
        return self._out

    def render(
        self,
        renderer: CharacterRenderer,
        posed: tuple[PosedPart, ...] | None,
        character_to_camera: np.ndarray | None,
        head: HeadPose | None,
        opacity: float = 1.0,
    ) -> np.ndarray:
        out = self.black()
        if posed is None or character_to_camera is None or head is None:
            return out
        opacity = float(np.clip(opacity * head.opacity, 0.0, 1.0))
        if opacity <= 0.0:
            return out
        eye_width = self.intrinsics.width_px
        low, high = posed_bounds(posed)
        corners = np.array([[(low, high)[i >> k & 1][k] for k in range(3)] for i in range(8)])
        for index, eye in enumerate(self._eyes):
            character_to_eye = camera_to_eye(head, eye) @ character_to_camera
            in_eye = corners @ character_to_eye[:3, :3].T + character_to_eye[:3, 3]
            if box_outside_view(self.intrinsics, in_eye):  # she looks elsewhere: nothing to draw
                continue
            layer = renderer.render(posed, character_to_eye, self.intrinsics, opacity=opacity)
            if not layer.rgba.size:
                continue
            x0, y0 = layer.origin_px
            h, w = layer.rgba.shape[:2]
            h, w = min(h, self.intrinsics.height_px - y0), min(w, eye_width - x0)
            left = index * eye_width + x0
            # premultiplied colour over black is the colour itself
            out[y0 : y0 + h, left : left + w] = layer.rgba[:h, :w, 2::-1]
            if index == 0:
                self.character_bbox_px = layer.character_bbox_px
        return out
