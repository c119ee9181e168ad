"""The ceremony file: the shipped example loads; every malformed file is one line naming line and field."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from arwed.ceremony import script
from arwed.ceremony.script import load_ceremony
from arwed.errors import InputFileError
from tests.ceremony.audio_files import tone, write_wav

EXAMPLE = Path(__file__).resolve().parents[2] / "arwed" / "assets" / "ceremonies" / "example.yaml"

GOOD = """\
name: Test
cues:
  - name: In
    actions:
      - enter: {from: left, duration_s: 4}
      - look: her
    end: 4.5
  - name: Vows
    actions:
      - say: vows.wav
      - expression: {name: happy, weight: 0.5}
    end: audio
  - name: Rings
    actions: [reach]
    end: key
  - name: Dark
    actions:
      - blackout: on
      - fade: out
"""


def _write(tmp_path: Path, text: str) -> Path:
    write_wav(tmp_path / "vows.wav", tone(1.25), 48000)
    path = tmp_path / "ceremony.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_shipped_example_loads_with_its_voice():
    if not (EXAMPLE.parent / "vows.wav").exists():
        pytest.skip("arwed/assets/ceremonies/vows.wav is made by scripts/bootstrap.sh (espeak-ng)")
    durations = {}
    ceremony = load_ceremony(EXAMPLE, durations)
    kinds = [type(a).__name__ for cue in ceremony.cues for a in cue.actions]
    for kind in ("Enter", "Look", "Say", "Reach", "Bow", "Exit"):
        assert kind in kinds
    assert list(durations.values())[0] > 5.0  # seconds of speech


def test_a_good_file_gives_typed_cues(tmp_path):
    durations = {}
    ceremony = load_ceremony(_write(tmp_path, GOOD), durations)
    assert [c.name for c in ceremony.cues] == ["In", "Vows", "Rings", "Dark"]
    assert ceremony.cues[0].end == 4.5
    enter = ceremony.cues[0].actions[0]
    assert isinstance(enter, script.Enter) and enter.side == "left" and enter.duration_s == 4
    assert isinstance(ceremony.cues[2].actions[0], script.Reach)
    assert ceremony.cues[3].actions[0] == script.Blackout(on=True)
    assert ceremony.cues[3].actions[1] == script.Fade(to="out")
    assert ceremony.cues[3].end == "key"
    assert durations[tmp_path / "vows.wav"] == pytest.approx(1.25, abs=0.01)


BAD = [
    # (what to replace in GOOD, with what, the line it must name, the field it must name, words in the message)
    (
        "      - look: her\n",
        "      - look: her\n      - dance: tango\n",
        7,
        "cues[0].actions[2]",
        "unknown action 'dance'",
    ),
    (
        "{from: left, duration_s: 4}",
        "{from: above, duration_s: 4}",
        5,
        "cues[0].actions[0].enter.from",
        "must be",
    ),
    (
        "{from: left, duration_s: 4}",
        "{from: left, duration_s: -4}",
        5,
        "cues[0].actions[0].enter.duration_s",
        "greater than 0",
    ),
    (
        "{from: left, duration_s: 4}",
        "{from: left, speed: 4}",
        5,
        "cues[0].actions[0].enter.speed",
        "not a known field",
    ),
    ("    end: 4.5\n", "    end: later\n", 7, "cues[0].end", "must be"),
    ("      - say: vows.wav\n", "      - say: missing.wav\n", 10, "cues[1].actions[0].say", "no such file"),
    ("      - say: vows.wav\n", "      - say: ../outside.wav\n", 10, "cues[1].actions[0].say", "outside"),
    ("      - say: vows.wav\n", "      - say: {volume: 1}\n", 10, "cues[1].actions[0].say.file", "missing"),
    (
        "{name: happy, weight: 0.5}",
        "{name: happy, weight: 5}",
        11,
        "cues[1].actions[1].expression.weight",
        "less than or equal",
    ),
    (
        "    actions: [reach]\n",
        "    actions: [reach, {bow: 1, look: 2}]\n",
        14,
        "cues[2].actions[1]",
        "one action",
    ),
    ("  - name: Rings\n", "  - Rings\n  - name: Rings\n", 13, "cues[2]", "mapping"),
    ("name: Test\n", "name: Test\ncolour: blue\n", 2, "colour", "not a known field"),
    ("      - blackout: on\n", "      - blackout: maybe\n", 18, "cues[3].actions[0].blackout.on", "bool"),
    (
        "      - look: her\n",
        "      - look: {at: point, point_m: [1, 2]}\n",
        6,
        "cues[0].actions[1].look.point_m[2]",
        "missing",
    ),
    ("      - look: her\n", "      - look: point\n", 6, "cues[0].actions[1].look", "point_m"),
]


@pytest.mark.parametrize(("old", "new", "line", "field", "words"), BAD)
def test_each_malformed_file_is_one_line_with_the_line_and_the_field(tmp_path, old, new, line, field, words):
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(InputFileError) as caught:
        load_ceremony(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path) + ": ")
    assert f"line {line}," in message, message
    assert f"field '{field}'" in message, message
    assert words in message, message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "must be a mapping"),
        ("- just\n- a list\n", "must be a mapping"),
        ("name: x\ncues: [\n", "not valid YAML at line"),
        ("name: x\ncues: []\n", "at least 1"),
        ("name: x\n", "field 'cues': is missing"),
        ("cues:\n  - actions: [say]\n", "field 'cues[0].actions[0].say.file': is missing"),
        ("cues:\n  - actions: [bow]\n    end: audio\n", "plays no audio"),
    ],
)
def test_broken_structure_is_one_line(tmp_path, text, words):
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        load_ceremony(path)
    assert "\n" not in str(caught.value)
    assert words in str(caught.value), str(caught.value)


def test_files_that_are_not_ceremonies_at_all(tmp_path):
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    huge = tmp_path / "h.yaml"
    huge.write_text("#" * 2_000_000)
    for path, words in (
        (binary, "not UTF-8"),
        (huge, "larger than"),
        (tmp_path / "none.yaml", "no such file"),
        (tmp_path, "not a file"),
    ):
        with pytest.raises(InputFileError, match=re.escape(words)):
            load_ceremony(path)


def test_broken_audio_names_its_line(tmp_path):
    path = _write(tmp_path, GOOD)
    (tmp_path / "vows.wav").write_bytes(b"RIFF....WAVEnot really")
    with pytest.raises(
        InputFileError,
        match=r"line 10, field 'cues\[1\]\.actions\[0\]\.say': vows.wav: is not a readable audio file",
    ):
        load_ceremony(path)


def test_the_shipped_example_is_found_by_its_name(tmp_path, monkeypatch):
    from arwed.ceremony.script import ceremony_path

    monkeypatch.chdir(tmp_path)
    assert ceremony_path("example") == EXAMPLE and EXAMPLE.is_file()
    (tmp_path / "example").write_text("name: mine\ncues: []\n")
    assert ceremony_path("example") == Path("example")  # a file of that name here comes first
