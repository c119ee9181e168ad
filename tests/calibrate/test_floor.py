"""The floor from a synthetic board lying on it, and from a synthetic person of known height."""

import numpy as np
import pytest

from arwed.calibrate.boards import BoardSpec
from arwed.calibrate.calibration import calibrate_camera
from arwed.calibrate.detection import BoardDetector
from arwed.calibrate.floor import floor_from_board, floor_from_person
from arwed.errors import UserError
from tests.calibrate.synthetic import (
    TRUE_CAMERA,
    board_on_floor,
    camera_up,
    render_view,
    standing_person_frames,
)

FLOOR_BOARD = BoardSpec("charuco", 8, 6, 0.08, 0.056, "DICT_4X4_50")  # 64 x 48 cm, e.g. printed on A2


def _angle_deg(a, b) -> float:
    return float(np.degrees(np.arccos(np.clip(np.dot(a, b), -1.0, 1.0))))


@pytest.mark.parametrize(
    ("height", "tilt", "roll", "pixel", "yaw"),
    [
        (1.30, 22.0, 3.0, (700, 520), 15.0),
        (1.60, 25.0, -2.0, (560, 560), -30.0),
        (0.95, 8.0, 0.0, (640, 640), 0.0),
    ],
)
def test_floor_from_a_board_on_it(height, tilt, roll, pixel, yaw):
    up = camera_up(tilt, roll)
    image = render_view(FLOOR_BOARD, board_on_floor(FLOOR_BOARD, up, height, pixel, yaw), seed=11)
    detection = BoardDetector(FLOOR_BOARD).detect(image)
    stage = floor_from_board([detection], TRUE_CAMERA)
    angle, offset = _angle_deg(stage.floor.normal, up), stage.floor.offset_m - height
    print(
        f"\nboard on floor at {height} m, tilt {tilt}: normal off by {angle:.3f} deg, offset by {offset * 100:+.2f} cm;"
        f" estimated std {stage.normal_std_deg:.3f} deg, {stage.offset_std_m * 100:.2f} cm"
    )
    assert angle < 1.0
    assert abs(offset) < 0.01
    assert stage.camera_height_m == pytest.approx(height, abs=0.01)
    assert stage.camera_tilt_deg == pytest.approx(tilt, abs=1.0)
    assert stage.camera_roll_deg == pytest.approx(roll, abs=1.0)
    assert stage.floor.source == "calibration" and stage.method == "board"
    assert stage.residual < 0.5 and not stage.warnings
    assert angle < 3 * stage.normal_std_deg + 0.02 and abs(offset) < 3 * stage.offset_std_m + 0.001
    # a board of some thickness: its surface is above the floor
    thick = floor_from_board([detection], TRUE_CAMERA, board_thickness_m=0.005)
    assert thick.floor.offset_m == pytest.approx(stage.floor.offset_m + 0.005)


def test_a_far_board_gives_a_loose_floor_and_says_so():
    """A 64 cm board 3 m away, seen at a grazing angle: the figures say how loose the floor is."""
    up = camera_up(15.0, -2.0)
    image = render_view(FLOOR_BOARD, board_on_floor(FLOOR_BOARD, up, 1.6, (560, 600), -30.0), seed=11)
    stage = floor_from_board([BoardDetector(FLOOR_BOARD).detect(image)], TRUE_CAMERA)
    angle, offset = _angle_deg(stage.floor.normal, up), stage.floor.offset_m - 1.6
    print(
        f"\nfar board: normal off by {angle:.3f} deg, offset by {offset * 100:+.2f} cm;"
        f" estimated std {stage.normal_std_deg:.3f} deg, {stage.offset_std_m * 100:.2f} cm"
    )
    assert 1.96 * stage.offset_std_m > 0.01
    assert any("height is known only to" in warning for warning in stage.warnings)
    assert angle < 3 * stage.normal_std_deg and abs(offset) < 3 * stage.offset_std_m


