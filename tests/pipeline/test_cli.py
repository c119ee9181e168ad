"""The command line: bad input is one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import pytest

from arwed.cli import main


def _run(capsys, *argv: str) -> tuple[int, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    return code, err


def _error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if "error" in line.lower()]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ("render", "--source", "/no/such/video.mp4", "--out", "{tmp}/o.mp4"),
            "/no/such/video.mp4: no such file",
        ),
        (
            ("render", "--source", "demo", "--out", "{tmp}/o.mp4", "--mode", "sideways"),
            "'sideways': the mode is one of stage, camera-black, keyed, eyes",
        ),
        (
            ("render", "--source", "demo", "--out", "/proc/no/such/o.mp4", "--max-frames", "1"),
            "/proc/no/such/o.mp4",
        ),
        (
            ("render", "--source", "demo", "--out", "{tmp}/o.mp4", "--stats", "/proc/x/s.json"),
            "/proc/x/s.json",
        ),
        (("render", "--source", "demo", "--out", "{tmp}/o.mp4", "--gap", "-3"), "placement.gap_m"),
        (("render", "--source", "demo", "--out", "{tmp}/o.mp4", "--settings", "{tmp}/bad.yaml"), "bad.yaml"),
        (
            ("render", "--source", "demo", "--out", "{tmp}/o.mp4", "--character", "{tmp}/broken.glb"),
            "broken.glb",
        ),
        (("render", "--source", "demo", "--out", "{tmp}/o.xyz", "--max-frames", "1"), "unknown output type"),
        (
            ("render", "--source", "demo", "--out", "{tmp}/o.mp4", "--calibration", "{tmp}/cam.yaml"),
            "cam.yaml",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(tmp_path, capsys, argv, expected):
    (tmp_path / "bad.yaml").write_text("placement:\n  side: middle\n")
    (tmp_path / "broken.glb").write_bytes(b"glTF\x02\x00\x00\x00\xff\xff")
    (tmp_path / "cam.yaml").write_text("%YAML:1.0\n---\nimage_width: 1280\n")
    code, err = _run(capsys, *(a.replace("{tmp}", str(tmp_path)) for a in argv))
    assert code == 2
    assert "Traceback" not in err
    lines = _error_lines(err)
    assert len(lines) == 1 and expected in lines[0], err


def test_settings_file_errors_name_the_file_and_the_field(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text("tracking:\n  hold_s: forever\n")
    code, err = _run(
        capsys,
        "render",
        "--source",
        "demo",
        "--out",
        str(tmp_path / "o.mp4"),
        "--settings",
        str(tmp_path / "s.yaml"),
    )
    assert code == 2 and "s.yaml: field 'tracking.hold_s'" in err


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "render", "bench", "doctor", "calibrate", "preview"):
        assert command in out
