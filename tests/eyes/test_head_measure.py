"""One frame's head measurement (geometry.head_measure) against constructed ground truth.

Her body and face as the simulation makes them (tests/eyes/simulation.py: 1.5 px of landmark noise,
5 mm on the skeleton): while her face is seen the body's head points' shape is learned; then, in
profile with no face, that shape gives her head's turn far better than the ears-and-nose rule.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from arwed.geometry.camera import project_points
from arwed.geometry.head import angle_between_deg, body_head_rotation
from arwed.geometry.head_measure import HeadMeasurer
from arwed.geometry.pose3d import BodyPoseSolver
from tests.eyes.simulation import HEIGHT_M, PIXEL_NOISE_PX, HeadState, World


def _frame(world: World, state: HeadState, rng, with_face: bool):
    intrinsics = world.scene.intrinsics
    body_px = project_points(intrinsics, world.body_points_m(state))
    body_px = body_px + rng.normal(0.0, PIXEL_NOISE_PX, body_px.shape)
    skeleton = world.body_points_m(state)
    skeleton = (skeleton - 0.5 * (skeleton[23] + skeleton[24])) @ world.scene.level_to_camera
    observation = world.scene.observe(state.floor_x_m, state.floor_z_m, height_m=HEIGHT_M, time_s=0.0)
    observation = replace(
        observation,
        image_landmarks_px=body_px,
        world_landmarks_m=skeleton + rng.normal(0.0, 0.005, skeleton.shape),
    )
    face_px = None
    if with_face:
        face_px = project_points(intrinsics, world.face_points_m(state))
        face_px = face_px + rng.normal(0.0, PIXEL_NOISE_PX, face_px.shape)
    return observation, face_px


def test_her_profile_from_the_learned_head_shape() -> None:
    rng = np.random.default_rng(3)
    world = World()
    measurer = HeadMeasurer(world.scene.intrinsics)
    solver = BodyPoseSolver(world.scene.intrinsics)
    for k in range(40):  # she faces the camera, looking about a little: her face is seen
        state = HeadState(0.0, 2.5, 10.0 * np.sin(0.3 * k), 0.0)
        observation, face_px = _frame(world, state, rng, with_face=True)
        body = solver.solve(observation)
        sighting = measurer.measure(
            k / 30, body.landmarks_m, observation.visibility, face_px, observation.image_landmarks_px
        )
        assert sighting.measurement.source == "face"
    shape_errors, ears_errors, eyes_errors = [], [], []
    for k in range(30):  # in profile, looking at him: no face
        state = HeadState(0.0, 2.5, 90.0, 0.0)
        observation, _ = _frame(world, state, rng, with_face=False)
        body = solver.solve(observation)
        sighting = measurer.measure(
            1.5 + k / 30, body.landmarks_m, observation.visibility, None, observation.image_landmarks_px
        )
        truth = world.head_rotation(state)
        assert sighting.measurement.source == "body"
        shape_errors.append(angle_between_deg(truth[:, 2], sighting.measurement.rotation[:, 2]))
        ears = body_head_rotation(body.landmarks_m, observation.visibility)[0]
        ears_errors.append(angle_between_deg(truth[:, 2], ears[:, 2]))
        eyes_errors.append(float(np.linalg.norm(sighting.position_m - world.eyes_m(state))) * 1000.0)
    print(
        f"profile: forward off by {np.median(shape_errors):.2f} deg (learned shape), "
        f"{np.median(ears_errors):.2f} deg (ears and nose); eyes off by {np.median(eyes_errors):.1f} mm"
    )
    assert np.median(shape_errors) < 2.5
    assert np.median(shape_errors) < 0.5 * np.median(ears_errors)
    assert np.median(eyes_errors) < 10.0
