"""What the console's pickers offer: fixed choices, the recent files, and "Open…" last.

One place for the labels and the default-character rule, so the view only shows a list (Qt-free, so
it can be tested without a window)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from arwed.characters.catalog import default_character_path, shipped_characters
from arwed.session.state import ConsoleConfig

OPEN_FILE = "\x00open"  # the value of the "Open…" entry: the view asks for a file


@dataclass(frozen=True)
class Choice:
    label: str
    value: str | None  # what the session is told; OPEN_FILE for "Open…"


def _title(path: Path) -> str:
    return path.stem.replace("_", " ").replace("-", " ").title()


def source_choices(cameras: list[str], config: ConsoleConfig) -> list[Choice]:
    choices = [Choice(f"Camera {spec.partition(':')[2]}", spec) for spec in cameras]
    choices.append(Choice("Demo (built-in)", "demo"))
    choices += [
        Choice(Path(recent).name, recent)
        for recent in config.recent_sources
        if recent != "demo" and not recent.startswith("camera:")
    ]
    if config.source and config.source not in [choice.value for choice in choices]:
        choices.append(Choice(config.source, config.source))
    return [*choices, Choice("Open a video or image…", OPEN_FILE)]


def character_choices(config: ConsoleConfig) -> list[Choice]:
    default = default_character_path()
    label = f"{_title(default)} (default)" if default is not None else "Simple figure (default)"
    choices = [Choice(label, None)]
    choices += [Choice(_title(path), str(path)) for path in shipped_characters() if path != default]
    known = {choice.value for choice in choices}
    choices += [Choice(Path(p).name, p) for p in config.recent_characters if p not in known]
    return [*choices, Choice("Open a model file…", OPEN_FILE)]


def calibration_choices(config: ConsoleConfig) -> list[Choice]:
    hfov_deg = config.settings.camera.default_hfov_deg
    choices = [Choice(f"None (assume a {hfov_deg:g}° field of view)", None)]
    choices += [Choice(Path(p).name, p) for p in config.recent_calibrations]
    return [*choices, Choice("Open a profile…", OPEN_FILE)]


def character_file(config: ConsoleConfig) -> str | None:
    """The file of the character the console shows (the default's when none was chosen); None: the figure."""
    default = default_character_path()
    return config.character or (str(default) if default is not None else None)
