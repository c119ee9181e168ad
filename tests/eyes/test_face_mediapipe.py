"""Her head's orientation through MediaPipe itself: a rendered head at known poses, and real photos.

The rendered head (see face_render.py and head_model.py: a real face on a whole head, with hair, ears,
neck and shoulders) turns from -60 to +60 degrees of yaw over a real photo; Face Mesh on the crop the
pose's head landmarks would give, then the canonical-face PnP, give the yaw compared with the rendered
one. `python -m tests.eyes.face_yaw_measure` runs the same over three photos and two distances.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from arwed.geometry.camera import intrinsics_from_fov
from arwed.geometry.head import FaceOrientationSolver, body_head_rotation, eyes_position_m, head_angles_deg
from arwed.geometry.pose3d import BodyPoseSolver
from arwed.types import Frame
from tests.conftest import shared_path
from tests.eyes.face_render import FaceScene, hopper_path, hopper_texture_uv

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def face_tracker():
    from arwed.tracking.face import FaceTracker

    with FaceTracker() as tracker:
        yield tracker


def test_rendered_face_yaw_over_plus_minus_60(face_tracker) -> None:
    texture, uv = hopper_texture_uv(face_tracker)
    background = cv2.imread(str(shared_path("data", "basketball1.png")))
    scene = FaceScene(texture, uv, background)
    errors, missed, near_frontal = [], [], []
    try:
        for yaw in range(-60, 61, 10):
            frame, truth = scene.render(float(yaw), pitch_deg=5.0 * np.sin(yaw))
            face = face_tracker.process_crop(frame, scene.head_crop_px())
            if face is None:
                missed.append(yaw)
                continue
            rotation, misfit = FaceOrientationSolver(scene.intrinsics).solve(face.landmarks_px)
            estimated = head_angles_deg(rotation, scene.position_m)[0]
            errors.append(estimated - head_angles_deg(truth, scene.position_m)[0])
            if abs(yaw) <= 30:
                near_frontal.append(abs(errors[-1]))
            print(f"yaw {yaw:+4d}: measured {estimated:+6.1f} (misfit {misfit:.3f})")
    finally:
        scene.close()
    errors = np.abs(errors)
    print(f"median |yaw error| {np.median(errors):.1f} deg over {len(errors)} poses; no face at {missed}")
    assert len(missed) <= 2 and all(abs(yaw) >= 50 for yaw in missed)  # only at the extremes
    # measured 2.3 here (the bare mask this scene had before: 5.1); over three backgrounds at 0.9 and
    # 1.5 m 2.5 (1.7 to 3.1 each; the bare mask 4.6), `python -m tests.eyes.face_yaw_measure`. Large
    # turns are still measured small: 7 to 14 degrees at +-50, 9 to 24 at +-60
    assert np.median(errors) < 3.0
    assert max(near_frontal) < 5.0  # measured 3.6


def _person(image: np.ndarray, keep_x: tuple[int, int] | None = None):
    from arwed.tracking.pose import PoseTracker

    masked = image.copy()
    if keep_x is not None:  # one person of several: the others blacked out for the single-person pose
        masked[:, : keep_x[0]] = 0
        masked[:, keep_x[1] :] = 0
    with PoseTracker(static_images=True) as tracker:
        return tracker.process(Frame(masked, 0, 0.0, 0.0))


def _yaw(image: np.ndarray, observation, face_tracker) -> tuple[float, str]:
    height, width = image.shape[:2]
    intrinsics = intrinsics_from_fov(width, height, 60.0)
    body = BodyPoseSolver(intrinsics).solve(observation)
    position = eyes_position_m(body.landmarks_m)
    face = face_tracker.process(Frame(image, 0, 0.0, 0.0), observation)
    if face is not None:
        rotation, _ = FaceOrientationSolver(intrinsics).solve(face.landmarks_px)
        return head_angles_deg(rotation, position)[0], "face"
    rotation, _ = body_head_rotation(body.landmarks_m, observation.visibility)
    return head_angles_deg(rotation, position)[0], "body"


def test_a_real_portrait_facing_the_camera(face_tracker) -> None:
    """Grace Hopper's portrait (a real photograph, matplotlib's sample data): she faces the lens."""
    image = cv2.imread(str(hopper_path()))
    height, width = image.shape[:2]
    face = face_tracker.process_crop(Frame(image, 0, 0.0, 0.0), (0, 0, max(width, height)))
    rotation, _ = FaceOrientationSolver(intrinsics_from_fov(width, height, 50.0)).solve(face.landmarks_px)
    yaw = head_angles_deg(rotation)[0]
    print(f"Grace Hopper's portrait (faces the camera): yaw {yaw:+.1f}")
    assert abs(yaw) < 15.0


@pytest.mark.shared
def test_real_photos(face_tracker) -> None:
    zidane = cv2.imread(str(shared_path("data", "zidane.jpg")))
    basketball = cv2.imread(str(shared_path("data", "basketball1.png")))
    # the man on the right looks towards the camera but his head is turned a little to his left (our
    # right): his right ear shows, his left is hidden, his nose tip sits right of his face's midline by
    # a sixth of its width; the estimate does not hang on the photo's unknown field of view (13.8 to
    # 14.5 degrees for 20 to 80 degrees assumed)
    slightly, how = _yaw(zidane, _person(zidane, (760, 1280)), face_tracker)
    print(f"zidane.jpg, the man on the right (turned a little to his left): yaw {slightly:+.1f} ({how})")
    assert how == "face" and 5.0 < slightly < 30.0
    aside, how = _yaw(zidane, _person(zidane, (0, 760)), face_tracker)  # Zidane, turned to his left
    print(f"zidane.jpg, Zidane (turned to his left, our right): yaw {aside:+.1f} ({how})")
    assert 25.0 < aside < 90.0
    away, how = _yaw(basketball, _person(basketball, (300, 640)), face_tracker)  # turned to his right, away
    print(
        f"basketball1.png, the man on the right (his back half to us, facing left): yaw {away:+.1f} ({how})"
    )
    assert -150.0 < away < -60.0
    towards, how = _yaw(basketball, _person(basketball, (0, 300)), face_tracker)
    print(f"basketball1.png, the man on the left (turned a little to his left): yaw {towards:+.1f} ({how})")
    assert how == "face" and 5.0 < towards < 45.0
