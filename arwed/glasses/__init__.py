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
    eye_calibration:                # optional: written by the console's alignment wizard
      left:                         # mono: `mono`; side by side: `left` and/or `right`
        offset_m: [0.0315, -0.004, -0.018]  # the eye from between the eye landmarks, head axes (x her
                                            # left, y up, z forward), metres
        rotation_deg: [0.4, -1.2, 0.8]      # the eye's turn from straight ahead (rotation vector, head
                                            # axes, degrees): how the display sits
        residual_deg: 0.31          # the wizard's expected error of her view
        alignments: 12
        solved: "2026-12-01 15:02 UTC"

A calibrated eye replaces the nominal one (eye_separation_m and eyes_*_landmarks_m) for that eye.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from arwed.errors import InputFileError
from arwed.user_files import dump_yaml, load_yaml
from arwed.writable import write_user_text

PRESETS_DIR = Path(__file__).with_name("presets")
DEFAULT_PRESET = "xreal-one"
MAX_PROFILE_BYTES = 64 * 1024


EYE_NAMES = {"mono": ("mono",), "side-by-side": ("left", "right")}


class EyeCalibration(BaseModel):
    """One eye as the alignment wizard solved it (see arwed.geometry.alignment)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    offset_m: tuple[float, float, float]
    rotation_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)
    residual_deg: float = Field(ge=0.0, le=90.0)
    alignments: int = Field(ge=1, le=1000)
    solved: str = Field("", max_length=40)

    @field_validator("offset_m")
    @classmethod
    def _near_the_face(cls, value: tuple[float, float, float]) -> tuple[float, float, float]:
        if not all(abs(v) <= 0.1 for v in value):
            raise ValueError("each coordinate must be within 0.1 m of the point between the eye landmarks")
        return value

    @field_validator("rotation_deg")
    @classmethod
    def _small_turn(cls, value: tuple[float, float, float]) -> tuple[float, float, float]:
        if not all(abs(v) <= 30.0 for v in value):
            raise ValueError("each component must be within 30 degrees")
        return value


class GlassesProfile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    mode: Literal["mono", "side-by-side"]
    eye_resolution_px: tuple[int, int]
    diagonal_fov_deg: float = Field(gt=10.0, lt=120.0)
    eye_separation_m: float = Field(0.063, ge=0.045, le=0.08)
    eyes_behind_landmarks_m: float = Field(0.012, ge=-0.03, le=0.05)
    eyes_below_landmarks_m: float = Field(0.0, ge=-0.05, le=0.05)
    eye_calibration: dict[str, EyeCalibration] = {}

    @field_validator("eye_resolution_px")
    @classmethod
    def _sensible_resolution(cls, value: tuple[int, int]) -> tuple[int, int]:
        if not all(64 <= side <= 8192 for side in value):
            raise ValueError("each side must be between 64 and 8192 pixels")
        return value

    @model_validator(mode="after")
    def _eyes_of_this_mode(self) -> GlassesProfile:
        allowed = EYE_NAMES[self.mode]
        for eye in self.eye_calibration:
            if eye not in allowed:
                raise ValueError(
                    f"eye_calibration names the eye '{eye}'; a {self.mode} profile has {' and '.join(allowed)}"
                )
        return self

    @property
    def eye_names(self) -> tuple[str, ...]:
        """The eyes in picture order: ("mono",) or ("left", "right")."""
        return EYE_NAMES[self.mode]

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
        message = first["msg"].removeprefix("Value error, ")
        raise InputFileError(path, message[:1].lower() + message[1:], field) from None


def calibrated_copy_path(profile_setting: str | None, folder: Path) -> Path:
    """Where the wizard saves the calibrated copy of a profile: `folder` (the user's glasses folder),
    named after the preset or file it came from (a copy already there is updated in place)."""
    text = str(profile_setting or DEFAULT_PRESET)
    stem = Path(text).stem if text not in preset_names() else text
    if Path(text).parent.resolve() == folder.resolve() and stem.endswith("-aligned"):
        return Path(text)
    return folder / f"{stem}-aligned.yaml"


def save_glasses_profile(profile: GlassesProfile, path: str | Path) -> GlassesProfile:
    """Write `profile` to `path` atomically and read it back (the reader's checks are the writer's proof);
    an InputFileError or UserError naming the file when either fails."""
    data = profile.model_dump(mode="json", exclude_defaults=False)
    if not data.get("eye_calibration"):
        data.pop("eye_calibration", None)
    header = f"# {profile.name}: glasses profile written by arwed's alignment wizard (see README: Glasses)\n"
    write_user_text(path, header + dump_yaml(data), "glasses profile")
    return _read(Path(path))
