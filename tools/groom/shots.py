"""Pictures of a character model to look at: `python -m tools.groom.shots MODEL OUTDIR`.

Writes the contact sheet (front, three-quarter, side, back) at rest and in the idle, a face close-up
(front and three-quarter) for the neutral face and each expression, and the hands up close. Demo frames
come from `arwed render --source demo` (scripts/demo.sh). A build aid, not part of the installed package.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from arwed.characters.base import CharacterCue
from arwed.characters.loader import load_character
from arwed.characters.preview import OrbitView, Overlays
from arwed.render.contact_sheet import contact_sheet, render_view
from arwed.render.renderer import CharacterRenderer

NO_OVERLAYS = Overlays(ruler=False, skeleton=False)
FACE_EXPRESSIONS = (
    "neutral",
    "blink",
    "aa",
    "ih",
    "ou",
    "ee",
    "oh",
    "happy",
    "angry",
    "sad",
    "relaxed",
    "surprised",
)


def _face_views(character, renderer, expression: str) -> np.ndarray:
    cue = CharacterCue(time_s=1.0, expressions={} if expression == "neutral" else {expression: 1.0})
    posed = character.pose(cue)
    eyes = character.skeleton()
    head = eyes.positions_m[eyes.humanoid["head"]] if "head" in eyes.humanoid else None
    centre = (0.0, float(head[1]) + 0.07, float(head[2]) + 0.02) if head is not None else (0.0, 1.65, 0.0)
    tiles = []
    for label, yaw in (("front", 0.0), ("three-quarter", 35.0)):
        view = OrbitView(yaw, 3.0, 0.62, centre)
        tiles.append(
            render_view(renderer, character, posed, view, (360, 420), NO_OVERLAYS, f"{expression} {label}")
        )
    return np.concatenate(tiles, axis=1)


def _hands(character, renderer) -> np.ndarray:
    posed = character.pose(CharacterCue(time_s=1.0))
    sk = character.skeleton()
    tiles = []
    for side, yaw in (("leftHand", 70.0), ("leftHand", 20.0), ("rightHand", -70.0)):
        if side not in sk.humanoid:
            continue
        p = sk.positions_m[sk.humanoid[side]]
        view = OrbitView(yaw, 5.0, 0.55, (float(p[0]), float(p[1]) - 0.08, float(p[2])))
        tiles.append(
            render_view(renderer, character, posed, view, (320, 360), NO_OVERLAYS, f"{side} {yaw:.0f}")
        )
    return np.concatenate(tiles, axis=1)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    model, out = Path(argv[0]), Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    character = load_character(model)
    renderer = CharacterRenderer()
    try:
        for mode in ("rest", "idle"):
            character.set_pose_mode(mode)
            sheet = contact_sheet(character, CharacterCue(time_s=1.0), renderer=renderer)
            cv2.imwrite(str(out / f"sheet_{mode}.png"), sheet)
        character.set_pose_mode("rest")
        rows = [
            _face_views(character, renderer, e)
            for e in FACE_EXPRESSIONS
            if e == "neutral" or character.find_expression(e)
        ]
        for start in range(0, len(rows), 4):
            cv2.imwrite(str(out / f"face_{start // 4}.png"), np.concatenate(rows[start : start + 4], axis=0))
        cv2.imwrite(str(out / "hands.png"), _hands(character, renderer))
    finally:
        renderer.close()
    print(f"wrote pictures of {model} to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
