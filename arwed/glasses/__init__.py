"""Glasses profiles: what her AR glasses show (resolution, field of view, mono or side by side) and where
her eyes sit. Shipped presets in presets/*.yaml; a user's own YAML file is read and validated the same way.

A profile file:

    name: My glasses                # shown in notes
    mode: side-by-side              # mono (one picture for both eyes) | side-by-side (left | right)
    eye_resolution_px: [1920, 1080] # one eye's picture; side by side doubles the width
    diagonal_fov_deg: 50            # the manufacturer's field of view (diagonal)
    eye_separation_m: 0.063         # her interpupillary distance
    eyes_behind_landmarks_m: 0.012  # the eyes' optical centres behind the face's eye landmarks
    eyes_below_landmarks_m: 0.0     # and below them
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from arwed.errors import InputFileError
from arwed.user_files import load_yaml

PRESETS_DIR = Path(__file__).with_name("presets")
DEFAULT_PRESET = "xreal-one"
MAX_PROFILE_BYTES = 64 * 1024


class GlassesProfile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    mode: Literal["mono", "side-by-side"]
    eye_resolution_px: tuple[int, int]
    diagonal_fov_deg: float = Field(gt=10.0, lt=120.0)
    eye_separation_m: float = Field(0.063, ge=0.045, le=0.08)
    eyes_behind_landmarks_m: float = Field(0.012, ge=-0.03, le=0.05)
    eyes_below_landmarks_m: float = Field(0.0, ge=-0.05, le=0.05)

    @field_validator("eye_resolution_px")
    @classmethod
    def _sensible_resolution(cls, value: tuple[int, int]) -> tuple[int, int]:
        if not all(64 <= side <= 8192 for side in value):
            raise ValueError("each side must be between 64 and 8192 pixels")
        return value

    @property
    def stereo(self) -> bool:
        return self.mode == "side-by-side"

    @property
    def output_size_px(self) -> tuple[int, int]:
        width, height = self.eye_resolution_px
        return (2 * width if self.stereo else width), height

    @property
    def focal_px(self) -> float:
        """The focal length of one eye's picture in pixels, from the diagonal field of view."""
        width, height = self.eye_resolution_px
        return 0.5 * math.hypot(width, height) / math.tan(math.radians(self.diagonal_fov_deg) / 2.0)

    @property
    def horizontal_fov_deg(self) -> float:
        return math.degrees(2.0 * math.atan(0.5 * self.eye_resolution_px[0] / self.focal_px))


def preset_names() -> list[str]:
    return sorted(path.stem for path in PRESETS_DIR.glob("*.yaml"))


def load_glasses_profile(name_or_path: str | Path | None) -> GlassesProfile:
    """A shipped preset by name (see `preset_names`), or a YAML file; the default preset for None."""
    if name_or_path is None:
        name_or_path = DEFAULT_PRESET
    text = str(name_or_path)
    if text in preset_names():
        return _read(PRESETS_DIR / f"{text}.yaml")
    path = Path(text)
    if path.suffix.lower() not in (".yaml", ".yml") and not path.exists():
        raise InputFileError(text, f"no such glasses preset or file (presets: {', '.join(preset_names())})")
    return _read(path)


def _read(path: Path) -> GlassesProfile:
    data = load_yaml(path, MAX_PROFILE_BYTES, "glasses profile")  # size, kind of file, aliases: user_files
    if not isinstance(data, dict):
        raise InputFileError(path, "expected a mapping of fields (name, mode, eye_resolution_px, ...)")
    try:
        return GlassesProfile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise InputFileError(path, first["msg"].lower(), field) from None
