"""Constructed ground truth for the alignment wizard: she lines a cross up with the camera's lens.

The world of simulation.py (a 60 degree webcam 1.2 m high, tilted 10 degrees; she stands about 2.5 m
away). Her true eye sits where the profile does not expect it (the glasses ride lower and further
from the face than nominal, and the display is tilted): TRUE_EYE_ERROR_M / _DEG from the nominal eye.

For each alignment the wizard's planned cross spot is drawn in her eye's picture; she stands at one of
a few spots (the wizard asks her to step aside now and then), turns her head until the camera's lens
sits on the cross (missing by CLICK_NOISE_PX: 2-5 px, in a random direction), and holds still for
HOLD_S while the operator clicks. Her head is seen through the real code: the 468 face landmarks and
the pose's 33 projected with 1.5 px noise, 30 ms late, solved by HeadMeasurer and
BodyPoseSolver, filtered by HeadTracker; the click takes `pose_at(click)`, as the wizard does.
So the landmark noise reaches the solve the way it reaches her view: through the head fit and filter.

Static registration error, measured afterwards: she stands somewhere new and holds her head still at
a new direction; for room points across her eye's picture (0.7 m, his arm's length, to 4 m) the angle
between where a point truly is in her eye and where arwed draws it (tracked head + solved eye).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import least_squares

from arwed.geometry.alignment import (
    Alignment,
    AlignmentSolution,
    EyePlacement,
    angle_deg,
    direction_px,
    plan_alignments,
    solve_eye,
)
from arwed.geometry.camera import project_points
from arwed.geometry.eyes import eye_intrinsics, eye_offsets_m
from arwed.geometry.head_measure import HeadMeasurer
from arwed.geometry.head_tracker import HeadTracker
from arwed.geometry.pose3d import BodyPoseSolver
from arwed.glasses import load_glasses_profile
from tests.eyes.simulation import CAMERA_RATE_HZ, DELAY_S, PIXEL_NOISE_PX, HeadState, World

TRUE_EYE_ERROR_M = np.array([0.006, -0.010, -0.008])  # head axes: to her left, lower, further back
TRUE_EYE_ERROR_DEG = np.array([1.5, -2.0, 2.5])  # the display's tilt (rotation vector, head axes)
CLICK_NOISE_PX = (2.0, 5.0)
MOVE_S = 0.4  # from one pose to the next
HOLD_S = 1.0  # still before the click
# where she stands for each of the wizard's stances (x, z of the level frame: metres aside, from the camera)
STANCE_SPOTS_M = {"far": (0.0, 2.6), "near": (0.1, 1.2), "far-aside": (0.35, 2.4), "near-aside": (-0.2, 1.1)}
CHECK_DISTANCES_M = (0.7, 1.5, 4.0)
CHECK_POSES = 8


@dataclass(frozen=True)
class AlignmentRun:
    solution: AlignmentSolution
    registration_errors_deg: np.ndarray  # every check point of every check pose
    nominal_errors_deg: np.ndarray  # the same with the profile's nominal eye (what the wizard fixes)
    live_errors_deg: np.ndarray  # the same through the live filtered pose (the filter's jitter added)

    @property
    def registration_rms_deg(self) -> float:
        return float(np.sqrt(np.mean(np.square(self.registration_errors_deg))))


class SimulatedHead:
    """Her head moved through poses, seen by the simulated camera and the real head code."""

    def __init__(self, world: World, rng: np.random.Generator) -> None:
        self.world = world
        self.rng = rng
        self.tracker = HeadTracker()
        self.measurer = HeadMeasurer(world.scene.intrinsics)
        self.body_solver = BodyPoseSolver(world.scene.intrinsics)
        self.time_s = 0.0
        self.state = HeadState(0.0, 2.5, 0.0, 0.0)

    def go_to(self, target: HeadState, move_s: float = MOVE_S, hold_s: float = HOLD_S) -> None:
        """Move smoothly to `target` and hold it; frames go through the tracker with their delay."""
        start, t0 = self.state, self.time_s
        frames = int(round((move_s + hold_s) * CAMERA_RATE_HZ))
        for k in range(1, frames + 1):
            t = t0 + k / CAMERA_RATE_HZ
            x = min(1.0, (t - t0) / move_s)
            w = 0.5 - 0.5 * math.cos(math.pi * x)
            state = HeadState(
                *(a + w * (b - a) for a, b in zip(_fields(start), _fields(target), strict=True))
            )
            self._frame(state, t)
        self.state, self.time_s = target, t0 + frames / CAMERA_RATE_HZ

    def steady(self):
        """Her head at the click as the wizard takes it: the last second's measurements averaged (the
        click comes DELAY_S after the newest frame's capture: the time tracking takes)."""
        return self.tracker.steady(self.time_s + DELAY_S)

    def live(self):
        """Her head as her view draws it at that moment (the filter, predicted)."""
        return self.tracker.pose_at(self.time_s + DELAY_S)

    def _frame(self, state: HeadState, t: float) -> None:
        world, rng = self.world, self.rng
        intrinsics = world.scene.intrinsics
        body_px = project_points(intrinsics, world.body_points_m(state))
        body_px = body_px + rng.normal(0.0, PIXEL_NOISE_PX, body_px.shape)
        face_px = project_points(intrinsics, world.face_points_m(state))
        face_px = face_px + rng.normal(0.0, PIXEL_NOISE_PX, face_px.shape)
        observation = world.scene.observe(state.floor_x_m, state.floor_z_m, time_s=t)
        world_lm = world.body_points_m(state)
        world_lm = (world_lm - 0.5 * (world_lm[23] + world_lm[24])) @ world.scene.level_to_camera
        observation = replace(
            observation,
            image_landmarks_px=body_px,
            world_landmarks_m=world_lm + rng.normal(0, 0.005, world_lm.shape),
        )
        body = self.body_solver.solve(observation)
        sighting = self.measurer.measure(
            t,
            None if body is None else body.landmarks_m,
            observation.visibility,
            face_px,
            observation.image_landmarks_px,
        )
        self.tracker.observe(t, sighting.position_m, sighting.measurement)  # stamped with its capture time


