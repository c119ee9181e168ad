"""Saved set-ups and settings from before the rename: `glasses` is read as `camera-black`, with a notice."""

from __future__ import annotations

import logging

import yaml

from arwed.config import load_settings
from arwed.session.state import ConsoleConfig, OutputConfig, load_console_config, save_console_config
from arwed.types import CompositeMode


def test_saved_console_setup_with_glasses_outputs(tmp_path, caplog) -> None:
    path = tmp_path / "console.yaml"
    saved = ConsoleConfig(outputs=(OutputConfig(mode=CompositeMode.STAGE),))
    save_console_config(saved, path)
    data = yaml.safe_load(path.read_text())
    data["outputs"] = [{"mode": "stage"}, {"mode": "glasses", "side_by_side": True, "screen": "DP-1"}]
    path.write_text(yaml.safe_dump(data))
    with caplog.at_level(logging.WARNING):
        config, problem = load_console_config(path)
    assert problem is None
    assert [o.mode for o in config.outputs] == [CompositeMode.STAGE, CompositeMode.CAMERA_BLACK]
    assert config.outputs[1].side_by_side
    assert "now called 'camera-black'" in caplog.text


def test_settings_file_with_glasses_mode(tmp_path, caplog) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("composite:\n  mode: glasses\n")
    with caplog.at_level(logging.WARNING):
        settings = load_settings(path)
    assert settings.composite.mode is CompositeMode.CAMERA_BLACK
    assert "now called 'camera-black'" in caplog.text


def test_old_output_names_on_the_command_line(capsys) -> None:
    from arwed.commands.run import parse_output

    output = parse_output("glasses-3d@DP-1")
    assert output.mode is CompositeMode.CAMERA_BLACK and output.side_by_side and output.screen == "DP-1"
    assert "now called camera-black-3d" in capsys.readouterr().out
    assert parse_output("eyes@2").mode is CompositeMode.EYES
