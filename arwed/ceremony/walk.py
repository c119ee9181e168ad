"""`enter` and `exit`: a procedural walk whose feet stay where they land while they carry his weight (or,
for a model with a walk clip of its own, that clip on the same path: clip_walk.py).

The walk is planned once, in stage space (his own space at his spot: x his left, y up, z ahead):
footsteps alternate left and right along a straight path, each foot landing where the body will be over
it half-way through its stance, the last two (or, leaving, the first two) turning him between facing the
path and facing his spot's direction. Per frame the body's root follows the path, the hips sink a little
as a foot lands ahead of him (so the leg reaches it) and rise as he passes over it, a foot behind him
rolls onto its toes instead of the hips sinking for it; each planted foot is held by two-bone IK at its
footprint, pointing where it landed, and a swinging foot travels in a low arc to its next print. The arms
swing opposite the legs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from arwed.ceremony.clip_walk import ClipWalk, walk_clip
from arwed.ceremony.limbs import LEG_LIMITS, aim_bone, chain_lengths, leg_bones, place_chain
from arwed.characters import quaternions as quat
from arwed.characters.posing import PoseEditor

STEP_S = 0.6  # a calm, ceremonial pace: 100 steps a minute
STRIDE_OF_HEIGHT = 0.24  # step length as a fraction of his height (0.43 m for 1.80 m)
SWING_OF_STEP = 0.8  # a foot is in the air for this fraction of a step: both feet down in between
LIFT_OF_HEIGHT = 0.035  # how high a swinging foot rises
SOFT_KNEES_M = 0.012  # the hips sink this much more while he walks: the knees never lock
SETTLE_S = 0.45  # the knees bend before the first step and straighten after the last
ARM_SWING_DEG = 9.0
LEG_REACH_MARGIN = 0.99  # a stance leg never straightens fully (no knee snap)
LAND_AHEAD_OF_STEP = 0.4  # a foot lands this many steps' travel ahead of where the body will be over it
HEEL_OFF_MAX_DEG = 45.0  # a foot behind him rolls onto its toes at most this far
KNEE_POLE = np.array([0.0, 0.0, 1.0])  # knees bend forwards


@dataclass(frozen=True)
class Plant:
    side: str  # "left" or "right"
    land_s: float
    lift_s: float  # math.inf for the last one
    position_m: np.ndarray  # (2,) x, z on the floor, stage space
    yaw_rad: float  # which way the foot points (0: stage +z)


@dataclass(frozen=True)
class RootPose:
    offset_m: np.ndarray  # (3,) his root in stage space
    yaw_rad: float  # about +y; 0 faces the stage's +z


def _yaw_matrix(yaw: float) -> np.ndarray:
    c, s = math.cos(yaw), math.sin(yaw)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def _pitch_about(toes: np.ndarray, angle_rad: float) -> np.ndarray:
    """The ankle-to-toes vector with the foot rolled forward onto its toes by `angle_rad` (the heel up):
    turned about the horizontal line across the foot."""
    along = np.array([toes[0], 0.0, toes[2]])
    length = float(np.linalg.norm(along))
    if angle_rad == 0.0 or length < 1e-9:
        return toes
    forward = along / length
    c, s = math.cos(angle_rad), math.sin(angle_rad)
    return forward * (length * c + toes[1] * s) + np.array([0.0, 1.0, 0.0]) * (toes[1] * c - length * s)


def _smoothstep(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3.0 - 2.0 * x)


class Walk:
    """One walk from `start_xz` to `end_xz` (stage space), beginning at `start_s`.

    `arriving`: the walk ends at his spot and he turns from the path to face ahead (enter); otherwise he
    turns from facing ahead to the path first (exit)."""

    def __init__(
        self,
        start_s: float,
        start_xz: tuple[float, float],
        end_xz: tuple[float, float],
        height_m: float,
        arriving: bool,
        foot_xz: dict[str, tuple[float, float]] | None = None,
        duration_s: float | None = None,
    ):
        self.start_s = start_s
        self.arriving = arriving
        self._p0 = np.asarray(start_xz, dtype=np.float64)
        self._p1 = np.asarray(end_xz, dtype=np.float64)
        path = self._p1 - self._p0
        self.length_m = float(np.linalg.norm(path))
        self._heading = math.atan2(path[0], path[1]) if self.length_m > 1e-6 else 0.0
        stride = STRIDE_OF_HEIGHT * height_m
        steps = max(3, math.ceil(self.length_m / stride) + 2)  # +2: the turning steps at the spot
        step_s = STEP_S
        if duration_s is not None:
            step_s = min(max((duration_s - 2 * SETTLE_S) / steps, 0.35), 1.4)
        self.step_s = step_s
        self.steps = steps
        self._t_first = start_s + SETTLE_S  # the first foot lifts
        self.end_s = self._t_first + steps * step_s + SETTLE_S
        self._foot_xz: dict[str, np.ndarray] | None = None
        self._plants: list[Plant] | None = None
        if foot_xz is not None:
            self._plan_from(foot_xz)

    def _plan_from(self, foot_xz: dict[str, tuple[float, float]]) -> None:
        self._foot_xz = {side: np.asarray(xz, dtype=np.float64) for side, xz in foot_xz.items()}
        self._plants = self._plan()

    @property
    def plants(self) -> list[Plant]:
        if self._plants is None:
            raise RuntimeError(
                "the walk has no footprints yet: they are read from the model on its first frame"
            )
        return self._plants

    def footprints_from(self, editor: PoseEditor) -> None:
        """Plan the steps from where this model's feet stand in the frame's pose (once, on the walk's first
        frame), so that the first and last footprints are where his feet are when he stands: no foot slides
        into its first print or out of its last (approximate prints slid 2.3 cm on the groom)."""
        if self._plants is None:
            self._plan_from(
                {
                    side: (float(p[0]), float(p[2]))
                    for side in ("left", "right")
                    for p in (editor.position_m(f"{side}Foot"),)
                }
            )

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    # ----------------------------------------------------------------- the plan
    def _yaw_at(self, t: float) -> float:
        """Facing: along the path while walking; turning over two steps at the spot's end of the walk."""
        turn_s = 2.0 * self.step_s
        walking = self._heading
        if self.arriving:
            u = _smoothstep((t - (self._t_first + (self.steps - 2) * self.step_s)) / turn_s)
            return walking * (1.0 - u)
        u = _smoothstep((t - self._t_first) / turn_s)
        return walking * u

    def _travel(self, t: float) -> float:
        """0..1 along the path. Arriving, the root covers the path during all but the two turning steps;
        leaving, it starts after them and ends as the last step but one lands, the last bringing the other
        foot beside it."""
        walk_steps = self.steps - 2
        if self.arriving:
            begin, span = self._t_first, (walk_steps + 0.6) * self.step_s
        else:  # the body stops over the last step but one (at his last footprint), as a foot lands there
            begin, span = (
                self._t_first + 2.0 * self.step_s,
                (walk_steps - 1 + LAND_AHEAD_OF_STEP) * self.step_s,
            )
        u = min(max((t - begin) / span, 0.0), 1.0)
        ramp = min(0.2, 1.2 / max(walk_steps, 1))  # accelerate over the first step, slow over the last
        if u < ramp:
            return u * u / (2 * ramp * (1 - ramp))
        if u > 1 - ramp:
            v = 1 - u
            return 1 - v * v / (2 * ramp * (1 - ramp))
        return (u - ramp / 2) / (1 - ramp)

    def root(self, t: float) -> RootPose:
        xz = self._p0 + (self._p1 - self._p0) * self._travel(t)
        return RootPose(np.array([xz[0], 0.0, xz[1]]), self._yaw_at(t))

    def _stance_xz(self, side: str, t: float) -> np.ndarray:
        """Where a foot stands when the body is over it at time t: the rest footprint turned with him."""
        root = self.root(t)
        local = self._foot_xz[side]
        m = _yaw_matrix(root.yaw_rad)
        turned = m @ np.array([local[0], 0.0, local[1]])
        return np.array([root.offset_m[0] + turned[0], root.offset_m[2] + turned[2]])

    def _plan(self) -> list[Plant]:
        # the first foot to move is the one on the side he walks towards
        sides = ("left", "right") if (self._p1 - self._p0)[0] >= 0 else ("right", "left")
        if not self.arriving:
            sides = sides[::-1]
        plants = [
            Plant(s, -math.inf, math.inf, self._stance_xz(s, self.start_s), self._yaw_at(self.start_s))
            for s in sides
        ]
        lands = []
        for k in range(1, self.steps + 1):
            side = sides[(k - 1) % 2]
            land = self._t_first + k * self.step_s
            mid = min(land + LAND_AHEAD_OF_STEP * self.step_s, self._t_first + self.steps * self.step_s)
            last_two = k > self.steps - 2
            at = self.end_s + 10.0 if last_two else mid  # the last two: his final stance
            if not self.arriving and k <= 2:
                at = land  # turning on the spot: the feet land in place, turned
            lands.append(Plant(side, land, math.inf, self._stance_xz(side, at), self._yaw_at(at)))
        # each plant ends when the same foot lifts for its next step
        ordered: list[Plant] = []
        for side in sides:
            mine = [p for p in plants if p.side == side] + [p for p in lands if p.side == side]
            for here, after in zip(mine, mine[1:] + [None], strict=True):
                lift = math.inf if after is None else after.land_s - SWING_OF_STEP * self.step_s
                ordered.append(Plant(side, here.land_s, lift, here.position_m, here.yaw_rad))
        return ordered

    # ----------------------------------------------------------------- per frame
    def foot(self, side: str, t: float) -> tuple[np.ndarray, float, float, bool]:
        """(x, z) on the floor, yaw, lift above the floor (m) and whether it is planted, at time t."""
        mine = [p for p in self.plants if p.side == side]
        for here, after in zip(mine, mine[1:] + [None], strict=True):
            if t < here.lift_s or after is None:
                return here.position_m, here.yaw_rad, 0.0, True
            if t < after.land_s:
                u = (t - here.lift_s) / max(after.land_s - here.lift_s, 1e-6)
                s = _smoothstep(u)
                xz = here.position_m + (after.position_m - here.position_m) * s
                yaw = here.yaw_rad + (after.yaw_rad - here.yaw_rad) * s
                return xz, yaw, math.sin(math.pi * u), False
        raise AssertionError("unreachable")

    def settle(self, t: float) -> float:
        """0 standing tall .. 1 knees bent for walking."""
        return min(
            _smoothstep((t - self.start_s) / SETTLE_S),
            1.0 - _smoothstep((t - (self.end_s - SETTLE_S)) / SETTLE_S),
        )

    def apply(self, editor: PoseEditor, t: float) -> None:
        """Legs, hips and arms for time t; the caller puts the character's root at `root(t)`. A model
        with a walk clip of its own walks with it (clip_walk.py); otherwise the procedural walk below."""
        if not all(editor.has(b) for b in (*leg_bones("left"), *leg_bones("right"), "hips")):
            return
        self.footprints_from(editor)
        if t <= self.start_s or t >= self.end_s:
            return
        clip = walk_clip(editor.clips)
        if clip is not None:
            self._clip_walk(editor, clip).apply(editor, t)
            return
        settle = self.settle(t)
        targets = self._ankle_targets(editor, t)
        drop = (self._hips_drop(editor, t) + SOFT_KNEES_M) * settle
        editor.move("hips", np.array([0.0, -drop, 0.0]))
        for side, (target, yaw_local, lift) in targets.items():
            bones = leg_bones(side)
            toes = self._toes_offset(editor, side, yaw_local)
            heel_off = self._heel_off(editor, bones, target, toes)
            if heel_off:
                target = target + toes - _pitch_about(toes, heel_off)
            place_chain(editor, bones, target, KNEE_POLE, LEG_LIMITS)
            self._flat_foot(editor, side, yaw_local, lift, heel_off)
        self._swing_arms(editor, t, settle)

    @property
    def speed_m_s(self) -> float:
        """His speed along the path while walking (between the turning steps)."""
        return self.length_m / max((self.steps - 2) * self.step_s, 1e-6)

    def _clip_walk(self, editor: PoseEditor, clip) -> ClipWalk:
        cached = getattr(self, "_clip_walker", None)
        if cached is None or cached.clip is not clip:
            cached = ClipWalk(clip, self, editor)
            self._clip_walker = cached
        return cached

    def _ankle_targets(self, editor: PoseEditor, t: float) -> dict[str, tuple[np.ndarray, float, float]]:
        """Each ankle's target at time t in his own space (x left, y up, z ahead of him), the foot's yaw
        there and its lift (0 on the floor .. 1 at the top of the swing)."""
        root = self.root(t)
        to_local = _yaw_matrix(-root.yaw_rad)
        targets = {}
        for side in ("left", "right"):
            xz, yaw, lift, _ = self.foot(side, t)
            ankle_rest = editor.rest_position_m(leg_bones(side)[2])
            stage = np.array([xz[0], ankle_rest[1] + LIFT_OF_HEIGHT * editor.height_m * lift, xz[1]])
            targets[side] = (to_local @ (stage - root.offset_m), yaw - root.yaw_rad, lift)
        return targets

    def _hips_drop(self, editor: PoseEditor, t: float) -> float:
        """How far the hips sink at time t so that each leg reaches its ankle ahead of him: most as a foot
        lands ahead (both feet down), little with the body over the foot (one foot down): the rise and fall
        of a person's hips in a walk. A foot behind him rolls onto its toes instead (_heel_off). What the
        legs need over the half step around t, eased with the distance in time, so that the hips sink and
        rise smoothly rather than as fast as a landing foot comes down."""
        hips = {side: editor.position_m(leg_bones(side)[0]) for side in ("left", "right")}
        upper, lower = chain_lengths(editor, leg_bones("left"))
        reach = LEG_REACH_MARGIN * (upper + lower)
        window_s = 0.5 * self.step_s
        drop = 0.0
        for offset in np.linspace(-window_s, window_s, 9):
            ease = math.cos(0.5 * math.pi * offset / window_s) ** 2  # 1 at t, 0 half a step away
            for side, (target, _, _) in self._ankle_targets(editor, t + float(offset)).items():
                hip = hips[side]
                if target[2] <= hip[2]:
                    continue
                across = float(np.hypot(target[0] - hip[0], target[2] - hip[2]))
                height = float(hip[1] - target[1])
                drop = max(drop, ease * (height - math.sqrt(max(reach * reach - across * across, 0.0))))
        return drop

    @staticmethod
    def _toes_offset(editor: PoseEditor, side: str, yaw_local: float) -> np.ndarray | None:
        """Ankle to toes with the foot flat, pointing `yaw_local` (None: a model without toe bones)."""
        foot, toes = f"{side}Foot", f"{side}Toes"
        if not editor.has(toes):
            return None
        return _yaw_matrix(yaw_local) @ (editor.rest_position_m(toes) - editor.rest_position_m(foot))

    @staticmethod
    def _heel_off(editor: PoseEditor, bones, ankle_m: np.ndarray, toes: np.ndarray | None) -> float:
        """How far (radians) the foot rolls onto its toes so that the leg reaches its ankle: 0 while the
        flat foot is in reach. A foot behind him peels off the floor heel first as he walks on, as a
        person's does, instead of the hips sinking for it; continuous in time, since the targets are."""
        if toes is None:
            return 0.0
        hip = editor.position_m(bones[0])
        upper, lower = chain_lengths(editor, bones)
        reach = LEG_REACH_MARGIN * (upper + lower)
        if np.linalg.norm(ankle_m - hip) <= reach:
            return 0.0
        low, high = 0.0, math.radians(HEEL_OFF_MAX_DEG)
        for _ in range(12):  # the ankle rises monotonically with the roll: bisect for the reach
            mid = 0.5 * (low + high)
            rolled = ankle_m + toes - _pitch_about(toes, mid)
            if np.linalg.norm(rolled - hip) > reach:
                low = mid
            else:
                high = mid
        return high

    @staticmethod
    def _flat_foot(editor: PoseEditor, side: str, yaw_local: float, lift: float, heel_off: float) -> None:
        foot, toes = f"{side}Foot", f"{side}Toes"
        if not editor.has(toes):
            return
        rest = editor.rest_position_m(toes) - editor.rest_position_m(foot)
        want = _pitch_about(_yaw_matrix(yaw_local) @ rest, heel_off)
        want[1] += 0.15 * lift * float(np.linalg.norm(rest))  # toes up a little in the swing
        aim_bone(editor, foot, toes, want)

    @staticmethod
    def _swing_arms(editor: PoseEditor, t: float, settle: float) -> None:
        """The arms swing with the opposite legs: forward as the other foot goes forward."""
        del t
        for side, other in (("left", "right"), ("right", "left")):
            arm = f"{side}UpperArm"
            if not editor.has(arm):
                continue
            forward = float(editor.position_m(f"{other}Foot")[2] - editor.position_m(f"{side}Foot")[2])
            angle = -math.radians(ARM_SWING_DEG) * settle * max(-1.0, min(1.0, forward / 0.25))
            editor.rotate(arm, quat.from_axis_angle(np.array([1.0, 0.0, 0.0]), angle))
