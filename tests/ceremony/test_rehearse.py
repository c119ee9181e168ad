"""`arwed rehearse` as a user runs it: a video with his voice in it, statistics, one-line errors."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.ceremony.audio_files import tone, write_wav

REPO = Path(__file__).resolve().parents[2]


def _offset_tool():
    spec = importlib.util.spec_from_file_location("av_offset", REPO / "tools" / "av_offset.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _arwed(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "arwed", *args], cwd=cwd, capture_output=True, text=True, timeout=240
    )


@pytest.fixture
def scene(tmp_path):
    image = np.full((240, 320, 3), 180, np.uint8)
    cv2.circle(image, (100, 120), 40, (60, 90, 140), -1)
    cv2.imwrite(str(tmp_path / "room.png"), image)
    write_wav(tmp_path / "beep.wav", tone(0.25, 48000, hz=1000.0, level=0.5), 48000)
    (tmp_path / "c.yaml").write_text(
        "cues:\n"
        "  - name: wait\n    end: 0.5\n"
        "  - name: beep\n    actions: [blackout, {say: beep.wav}]\n    end: 0.4\n"
        "  - name: light\n    actions: [{blackout: off}]\n    end: key\n"
        "  - name: beep again\n    actions: [blackout, {say: beep.wav}]\n    end: 0.4\n"
        "  - name: end\n    actions: [{blackout: off}]\n    end: 0.5\n",
        encoding="utf-8",
    )
    return tmp_path


@pytest.mark.slow
def test_rehearsal_writes_video_with_his_voice_in_sync_and_the_cue_times(scene):
    done = _arwed(
        "rehearse", "--ceremony", "c.yaml", "--source", "room.png", "--out", "r.mp4",
        "--stats", "r.json", "--keys", "1.5", "--no-progress", cwd=scene,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    stats = json.loads((scene / "r.json").read_text())
    cues = [(c["name"], c["start_s"], c["end_s"], c["ended_by"]) for c in stats["cues"]]
    assert cues == [
        ("wait", 0.0, 0.5, "time"),
        ("beep", 0.5, 0.9, "time"),
        ("light", 0.9, 1.5, "key"),
        ("beep again", 1.5, 1.9, "time"),
        ("end", 1.9, 2.4, "time"),
    ]
    assert [a["start_s"] for a in stats["audio"]] == [0.5, 1.5]
    tool = _offset_tool()
    measured = tool.main(str(scene / "r.mp4"))
    assert measured["picture_onsets"] == 2 and measured["sound_onsets"] == 2
    assert measured["offset_ms"]["max_abs"] <= 40.0, measured
    # both streams sit at the cue times; the writer's AAC priming (1024 samples, 21 ms) shifts the file's
    # timeline, both streams alike
    assert [s for _, s, _ in measured["pairs"]] == pytest.approx([0.5, 1.5], abs=0.025)
    assert [p for p, _, _ in measured["pairs"]] == pytest.approx([0.5, 1.5], abs=0.025)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--ceremony", "missing.yaml"], "missing.yaml: no such file"),
        (["--ceremony", "bad.yaml"], "line 2, field 'cues[0].end'"),
        (["--ceremony", "c.yaml", "--keys", "soon"], "--keys"),
        (["--ceremony", "c.yaml", "--start-cue", "9"], "--start-cue"),
        (["--ceremony", "c.yaml", "--out", "r.avi"], "a rehearsal is a video with sound"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(scene, args, words, capsys, monkeypatch):
    from arwed.cli import main

    monkeypatch.chdir(scene)
    (scene / "bad.yaml").write_text("cues:\n  - end: whenever\n", encoding="utf-8")
    given = dict(zip(args[::2], args[1::2], strict=True))
    options = {"--source": "room.png", "--out": "r.mp4", **given}
    argv = ["rehearse", *[item for pair in options.items() for item in pair], "--no-progress"]
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], lines
