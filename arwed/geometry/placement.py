"""The placement stage: from one frame's pose observation to where the person is and where the character stands.

Per frame: PnP puts the person's skeleton (scaled to their height) into camera coordinates; the floor is
estimated over time (floor.py); One Euro filters steady the person's hip and head; the anchor is the floor
point `gap_m` beside the person, towards the image's left or right. Nothing ever jumps:
- settings changes (side, gap, facing) glide over SETTINGS_GLIDE_S;
- the anchor moves at most ANCHOR_MAX_SPEED_MPS (the character walks to a new spot: after a track loss,
  after unlocking, when another person is accepted);
- after a track loss the placement is held for `hold_s`, then faded out over `fade_s`; when the person
  returns the character fades back in over FADE_IN_S from where the fade had got to.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import replace

import numpy as np

from arwed.config import PlacementSettings, TrackingSettings
from arwed.geometry import body
from arwed.geometry.anchor import anchor_beside, character_to_camera, facing_direction, side_sign
from arwed.geometry.filters import OneEuroFilter
from arwed.geometry.floor import DEFAULT_CAMERA_HEIGHT_M, FloorEstimator, level_pitch
from arwed.geometry.identity import CONFIRM_OTHER_S, PersonGate, Verdict
from arwed.geometry.pose3d import BodyPose, BodyPoseSolver
from arwed.types import CameraIntrinsics, FloorPlane, Placement, PoseObservation, TrackingState

HEIGHT_WINDOW = 90  # frames in the running median of the person's measured height
MIN_FLOOR_SCALE_SAMPLES = 5  # frames of feet on a calibrated floor before they set the person's scale
PLAUSIBLE_HEIGHT_M = (1.0, 2.3)  # a height measured on the floor outside this is a bad frame
SETTINGS_GLIDE_S = 0.35  # time constant of the easing after a change of side, gap or facing
ANCHOR_MAX_SPEED_MPS = 2.5  # the anchor never moves faster than a brisk walk
FADE_IN_S = 0.3  # after a loss, the character fades back in this fast (from fully faded)
# (TrackingSettings.fade_in_s and .switch_person_s override FADE_IN_S and identity.CONFIRM_OTHER_S when present)
TIME_REWIND_S = 0.25  # media time going back more than this (a loop or a seek) restarts the motion

FLOOR_NOTES = {
    "calibration": "floor from calibration",
    "feet": "floor from the feet",
    "proportions": "floor from body proportions",
    "default": f"default floor (level camera {DEFAULT_CAMERA_HEIGHT_M:g} m high)",
}


class BodyScale:
    """The factor from MediaPipe's average-sized skeleton to the person's real size."""

    def __init__(self) -> None:
        self._mediapipe_heights: deque[float] = deque(maxlen=HEIGHT_WINDOW)
        self._floor_scales: deque[float] = deque(maxlen=HEIGHT_WINDOW)
        self._median_height_m: float | None = None

    def clear(self) -> None:
        self._mediapipe_heights.clear()
        self._floor_scales.clear()
        self._median_height_m = None

    def add(self, mediapipe_height_m: float, floor_scale: float | None) -> None:
        self._mediapipe_heights.append(mediapipe_height_m)
        self._median_height_m = float(np.median(self._mediapipe_heights))
        if floor_scale is not None:
            self._floor_scales.append(floor_scale)

    def mediapipe_height_m(self, fallback_m: float) -> float:
        return self._median_height_m if self._median_height_m is not None else fallback_m

    def scale(self, person_height_m: float | None, fallback_height_m: float) -> tuple[float, str]:
        """(scale, how it was found): the given height, feet on a calibrated floor, or MediaPipe's own size."""
        if person_height_m is not None:
            return person_height_m / self.mediapipe_height_m(fallback_height_m), "given"
        if len(self._floor_scales) >= MIN_FLOOR_SCALE_SAMPLES:
            return float(np.median(self._floor_scales)), "measured on the calibrated floor"
        return 1.0, "MediaPipe's average body: set person_height_m for true depth"


