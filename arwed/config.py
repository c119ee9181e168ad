"""The one place for arwed's settings: typed, validated, with errors that name the file and the field.

Settings come from defaults, then an optional YAML file, then command-line options, in that order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from arwed.errors import InputFileError
from arwed.types import CompositeMode
from arwed.user_files import SETTINGS_MAX_BYTES, dump_yaml, load_yaml

DEFAULT_HORIZONTAL_FOV_DEG = 60.0  # a typical webcam; used when no calibration profile is given
DEFAULT_CHARACTER_HEIGHT_M = 1.80
DEFAULT_GAP_M = 0.7


ColorChannel = Annotated[int, Field(ge=0, le=255)]
ColorBGR = tuple[ColorChannel, ColorChannel, ColorChannel]  # 0-255 each, as OpenCV orders them


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class PlacementSettings(_Section):
    side: Literal["left", "right", "auto"] = "right"  # as the camera sees it; auto: the side in view
    gap_m: float = Field(DEFAULT_GAP_M, ge=0.0, le=5.0)  # centre-to-centre distance along the floor
    facing_deg: float = Field(30.0, ge=-180.0, le=180.0)  # 0 faces the camera, 90 faces the person
    character_height_m: float = Field(DEFAULT_CHARACTER_HEIGHT_M, ge=0.3, le=3.0)
    character_height_to: Literal["top-of-head", "eyes"] = "top-of-head"  # what the height measures
    person_height_m: float | None = Field(None, ge=0.5, le=2.6)  # known height makes depth exact
    assumed_person_height_m: float = Field(1.70, ge=1.0, le=2.3)  # without a known height or a floor
    locked: bool = False  # freeze the character's spot on the floor


class TrackingSettings(_Section):
    model_complexity: int = Field(1, ge=0, le=2)  # MediaPipe Pose: 0 lite, 1 full, 2 heavy
    num_poses: int = Field(4, ge=1, le=10)  # how many people the tracker follows at once
    # 0.4: the motion-blurred guest of basketball2.png is found (at 0.5 not); 0.3 lets fragments through
    min_detection_confidence: float = Field(0.4, gt=0.0, le=1.0)  # 0 would accept nothing as a person
    min_tracking_confidence: float = Field(0.5, gt=0.0, le=1.0)
    segmentation: bool = True
    # One Euro filter (Casiez et al. 2012) on placement, in metres: lower min_cutoff = steadier, higher beta = less lag
    min_cutoff_hz: float = Field(0.8, gt=0.0, le=30.0)
    beta: float = Field(2.0, ge=0.0, le=100.0)
    d_cutoff_hz: float = Field(1.0, gt=0.0, le=30.0)
    hold_s: float = Field(1.0, ge=0.0, le=30.0)  # after a loss, keep the last placement this long
    fade_s: float = Field(0.8, ge=0.0, le=10.0)  # then fade the character out over this long
    fade_in_s: float = Field(0.3, ge=0.0, le=10.0)  # after a loss, fade the character back in over this long
    switch_person_s: float = Field(0.5, ge=0.0, le=10.0)  # someone else is followed only once seen this long
    # live sources: track at most this often (every frame is still rendered); None: as often as the cores allow
    live_rate_hz: float | None = Field(None, ge=1.0, le=120.0)


class CameraSettings(_Section):
    default_hfov_deg: float = Field(DEFAULT_HORIZONTAL_FOV_DEG, gt=10.0, lt=170.0)


class CompositeSettings(_Section):
    mode: CompositeMode = CompositeMode.STAGE
    key_color_bgr: ColorBGR = (0, 255, 0)
    keyed_alpha_png: bool = False  # keyed mode writes RGBA PNG frames instead of a key colour
    shadow: bool = True
    shadow_strength: float = Field(0.45, ge=0.0, le=1.0)
    occlusion: bool = True  # the person's silhouette hides the character where the person is in front


class LightingSettings(_Section):
    """How the character is lit: `estimate` reads the room's light from the camera image (falling back to
    the indoor rig when the light is flat), `indoor` keeps the fixed indoor rig, `fixed` uses the values
    below. Directions are camera coordinates (x right, y down, z forward) towards the light."""

    mode: Literal["estimate", "indoor", "fixed"] = "estimate"
    towards_light: tuple[float, float, float] = (-0.5, -0.8, -0.4)  # fixed mode: upper left, in front
    key_level: float = Field(0.7, ge=0.0, le=3.0)  # fixed mode: the key light's strength
    ambient_level: float = Field(0.35, ge=0.0, le=3.0)  # fixed mode: light from every side
    ambient_rgb: tuple[float, float, float] = (1.0, 1.0, 1.0)  # fixed mode: its colour (linear)
    shadow_softness: float = Field(0.3, ge=0.0, le=1.0)  # fixed mode: 0 sharp (sun) .. 1 soft blob
    time_constant_s: float = Field(2.0, ge=0.0, le=60.0)  # estimate mode: how slowly the light follows


class EyesSettings(_Section):
    """Her view (the `eyes` output): which glasses, and the glasses' own head sensor."""

    glasses: str = Field("xreal-one", min_length=1, max_length=4096)  # a preset name or a profile file
    head_udp_port: int | None = Field(None, ge=1, le=65535)  # OpenTrack UDP on 127.0.0.1; None: camera alone
    udp_invert: tuple[Literal["yaw", "pitch", "roll"], ...] = ()  # a sender with other signs
    # the alignment wizard's room marks, camera coordinates (x right, y down, z ahead of the lens), metres:
    # the one she lines the cross up with (the lens itself by default) and the one that checks the result
    alignment_mark_m: tuple[float, float, float] = (0.0, 0.0, 0.0)
    check_mark_m: tuple[float, float, float] = (0.5, 0.0, 0.0)


class KeepsakeSettings(_Section):
    credit_line: bool = False  # rendered videos and pictures carry the avatar's credit (its author, licence)
    microphone: bool = False  # the console's recordings carry the microphone (the system's default input)


class Settings(_Section):
    placement: PlacementSettings = PlacementSettings()
    tracking: TrackingSettings = TrackingSettings()
    camera: CameraSettings = CameraSettings()
    composite: CompositeSettings = CompositeSettings()
    lighting: LightingSettings = LightingSettings()
    eyes: EyesSettings = EyesSettings()
    keepsakes: KeepsakeSettings = KeepsakeSettings()

    def with_overrides(self, overrides: dict[str, dict[str, Any]]) -> Settings:
        """A copy with some fields replaced, e.g. {"placement": {"gap_m": 0.5}}; validated like a file."""
        merged = self.model_dump(mode="json")
        for section, values in overrides.items():
            merged.setdefault(section, {}).update({k: v for k, v in values.items() if v is not None})
        return _validate(merged, "command line")


def _validate(data: Any, origin: str) -> Settings:
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise InputFileError(origin, first["msg"].lower(), field) from None


def load_settings(path: str | Path | None) -> Settings:
    """Settings from a YAML file (missing sections and fields take their defaults)."""
    if path is None:
        return Settings()
    path = Path(path)
    data = load_yaml(path, SETTINGS_MAX_BYTES, "settings file") or {}
    if not isinstance(data, dict):
        raise InputFileError(path, "expected a mapping of sections (placement, tracking, camera, composite)")
    return _validate(data, str(path))


def save_settings(settings: Settings, path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(dump_yaml(settings.model_dump(mode="json")), encoding="utf-8")
    tmp.replace(path)  # atomic: a crash mid-write never loses the previous settings
