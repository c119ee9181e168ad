"""The shortcut map: defaults (clicker keys included), spellings, rebinding, what is saved."""

from __future__ import annotations

import pytest

from arwed.errors import UserError
from arwed.session.shortcuts import ACTIONS, ShortcutMap, normalise_key


def test_clicker_keys_are_bound_by_default():
    keys = ShortcutMap()
    assert keys.action_for("PgDown") == "step_forward"
    assert keys.action_for("PgUp") == "step_back"
    assert keys.action_for("B") == "toggle_blackout"
    assert keys.action_for(".") == "toggle_blackout"
    assert keys.action_for("H") == "toggle_hidden"
    assert keys.action_for("Ctrl+Q") == "quit"
    assert keys.action_for("X") is None


@pytest.mark.parametrize(
    ("typed", "portable"),
    [
        ("page down", "PgDown"),
        ("PageUp", "PgUp"),
        ("b", "B"),
        ("period", "."),
        ("ctrl+q", "Ctrl+Q"),
        ("shift+ctrl+s", "Ctrl+Shift+S"),
        ("f5", "F5"),
        ("escape", "Esc"),
    ],
)
def test_spellings_are_normalised(typed, portable):
    assert normalise_key(typed) == portable


def test_rebinding_takes_the_key_from_its_old_action():
    keys = ShortcutMap()
    keys.bind("snapshot", ["b", "F12"])
    assert keys.action_for("B") == "snapshot"
    assert keys.keys_for("toggle_blackout") == (".",)
    assert keys.overrides() == {"toggle_blackout": (".",), "snapshot": ("B", "F12")}
    again = ShortcutMap(keys.overrides())
    assert again.as_dict() == keys.as_dict()


def test_unknown_actions_in_a_file_are_ignored_but_not_in_code():
    keys = ShortcutMap({"from_a_newer_version": ("Z",)})
    assert keys.action_for("Z") is None
    with pytest.raises(UserError, match="unknown action"):
        keys.bind("nonsense", ["Z"])


def test_every_action_has_a_label_and_a_default():
    assert all(action.label and action.default_keys for action in ACTIONS)
