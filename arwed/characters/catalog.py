"""The characters that ship with arwed, and loading the one the user chose.

The shipped models are package data (arwed/assets/characters/), found through importlib.resources, so
an installed wheel shows the same groom as a checkout. They are made by a build tool outside the
package (`python -m tools.groom`)."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from arwed.characters.base import Character

log = logging.getLogger(__name__)

ASSETS_DIR = Path(str(resources.files("arwed") / "assets" / "characters"))  # a plain folder once installed
DEFAULT_CHARACTER = "groom.glb"
MODEL_SUFFIXES = (".glb", ".gltf", ".vrm")


def shipped_characters() -> list[Path]:
    return sorted(p for p in ASSETS_DIR.glob("*") if p.suffix.lower() in MODEL_SUFFIXES)


def default_character_path() -> Path | None:
    """The shipped default character's file; None where this install lacks it (the simple figure then)."""
    path = ASSETS_DIR / DEFAULT_CHARACTER
    return path if path.is_file() else None


def load_character_or_default(
    path: str | Path | None, height_m: float, height_to: str = "top-of-head"
) -> Character:
    """The user's model (errors name the file), else the shipped default, else a simple built-in figure."""
    chosen = path if path is not None else default_character_path()
    if chosen is not None:
        from arwed.characters.loader import load_character

        return load_character(chosen, height_m=height_m, height_to=height_to)
    from arwed.characters.figure import procedural_humanoid

    log.warning("%s is missing; using the simple built-in figure", ASSETS_DIR / DEFAULT_CHARACTER)
    return procedural_humanoid(height_m)
