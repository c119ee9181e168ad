"""Constructed ground truth for her view: head paths, the landmarks a camera would see, a drifting sensor.

A 60 degree webcam (1280x960, 1.2 m high, tilted down 10 degrees) watches her standing 2.5 m away; the
partner stands world-locked 0.7 m to the image's right of her (her left), his face 1.70 m above the
floor. Her head turns about a pivot in her neck, so turning moves her eyes a few centimetres, as a real
head does. Per camera frame (30 Hz):
- the pose landmarks of her body (her head's landmarks turned with her head), 1.5 px noise;
- the 468 face landmarks (MediaPipe's canonical face at her head pose), 1.5 px noise, absent beyond
  70 degrees of yaw (the face detector gives up in profile: the body takes over);
- both arrive 30 ms after capture (the tracking's delay), stamped with the capture time.
The sensor (optional) sends OpenTrack angles at 200 Hz, 5 ms late, in its own frame (an arbitrary zero),
drifting 3 degrees per minute in yaw, with 0.05 degree noise.
Her view is checked at 60 Hz: the direction to his face in her head's axes, estimated vs true.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from arwed.capture.opentrack import encode_packet, parse_packet, rotation_to_angles, sensor_rotation
from arwed.geometry.camera import project_points
from arwed.geometry.head import (
    angle_between_deg,
    canonical_face_m,
    eyes_centre_in_face_m,
    rotation_from_angles_deg,
)
from arwed.geometry.head_measure import HeadMeasurer
from arwed.geometry.head_tracker import HeadFilterSettings, HeadTracker
from arwed.geometry.pose3d import BodyPoseSolver
from tests.geometry.synthetic import Scene, body_above_floor, default_scene

CAMERA_RATE_HZ = 30.0
VIEW_RATE_HZ = 60.0
SENSOR_RATE_HZ = 200.0
DELAY_S = 0.030
SENSOR_DELAY_S = 0.005
PIXEL_NOISE_PX = 1.5
SENSOR_DRIFT_DEG_PER_MIN = 3.0
SENSOR_NOISE_DEG = 0.05
FACE_LOST_BEYOND_YAW_DEG = 70.0
LEAD_IN_S = 3.0  # before each path she stands facing the camera (filters settle, as before any ceremony)
HER_X_M, HER_Z_M = 0.0, 2.5
GAP_M = 0.7
PARTNER_FACE_HEIGHT_M = 1.70
HEIGHT_M = 1.75
EYES_ABOVE_FLOOR_M = 1.64
PIVOT_BELOW_EYES_M, PIVOT_BEHIND_EYES_M = 0.10, 0.08  # her neck, where the head turns


@dataclass(frozen=True)
class HeadState:
    """Her head at one moment in the level frame (x right, y down, z forward of the camera before tilt)."""

    floor_x_m: float
    floor_z_m: float
    yaw_deg: float  # 0 faces the camera's direction (towards -z); positive: to her left
    pitch_deg: float


Path = Callable[[float], HeadState]


def _ramp(t: float, start: float, length: float) -> float:
    """0 before start, 1 after start + length, a smooth cosine in between."""
    x = float(np.clip((t - start) / length, 0.0, 1.0))
    return 0.5 - 0.5 * math.cos(math.pi * x)


def still(t: float) -> HeadState:
    return HeadState(HER_X_M, HER_Z_M, 0.0, 0.0)


def turn_to_him(t: float) -> HeadState:
    """Look at the camera, turn 90 degrees to him in 0.8 s, look at him, turn back."""
    yaw = 90.0 * (_ramp(t, 1.0, 0.8) - _ramp(t, 3.5, 0.8))
    return HeadState(HER_X_M, HER_Z_M, yaw, 0.0)


def nod(t: float) -> HeadState:
    """Nod: down 20 degrees and up again, once a second for two seconds, then still."""
    pitch = -20.0 * math.sin(math.pi * float(np.clip(t - 1.0, 0.0, 2.0))) ** 2
    return HeadState(HER_X_M, HER_Z_M, 0.0, pitch)


def walk(t: float) -> HeadState:
    """Walk 1.2 m across at 0.8 m/s and 0.5 m towards the camera, looking about as she goes."""
    progress = _ramp(t, 1.0, 2.5)
    return HeadState(
        HER_X_M - 1.2 + 1.2 * progress,
        HER_Z_M + 0.5 - 0.5 * progress,
        -25.0 * math.sin(1.3 * t),
        5.0 * math.sin(0.9 * t),
    )


PATHS: dict[str, Path] = {"still": still, "turn 90 and back": turn_to_him, "nod": nod, "walk": walk}
DURATION_S = {"still": 4.0, "turn 90 and back": 6.0, "nod": 4.0, "walk": 5.0}


class World:
    """The scene's geometry: her head and body in camera coordinates, and where he stands."""

    def __init__(self, scene: Scene | None = None) -> None:
        self.scene = scene or default_scene()
        self.partner_face_m = self.scene.to_camera(
            np.array([HER_X_M + GAP_M, self.scene.camera_height_m - PARTNER_FACE_HEIGHT_M, HER_Z_M])
        )

    def head_rotation(self, state: HeadState) -> np.ndarray:
        """Head axes -> camera axes (the level frame's own yaw and pitch, then the camera's tilt)."""
        level = rotation_from_angles_deg(state.yaw_deg, state.pitch_deg, 0.0)  # on the level frame's axis
        return self.scene.level_to_camera @ level

    def eyes_m(self, state: HeadState) -> np.ndarray:
        """The point between her eyes: her neck's pivot plus the turned offset to the eyes."""
        level_rotation = rotation_from_angles_deg(state.yaw_deg, state.pitch_deg, 0.0)
        pivot = np.array(
            [
                state.floor_x_m,
                self.scene.camera_height_m - EYES_ABOVE_FLOOR_M + PIVOT_BELOW_EYES_M,
                state.floor_z_m,
            ]
        )
        pivot = pivot + np.array([0.0, 0.0, PIVOT_BEHIND_EYES_M])  # (her back is +z: she faces the camera)
        offset_head = np.array([0.0, PIVOT_BELOW_EYES_M, PIVOT_BEHIND_EYES_M])  # up and forward, head axes
        return self.scene.to_camera(pivot + level_rotation @ offset_head)

    def face_points_m(self, state: HeadState) -> np.ndarray:
        """(468, 3) the canonical face at her head pose, its eyes' centre at her eyes."""
        rotation = self.head_rotation(state)
        face = canonical_face_m() - eyes_centre_in_face_m()
        return face @ rotation.T + self.eyes_m(state)

    def body_points_m(self, state: HeadState) -> np.ndarray:
        """(33, 3) pose landmarks: her body facing the camera, its head landmarks turned with her head."""
        points = self.scene.body_in_camera(state.floor_x_m, state.floor_z_m, HEIGHT_M)
        head_level = body_above_floor(HEIGHT_M)[:11]
        eyes_level = 0.5 * (head_level[2] + head_level[5])
        rotation = self.head_rotation(state) @ np.diag([1.0, -1.0, -1.0])  # level body axes -> head turned
        points[:11] = (head_level - eyes_level) @ rotation.T + self.eyes_m(state)
        return points

    def partner_direction_in_head(self, rotation: np.ndarray, eyes_m: np.ndarray) -> np.ndarray:
        return np.asarray(rotation).T @ (self.partner_face_m - eyes_m)


