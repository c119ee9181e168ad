"""Rules that several commands share, each written once: an output can be written, a window can open,
the options that name the character and the calibration."""

from __future__ import annotations

import argparse
import os

import pytest

from arwed.commands import display
from arwed.commands.common import add_scene_arguments
from arwed.commands.run import add_arguments as add_run_arguments
from arwed.errors import UserError
from arwed.writable import writable_output


def test_an_output_in_a_writable_folder_is_fine(tmp_path):
    assert writable_output(tmp_path / "out.mp4") == tmp_path / "out.mp4"


def test_a_missing_folder_is_made_only_when_asked(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        writable_output(tmp_path / "new" / "stats.json", "statistics")
    assert writable_output(tmp_path / "new" / "out.mp4", make_folder=True).parent.is_dir()


def test_a_folder_in_place_of_the_file_or_a_file_in_place_of_the_folder_is_one_line(tmp_path):
    (tmp_path / "taken").mkdir()
    blocker = tmp_path / "blocker"
    blocker.write_text("a file")
    for path, problem in ((tmp_path / "taken", "is a folder"), (blocker / "out.mp4", "not a folder")):
        with pytest.raises(UserError, match=problem) as refused:
            writable_output(path, make_folder=True)
        assert str(path) in str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_folder_is_refused(tmp_path):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(UserError, match="not writable"):
            writable_output(tmp_path / "out.mp4")
    finally:
        tmp_path.chmod(0o700)


def test_no_display_is_one_reason_for_every_command(monkeypatch):
    monkeypatch.setattr(display.sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert display.display_problem() == "DISPLAY and WAYLAND_DISPLAY are unset"
    with pytest.raises(UserError, match="^no display: the console needs a screen"):
        display.require_display("the console", "use arwed render")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")  # Qt draws into memory: no screen needed
    assert display.display_problem() is None


def test_character_and_calibration_options_are_defined_once():
    scene, run = argparse.ArgumentParser(), argparse.ArgumentParser()
    add_scene_arguments(scene)
    add_run_arguments(run)
    for parser, default in ((scene, "the shipped groom"), (run, "the last one used")):
        character = next(a for a in parser._actions if "--character" in a.option_strings)
        calibration = next(a for a in parser._actions if "--calibration" in a.option_strings)
        assert character.help.endswith(f"(default: {default})") and calibration.metavar == "PATH"
