"""Head and eyes that follow a 3D target within natural limits, smoothly.

Angles are in the character's body frame: yaw positive towards the character's left (+x), pitch
positive upwards. The spine, chest, upper chest, neck and head share the turn (limited to what a relaxed person does
without moving the feet); the eyes take what is left, limited by the model's VRM lookAt range maps. With an
audience (the camera) in front of him, the head cheats out: his face turns no further than three-quarter
from it, so the guests see his face while his eyes find her.
Both are low-pass filtered with a bounded angular speed, so a jumping target never snaps the head.

The gaze starts at the eyes: VRM 1.0's `lookAt.offsetFromHeadBone`, VRM 0.x's
`firstPerson.firstPersonBoneOffset` (stored with z flipped, as three-vrm reads it), the eye bones, or
an estimate from the head's size (stature.py). Eyes move by bone or by expression (`lookAt.type`
"bone"/"expression", 0.x `lookAtTypeName` "Bone"/"BlendShape").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from arwed.characters.gltf_io import GltfDocument

HEAD_YAW_LIMIT_DEG = 28.0  # the face's turn from the hips: a relaxed glance aside, the eyes take the rest
# (at 40 degrees, on a body already turned to her, the demo showed his face 70 degrees from the camera)
FACE_FROM_AUDIENCE_MAX_DEG = (
    40.0  # "cheating out", as actors do: turned to her, the face stays within this of
)
# the audience (the camera: the guests and the photos), about three-quarter; the eyes take the rest
HEAD_PITCH_UP_DEG = 25.0
HEAD_PITCH_DOWN_DEG = 30.0
NECK_SHARE = 0.25  # of the head turn, carried by the neck
GIVE_UP_YAW_DEG = 115.0  # a target further behind than this is not followed: look ahead instead
TORSO_SHARE = 0.45  # of the head turn, carried by the spine, chest and upper chest together: the
# shoulders turn with the head, as a relaxed person's do
HEAD_TAU_S = 0.30
HEAD_MAX_SPEED_DEG_S = 200.0
EYE_TAU_S = 0.06


@dataclass(frozen=True)
class RangeMap:
    input_max_deg: float = 90.0
    output_scale_deg: float = 10.0

    def __call__(self, value_deg: float) -> float:
        if self.input_max_deg <= 0:
            return 0.0
        return min(abs(value_deg), self.input_max_deg) / self.input_max_deg * self.output_scale_deg


@dataclass(frozen=True)
class EyeRanges:
    horizontal_inner: RangeMap = RangeMap()
    horizontal_outer: RangeMap = RangeMap()
    vertical_down: RangeMap = RangeMap()
    vertical_up: RangeMap = RangeMap()


@dataclass(frozen=True)
class Gaze:
    head_yaw_deg: float
    head_pitch_deg: float
    eye_yaw_deg: float  # residual after the head, before range maps
    eye_pitch_deg: float


@dataclass
class LookAtController:
    ranges: EyeRanges = field(default_factory=EyeRanges)
    _head: np.ndarray = field(default_factory=lambda: np.zeros(2))
    _eyes: np.ndarray = field(default_factory=lambda: np.zeros(2))
    _last_t: float | None = None

    def reset(self) -> None:
        self._head[:] = 0.0
        self._eyes[:] = 0.0
        self._last_t = None

    def update(
        self, t: float, direction_body: np.ndarray | None, audience_body: np.ndarray | None = None
    ) -> Gaze:
        """Advance to time t towards the target direction (body frame; None: look straight ahead).

        `audience_body`: the direction of whoever watches (the camera), or None: the head then cheats out
        towards it (see head_yaw_goal)."""
        dt = 0.0 if self._last_t is None else min(max(t - self._last_t, 0.0), 0.25)
        self._last_t = t
        want_yaw, want_pitch = _angles(direction_body)
        head_goal = np.array(
            [
                head_yaw_goal(want_yaw, audience_body),
                np.clip(want_pitch, -HEAD_PITCH_DOWN_DEG, HEAD_PITCH_UP_DEG),
            ]
        )
        self._head = _follow(self._head, head_goal, dt, HEAD_TAU_S, HEAD_MAX_SPEED_DEG_S)
        eye_goal = np.array([want_yaw, want_pitch]) - self._head
        self._eyes = _follow(self._eyes, eye_goal, dt, EYE_TAU_S, 1000.0)
        return Gaze(float(self._head[0]), float(self._head[1]), float(self._eyes[0]), float(self._eyes[1]))

    def eye_angles(self, gaze: Gaze, left_eye: bool) -> tuple[float, float]:
        """(yaw, pitch) in degrees for one eye bone, through VRM's range maps (inner/outer per eye)."""
        yaw = gaze.eye_yaw_deg
        outward = yaw > 0 if left_eye else yaw < 0
        horizontal = self.ranges.horizontal_outer if outward else self.ranges.horizontal_inner
        pitch = gaze.eye_pitch_deg
        vertical = self.ranges.vertical_up if pitch > 0 else self.ranges.vertical_down
        return math.copysign(horizontal(yaw), yaw), math.copysign(vertical(pitch), pitch)

    def look_expressions(self, gaze: Gaze) -> dict[str, float]:
        """Weights for lookLeft/Right/Up/Down, for models whose eyes move by expression (VRM lookAt type)."""
        yaw, pitch = gaze.eye_yaw_deg, gaze.eye_pitch_deg
        horizontal = min(
            self.ranges.horizontal_outer(yaw) / max(self.ranges.horizontal_outer.output_scale_deg, 1e-9), 1.0
        )
        up = self.ranges.vertical_up(pitch) / max(self.ranges.vertical_up.output_scale_deg, 1e-9)
        down = self.ranges.vertical_down(pitch) / max(self.ranges.vertical_down.output_scale_deg, 1e-9)
        return {
            "lookLeft": horizontal if yaw > 0 else 0.0,
            "lookRight": horizontal if yaw < 0 else 0.0,
            "lookUp": min(up, 1.0) if pitch > 0 else 0.0,
            "lookDown": min(down, 1.0) if pitch < 0 else 0.0,
        }


