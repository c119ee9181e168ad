"""The ceremony as it plays: cues in, per-frame directions for the character and the outputs out.

`CeremonyDirector.direct(time_s, view)` is called once per rendered frame on the render thread with what
the scene offers in *stage space* (his own space at his spot: x his left, y up, z ahead, metres): her
head and wrists, the camera. It answers where his root is (walking in or out), how visible he is, whether
the outputs are black, where he looks, his expressions and a body layer (walk, bow, reach, speech) for
the character's pose. Keys come from any thread (`page_down`, `page_up`) and are applied on the next
frame. What happened (cue starts and ends, audio played, his hand against her wrist) is kept for
`arwed rehearse --stats` and the audio track.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from arwed.ceremony import script
from arwed.ceremony.audio import decode_audio
from arwed.ceremony.cues import BEFORE, CueRunner
from arwed.ceremony.gestures import Bow, Speech
from arwed.ceremony.reach import ArmReach, ReachReport
from arwed.ceremony.visemes import VisemeTrack, analyse
from arwed.ceremony.walk import Walk
from arwed.characters.posing import PoseEditor

APPEAR_S = 0.6  # he fades in over the first steps of an entrance and out over the last of an exit


@dataclass(frozen=True)
class StageView:
    """What the scene offers this frame, stage space."""

    her_head_m: np.ndarray | None = None
    her_wrists_m: tuple[np.ndarray, ...] = ()
    camera_m: np.ndarray | None = None
    camera_right_m: np.ndarray = field(default_factory=lambda: np.array([-1.0, 0.0, 0.0]))


@dataclass(frozen=True)
class StageDirection:
    root_m: np.ndarray  # (4, 4) his character space -> stage space (identity at his spot)
    opacity: float  # 0..1, multiplies the tracking's fade
    blackout: bool
    look_at_m: np.ndarray | None  # in his character space; None: ahead
    expressions: dict[str, float]
    body: CeremonyBody
    cue_index: int
    cue_name: str


@dataclass
class AudioPlay:
    path: Path
    start_s: float  # ceremony time at which the clip's first sample plays
    volume: float
    stop_s: float | None = None  # cut short (the cue ended before the clip did)


@dataclass
class _Held:
    """The lasting state cues leave behind (what a rehearsal restores when it goes back a cue)."""

    on_stage: bool = True
    off_x_m: float = 2.4  # where he stands when off stage (stage x)
    opacity: float = 1.0
    blackout: bool = False
    look: script.Look = field(default_factory=script.Look)
    expressions: dict[str, float] = field(default_factory=dict)

    def copy(self) -> _Held:
        return _Held(
            self.on_stage, self.off_x_m, self.opacity, self.blackout, self.look, dict(self.expressions)
        )


@dataclass
class _Ramp:
    start_s: float
    duration_s: float
    begin: float
    end: float

    def at(self, t: float) -> float:
        if self.duration_s <= 0 or t >= self.start_s + self.duration_s:
            return self.end
        u = max(0.0, (t - self.start_s) / self.duration_s)
        return self.begin + (self.end - self.begin) * u


class CeremonyBody:
    """The frame's body layer: the character calls `apply` with a PoseEditor (posing.BodyLayer).

    It poses him for `time_s`, the frame's time on the ceremony's clock, whatever time the character is
    posed for (the console's ceremony runs on the wall clock, his idle motion on the source's time)."""

    def __init__(
        self,
        walk: Walk | None,
        bows: list[Bow],
        reaches: list[ArmReach],
        speech: Speech | None,
        wrists_local: tuple[np.ndarray, ...],
        time_s: float | None = None,
    ):
        self.walk, self.bows, self.reaches, self.speech = walk, bows, reaches, speech
        self.wrists_local = wrists_local
        self.time_s = time_s
        self.reach_report: ReachReport | None = None

    def apply(self, editor: PoseEditor, time_s: float) -> None:
        time_s = self.time_s if self.time_s is not None else time_s
        if self.walk is not None:
            self.walk.apply(editor, time_s)
        for bow in self.bows:
            bow.apply(editor, time_s)
        for reach in self.reaches:
            wrist = self._nearest_wrist(editor, reach)
            report = reach.apply(editor, time_s, wrist)
            self.reach_report = report or self.reach_report
        if self.speech is not None:
            self.speech.apply(editor, time_s)

    def _nearest_wrist(self, editor: PoseEditor, reach: ArmReach) -> np.ndarray | None:
        if not self.wrists_local:
            return None
        shoulders = [
            editor.position_m(f"{s}UpperArm") for s in ("left", "right") if editor.has(f"{s}UpperArm")
        ]
        if not shoulders:
            return self.wrists_local[0]
        return min(self.wrists_local, key=lambda w: min(float(np.linalg.norm(w - s)) for s in shoulders))


class CeremonyDirector:
    def __init__(
        self,
        ceremony: script.Ceremony,
        durations: dict[Path, float],
        height_m: float,
        foot_xz: dict[str, tuple[float, float]] | None = None,
    ):
        """`foot_xz`: where his feet stand (character space x, z); None: each walk reads them from the model
        on its first frame (what the console and rehearsals do)."""
        self.ceremony = ceremony
        self.runner = CueRunner(ceremony, durations)
        self.height_m = height_m
        self._foot_xz = foot_xz
        self._keys: list[str] = []
        self._key_lock = threading.Lock()
        self._scheduled: list[float] = []
        self._start_request: tuple[int, float | None] | None = None
        self.held = self._initial()
        self._walks: list[Walk] = []
        self._bows: list[Bow] = []
        self._reaches: list[ArmReach] = []
        self._speech: Speech | None = None
        self._fade: _Ramp | None = None
        self._expression_ramps: dict[str, _Ramp] = {}
        self.audio: list[AudioPlay] = []
        self._tracks: dict[Path, VisemeTrack] = {}
        self._last_view = StageView()
        self._time_s = 0.0

    # ----------------------------------------------------------------- control (any thread)
    def page_down(self) -> None:
        with self._key_lock:
            self._keys.append("next")

    def page_up(self) -> None:
        with self._key_lock:
            self._keys.append("back")

    def schedule_keys(self, times_s: list[float], keys: list[str] | None = None) -> None:
        """Page Down (or each of `keys`: "next", "back") at these ceremony times (a rehearsal's --keys, a
        replay's logged keys)."""
        keys = list(keys) if keys is not None else ["next"] * len(times_s)
        self._scheduled = sorted(zip((float(t) for t in times_s), keys, strict=True), key=lambda k: k[0])

    def start_at(self, index: int, time_s: float | None = None) -> None:
        """Start cue `index` at `time_s` (None: the next frame), skipping what comes before."""
        self._start_request = (index, time_s)

    # ----------------------------------------------------------------- per frame (render thread)
    def direct(self, time_s: float, view: StageView) -> StageDirection:
        self._time_s = time_s
        self._last_view = view
        self._handle_start(time_s)
        while self._scheduled and self._scheduled[0][0] <= time_s:
            at, key = self._scheduled.pop(0)
            self._step(at, key)
        with self._key_lock:
            keys, self._keys = self._keys, []
        for key in keys:
            self._step(time_s, key)
        self._advance(time_s)
        return self._direction(time_s, view)

    def _handle_start(self, time_s: float) -> None:
        request, self._start_request = self._start_request, None
        if request is None:
            return
        index, at = request
        at = time_s if at is None else at
        self._restore(index)
        self.runner.start(at, index)
        self._begin_cue(at)

    def _step(self, time_s: float, key: str) -> None:
        self._advance(time_s)
        before = self.runner.index
        if key == "next":
            self.runner.page_down(time_s)
            if self.runner.index != before:
                self._end_cue(time_s)
                self._begin_cue(time_s)
        else:
            self.runner.page_up(time_s)
            if self.runner.index != before or before != BEFORE:
                self._end_cue(time_s)
                self._restore(self.runner.index)
                self._begin_cue(time_s)

    def _advance(self, time_s: float) -> None:
        """Timed and audio cues that ended by themselves, each at its exact end time."""
        while True:
            index = self.runner.index
            if not 0 <= index < len(self.runner.cues):
                return
            end = self.runner.end_time(index, self.runner.started_s)
            if end is None or end > time_s:
                return
            self.runner.update(end)
            self._end_cue(end)
            self._begin_cue(end)

    # ----------------------------------------------------------------- cue starts and ends
    def _initial(self) -> _Held:
        held = _Held()
        for cue in self.ceremony.cues:
            movement = next((a for a in cue.actions if isinstance(a, script.Enter | script.Exit)), None)
            if movement is not None:
                held.on_stage = isinstance(movement, script.Exit)
                held.off_x_m = movement.distance_m
                break
        for cue in self.ceremony.cues:
            fade = next((a for a in cue.actions if isinstance(a, script.Fade)), None)
            if fade is not None:
                held.opacity = 0.0 if fade.to == "in" else 1.0
                break
        return held

    def _restore(self, index: int) -> None:
        """The lasting state at the start of cue `index`: every earlier cue settled."""
        held = self._initial()
        for cue in self.ceremony.cues[: max(index, 0)]:
            for action in cue.actions:
                _settle(held, action, self._side_sign(action))
        self.held = held
        self._walks, self._bows, self._reaches, self._speech = [], [], [], None
        self._fade, self._expression_ramps = None, {}

    def _end_cue(self, time_s: float) -> None:
        """The cue that was running ends at time_s: its reach lets go, its voice stops."""
        for reach in self._reaches:
            reach.release(time_s)
        for play in self.audio:
            if play.stop_s is None and play.start_s < time_s and self._clip_end(play) > time_s:
                play.stop_s = time_s
        if self._speech is not None and self._speech.end_s > time_s:
            self._speech.stop_s = time_s

    def _begin_cue(self, time_s: float) -> None:
        cue = self.runner.current
        if cue is None:
            return
        for action in cue.actions:
            self._begin_action(action, time_s)

    def _begin_action(self, action, t: float) -> None:  # noqa: C901 - one branch per action kind
        held = self.held
        if isinstance(action, script.Enter):
            if held.on_stage:
                return  # already at his spot
            sign = self._side_sign(action)
            start = sign * action.distance_m
            self._walks.append(
                Walk(t, (start, 0.0), (0.0, 0.0), self.height_m, True, self._foot_xz, action.duration_s)
            )
            held.on_stage, held.off_x_m = True, start
        elif isinstance(action, script.Exit):
            if not held.on_stage:
                return
            sign = self._side_sign(action)
            self._walks.append(
                Walk(
                    t,
                    (0.0, 0.0),
                    (sign * action.distance_m, 0.0),
                    self.height_m,
                    False,
                    self._foot_xz,
                    action.duration_s,
                )
            )
            held.on_stage, held.off_x_m = False, sign * action.distance_m
        elif isinstance(action, script.Bow):
            self._bows.append(Bow(t, action.depth_deg, action.duration_s))
        elif isinstance(action, script.Reach):
            self._reaches.append(ArmReach(t, None if action.hand == "auto" else action.hand))
        elif isinstance(action, script.Idle):
            for reach in self._reaches:
                reach.release(t)
        elif isinstance(action, script.Look):
            held.look = action
        elif isinstance(action, script.Expression):
            now = (
                self._expression_ramps[action.name].at(t)
                if action.name in self._expression_ramps
                else held.expressions.get(action.name, 0.0)
            )
            self._expression_ramps[action.name] = _Ramp(t, action.fade_s, now, action.weight)
            held.expressions[action.name] = action.weight
        elif isinstance(action, script.Fade):
            now = self._fade.at(t) if self._fade is not None else held.opacity
            target = 1.0 if action.to == "in" else 0.0
            self._fade = _Ramp(t, action.duration_s, now, target)
            held.opacity = target
        elif isinstance(action, script.Blackout):
            held.blackout = action.on
        elif isinstance(action, script.Say):
            path = self.ceremony.audio_path(action)
            self.audio.append(AudioPlay(path, t, action.volume))
            self._speech = Speech(t, self._track(path))

    def prepare_voices(self) -> None:
        """Decode and analyse every voice of the ceremony now (a second or two), not when its cue starts."""
        for cue in self.ceremony.cues:
            for say in cue.says:
                self._track(self.ceremony.audio_path(say))

    def _track(self, path: Path) -> VisemeTrack:
        if path not in self._tracks:
            clip = decode_audio(path)
            self._tracks[path] = analyse(clip.samples, clip.rate_hz)
        return self._tracks[path]

    def _clip_end(self, play: AudioPlay) -> float:
        return play.start_s + self.runner.audio_length_s(play.path)

    def _side_sign(self, action) -> float:
        """+1: the walk's far end is on his left (stage +x)."""
        side = getattr(action, "side", "outside")
        view = self._last_view
        her_x = float(view.her_head_m[0]) if view.her_head_m is not None else -1.0
        if side == "outside":
            return 1.0 if her_x <= 0 else -1.0
        if side == "inside":
            return -1.0 if her_x <= 0 else 1.0
        right_x = float(view.camera_right_m[0])
        toward = right_x if side == "right" else -right_x
        return 1.0 if toward >= 0 else -1.0

    # ----------------------------------------------------------------- the frame
    def _direction(self, t: float, view: StageView) -> StageDirection:
        held = self.held
        self._walks = [w for w in self._walks if t < w.end_s + 0.5] or self._walks[-1:]
        walk = next((w for w in self._walks if w.start_s <= t < w.end_s), None)
        root = np.eye(4)
        opacity = self._fade.at(t) if self._fade is not None else held.opacity
        if walk is not None:
            pose = walk.root(t)
            c, s = math.cos(pose.yaw_rad), math.sin(pose.yaw_rad)
            root[:3, :3] = [[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]]
            root[:3, 3] = pose.offset_m
            if walk.arriving and walk.length_m > 0:
                opacity *= min(1.0, (t - walk.start_s) / APPEAR_S)
            elif not walk.arriving:
                opacity *= min(1.0, max(0.0, (walk.end_s - t) / APPEAR_S))
        elif not held.on_stage:
            opacity = 0.0
            root[0, 3] = held.off_x_m
        to_local = np.linalg.inv(root)
        self._bows = [b for b in self._bows if t < b.end_s]
        self._reaches = [r for r in self._reaches if not r.finished(t)]
        bowing = any(b.amount(t) > 0.05 for b in self._bows)
        wrists = tuple(_apply(to_local, w) for w in view.her_wrists_m)
        speech = self._speech if self._speech is not None and self._speech.active(t) else None
        body = CeremonyBody(walk, list(self._bows), list(self._reaches), speech, wrists, t)
        expressions = {name: ramp.at(t) for name, ramp in self._expression_ramps.items()}
        for name, weight in held.expressions.items():
            expressions.setdefault(name, weight)
        if speech is not None:
            expressions.update(speech.expressions(t))
        cue = self.runner.current
        return StageDirection(
            root_m=root,
            opacity=float(min(max(opacity, 0.0), 1.0)),
            blackout=held.blackout,
            look_at_m=None if bowing else self._look_target(held.look, view, to_local),
            expressions={k: v for k, v in expressions.items() if v > 0.0},
            body=body,
            cue_index=self.runner.index,
            cue_name=cue.name if cue is not None else "",
        )

    @staticmethod
    def _look_target(look: script.Look, view: StageView, to_local: np.ndarray) -> np.ndarray | None:
        if look.at == "her":
            point = view.her_head_m
        elif look.at in ("camera", "guests"):
            point = view.camera_m
            if point is not None and look.at == "guests":
                point = point + np.array([0.0, 0.25, 0.0])  # the guests sit around the camera, a little above
        elif look.at == "point" and look.point_m is not None:
            point = np.asarray(look.point_m, dtype=np.float64)
        else:
            point = None
        return None if point is None else _apply(to_local, point)

    # ----------------------------------------------------------------- reports
    def cue_log(self) -> list[dict]:
        return [
            {
                "index": r.index,
                "name": r.name,
                "start_s": round(r.start_s, 4),
                "end_s": None if r.end_s is None else round(r.end_s, 4),
                "ended_by": r.ended_by,
            }
            for r in self.runner.log
        ]


def _apply(matrix: np.ndarray, point: np.ndarray) -> np.ndarray:
    return matrix[:3, :3] @ np.asarray(point, dtype=np.float64) + matrix[:3, 3]


def _settle(held: _Held, action, sign: float) -> None:
    """What an action leaves behind once its cue is over."""
    if isinstance(action, script.Enter):
        held.on_stage = True
    elif isinstance(action, script.Exit):
        held.on_stage, held.off_x_m = False, sign * action.distance_m
    elif isinstance(action, script.Look):
        held.look = action
    elif isinstance(action, script.Expression):
        held.expressions[action.name] = action.weight
    elif isinstance(action, script.Fade):
        held.opacity = 1.0 if action.to == "in" else 0.0
    elif isinstance(action, script.Blackout):
        held.blackout = action.on
