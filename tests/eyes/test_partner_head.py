"""Her head is the partner's person's: with two people in view, the one the operator clicks.

Two real people side by side (the man of basketball1.png and the same man mirrored, composed by
tests/people_photos.py): the original turns his head to his left (yaw > 0), the mirrored one to his
right (yaw < 0). The real tracking stage (MediaPipe's poses, the scene placer, Face Mesh on the chosen
person's head, the head filter) runs on the photo as frames of a video; the operator's click picks first
one, then the other. Her head must follow the click: where it is, and which way it turns.
"""

from __future__ import annotations

import numpy as np
import pytest

from arwed.config import Settings
from arwed.geometry.camera import project_points
from arwed.geometry.head import head_angles_deg
from arwed.geometry.head_tracker import HeadTracker
from arwed.pipeline.head import HeadStage
from arwed.pipeline.health import FrameErrors, Timings
from arwed.pipeline.stages import CameraModel, TrackingStage
from arwed.types import Frame
from tests.people_photos import MAN_BASKETBALL_1, MAN_MIRRORED, compose_row

pytestmark = [pytest.mark.shared]
FRAMES_PER_CHOICE = 8


def test_the_head_followed_is_the_chosen_persons(shared_data_dir) -> None:
    image, pasted = compose_row(shared_data_dir, (MAN_BASKETBALL_1, MAN_MIRRORED))
    settings = Settings()
    camera = CameraModel(None, settings.camera.default_hfov_deg)
    tracker = HeadTracker()
    head = HeadStage(tracker, live_clock=False)
    head.wanted = True
    stage = TrackingStage(settings, None, camera, Timings(), FrameErrors(), head)
    stage.open()
    index = 0
    found = {}
    try:
        for person, expected_sign in ((pasted[0], 1.0), (pasted[1], -1.0), (pasted[0], 1.0)):
            x0, y0, x1, y1 = person.box_px
            stage.chosen_point.post(((x0 + x1) / 2.0, y0 + 0.3 * (y1 - y0)))
            opacities, yaws, where = [], [], []
            for _ in range(FRAMES_PER_CHOICE):
                time_s = index / 30.0
                stage.track(Frame(image, index, time_s, time_s))
                index += 1
                pose = tracker.pose_at(time_s)
                if pose is None:
                    continue
                opacities.append(pose.opacity)
                yaws.append(head_angles_deg(pose.rotation, pose.position_m)[0])
                where.append(
                    project_points(camera.intrinsics_for(Frame(image, 0, 0, 0)), pose.position_m[None])[0]
                )
            print(
                f"chose {person.crop.file}{' mirrored' if person.crop.mirror else ''}: yaw {yaws[-1]:+.1f}, "
                f"eyes at {where[-1].round()} (box {person.box_px}), opacity {opacities[0]:.2f}..{opacities[-1]:.2f}"
            )
            assert x0 <= where[-1][0] <= x1 and y0 <= where[-1][1] <= y0 + 0.25 * (y1 - y0)
            assert np.sign(yaws[-1]) == expected_sign and 8.0 < abs(yaws[-1]) < 50.0
            assert tracker.pose_at(index / 30.0).source == "face"
            if found:  # a switch fades her view in on the new head rather than swinging across
                assert opacities[0] < 0.5
            found[expected_sign] = yaws[-1]
    finally:
        stage.close()
    assert abs(found[1.0] + found[-1.0]) < 10.0  # one man and his mirror image: equal and opposite
