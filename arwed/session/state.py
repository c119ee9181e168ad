"""What the console remembers between runs, and where: one YAML file in the user's configuration folder.

The folder is $ARWED_CONFIG_DIR when set (tests, portable installs), else $XDG_CONFIG_HOME/arwed, else
~/.config/arwed. Writes are atomic (a temporary file renamed over the old one). A file that cannot be
read or does not validate never stops the app: it is kept beside as `console.yaml.broken-<time>`, a
notice says so, and the console starts from defaults.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from arwed.config import ColorBGR, Settings
from arwed.errors import InputFileError
from arwed.geometry.fade import MAX_FADE_S
from arwed.types import CompositeMode
from arwed.user_files import SETTINGS_MAX_BYTES, dump_yaml, parse_yaml, read_user_text

log = logging.getLogger(__name__)

CONFIG_FILE_NAME = "console.yaml"
DEFAULT_EYE_DISTANCE_M = 0.063  # the adult median interpupillary distance
MAX_RECENT = 8
DEFAULT_FADE_S = 0.3  # the blackout's and the hide's fade: short, so the key still acts at once


def config_dir() -> Path:
    override = os.environ.get("ARWED_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".config"
    return base / "arwed"


def default_config_path() -> Path:
    return config_dir() / CONFIG_FILE_NAME


def default_keepsake_root() -> Path:
    pictures = Path.home() / "Pictures"
    return (pictures if pictures.is_dir() else Path.home()) / "arwed"


class OutputConfig(BaseModel):
    """One output window: what it shows and on which screen."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    mode: CompositeMode = CompositeMode.STAGE
    screen: str | None = (
        None  # a screen's name as the system reports it; None: a window on the console's screen
    )
    full_screen: bool = True  # on a screen: frameless and full screen there; False: a window on it
    side_by_side: bool = False  # glasses in 3D mode: left eye | right eye, e.g. 3840x1080
    eye_distance_m: float = Field(DEFAULT_EYE_DISTANCE_M, ge=0.0, le=0.2)
    key_color_bgr: ColorBGR = (0, 255, 0)


class ConsoleConfig(BaseModel):
    """The console's whole set-up; `settings` is the same Settings the command-line tools read."""

    model_config = ConfigDict(frozen=True, extra="ignore")  # a newer version's extra keys are not an error

    source: str | None = None  # demo, camera:N, a file; None: the first camera found
    character: str | None = None  # a model file; None: the shipped default
    calibration: str | None = None
    recent_sources: tuple[str, ...] = ()
    recent_characters: tuple[str, ...] = ()
    recent_calibrations: tuple[str, ...] = ()
    ceremony: str | None = None  # the ceremony file loaded last (the cue list); None: none
    recent_ceremonies: tuple[str, ...] = ()
    settings: Settings = Settings()
    outputs: tuple[OutputConfig, ...] = ()
    shortcuts: dict[str, tuple[str, ...]] = {}  # action -> keys, only where they differ from the defaults
    keepsake_dir: str | None = None  # None: ~/Pictures/arwed (or ~/arwed)
    fade_s: float = Field(DEFAULT_FADE_S, ge=0.0, le=MAX_FADE_S)  # blackout and hide fade; 0 = a cut

    def keepsake_root(self) -> Path:
        return Path(self.keepsake_dir).expanduser() if self.keepsake_dir else default_keepsake_root()


def remember(recent: tuple[str, ...], item: str | None) -> tuple[str, ...]:
    """`recent` with `item` moved to the front (most recent first), at most MAX_RECENT long."""
    if not item:
        return recent
    return (item, *[r for r in recent if r != item])[:MAX_RECENT]


def load_console_config(path: Path) -> tuple[ConsoleConfig, str | None]:
    """The saved set-up and a notice for the log (None when all went well). Never raises for a bad file."""
    if not os.path.lexists(path):
        return ConsoleConfig(), None
    try:
        text = read_user_text(path, SETTINGS_MAX_BYTES, "console set-up file")
    except InputFileError as exc:
        return ConsoleConfig(), f"{exc}; starting from defaults"
    try:
        data = parse_yaml(text, path) or {}
        if not isinstance(data, dict):
            raise ValueError("expected a mapping")
        return ConsoleConfig.model_validate(data), None
    except (InputFileError, ValueError, ValidationError) as exc:
        backup = _keep_broken(path)
        kept = f"; the broken file is kept as {backup.name}" if backup else ""
        return ConsoleConfig(), f"{path}: {_problem(exc)}; starting from defaults{kept}"


def _problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        return f"field '{field}': {first['msg'].lower()}"
    if isinstance(exc, InputFileError):
        return exc.problem
    return str(exc)


def _keep_broken(path: Path) -> Path | None:
    backup = path.with_name(f"{path.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        path.replace(backup)
    except OSError:
        return None
    return backup


def save_console_config(config: ConsoleConfig, path: Path) -> None:
    """Atomic: a crash mid-write never loses the previous file. Raises OSError when the folder is not writable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = config.model_dump(mode="json")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as file:
        file.write(dump_yaml(data))
        file.flush()
        os.fsync(file.fileno())  # on the disk before the rename, so a power cut leaves the old or the new
    tmp.replace(path)