def test_floor_with_the_calibrated_camera(charuco_set):
    """End to end: the camera as calibrated from the synthetic views, then the board on the floor."""
    intrinsics = calibrate_camera(charuco_set.views, charuco_set.board).intrinsics
    up = camera_up(22.0, 3.0)
    image = render_view(FLOOR_BOARD, board_on_floor(FLOOR_BOARD, up, 1.3, (700, 520), 15.0), seed=12)
    stage = floor_from_board([BoardDetector(FLOOR_BOARD).detect(image)], intrinsics)
    print(
        f"\nwith calibrated intrinsics: normal off by {_angle_deg(stage.floor.normal, up):.3f} deg,"
        f" offset by {(stage.floor.offset_m - 1.3) * 100:+.2f} cm"
    )
    assert _angle_deg(stage.floor.normal, up) < 1.0
    assert abs(stage.floor.offset_m - 1.3) < 0.01


def test_floor_from_a_person_of_known_height():
    up = camera_up(12.0, 1.5)
    frames = standing_person_frames(1.72, up, 1.35, (640, 650))
    stage = floor_from_person(frames, 1.72, TRUE_CAMERA)
    angle, offset = _angle_deg(stage.floor.normal, up), stage.floor.offset_m - 1.35
    print(f"\nperson: normal off by {angle:.2f} deg, offset by {offset * 100:+.1f} cm")
    assert angle < 3.0
    assert abs(offset) < 0.05
    assert stage.method == "person" and stage.views_used == 20


def test_person_floor_needs_enough_clear_frames_and_a_plausible_height():
    up = camera_up(12.0, 0.0)
    frames = standing_person_frames(1.72, up, 1.35, (640, 650), frames=12)
    hidden = [
        frame.__class__(**{**frame.__dict__, "visibility": np.where(np.arange(33) >= 29, 0.1, 0.9)})
        for frame in frames[:5]
    ]
    with pytest.raises(UserError, match="seen clearly in 7 frames, 10 needed"):
        floor_from_person(hidden + frames[5:], 1.72, TRUE_CAMERA)
    with pytest.raises(UserError, match="not plausible"):
        floor_from_person(frames, 172.0, TRUE_CAMERA)


def test_no_board_no_floor():
    with pytest.raises(UserError, match="no board found"):
        floor_from_board([], TRUE_CAMERA)


@pytest.mark.parametrize(
    ("pose_args", "said"),
    [
        (((640, 360), 1.2, 0.0, 0.0, 0.0), "tilted 9"),  # on a wall, facing the camera
        (((640, 400), 1.0, 50.0, 10.0, 55.0), "rolled"),  # held up, turned
    ],
)
def test_a_board_not_lying_on_the_floor_is_refused(pose_args, said):
    from arwed.calibrate.floor import BoardNotOnFloor, check_board_on_floor, implausible_figures
    from tests.calibrate.synthetic import pose_facing

    image = render_view(FLOOR_BOARD, pose_facing(FLOOR_BOARD, *pose_args), seed=3)
    stage = floor_from_board([BoardDetector(FLOOR_BOARD).detect(image)], TRUE_CAMERA)
    print(f"\n{stage.summary()}")
    assert implausible_figures(stage)
    with pytest.raises(
        BoardNotOnFloor, match=f"does not seem to lie on the floor: the camera would be .*{said}"
    ):
        check_board_on_floor(stage)


def test_a_board_on_the_floor_is_plausible():
    from arwed.calibrate.floor import check_board_on_floor, implausible_figures

    up = camera_up(22.0, 3.0)
    image = render_view(FLOOR_BOARD, board_on_floor(FLOOR_BOARD, up, 1.3, (700, 520), 15.0), seed=11)
    stage = floor_from_board([BoardDetector(FLOOR_BOARD).detect(image)], TRUE_CAMERA)
    assert implausible_figures(stage) == []
    check_board_on_floor(stage)