@dataclass(frozen=True)
class Result:
    errors_deg: np.ndarray  # per view sample
    yaw_errors_deg: np.ndarray

    @property
    def median_deg(self) -> float:
        return float(np.median(self.errors_deg))


def run_path(
    name: str, *, with_sensor: bool, seed: int = 0, settings: HeadFilterSettings | None = None
) -> Result:
    """Simulate one head path through the real head code; the errors of the partner's direction."""
    rng = np.random.default_rng(seed)
    world = World()
    path = PATHS[name]
    intrinsics = world.scene.intrinsics
    tracker = HeadTracker(settings)
    measurer = HeadMeasurer(intrinsics)
    body_solver = BodyPoseSolver(intrinsics)
    duration = DURATION_S[name]
    events: list[tuple[float, int, Callable[[], None]]] = []  # (arrival time, order, action)

    # the sensor's own world: an arbitrary zero, far from the camera's axes
    sensor_world = rotation_from_angles_deg(40.0, -10.0, 5.0) @ world.head_rotation(path(0.0)).T
    start = -LEAD_IN_S

    for k in range(int((duration + LEAD_IN_S) * CAMERA_RATE_HZ)):
        t = start + k / CAMERA_RATE_HZ
        state = path(max(t, 0.0))
        events.append((t + DELAY_S, 0, _camera_frame(world, state, t, rng, tracker, measurer, body_solver)))
    if with_sensor:
        for k in range(int((duration + LEAD_IN_S) * SENSOR_RATE_HZ)):
            t = start + k / SENSOR_RATE_HZ
            drift_rotation = _about_vertical(SENSOR_DRIFT_DEG_PER_MIN / 60.0 * (t - start))
            true_in_sensor = drift_rotation @ sensor_world @ world.head_rotation(path(max(t, 0.0)))
            angles = np.array(rotation_to_angles(true_in_sensor)) + rng.normal(0.0, SENSOR_NOISE_DEG, 3)
            arrival = t + SENSOR_DELAY_S
            sample = parse_packet(encode_packet((0.0, 0.0, 0.0), *angles), arrival)
            events.append((arrival, 1, lambda s=sample: tracker.observe_sensor(s.time_s, sensor_rotation(s))))
    events.sort(key=lambda e: (e[0], e[1]))

    errors, yaw_errors = [], []
    next_event = 0
    for k in range(int((duration + LEAD_IN_S) * VIEW_RATE_HZ)):
        t = start + k / VIEW_RATE_HZ
        while next_event < len(events) and events[next_event][0] <= t:
            events[next_event][2]()
            next_event += 1
        pose = tracker.pose_at(t)  # her view asks every frame, as the render thread does
        if t < 0.0:  # the lead-in: she stands facing the camera, the fusion learns the sensor's zero
            continue
        if pose is None:
            continue
        state = path(t)
        true_rotation, true_eyes = world.head_rotation(state), world.eyes_m(state)
        truth = world.partner_direction_in_head(true_rotation, true_eyes)
        estimate = world.partner_direction_in_head(pose.rotation, pose.position_m)
        errors.append(angle_between_deg(truth, estimate))
        yaw_errors.append(angle_between_deg(true_rotation[:, 2], pose.rotation[:, 2]))
    return Result(np.array(errors), np.array(yaw_errors))


