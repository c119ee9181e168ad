"""The placement stage: from one frame's pose observation to where the person is and where the character stands.

Per frame: PnP puts the person's skeleton (scaled to their height) into camera coordinates; the floor is
estimated over time (floor.py); One Euro filters steady the person's hip and head; the anchor is the floor
point `gap_m` beside the person, towards the image's left or right. Nothing ever jumps:
- settings changes (side, gap, facing) glide over SETTINGS_GLIDE_S;
- the anchor moves at most ANCHOR_MAX_SPEED_MPS (the character walks to a new spot: after a track loss,
  after unlocking, when another person is accepted);
- after a track loss the placement is held for `hold_s`, then faded out over `fade_s`; when the person
  returns the character fades back in over FADE_IN_S from where the fade had got to.
Which person is followed is decided before this stage (identity.py); `new_person` says it changed.
Scale (BodyScale): MediaPipe's skeleton is an average-sized body whatever the person's size, so depth
is only as true as the height it is scaled to: the given height, else one measured from the feet on a
calibrated floor, else an assumed average adult (`placement.assumed_person_height_m`, 1.70 m), and
`Placement.person_height_source` says which. The spot beside the person avoids other people and, with
side `auto`, the side that would put the character outside the picture (spot.py).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import replace

import numpy as np

from arwed.config import PlacementSettings, TrackingSettings
from arwed.geometry import body
from arwed.geometry.anchor import anchor_beside, character_to_camera, facing_direction, side_sign
from arwed.geometry.bystanders import floor_position_m
from arwed.geometry.filters import OneEuroFilter
from arwed.geometry.floor import DEFAULT_CAMERA_HEIGHT_M, FloorEstimator, level_pitch
from arwed.geometry.pose3d import BodyPose, BodyPoseSolver
from arwed.geometry.spot import free_spot, in_view, spot_m
from arwed.types import CameraIntrinsics, FloorPlane, Placement, PoseObservation, TrackingState

HEIGHT_WINDOW = 90  # frames in the running median of the person's measured height
MIN_FLOOR_SCALE_SAMPLES = 5  # frames of feet on a calibrated floor before they set the person's scale
PLAUSIBLE_HEIGHT_M = (1.0, 2.3)  # a height measured on the floor outside this is a bad frame
SETTINGS_GLIDE_S = 0.35  # time constant of the easing after a change of side, gap or facing
ANCHOR_MAX_SPEED_MPS = 2.5  # the anchor never moves faster than a brisk walk
FADE_IN_S = 0.3  # after a loss, the character fades back in this fast (from fully faded)
# (TrackingSettings.fade_in_s overrides FADE_IN_S when present)
TIME_REWIND_S = 0.25  # media time going back more than this (a loop or a seek) restarts the motion

FLOOR_NOTES = {
    "calibration": "floor from calibration",
    "feet": "floor from the feet",
    "proportions": "floor from body proportions",
    "default": f"default floor (level camera {DEFAULT_CAMERA_HEIGHT_M:g} m high)",
}


HEIGHT_SOURCE_NOTES = {
    "given": "given",
    "measured": "measured on the calibrated floor",
    "assumed": "assumed: set placement.person_height_m for true depth",
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

    def scale(
        self, person_height_m: float | None, assumed_height_m: float, skeleton_height_m: float
    ) -> tuple[float, str]:
        """(scale, source): source is "given", "measured" (feet on a calibrated floor) or "assumed"."""
        skeleton = self.mediapipe_height_m(skeleton_height_m)
        if person_height_m is not None:
            return person_height_m / skeleton, "given"
        if len(self._floor_scales) >= MIN_FLOOR_SCALE_SAMPLES:
            return float(np.median(self._floor_scales)), "measured"
        return assumed_height_m / skeleton, "assumed"


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

    def new_person(self) -> None:
        """Another person is followed from now: forget the last one's size and motion (the character walks)."""
        self._scale.clear()
        self._solver.reset()
        self._hip_filter = self._new_filter()
        self._head_filter = self._new_filter()

    def update(
        self,
        observation: PoseObservation | None,
        media_time_s: float,
        others: tuple[PoseObservation, ...] = (),
    ) -> Placement | None:
        """This frame's placement; `observation` is the followed person (None: not in view), `others`
        everyone else in view (the character never stands where they stand)."""
        time_s = float(media_time_s)
        if self._last_time_s is not None and time_s < self._last_time_s - TIME_REWIND_S:
            self._restart_motion()  # a loop or a seek: the last placement is still held, from now
            self._last_seen_s = None if self._last_seen_s is None else time_s
        self.last_body_pose: BodyPose | None = None
        pose = self._observe(observation) if observation is not None else None
        placement = self._held(time_s) if pose is None else self._tracked(pose, observation, time_s, others)
        self._last_time_s = time_s
        return placement

    # ---- observing the person -------------------------------------------------------------------------

    def _restart_motion(self) -> None:
        """Forget the motion (filters, gate, anchor glide), keep what was learned (floor, height)."""
        self._solver.reset()
        self._hip_filter = self._new_filter()
        self._head_filter = self._new_filter()
        self._anchor: np.ndarray | None = None
        self._locked_anchor: np.ndarray | None = None
        self._lateral_m: float | None = None
        self._spot: tuple[float, float] | None = None  # (lateral, back) of the spot taken
        self._back_m: float | None = None
        self._auto_side: str | None = None
        self._facing_deg: float | None = None
        self._last_time_s: float | None = None

    def _new_filter(self) -> OneEuroFilter:
        return OneEuroFilter(self.tracking.min_cutoff_hz, self.tracking.beta, self.tracking.d_cutoff_hz)

    def _observe(self, observation: PoseObservation) -> BodyPose | None:
        """The person's body pose in camera coordinates at their real size, or None when it cannot be fitted."""
        skeleton_height = body.estimate_height_m(
            np.asarray(observation.world_landmarks_m, dtype=np.float64),
            body.legs_visible(observation.visibility),
        )
        if not math.isfinite(skeleton_height) or skeleton_height <= 0.0:
            return None
        scale, _ = self._scale_and_source(skeleton_height)
        pose = self._solver.solve(observation, scale)
        if pose is None:
            return None
        self._scale.add(skeleton_height, self._floor_scale_sample(pose, skeleton_height))
        return pose

    def _scale_and_source(self, skeleton_height_m: float) -> tuple[float, str]:
        return self._scale.scale(
            self.settings.person_height_m, self.settings.assumed_person_height_m, skeleton_height_m
        )

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

    def _tracked(
        self, pose: BodyPose, observation: PoseObservation, time_s: float, others: tuple[PoseObservation, ...]
    ) -> Placement:
        world = np.asarray(observation.world_landmarks_m, dtype=np.float64)
        legs_seen = body.legs_visible(observation.visibility)
        skeleton_height = self._scale.mediapipe_height_m(body.estimate_height_m(world, legs_seen))
        height_m = pose.scale * skeleton_height
        _, height_source = self._scale_and_source(skeleton_height)
        floor = self._update_floor(pose, world, height_m, time_s)
        hip = self._hip_filter(_hip_centre(pose, floor.normal, height_m), time_s)
        head = self._head_filter(body.midpoint(pose.landmarks_m, body.LEFT_EYE, body.RIGHT_EYE), time_s)
        person_floor = floor.project(hip)
        others_floor = self._others_on_floor(others, floor)
        anchor, forward, spot_taken = self._place_anchor(person_floor, floor, time_s, others_floor)
        visible = in_view(anchor, floor, self.settings.character_height_m, self.intrinsics)
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
            notes=self._notes(floor, height_m, height_source, visible, spot_taken),
            person_height_source=height_source,
            side=self._side_now(),
            in_view=visible,
            spot_taken=spot_taken,
        )
        self._last, self._last_seen_s = placement, time_s
        self.last_body_pose = pose  # her head's position for her view (arwed.pipeline.head)
        return placement

    def _others_on_floor(self, others: tuple[PoseObservation, ...], floor: FloorPlane) -> list[np.ndarray]:
        points = []
        for other in others:
            point, _ = floor_position_m(other, floor, self.intrinsics, self.settings.assumed_person_height_m)
            if point is not None:
                points.append(point)
        return points

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
        self, person_floor: np.ndarray, floor: FloorPlane, time_s: float, others_floor: list[np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray, bool]:
        """(anchor, forward, whether the asked-for spot was taken by someone)."""
        elapsed_s = 0.0 if self._last_time_s is None else max(0.0, time_s - self._last_time_s)
        side = self._choose_side(person_floor, floor)
        asked = side_sign(side) * self.settings.gap_m

        def visible(spot: np.ndarray) -> bool:
            return in_view(spot, floor, self.settings.character_height_m, self.intrinsics)

        self._spot = free_spot(person_floor, floor, asked, others_floor, visible, self._spot)
        self._lateral_m = _ease(self._lateral_m, self._spot[0], elapsed_s)
        self._back_m = _ease(self._back_m, self._spot[1], elapsed_s)
        self._facing_deg = _ease(self._facing_deg, self.settings.facing_deg, elapsed_s)
        target = spot_m(person_floor, floor, self._lateral_m, self._back_m)
        if self._locked:
            if self._locked_anchor is None:
                self._locked_anchor = target if self._anchor is None else self._anchor
            target = floor.project(self._locked_anchor)
        self._anchor = floor.project(_limit_speed(self._anchor, target, elapsed_s))
        facing_sign = 1.0 if self._lateral_m >= 0.0 else -1.0
        forward = facing_direction(self._anchor, person_floor, floor, self._facing_deg, facing_sign)
        return self._anchor, forward, self._spot != (asked, 0.0)

    def _choose_side(self, person_floor: np.ndarray, floor: FloorPlane) -> str:
        """The configured side; for "auto", the side that keeps the character in the picture."""
        if self.settings.side != "auto":
            self._auto_side = None
            return self.settings.side
        height = self.settings.character_height_m

        def spot(side: str) -> np.ndarray:
            return anchor_beside(person_floor, floor, side_sign(side) * self.settings.gap_m)

        current = self._auto_side or "right"
        other = "left" if current == "right" else "right"
        # switch only to a side that is in view: with neither in view, flipping would only make it flicker
        if not in_view(spot(current), floor, height, self.intrinsics) and in_view(
            spot(other), floor, height, self.intrinsics
        ):
            current = other
        self._auto_side = current
        return current

    def _side_now(self) -> str:
        return "right" if (self._lateral_m or 0.0) >= 0.0 else "left"

    def _notes(
        self, floor: FloorPlane, height_m: float, height_source: str, visible: bool, spot_taken: bool
    ) -> tuple[str, ...]:
        notes = []
        if self.intrinsics.source.startswith("default"):
            notes.append("default field of view (no calibration)")
        notes.append(FLOOR_NOTES.get(floor.source, f"floor from {floor.source}"))
        notes.append(f"person height {height_m:.2f} m ({HEIGHT_SOURCE_NOTES[height_source]})")
        if self._locked:
            notes.append("position locked")
        if spot_taken and self._spot is not None:
            lateral, back = self._spot
            where = f"{abs(lateral):.1f} m to the {self._side_now()}" + (
                f", {back:.1f} m behind" if back else ""
            )
            notes.append(f"someone stands at the partner's spot: standing {where} instead")
        if not visible:
            notes.append("the partner's spot is outside the picture (try side auto or a smaller gap)")
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

    def _held(self, time_s: float) -> Placement | None:
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
        return replace(self._last, media_time_s=time_s, state=state, opacity=opacity)


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
