"""arwed bench and arwed doctor, run as a user would."""

from __future__ import annotations

import json

import pytest

from arwed.cli import main


def test_bench_reports_stages_fps_and_latency(tmp_path, capsys):
    out = tmp_path / "bench.json"
    settings = tmp_path / "lite.yaml"  # a user's settings: here the lite pose model
    settings.write_text("tracking:\n  model_complexity: 0\n", encoding="utf-8")
    code = main(
        ["bench", "--frames", "24", "--tracking-frames", "20", "--size", "320x180", "--runs", "offline"]
        + ["--settings", str(settings), "--json", str(out)]
    )
    assert code == 0
    result = json.loads(out.read_text())
    run = result["runs"]["offline"]
    assert run["frames_out"] == 24 and run["fps"] > 0 and run["latency_ms"] > 0
    assert result["tracking_alone"]["frames"] == 20
    # the CPU per frame after the warm-up, in all and by thread: the render thread drew every frame
    assert run["cpu_ms_per_frame"]["arwed render"] > 0
    assert run["cpu_ms_per_frame"]["total"] >= run["cpu_ms_per_frame"]["arwed render"]
    assert result["tracking_alone"]["cpu_ms_per_frame"]["total"] > 0
    assert {"capture", "tracking", "placement", "animation", "render", "composite"} <= set(run["stage_ms"])
    assert result["size"] == [320, 180] and result["machine"]["cpu_count"] >= 1
    assert result["settings"] == str(settings) and result["tracking_model_complexity"] == 0
    assert "offline:" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bench", "--size", "big"], "expected WIDTHxHEIGHT"),
        (["bench", "--runs", "sometimes"], "use live, offline"),
        (["bench", "--frames", "3"], "at least"),
        (["bench", "--tracking-frames", "3"], "at least"),
        (["bench", "--settings", "no-such-settings.yaml"], "no-such-settings.yaml: no such file"),
    ],
)
def test_bench_refuses_bad_options(capsys, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_doctor_checks_every_part_and_names_the_renderer(capsys, tmp_path):
    code = main(["doctor", "--calibration-dir", str(tmp_path / "profiles")])
    out = capsys.readouterr().out
    lines = out.splitlines()
    for check in ("python", "packages", "opengl", "pose model", "cameras", "calibration", "display"):
        assert any(check in line and line.startswith(("OK", "FAIL")) for line in lines), check
    assert any(line.startswith("OK") and "OpenGL renderer" in line for line in lines)
    assert any(line.startswith("OK") and "pose_landmarker_full.task" in line for line in lines)
    assert code == (0 if all(not line.startswith("FAIL") for line in lines) else 1)
    assert all("fix:" in nxt for line, nxt in zip(lines, lines[1:], strict=False) if line.startswith("FAIL"))