class Placer:
    """Stateful per-frame placement: call `update` once per frame, with None when nobody was detected."""

    def __init__(
        self,
        intrinsics: CameraIntrinsics,
        placement: PlacementSettings,
        tracking: TrackingSettings,
        calibrated_floor: FloorPlane | None = None,
    ) -> None:
        self.intrinsics = intrinsics
        self.settings = placement
        self.tracking = tracking
        self._solver = BodyPoseSolver(intrinsics)
        self._floor = FloorEstimator(calibrated_floor)
        self._scale = BodyScale()
        self._gate = PersonGate()
        self._locked = placement.locked
        self.reset()

    # ---- public API -------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everyone and everything learned (a calibrated floor stays)."""
        self._floor.reset()
        self._scale.clear()
        self._restart_motion()
        self._last: Placement | None = None
        self._last_seen_s: float | None = None
        self._opacity = 1.0
        self._opacity_at_loss = 1.0

    @property
    def lock(self) -> bool:
        return self._locked

    def set_locked(self, locked: bool) -> None:
        """Freeze the character's spot on the floor (someone walking past doesn't move it)."""
        self._locked = bool(locked)
        if not self._locked:
            self._locked_anchor = None

    def update_settings(self, placement: PlacementSettings) -> None:
        """Live change of side, gap, facing or heights: the character glides to the new spot."""
        if placement.locked != self.settings.locked:
            self.set_locked(placement.locked)
        self.settings = placement

    def update(self, observation: PoseObservation | None, media_time_s: float) -> Placement | None:
        time_s = float(media_time_s)
        if self._last_time_s is not None and time_s < self._last_time_s - TIME_REWIND_S:
            self._restart_motion()  # a loop or a seek: the last placement is still held, from now
            self._last_seen_s = None if self._last_seen_s is None else time_s
        self.last_body_pose: BodyPose | None = None
        pose, other_person = self._observe(observation, time_s) if observation is not None else (None, False)
        placement = (
            self._held(time_s, other_person) if pose is None else self._tracked(pose, observation, time_s)
        )
        self._last_time_s = time_s
        return placement

    # ---- observing the person -------------------------------------------------------------------------

    def _restart_motion(self) -> None:
        """Forget the motion (filters, gate, anchor glide), keep what was learned (floor, height)."""
        self._solver.reset()
        self._gate.reset()
        self._hip_filter = self._new_filter()
        self._head_filter = self._new_filter()
        self._anchor: np.ndarray | None = None
        self._locked_anchor: np.ndarray | None = None
        self._lateral_m: float | None = None
        self._facing_deg: float | None = None
        self._last_time_s: float | None = None

    def _new_filter(self) -> OneEuroFilter:
        return OneEuroFilter(self.tracking.min_cutoff_hz, self.tracking.beta, self.tracking.d_cutoff_hz)

    def _observe(self, observation: PoseObservation, time_s: float) -> tuple[BodyPose | None, bool]:
        """The person's body pose, or (None, True) when it is someone else (see identity.py)."""
        mediapipe_height = body.estimate_height_m(
            np.asarray(observation.world_landmarks_m, dtype=np.float64),
            body.legs_visible(observation.visibility),
        )
        if not math.isfinite(mediapipe_height) or mediapipe_height <= 0.0:
            return None, False
        scale, _ = self._scale.scale(self.settings.person_height_m, mediapipe_height)
        pose = self._solver.solve(observation, scale)
        if pose is None:
            return None, False
        hip = body.midpoint(pose.landmarks_m, body.LEFT_HIP, body.RIGHT_HIP)
        verdict = self._gate.check(
            hip,
            time_s,
            self.tracking.hold_s + self.tracking.fade_s,
            getattr(self.tracking, "switch_person_s", CONFIRM_OTHER_S),
        )
        if verdict is Verdict.OTHER:
            return None, True
        if self._gate.replaced:
            self._scale.clear()
        self._scale.add(mediapipe_height, self._floor_scale_sample(pose, mediapipe_height))
        return pose, False

    def _floor_scale_sample(self, pose: BodyPose, mediapipe_height_m: float) -> float | None:
        """With a calibrated floor the feet must stand on it: the skeleton scale that puts them there."""
        floor = self._floor.calibrated
        foot = lowest(_soles(pose), floor.normal) if floor is not None else None
        if foot is None:
            return None
        along_normal = float(np.dot(floor.normal, foot / pose.scale))  # the unit-scale foot
        if along_normal >= -1e-6:
            return None
        scale = (body.FOOT_LANDMARK_HEIGHT_M - floor.offset_m) / along_normal
        plausible = PLAUSIBLE_HEIGHT_M[0] <= scale * mediapipe_height_m <= PLAUSIBLE_HEIGHT_M[1]
        return scale if plausible else None

    # ---- placing ---------------------------------------------------------------------------------------

    def _tracked(self, pose: BodyPose, observation: PoseObservation, time_s: float) -> Placement:
        world = np.asarray(observation.world_landmarks_m, dtype=np.float64)
        legs_seen = body.legs_visible(observation.visibility)
        height_m = pose.scale * self._scale.mediapipe_height_m(body.estimate_height_m(world, legs_seen))
        floor = self._update_floor(pose, world, height_m, time_s)
        hip = self._hip_filter(_hip_centre(pose, floor.normal, height_m), time_s)
        head = self._head_filter(body.midpoint(pose.landmarks_m, body.LEFT_EYE, body.RIGHT_EYE), time_s)
        person_floor = floor.project(hip)
        anchor, forward = self._place_anchor(person_floor, floor, time_s)
        placement = Placement(
            media_time_s=time_s,
            state=TrackingState.TRACKING,
            person_feet_m=person_floor,
            person_head_m=np.asarray(head, dtype=np.float64),
            person_depth_m=float(hip[2]),
            person_height_m=float(height_m),
            floor=floor,
            anchor_m=anchor,
            character_to_camera=character_to_camera(anchor, forward, floor.normal),
            opacity=self._fade_in(time_s),
            person_bbox_px=observation.bbox_px,
            notes=self._notes(floor, height_m),
        )
        self._last, self._last_seen_s = placement, time_s
        self.last_body_pose = pose  # her head's position for her view (arwed.pipeline.head)
        return placement

    def _update_floor(self, pose: BodyPose, world: np.ndarray, height_m: float, time_s: float) -> FloorPlane:
        legs_seen = bool(pose.visible[[body.LEFT_ANKLE, body.RIGHT_ANKLE]].any())
        up_in_world = body.body_up(world, use_legs=legs_seen)
        up = None if up_in_world is None else pose.rotation @ up_in_world
        if up is not None and not legs_seen:
            up = level_pitch(up)
        hip = _hip_centre(pose, up, height_m)
        self._floor.observe(up, _soles(pose), hip, height_m, pose.scale)
        return self._floor.current(time_s, pose.scale)

    def _place_anchor(
        self, person_floor: np.ndarray, floor: FloorPlane, time_s: float
    ) -> tuple[np.ndarray, np.ndarray]:
        elapsed_s = 0.0 if self._last_time_s is None else max(0.0, time_s - self._last_time_s)
        lateral_target = side_sign(self.settings.side) * self.settings.gap_m
        self._lateral_m = _ease(self._lateral_m, lateral_target, elapsed_s)
        self._facing_deg = _ease(self._facing_deg, self.settings.facing_deg, elapsed_s)
        target = anchor_beside(person_floor, floor, self._lateral_m)
        if self._locked:
            if self._locked_anchor is None:
                self._locked_anchor = target if self._anchor is None else self._anchor
            target = floor.project(self._locked_anchor)
        self._anchor = floor.project(_limit_speed(self._anchor, target, elapsed_s))
        forward = facing_direction(
            self._anchor, person_floor, floor, self._facing_deg, side_sign(self.settings.side)
        )
        return self._anchor, forward

    def _notes(self, floor: FloorPlane, height_m: float) -> tuple[str, ...]:
        notes = []
        if self.intrinsics.source.startswith("default"):
            notes.append("default field of view (no calibration)")
        notes.append(FLOOR_NOTES.get(floor.source, f"floor from {floor.source}"))
        _, how = self._scale.scale(self.settings.person_height_m, 1.0)
        notes.append(f"person height {height_m:.2f} m ({how})")
        if self._locked:
            notes.append("position locked")
        return tuple(notes)

    # ---- track loss ------------------------------------------------------------------------------------

    def _fade_in(self, time_s: float) -> float:
        fade_in_s = getattr(self.tracking, "fade_in_s", FADE_IN_S)
        if self._last_seen_s is not None and self._last_time_s is not None and fade_in_s > 0.0:
            self._opacity = min(1.0, self._opacity + max(0.0, time_s - self._last_time_s) / fade_in_s)
        else:
            self._opacity = 1.0
        self._opacity_at_loss = self._opacity
        return self._opacity

    def _held(self, time_s: float, other_person: bool) -> Placement | None:
        if self._last is None or self._last_seen_s is None:
            return None
        unseen_s = max(0.0, time_s - self._last_seen_s)
        fading_s = unseen_s - self.tracking.hold_s
        if fading_s <= 0.0:
            opacity = self._opacity_at_loss
        elif self.tracking.fade_s <= 0.0:
            opacity = 0.0
        else:
            opacity = self._opacity_at_loss * max(0.0, 1.0 - fading_s / self.tracking.fade_s)
        self._opacity = opacity
        state = TrackingState.LOST if opacity <= 0.0 else TrackingState.HELD
        notes = self._last.notes + (("another person in view: holding",) if other_person else ())
        return replace(self._last, media_time_s=time_s, state=state, opacity=opacity, notes=notes)