def _about_vertical(angle_deg: float) -> np.ndarray:
    """A rotation about the sensor world's vertical axis (its y: the head's up at the sensor's zero)."""
    angle = math.radians(angle_deg)
    return np.array(
        [[math.cos(angle), 0.0, math.sin(angle)], [0.0, 1.0, 0.0], [-math.sin(angle), 0.0, math.cos(angle)]]
    )


def _camera_frame(world, state, t, rng, tracker, measurer, body_solver):
    """What the camera's frame at time t will deliver (computed now, applied at its arrival)."""
    intrinsics = world.scene.intrinsics
    body_px = project_points(intrinsics, world.body_points_m(state))
    body_px = body_px + rng.normal(0.0, PIXEL_NOISE_PX, body_px.shape)
    face_px = None
    if abs(state.yaw_deg) <= FACE_LOST_BEYOND_YAW_DEG:
        face_px = project_points(intrinsics, world.face_points_m(state))
        face_px = face_px + rng.normal(0.0, PIXEL_NOISE_PX, face_px.shape)
    observation = world.scene.observe(state.floor_x_m, state.floor_z_m, height_m=HEIGHT_M, time_s=t)
    world_lm = world.body_points_m(state)  # MediaPipe's metric skeleton: the same body about its hips
    world_lm = world_lm - 0.5 * (world_lm[23] + world_lm[24])
    world_lm = world_lm @ world.scene.level_to_camera  # back to level axes (MediaPipe's are camera-like)
    from dataclasses import replace

    observation = replace(
        observation,
        image_landmarks_px=body_px,
        world_landmarks_m=world_lm + rng.normal(0, 0.005, world_lm.shape),
    )

    def apply() -> None:
        body = body_solver.solve(observation)
        sighting = measurer.measure(
            t,
            None if body is None else body.landmarks_m,
            observation.visibility,
            face_px,
            observation.image_landmarks_px,
        )
        tracker.observe(t, sighting.position_m, sighting.measurement)

    return apply


def main() -> None:
    """python -m tests.eyes.simulation [SEEDS]: each path's median over seeds 0..SEEDS-1."""
    import sys

    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    for with_sensor in (False, True):
        label = "with the drifting sensor" if with_sensor else "camera alone"
        for name in PATHS:
            medians = [run_path(name, with_sensor=with_sensor, seed=seed).median_deg for seed in range(seeds)]
            print(
                f"{label:24s} {name:18s} median per seed {' '.join(f'{m:.2f}' for m in medians)}"
                f" (mean {np.mean(medians):.2f}, worst {max(medians):.2f})",
                flush=True,
            )


if __name__ == "__main__":
    main()
