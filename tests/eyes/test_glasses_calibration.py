"""The wizard's result in the glasses profile: saved atomically as a user copy, read back, drawn with at
once; a broken calibration refused with one line naming the file (exit 2 on the CLI)."""

from __future__ import annotations

import numpy as np
import pytest

from arwed.cli import main
from arwed.errors import InputFileError
from arwed.geometry.alignment import AlignmentSolution, calibrated_profile
from arwed.geometry.eyes import EyePlacement, eye_offsets_m, eye_placements
from arwed.glasses import calibrated_copy_path, load_glasses_profile, save_glasses_profile


def _solution(placement: EyePlacement) -> AlignmentSolution:
    return AlignmentSolution(placement, 0.31, 0.25, (0.3,) * 10, 10, 30.0, "good", "")


def test_saved_read_back_and_used(tmp_path) -> None:
    preset = load_glasses_profile("xreal-one-3d")
    left = EyePlacement.from_correction(eye_offsets_m(preset)[0] + [0.004, -0.01, -0.006], [1.0, -2.0, 0.5])
    profile = calibrated_profile(preset, {"left": _solution(left)}, "2026-12-01 15:00 UTC")
    path = calibrated_copy_path("xreal-one-3d", tmp_path / "glasses")
    assert path == tmp_path / "glasses" / "xreal-one-3d-aligned.yaml"
    back = save_glasses_profile(profile, path)
    assert back == load_glasses_profile(path) and back.eye_calibration["left"].alignments == 10
    assert "alignment wizard" in path.read_text().splitlines()[0]
    assert not list(path.parent.glob(".*tmp"))  # the temporary file was renamed over, none left
    # her view uses the calibrated left eye and the nominal right one
    solved, nominal = eye_placements(back)
    assert np.allclose(solved.offset_m, left.offset_m, atol=1e-5)
    assert np.allclose(solved.rotation, left.rotation, atol=1e-4)
    assert np.allclose(nominal.offset_m, eye_offsets_m(preset)[1])
    # the copy is updated in place next time, never a copy of a copy
    assert calibrated_copy_path(str(path), tmp_path / "glasses") == path


@pytest.mark.parametrize(
    ("calibration", "expected"),
    [
        ("  mono: {offset_m: [0, 0, 0], residual_deg: 0.3, alignments: 9}\n", "names the eye 'mono'"),
        ("  left: {offset_m: [0.5, 0, 0], residual_deg: 0.3, alignments: 9}\n", "within 0.1 m"),
        ("  left: {offset_m: [0, 0], residual_deg: 0.3, alignments: 9}\n", "offset_m"),
        ("  left: {offset_m: [0, 0, .nan], residual_deg: 0.3, alignments: 9}\n", "offset_m"),
        (
            "  left: {offset_m: [0, 0, 0], rotation_deg: [90, 0, 0], residual_deg: 0.3, alignments: 9}\n",
            "30 degrees",
        ),
    ],
)
def test_a_broken_calibration_is_refused_with_one_line(
    tmp_path, capsys, calibration: str, expected: str
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        "name: X\nmode: side-by-side\neye_resolution_px: [1920, 1080]\ndiagonal_fov_deg: 50\n"
        f"eye_calibration:\n{calibration}"
    )
    with pytest.raises(InputFileError) as caught:
        load_glasses_profile(path)
    assert str(path) in str(caught.value) and expected in str(caught.value)


def test_the_cli_refuses_a_broken_profile_with_exit_2(tmp_path, capsys) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        "name: X\nmode: side-by-side\neye_resolution_px: [1920, 1080]\ndiagonal_fov_deg: 50\n"
        "eye_calibration:\n  mono: {offset_m: [0, 0, 0], residual_deg: 0.3, alignments: 9}\n"
    )
    out = str(tmp_path / "o.mp4")
    assert main(["render", "--mode", "eyes", "--glasses", str(path), "--source", "demo", "--out", out]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0] and "names the eye 'mono'" in err[0]


def test_her_view_shows_the_wizard_cross_alone_and_takes_a_new_profile_at_once() -> None:
    from arwed.geometry.alignment import EyesCross
    from arwed.geometry.head_tracker import HeadTracker
    from arwed.pipeline.head import EyesOutputs
    from arwed.types import HeadPose

    preset = load_glasses_profile("xreal-one-3d")
    eyes = EyesOutputs(HeadTracker(), preset, live_clock=False)
    eyes.cross = EyesCross(1, cross_px=(300.0, 200.0))
    image, _ = eyes.draw(None, None, None, None, 0.0)
    lit = np.argwhere(image.max(axis=2) > 128)
    assert image.shape == (1080, 3840, 3) and len(lit)
    assert (
        lit[:, 1].min() >= 1920
        and abs(np.median(lit[:, 1]) - 2220) < 3
        and abs(np.median(lit[:, 0]) - 200) < 3
    )

    # the check: the room point straight ahead of her left eye, drawn by the calibrated profile
    left = EyePlacement.from_correction(eye_offsets_m(preset)[0], [0.0, 3.0, 0.0])  # 3 degrees turned
    eyes.new_profile.post(calibrated_profile(preset, {"left": _solution(left)}, "now"))
    head = HeadPose(0.0, np.zeros(3), np.diag([1.0, -1.0, -1.0]), 1.0, "face")  # at the lens, facing away
    ahead = head.rotation @ left.offset_m + head.rotation @ left.rotation @ np.array([0.0, 0.0, 2.0])
    eyes.cross = EyesCross(0, target_m=ahead)
    image, _ = eyes.draw(None, None, None, head, 0.0)
    lit = np.argwhere(image.max(axis=2) > 128)
    assert abs(np.median(lit[:, 1]) - 960) < 3 and abs(np.median(lit[:, 0]) - 540) < 3
    eyes.cross = None
    assert not eyes.draw(None, None, None, None, 0.0)[0].any()
