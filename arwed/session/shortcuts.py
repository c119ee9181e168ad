"""The console's actions and the keys bound to them.

Keys are written as Qt's portable key text ("H", "PgDown", "Ctrl+Q", "."), so the file a user edits and
the shortcut editor agree. Presentation clickers send Page Up, Page Down, B and period; all four are
bound by default so an operator can run the ceremony from a clicker in their hand:
- Page Down steps forward: blackout -> scene without the character -> character shown;
- Page Up steps back the same way; B and period toggle blackout, as in slide-show programs.
"""

from __future__ import annotations

from dataclasses import dataclass

from arwed.errors import UserError


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    default_keys: tuple[str, ...]


ACTIONS: tuple[Action, ...] = (
    Action("toggle_hidden", "Hide / show the character", ("H",)),
    Action("toggle_blackout", "Blackout on / off", ("B", ".")),
    Action("step_forward", "Step forward (leave blackout, then show the character)", ("PgDown",)),
    Action("step_back", "Step back (hide the character, then blackout)", ("PgUp",)),
    Action("toggle_lock", "Lock / unlock the character's spot", ("L",)),
    Action("toggle_operator_lock", "Operator lock: every field read-only / editable again", ("Ctrl+L",)),
    Action("snapshot", "Snapshot of the stage output", ("S",)),
    Action("toggle_recording", "Start / stop recording", ("R",)),
    Action("quit", "Quit (press twice)", ("Ctrl+Q",)),
    Action(
        "leave_full_screen",
        "Leave full screen (the output in front, or those covering the console)",
        ("F11",),
    ),
)
ACTION_NAMES = tuple(action.name for action in ACTIONS)


def normalise_key(text: str) -> str:
    """One spelling per key: 'pgdown', 'Page Down' and 'PgDown' are the same key."""
    aliases = {
        "page down": "PgDown",
        "pagedown": "PgDown",
        "pgdown": "PgDown",
        "page up": "PgUp",
        "pageup": "PgUp",
        "pgup": "PgUp",
        "period": ".",
        "esc": "Esc",
        "escape": "Esc",
    }
    parts = [p.strip() for p in text.replace(" + ", "+").split("+")] if text.strip() != "+" else ["+"]
    *modifiers, key = parts
    key = aliases.get(key.lower(), key.upper() if len(key) == 1 else key[:1].upper() + key[1:])
    order = ["Ctrl", "Alt", "Shift", "Meta"]
    mods = sorted({m.capitalize() for m in modifiers if m}, key=lambda m: order.index(m) if m in order else 9)
    return "+".join([*mods, key])


class ShortcutMap:
    """Action -> keys; a key belongs to at most one action (rebinding a key takes it from its old action)."""

    def __init__(self, overrides: dict[str, tuple[str, ...]] | None = None):
        self._keys: dict[str, tuple[str, ...]] = {a.name: a.default_keys for a in ACTIONS}
        for name, keys in (overrides or {}).items():
            if name in self._keys:  # an action from a newer version is ignored, not an error
                self.bind(name, keys)

    def keys_for(self, action: str) -> tuple[str, ...]:
        return self._keys[action]

    def action_for(self, key: str) -> str | None:
        key = normalise_key(key)
        for name, keys in self._keys.items():
            if key in keys:
                return name
        return None

    def bind(self, action: str, keys: tuple[str, ...] | list[str]) -> None:
        if action not in self._keys:
            raise UserError(f"unknown action '{action}' (known: {', '.join(ACTION_NAMES)})")
        wanted = tuple(dict.fromkeys(normalise_key(k) for k in keys if k and k.strip()))
        for other, bound in self._keys.items():
            if other != action:
                self._keys[other] = tuple(k for k in bound if k not in wanted)
        self._keys[action] = wanted

    def overrides(self) -> dict[str, tuple[str, ...]]:
        """Only what differs from the defaults (what the settings file stores)."""
        return {a.name: self._keys[a.name] for a in ACTIONS if self._keys[a.name] != a.default_keys}

    def as_dict(self) -> dict[str, tuple[str, ...]]:
        return dict(self._keys)
