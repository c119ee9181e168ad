"""A webcam at a desk sees no legs: MediaPipe guesses them, so their length must not set the person's size."""

from __future__ import annotations

import numpy as np
import pytest

from arwed.config import PlacementSettings, TrackingSettings
from arwed.geometry import body
from arwed.geometry.placement import Placer
from tests.geometry.synthetic import LOWER_BODY, default_scene, world_landmarks


def test_guessed_legs_do_not_make_a_child_of_an_adult():
    world = world_landmarks(1.75)
    stunted = world.copy()
    stunted[LOWER_BODY] = world[LOWER_BODY] * 0.5 + world[[23, 24]].mean(axis=0) * 0.5  # short guessed legs
    visibility = np.ones(33)
    visibility[LOWER_BODY] = 0.05
    assert not body.legs_visible(visibility)
    # the skeleton's size comes from the torso when the legs are guessed
    assert body.estimate_height_m(stunted, legs_seen=False) == pytest.approx(1.75, abs=0.05)
    assert body.estimate_height_m(world, legs_seen=True) == pytest.approx(1.75, abs=0.05)


def test_hips_out_of_view_are_placed_from_the_shoulders():
    world = world_landmarks(1.75)
    up = np.array([0.0, -1.0, 0.0])  # MediaPipe's world axes: y points down
    hip = body.hip_from_shoulders(world, up, 1.75)
    true_hip = world[[23, 24]].mean(axis=0)
    assert np.linalg.norm(hip - true_hip) < 0.06


def test_upper_body_view_reports_the_assumed_height_unless_given():
    scene = default_scene(
        camera_height_m=1.5, tilt_down_deg=0.0
    )  # close and level: the legs are out of frame
    for given, expected in ((None, PlacementSettings().assumed_person_height_m), (1.62, 1.62)):
        placer = Placer(scene.intrinsics, PlacementSettings(person_height_m=given), TrackingSettings())
        for i in range(20):
            placement = placer.update(scene.observe(0.0, 1.2, time_s=i / 30.0, frame_index=i), i / 30.0)
        assert placement.person_height_m == pytest.approx(expected, abs=0.01)
