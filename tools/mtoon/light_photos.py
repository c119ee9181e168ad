"""The scene light arwed estimates on real photos, drawn over them, to look at (not part of the app).

    python tools/mtoon/light_photos.py OUT_DIR PHOTO...

Each photo gets the tracker's silhouette (MediaPipe), the estimate, and OUT_DIR/NAME.png: the photo with
the silhouette's outline, an arrow from the person's centre towards the light (its image-plane part), the
numbers, and the groom rendered in that light beside the indoor one.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import cv2
import numpy as np

from arwed.characters.base import CharacterCue
from arwed.characters.catalog import load_character_or_default
from arwed.geometry.camera import intrinsics_from_fov
from arwed.geometry.scene_light import estimate_light, scene_light_from
from arwed.render.renderer import CharacterRenderer
from arwed.tracking.pose import PoseTracker
from arwed.types import Frame, SceneLight


def groom_tile(renderer, character, light: SceneLight, height_px: int) -> np.ndarray:
    renderer.set_light(light)
    posed = character.pose(CharacterCue(time_s=1.0))
    intrinsics = intrinsics_from_fov(height_px // 2, height_px, 20.0)
    view = np.eye(4)
    yaw = math.radians(25.0)
    view[:3, :3] = np.array(
        [[math.cos(yaw), 0, math.sin(yaw)], [0, -1, 0], [math.sin(yaw), 0, -math.cos(yaw)]]
    )
    view[:3, 3] = (0.0, 0.92, 3.2)
    layer = renderer.render(posed, view, intrinsics, region_px=(0, 0, height_px // 2, height_px))
    tile = np.full((height_px, height_px // 2, 3), 110.0)
    alpha = layer.rgba[:, :, 3:4] / 255.0
    return np.clip(layer.rgba[:, :, 2::-1] + tile * (1.0 - alpha), 0, 255).astype(np.uint8)


def main() -> int:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    character = load_character_or_default(None, 1.8)
    renderer = CharacterRenderer()
    renderer.set_character(character)
    with PoseTracker(static_images=True) as tracker:
        for path in map(Path, sys.argv[2:]):
            image = cv2.imread(str(path))
            observation = tracker.process(Frame(image, 0, 0.0, 0.0))
            mask = observation.segmentation_mask if observation is not None else None
            estimate = estimate_light(image, mask)
            light = scene_light_from(estimate)
            shown = image.copy()
            if mask is not None:
                m = (cv2.resize(mask, image.shape[1::-1]) > 0.5).astype(np.uint8)
                contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
                cv2.drawContours(shown, contours, -1, (0, 255, 255), 1)
                ys, xs = np.nonzero(m)
                centre = np.array([xs.mean(), ys.mean()])
                if estimate.towards_light is not None:
                    t = np.asarray(estimate.towards_light)
                    tip = centre + 0.25 * image.shape[0] * t[:2] / max(np.linalg.norm(t[:2]), 1e-6)
                    cv2.arrowedLine(
                        shown, tuple(map(int, centre)), tuple(map(int, tip)), (0, 0, 255), 3, tipLength=0.2
                    )
            towards = (
                "flat"
                if estimate.towards_light is None
                else "[" + ", ".join(f"{c:+.2f}" for c in estimate.towards_light) + "]"
            )
            text = f"towards light {towards}  ratio {estimate.directional_ratio:.2f}  softness {light.shadow_softness:.2f}"
            cv2.putText(shown, text, (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
            h = shown.shape[0]
            tiles = [
                shown,
                groom_tile(renderer, character, SceneLight(), h),
                groom_tile(renderer, character, light, h),
            ]
            cv2.imwrite(str(out / f"{path.stem}.png"), np.hstack(tiles))
            print(
                f"{path.name:20s} {text}  ambient colour {tuple(round(c, 2) for c in estimate.ambient_rgb)}"
            )
    renderer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
