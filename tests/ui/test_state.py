"""The console's saved set-up: round trip, where it lives, and broken files that must not stop the app."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from arwed.config import Settings
from arwed.session.state import (
    ConsoleConfig,
    OutputConfig,
    config_dir,
    default_config_path,
    load_console_config,
    remember,
    save_console_config,
)
from arwed.types import CompositeMode


def _custom_config() -> ConsoleConfig:
    settings = Settings().with_overrides(
        {"placement": {"side": "left", "gap_m": 0.55, "person_height_m": 1.64}}
    )
    return ConsoleConfig(
        source="demo",
        character="/models/partner.vrm",
        calibration="/profiles/hall.yaml",
        recent_sources=("demo", "/videos/rehearsal.mp4"),
        settings=settings,
        outputs=(
            OutputConfig(mode=CompositeMode.STAGE, screen="HDMI-1"),
            OutputConfig(
                mode=CompositeMode.CAMERA_BLACK, screen="DP-2", side_by_side=True, eye_distance_m=0.061
            ),
        ),
        shortcuts={"toggle_blackout": ("F9",)},
        keepsake_dir="/tmp/keepsakes",
    )


def test_round_trip_keeps_everything(tmp_path):
    path = tmp_path / "console.yaml"
    config = _custom_config()
    save_console_config(config, path)
    loaded, notice = load_console_config(path)
    assert notice is None
    assert loaded == config
    assert loaded.settings.placement.gap_m == 0.55
    assert loaded.outputs[1].side_by_side and loaded.outputs[1].eye_distance_m == 0.061
    assert [p.name for p in tmp_path.iterdir()] == ["console.yaml"]  # no temporary file left behind


def test_missing_file_gives_defaults_silently(tmp_path):
    config, notice = load_console_config(tmp_path / "console.yaml")
    assert config == ConsoleConfig() and notice is None


def test_broken_yaml_gives_defaults_a_notice_and_a_backup(tmp_path):
    path = tmp_path / "console.yaml"
    broken = "source: demo\noutputs: [ {mode: stage\n"
    path.write_text(broken, encoding="utf-8")
    config, notice = load_console_config(path)
    assert config == ConsoleConfig()
    assert str(path) in notice and "not valid YAML" in notice and "starting from defaults" in notice
    backups = list(tmp_path.glob("console.yaml.broken-*"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == broken
    assert backups[0].name in notice
    assert not path.exists()  # the next save writes a fresh file; the broken one is kept aside


def test_invalid_field_is_named(tmp_path):
    path = tmp_path / "console.yaml"
    data = _custom_config().model_dump(mode="json")
    data["settings"]["placement"]["gap_m"] = 42
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    config, notice = load_console_config(path)
    assert config == ConsoleConfig()
    assert "settings.placement.gap_m" in notice


def test_not_a_mapping_and_binary_garbage(tmp_path):
    path = tmp_path / "console.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    assert load_console_config(path)[0] == ConsoleConfig()
    path.write_bytes(b"\xff\xfe\x00garbage")
    config, notice = load_console_config(path)
    assert config == ConsoleConfig() and notice


def test_config_folder_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ARWED_CONFIG_DIR", str(tmp_path / "portable"))
    assert default_config_path() == tmp_path / "portable" / "console.yaml"
    monkeypatch.delenv("ARWED_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_dir() == tmp_path / "xdg" / "arwed"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert config_dir() == Path.home() / ".config" / "arwed"


def test_recent_lists_move_to_front_without_duplicates():
    recent = remember(("a", "b", "c"), "b")
    assert recent == ("b", "a", "c")
    assert remember(recent, None) == recent
    assert len(remember(tuple(str(i) for i in range(20)), "new")) == 8


def test_the_command_line_outputs_are_full_screen_saved_so_and_two_on_one_screen_are_refused():
    import argparse

    from arwed.commands.run import _resolve_screens, parse_output
    from arwed.errors import UserError

    def resolve(output=(), fullscreen=()):
        args = argparse.Namespace(output=list(output), fullscreen_output=list(fullscreen))
        given = [parse_output(t) for t in output] + [
            parse_output(t if "@" in t else f"stage@{t}") for t in fullscreen
        ]
        config = ConsoleConfig(outputs=tuple(given))
        return _resolve_screens(config, ["eDP-1", "HDMI-1"], args, console="eDP-1").outputs

    (projector,) = resolve(fullscreen=["2"])
    assert projector.screen == "HDMI-1" and projector.full_screen
    (own,) = resolve(fullscreen=["1"])  # --fullscreen-output 1: full screen on the console's screen, saved so
    assert own.screen == "eDP-1" and own.full_screen
    (windowed,) = resolve(output=["stage@1"])  # --output on the console's own screen: a window there
    assert windowed.screen == "eDP-1" and not windowed.full_screen
    with pytest.raises(UserError, match="screen HDMI-1 is given two outputs"):
        resolve(output=["stage@2", "eyes@HDMI-1"])