def _soles(pose: BodyPose) -> list[np.ndarray]:
    """For each foot with a visible heel or toe landmark, the middle of its sole (the seen landmarks' mean)."""
    soles = []
    for indices in (body.LEFT_FOOT, body.RIGHT_FOOT):
        seen = [i for i in indices if pose.visible[i]]
        if seen:
            soles.append(pose.landmarks_m[seen].mean(axis=0))
    return soles


def lowest(points: list[np.ndarray], up: np.ndarray) -> np.ndarray | None:
    return min(points, key=lambda point: float(np.dot(up, point))) if points else None


def _hip_centre(pose: BodyPose, up: np.ndarray | None, height_m: float) -> np.ndarray:
    """The hip joints' midpoint; in views that end above the hips, from the shoulders and proportions."""
    hips_seen = bool(pose.visible[[body.LEFT_HIP, body.RIGHT_HIP]].any())
    if hips_seen or up is None:
        return body.midpoint(pose.landmarks_m, body.LEFT_HIP, body.RIGHT_HIP)
    return body.hip_from_shoulders(pose.landmarks_m, up, height_m)


def _ease(current: float | None, target: float, elapsed_s: float) -> float:
    if current is None:
        return float(target)
    return current + (target - current) * (1.0 - math.exp(-elapsed_s / SETTINGS_GLIDE_S))


def _limit_speed(current: np.ndarray | None, target: np.ndarray, elapsed_s: float) -> np.ndarray:
    if current is None:
        return np.asarray(target, dtype=np.float64)
    step = target - current
    distance = float(np.linalg.norm(step))
    max_step = ANCHOR_MAX_SPEED_MPS * elapsed_s
    return target if distance <= max_step else current + step * (max_step / distance)