def head_yaw_goal(want_yaw_deg: float, audience_body: np.ndarray | None = None) -> float:
    """How far the head turns (degrees from the hips) to look `want_yaw_deg` aside.

    At most HEAD_YAW_LIMIT_DEG; with an audience in front of him, also no further than
    FACE_FROM_AUDIENCE_MAX_DEG from it, so the guests see his face, not his cheek, while his eyes find her.
    Cheating out only takes back part of the turn to her: it never turns the head past his front.
    """
    goal = float(np.clip(want_yaw_deg, -HEAD_YAW_LIMIT_DEG, HEAD_YAW_LIMIT_DEG))
    audience_yaw = _audience_yaw(audience_body)
    if audience_yaw is None:
        return goal
    cheated = float(
        np.clip(goal, audience_yaw - FACE_FROM_AUDIENCE_MAX_DEG, audience_yaw + FACE_FROM_AUDIENCE_MAX_DEG)
    )
    return float(np.clip(cheated, min(goal, 0.0), max(goal, 0.0)))


def _audience_yaw(direction: np.ndarray | None) -> float | None:
    """The audience's yaw in the body frame; None when there is none or it is behind him."""
    if (
        direction is None
        or not np.all(np.isfinite(direction))
        or math.hypot(direction[0], direction[2]) < 1e-6
    ):
        return None
    yaw = math.degrees(math.atan2(float(direction[0]), float(direction[2])))
    return yaw if abs(yaw) < 90.0 else None


def _angles(direction: np.ndarray | None) -> tuple[float, float]:
    if direction is None or not np.all(np.isfinite(direction)) or np.linalg.norm(direction) < 1e-6:
        return 0.0, 0.0
    x, y, z = (float(v) for v in direction)
    yaw = math.degrees(math.atan2(x, z))
    if abs(yaw) > GIVE_UP_YAW_DEG:
        return 0.0, 0.0
    pitch = math.degrees(math.atan2(y, math.hypot(x, z)))
    return yaw, pitch


def _follow(current: np.ndarray, goal: np.ndarray, dt: float, tau: float, max_speed: float) -> np.ndarray:
    if dt <= 0.0:
        return current.copy()
    alpha = 1.0 - math.exp(-dt / tau)
    step = (goal - current) * alpha
    limit = max_speed * dt
    norm = float(np.linalg.norm(step))
    if norm > limit:
        step *= limit / norm
    return current + step


@dataclass(frozen=True)
class LookAtSpec:
    """What a file says about its gaze: range maps, bone or expression eyes, where the eyes are."""

    ranges: EyeRanges
    by_expression: bool
    eye_offset_model: np.ndarray | None  # (3,) head bone to the eyes, model axes and units, if given


NATURAL_RANGES = EyeRanges(
    RangeMap(30.0, 25.0), RangeMap(30.0, 25.0), RangeMap(30.0, 20.0), RangeMap(30.0, 20.0)
)


def read_look_at(doc: GltfDocument) -> LookAtSpec:
    vrm1 = doc.extension("VRMC_vrm")
    if vrm1 is not None and isinstance(vrm1.get("lookAt"), dict):
        look = vrm1["lookAt"]
        keys = (
            "rangeMapHorizontalInner",
            "rangeMapHorizontalOuter",
            "rangeMapVerticalDown",
            "rangeMapVerticalUp",
        )
        ranges = _eye_ranges(look, keys, ("inputMaxValue", "outputScale"))
        offset = _vector(look.get("offsetFromHeadBone"))
        return LookAtSpec(ranges, look.get("type") == "expression", offset)
    vrm0 = doc.extension("VRM")
    if vrm0 is not None and isinstance(vrm0.get("firstPerson"), dict):
        fp = vrm0["firstPerson"]
        keys = ("lookAtHorizontalInner", "lookAtHorizontalOuter", "lookAtVerticalDown", "lookAtVerticalUp")
        ranges = _eye_ranges(fp, keys, ("xRange", "yRange"))
        raw = fp.get("firstPersonBoneOffset")
        offset = None
        if isinstance(raw, dict):
            offset = _vector([raw.get("x", 0.0), raw.get("y", 0.06), raw.get("z", 0.0)])
            if offset is not None:
                offset = offset * np.array([1.0, 1.0, -1.0])  # UniVRM 0.x stores z the Unity way
        return LookAtSpec(ranges, fp.get("lookAtTypeName") == "BlendShape", offset)
    return LookAtSpec(NATURAL_RANGES, False, None)


def _eye_ranges(block: dict, keys: tuple[str, str, str, str], fields: tuple[str, str]) -> EyeRanges:
    """The four range maps (inner, outer, down, up) of a VRM 1.0 lookAt or VRM 0.x firstPerson block: each
    an input maximum (degrees) and an output scale, under that version's names; 90 and 10 when absent."""

    def range_map(key: str) -> RangeMap:
        spec = block.get(key) if isinstance(block.get(key), dict) else {}
        return RangeMap(_number(spec.get(fields[0]), 90.0), _number(spec.get(fields[1]), 10.0))

    return EyeRanges(*(range_map(key) for key in keys))


def _number(value, default: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return default
    return v if math.isfinite(v) else default


def _vector(value) -> np.ndarray | None:
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        return None
    try:
        v = np.array([float(x) for x in value])
    except (TypeError, ValueError):
        return None
    return v if np.all(np.isfinite(v)) else None