def _fields(state: HeadState) -> tuple[float, float, float, float]:
    return state.floor_x_m, state.floor_z_m, state.yaw_deg, state.pitch_deg


def true_eye_pose(world: World, state: HeadState, eye: EyePlacement) -> tuple[np.ndarray, np.ndarray]:
    """Her true eye: (rotation eye axes -> camera axes, position in camera coordinates)."""
    rotation = world.head_rotation(state)
    return rotation @ eye.rotation, world.eyes_m(state) + rotation @ eye.offset_m


def seen_at_px(
    world: World, state: HeadState, eye: EyePlacement, point_m: np.ndarray, intrinsics
) -> np.ndarray:
    rotation, position = true_eye_pose(world, state, eye)
    local = rotation.T @ (np.asarray(point_m) - position)
    return np.array(
        [
            intrinsics.fx_px * local[0] / local[2] + intrinsics.cx_px,
            intrinsics.fy_px * local[1] / local[2] + intrinsics.cy_px,
        ]
    )


def aligning_state(world, spot_m, eye, target_m, pixel, intrinsics, guess: HeadState) -> HeadState:
    """The head direction at which her true eye sees `target_m` at `pixel` (she turns until it does)."""

    def miss(angles):
        state = HeadState(spot_m[0], spot_m[1], angles[0], angles[1])
        return seen_at_px(world, state, eye, target_m, intrinsics) - pixel

    solved = least_squares(miss, [guess.yaw_deg, guess.pitch_deg], x_scale=10.0)
    return HeadState(spot_m[0], spot_m[1], float(solved.x[0]), float(solved.x[1]))


