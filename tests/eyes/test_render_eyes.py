"""`arwed render --mode eyes`: her view as a user runs it, its statistics, the renamed modes, bad input."""

from __future__ import annotations

import json
import socket

import cv2
import pytest

from arwed.cli import main


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.slow
def test_eyes_on_the_demo_writes_her_view_and_head_poses(tmp_path, capsys) -> None:
    frames, stats = tmp_path / "frames", tmp_path / "stats.json"
    code, out, err = _run(
        capsys,
        "render",
        "--source",
        "demo",
        "--out",
        f"{frames}/",
        "--mode",
        "eyes",
        "--max-frames",
        8,
        "--stats",
        stats,
        "--no-progress",
    )
    assert code == 0, err
    summary = json.loads(stats.read_text())
    assert summary["glasses"] == "XREAL One"
    heads = [entry["head_pose"] for entry in summary["per_frame"]]
    assert all(head is not None for head in heads[2:])
    head = heads[-1]
    assert set(head) >= {"position_m", "yaw_deg", "pitch_deg", "roll_deg", "source", "confidence"}
    assert head["source"] == "face" and 0.0 < head["confidence"] <= 1.0
    assert abs(head["yaw_deg"]) < 15.0  # Grace Hopper faces the camera
    assert 0.5 < head["position_m"][2] < 4.0
    pictures = sorted(frames.glob("*.png"))
    image = cv2.imread(str(pictures[-1]))
    assert image.shape == (1080, 1920, 3)  # the glasses' picture, not the camera's
    # she looks at the camera; he stands beside her: her view is pure black (transparent in the glasses)
    assert image.max() == 0


@pytest.mark.slow
def test_side_by_side_profile_and_old_mode_names(tmp_path, capsys) -> None:
    code, _, err = _run(
        capsys,
        "render",
        "--source",
        "demo",
        "--out",
        f"{tmp_path}/sbs/",
        "--mode",
        "eyes",
        "--glasses",
        "viture-pro",
        "--max-frames",
        2,
        "--no-progress",
    )
    assert code == 0, err
    assert cv2.imread(str(sorted((tmp_path / "sbs").glob("*.png"))[0])).shape == (1080, 3840, 3)
    code, out, err = _run(
        capsys,
        "render",
        "--source",
        "demo",
        "--out",
        f"{tmp_path}/old/",
        "--mode",
        "glasses",
        "--max-frames",
        2,
        "--stats",
        tmp_path / "old.json",
        "--no-progress",
    )
    assert code == 0, err
    assert "--mode glasses is now called camera-black" in out
    assert cv2.imread(str(sorted((tmp_path / "old").glob("*.png"))[0])).shape[:2] == (720, 1280)


def test_broken_glasses_profile_is_one_line_and_exit_2(tmp_path, capsys) -> None:
    broken = tmp_path / "mine.yaml"
    broken.write_text("name: Mine\nmode: hologram\neye_resolution_px: [1920, 1080]\ndiagonal_fov_deg: 50\n")
    for profile, expected in ((broken, f"{broken}: field 'mode'"), ("hololens-9", "no such glasses preset")):
        code, _, err = _run(
            capsys,
            "render",
            "--source",
            "demo",
            "--out",
            f"{tmp_path}/x/",
            "--mode",
            "eyes",
            "--glasses",
            profile,
            "--max-frames",
            1,
            "--no-progress",
        )
        assert code == 2
        lines = [line for line in err.splitlines() if line.startswith("arwed: error")]
        assert len(lines) == 1 and expected in lines[0] and "Traceback" not in err


def test_head_udp_port_taken_is_one_line_and_exit_2(tmp_path, capsys) -> None:
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    taken.bind(("127.0.0.1", 0))
    try:
        code, _, err = _run(
            capsys,
            "render",
            "--source",
            "demo",
            "--out",
            f"{tmp_path}/x/",
            "--mode",
            "eyes",
            "--head-udp",
            taken.getsockname()[1],
            "--max-frames",
            1,
            "--no-progress",
        )
    finally:
        taken.close()
    assert code == 2 and "cannot be opened" in err and "Traceback" not in err
    code, _, err = _run(
        capsys,
        "render",
        "--source",
        "demo",
        "--out",
        f"{tmp_path}/x/",
        "--mode",
        "eyes",
        "--head-udp",
        70000,
        "--max-frames",
        1,
        "--no-progress",
    )
    assert code == 2 and "head_udp_port" in err
