"""The characters that ship with arwed, and loading the one the user chose."""

from __future__ import annotations

import logging
from pathlib import Path

from arwed.characters.base import Character

log = logging.getLogger(__name__)

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets" / "characters"
DEFAULT_CHARACTER = "groom.glb"


def shipped_characters() -> list[Path]:
    return sorted(p for p in ASSETS_DIR.glob("*") if p.suffix.lower() in (".glb", ".gltf", ".vrm"))


def load_character_or_default(path: str | Path | None, height_m: float) -> Character:
    """The user's model (errors name the file), else the shipped default, else a simple built-in figure."""
    default = ASSETS_DIR / DEFAULT_CHARACTER
    if path is not None or default.is_file():
        from arwed.characters.loader import load_character

        return load_character(path or default, height_m=height_m)
    from arwed.characters.figure import procedural_humanoid

    log.warning("%s is missing; using the simple built-in figure", default)
    return procedural_humanoid(height_m)