def run_alignment(
    seed: int, count: int = 12, profile_name: str = "xreal-one-3d", eye_index: int = 0
) -> AlignmentRun:
    rng = np.random.default_rng(seed)
    world = World()
    profile = load_glasses_profile(profile_name)
    intrinsics = eye_intrinsics(profile)
    nominal = EyePlacement(eye_offsets_m(profile)[eye_index])
    truth = EyePlacement.from_correction(nominal.offset_m + TRUE_EYE_ERROR_M, TRUE_EYE_ERROR_DEG)
    lens = np.zeros(3)  # the camera's lens: the room point every alignment uses
    head = SimulatedHead(world, rng)
    head.go_to(HeadState(0.0, 2.5, 0.0, 0.0), move_s=0.1, hold_s=2.0)  # she steps up, facing the camera

    alignments = []
    for planned in plan_alignments(intrinsics, count):
        pixel, spot = planned.cross_px, STANCE_SPOTS_M[planned.stance]
        angle = rng.uniform(0.0, 2.0 * math.pi)
        miss_px = rng.uniform(*CLICK_NOISE_PX) * np.array([math.cos(angle), math.sin(angle)])
        state = aligning_state(world, spot, truth, lens, np.asarray(pixel) + miss_px, intrinsics, head.state)
        head.go_to(state)
        pose = head.steady()
        alignments.append(Alignment(pose.position_m, pose.rotation, pixel, lens))
    solution = solve_eye(alignments, intrinsics, nominal)

    errors, nominal_errors, live_errors = [], [], []
    check_poses = [  # somewhere new each time: between the stances, the head turned and tilted
        HeadState(rng.uniform(-0.3, 0.3), rng.uniform(1.2, 2.6), rng.uniform(-15, 15), rng.uniform(-10, 10))
        for _ in range(CHECK_POSES)
    ]
    for state in check_poses:
        head.go_to(state)
        pose, live = head.steady(), head.live()
        true_rotation, true_position = true_eye_pose(world, state, truth)
        for fx, fy in ((0.5, 0.5), (0.2, 0.25), (0.8, 0.25), (0.2, 0.75), (0.8, 0.75)):
            pixel = (fx * intrinsics.width_px, fy * intrinsics.height_px)
            for distance in CHECK_DISTANCES_M:
                point = true_position + true_rotation @ (distance * direction_px(intrinsics, pixel))
                truth_dir = true_rotation.T @ (point - true_position)
                for head_pose, placement, out in (
                    (pose, solution.placement, errors),
                    (pose, nominal, nominal_errors),
                    (live, solution.placement, live_errors),
                ):
                    drawn = _drawn_direction(head_pose, placement, point, intrinsics)
                    out.append(angle_deg(truth_dir, drawn))
    return AlignmentRun(solution, np.array(errors), np.array(nominal_errors), np.array(live_errors))


def _drawn_direction(pose, placement: EyePlacement, point_m, intrinsics) -> np.ndarray:
    """Where arwed draws `point_m` in the eye's picture, as the direction her eye sees that pixel."""
    in_head = pose.rotation.T @ (np.asarray(point_m) - pose.position_m)
    local = placement.rotation.T @ (in_head - placement.offset_m)
    pixel = (
        intrinsics.fx_px * local[0] / local[2] + intrinsics.cx_px,
        intrinsics.fy_px * local[1] / local[2] + intrinsics.cy_px,
    )
    return direction_px(intrinsics, pixel)


def main() -> None:  # python -m tests.eyes.alignment_simulation [seeds]: the figures for the report
    import sys

    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    for seed in range(seeds):
        run = run_alignment(seed)
        live = float(np.sqrt(np.mean(np.square(run.live_errors_deg))))
        nominal = float(np.sqrt(np.mean(np.square(run.nominal_errors_deg))))
        print(
            f"seed {seed}: static registration RMS {run.registration_rms_deg:.2f} deg (median "
            f"{np.median(run.registration_errors_deg):.2f}, max {run.registration_errors_deg.max():.2f}), "
            f"reported {run.solution.residual_deg:.2f} ({run.solution.verdict}), nominal eye {nominal:.2f}, "
            f"through the live filter {live:.2f}"
        )


if __name__ == "__main__":
    main()
