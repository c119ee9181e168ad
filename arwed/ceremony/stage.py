"""Between the pipeline and the ceremony: her tracked body into stage space, his directions back out.

The pipeline calls `CeremonyStage.frame(...)` once per rendered frame (render thread) with the frame's
placement and pose observation. It returns the placement moved to where he walks (so the contact shadow
and occlusion follow him) and faded, and what the character's cue needs (look target, expressions, body
layer). Her wrists come from the pose's wrist landmarks: the pixel where the tracker saw each wrist,
at the depth of her head plus the wrist's depth offset from MediaPipe's metric skeleton.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import cv2
import numpy as np

from arwed.ceremony.director import CeremonyDirector, StageDirection, StageView
from arwed.types import CameraIntrinsics, Placement, PoseObservation

WRISTS = (15, 16)  # BlazePose: left wrist, right wrist
EYES = (2, 5)
MIN_WRIST_VISIBILITY = 0.5


@dataclass(frozen=True)
class StagedFrame:
    time_s: float
    placement: Placement | None  # moved and faded for the ceremony; None: nothing to draw
    direction: StageDirection | None
    her_wrists_camera_m: tuple[np.ndarray, ...]

    @property
    def blackout(self) -> bool:
        return self.direction is not None and self.direction.blackout


def her_wrists_camera_m(
    observation: PoseObservation | None, placement: Placement, intrinsics: CameraIntrinsics
) -> tuple[np.ndarray, ...]:
    """Her visible wrists in camera coordinates (metres)."""
    if observation is None:
        return ()
    px = np.asarray(observation.image_landmarks_px, dtype=np.float64)
    world = np.asarray(observation.world_landmarks_m, dtype=np.float64)
    vis = np.asarray(observation.visibility, dtype=np.float64)
    eyes_z = float(np.mean(world[list(EYES), 2]))
    head_depth = float(placement.person_head_m[2])
    out = []
    for index in WRISTS:
        if vis[index] < MIN_WRIST_VISIBILITY or not np.all(np.isfinite(px[index])):
            continue
        depth = max(0.3, head_depth + float(world[index, 2]) - eyes_z)
        ray = cv2.undistortPoints(
            px[index].reshape(1, 1, 2), intrinsics.matrix, intrinsics.distortion_array
        ).reshape(2)
        out.append(np.array([ray[0] * depth, ray[1] * depth, depth]))
    return tuple(out)


class CeremonyClock:
    """The ceremony's time from the frames' times: it never goes back. A clock that restarts (another
    source, the pipeline started again) is carried on from where the ceremony was, so its cues neither
    restart nor jump."""

    def __init__(self) -> None:
        self._offset_s = 0.0
        self._last_in_s: float | None = None
        self._last_s = 0.0

    def __call__(self, time_s: float) -> float:
        if self._last_in_s is not None and time_s < self._last_in_s:
            self._offset_s = self._last_s - time_s
        self._last_in_s = time_s
        self._last_s = time_s + self._offset_s
        return self._last_s


class CeremonyStage:
    """`after_frame(staged)`, when given, is called on the render thread after each frame's direction
    (the console's cue panel and its voice player follow the ceremony through it).

    `wall_clock`: the ceremony runs on the frames' capture time (time.monotonic()), the clock his voice
    plays on and recordings are made on; that is the console's: a source's own time falls behind the wall
    clock when the machine is slow and starts again at 0 when the operator changes the source. Without
    it (a rehearsal, a replay) the ceremony runs on the video's time."""

    def __init__(self, director: CeremonyDirector, after_frame=None, wall_clock: bool = False):
        self.director = director
        self.last: StagedFrame | None = None
        self._after_frame = after_frame
        self._wall_clock = wall_clock
        self._clock = CeremonyClock()

    def frame(
        self,
        time_s: float,
        placement: Placement | None,
        observation: PoseObservation | None,
        intrinsics: CameraIntrinsics,
        capture_time_s: float | None = None,
    ) -> StagedFrame:
        """`time_s`: the frame's media time; `capture_time_s`: when it was captured (time.monotonic())."""
        wall = self._wall_clock and capture_time_s is not None
        staged = self._frame(
            self._clock(capture_time_s if wall else time_s), placement, observation, intrinsics
        )
        if self._after_frame is not None:
            self._after_frame(staged)
        return staged

    def _frame(self, time_s, placement, observation, intrinsics) -> StagedFrame:
        if placement is None:
            direction = self.director.direct(time_s, StageView())
            self.last = StagedFrame(time_s, None, direction, ())
            return self.last
        c2c = placement.character_to_camera
        to_stage = np.linalg.inv(c2c)
        wrists = her_wrists_camera_m(observation, placement, intrinsics)
        view = StageView(
            her_head_m=_apply(to_stage, placement.person_head_m),
            her_wrists_m=tuple(_apply(to_stage, w) for w in wrists),
            camera_m=to_stage[:3, 3].copy(),
            camera_right_m=to_stage[:3, :3] @ np.array([1.0, 0.0, 0.0]),
        )
        direction = self.director.direct(time_s, view)
        moved = c2c @ direction.root_m
        staged = dataclasses.replace(
            placement,
            character_to_camera=moved,
            anchor_m=moved[:3, 3].copy(),
            opacity=placement.opacity * direction.opacity,
        )
        self.last = StagedFrame(time_s, staged, direction, wrists)
        return self.last

    def look_at_m(self) -> np.ndarray | None:
        return self.last.direction.look_at_m if self.last and self.last.direction else None

    def reach_distance(self, intrinsics: CameraIntrinsics) -> dict | None:
        """After the frame was posed: his hand against her wrist, in metres (camera space) and pixels."""
        last = self.last
        if last is None or last.direction is None or last.placement is None:
            return None
        report = last.direction.body.reach_report
        if report is None:
            return None
        c2c = last.placement.character_to_camera
        hand = _apply(c2c, report.hand_m)
        if report.target_m is None:  # her hand is not seen: he offers his
            return {
                "hand_m": [round(float(v), 4) for v in hand],
                "offering": True,
                "weight": round(report.weight, 3),
            }
        wrist = _apply(c2c, report.target_m)
        hand_px, wrist_px = _project(intrinsics, hand), _project(intrinsics, wrist)
        return {
            "hand_m": [round(float(v), 4) for v in hand],
            "wrist_m": [round(float(v), 4) for v in wrist],
            "distance_m": round(float(np.linalg.norm(hand - wrist)), 4),
            "distance_px": round(float(np.linalg.norm(hand_px - wrist_px)), 2),
            "offering": report.offering,
            "weight": round(report.weight, 3),
        }


def _apply(matrix: np.ndarray, point: np.ndarray) -> np.ndarray:
    return matrix[:3, :3] @ np.asarray(point, dtype=np.float64) + matrix[:3, 3]


def _project(intrinsics: CameraIntrinsics, point: np.ndarray) -> np.ndarray:
    px, _ = cv2.projectPoints(
        point.reshape(1, 3), np.zeros(3), np.zeros(3), intrinsics.matrix, intrinsics.distortion_array
    )
    return px.reshape(2)
