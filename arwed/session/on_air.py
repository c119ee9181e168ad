"""What the operator must see at a glance on the console's preview: the on-air indicators.

`indicators(...)` turns the session's state into the row of lights the preview paints (REC with its
elapsed time, blackout, hidden, the partner out of frame, her head tracking, the locks), Qt-free so the
rule lives in one place; `head_tracking_state` names her head tracking from the newest head pose of her
view. The indicators are painted on the console's preview only (arwed.ui.on_air), never into a frame:
the guests' outputs and the recordings never show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from arwed.types import HeadPose

HEAD_STATES = ("camera", "camera + glasses sensors", "held", "lost")


class Tone(Enum):
    """How an indicator is lit: `alert` (red: on air, or something the guests see), `warning` (amber:
    look at it), `state` (blue: a switch that is on), `good` (green: all is well)."""

    ALERT = "alert"
    WARNING = "warning"
    STATE = "state"
    GOOD = "good"


@dataclass(frozen=True)
class Indicator:
    text: str
    tone: Tone


def head_tracking_state(head: HeadPose | None) -> str:
    """'camera', 'camera + glasses sensors', 'held' (unseen: her last pose held) or 'lost'."""
    if head is None:
        return "lost"
    if head.source.endswith(", held"):
        return "held" if head.opacity > 0.0 else "lost"
    return "camera + glasses sensors" if head.source.startswith("udp+") else "camera"


def elapsed_text(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


def indicators(
    *,
    recording_s: float | None,
    blackout: bool,
    hidden: bool,
    partner_out_of_frame: bool,
    head_tracking: str | None,
    spot_locked: bool = False,
    operator_lock_keys: str | None = None,
) -> tuple[Indicator, ...]:
    """The lights, most urgent first. `recording_s`: how long the recording runs (None: not recording);
    `head_tracking`: None without an eyes output; `operator_lock_keys`: the keys that unlock (None: off)."""
    lights = []
    if recording_s is not None:
        lights.append(Indicator(f"● REC {elapsed_text(recording_s)}", Tone.ALERT))
    if blackout:
        lights.append(Indicator("BLACKOUT", Tone.ALERT))
    if hidden:
        lights.append(Indicator("HIDDEN", Tone.STATE))
    if partner_out_of_frame:
        lights.append(Indicator("PARTNER OUT OF FRAME", Tone.WARNING))
    if head_tracking is not None:
        good = head_tracking in ("camera", "camera + glasses sensors")
        lights.append(Indicator(f"HEAD: {head_tracking}", Tone.GOOD if good else Tone.WARNING))
    if spot_locked:
        lights.append(Indicator("SPOT LOCKED", Tone.STATE))
    if operator_lock_keys is not None:
        lights.append(Indicator(f"OPERATOR LOCK ({operator_lock_keys} unlocks)", Tone.STATE))
    return tuple(lights)
