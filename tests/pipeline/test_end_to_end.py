"""Whole runs of `arwed render`: the demo, and real photographs of people from ../shared/data."""

from __future__ import annotations

import json

import cv2
import numpy as np

from arwed.cli import main
from tests.conftest import shared_path


def _render(tmp_path, source: str, frames: int, *extra: str) -> dict:
    out, stats = tmp_path / "out.mp4", tmp_path / "stats.json"
    code = main(
        [
            "render",
            "--source",
            source,
            "--out",
            str(out),
            "--stats",
            str(stats),
            "--max-frames",
            str(frames),
            "--no-progress",
            *extra,
        ]
    )
    assert code == 0
    capture = cv2.VideoCapture(str(out))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == frames
    return json.loads(stats.read_text())


def _height(bbox) -> float:
    return bbox[3] - bbox[1]


def test_demo_renders_with_stats(tmp_path):
    stats = _render(tmp_path, "demo", 12)
    assert stats["frames"] == 12 and stats["frames_with_person"] >= 10
    assert stats["fps"] > 0 and "llvmpipe" in stats["renderer"] or stats["renderer"]
    assert set(stats["stage_ms"]) >= {"capture", "tracking", "placement", "render", "composite"}
    frame = stats["per_frame"][-1]
    assert set(frame) == {
        "t",
        "person",
        "person_bbox_px",
        "person_height_m",
        "person_height_source",
        "anchor_m",
        "side",
        "in_view",
        "spot_taken",
        "character_bbox_px",
    }
    assert frame["person_height_source"] == stats["person_height_source"] == "assumed"
    person, character = frame["person_bbox_px"], frame["character_bbox_px"]
    assert character[0] > (person[0] + person[2]) / 2  # on the right of the person, as the camera sees it
    assert [f["t"] for f in stats["per_frame"]] == sorted(f["t"] for f in stats["per_frame"])


def test_side_left_puts_the_character_on_the_left(tmp_path):
    frame = _render(tmp_path, "demo", 6, "--side", "left", "--gap", "0.5")["per_frame"][-1]
    assert frame["character_bbox_px"][2] < (frame["person_bbox_px"][0] + frame["person_bbox_px"][2]) / 2


def test_full_body_photo_gets_a_partner_of_comparable_height(tmp_path):
    photo = shared_path("data", "messi5.jpg")
    stats = _render(tmp_path, str(photo), 8, "--gap", "0.8")
    frame = stats["per_frame"][-1]
    assert frame["person"]
    person, character = frame["person_bbox_px"], frame["character_bbox_px"]
    assert character is not None
    # the same floor and depth: a 1.80 m partner about as tall as a footballer (1.70 m), give or take the pose
    assert 0.75 < _height(character) / _height(person) < 1.45
    assert abs(character[3] - person[3]) < 0.25 * _height(person)  # feet on the same floor line
    assert character[0] > person[0]


def test_upper_body_photo_of_two_people_keeps_one_and_stands_beside(tmp_path):
    photo = shared_path("data", "zidane.jpg")
    stats = _render(tmp_path, str(photo), 8)
    frames = stats["per_frame"]
    assert all(f["person"] for f in frames[2:])
    boxes = np.array([f["person_bbox_px"] for f in frames[2:]])
    # the same person all along, not a jump between the two (their boxes start over 300 px apart; an arm
    # seen or not moves a box's edge by up to ~40 px)
    assert np.ptp(boxes[:, 0]) < 100
    person, character = frames[-1]["person_bbox_px"], frames[-1]["character_bbox_px"]
    assert character is not None
    # heads at a comparable height: the top of the character near the top of the person (Zidane leans
    # forward, shouting: his landmark box starts about 80 px below the top of his head)
    assert abs(character[1] - person[1]) < 0.45 * _height(person)


def test_the_credit_line_setting_puts_the_avatars_credit_on_the_rendered_keepsake(tmp_path):
    from tests.characters.gltf_factory import humanoid_builder

    builder, _, _ = humanoid_builder("1.0")  # its meta: by "arwed tests", only its author may use it
    model = builder.write_glb(tmp_path / "partner.vrm")
    settings = tmp_path / "credit.yaml"
    settings.write_text("keepsakes:\n  credit_line: true\n")
    frames = {}
    for name, extra in (("plain", ()), ("credited", ("--settings", str(settings)))):
        out = tmp_path / name
        out.mkdir()
        code = main(
            ["render", "--source", "demo", "--out", f"{out}/", "--max-frames", "1", "--no-progress"]
            + ["--character", str(model), *extra]
        )
        assert code == 0
        frames[name] = cv2.imread(str(sorted(out.glob("*.png"))[0])).astype(int)
    changed = np.argwhere(np.abs(frames["credited"] - frames["plain"]).max(axis=2) > 40)
    height, width = frames["plain"].shape[:2]
    assert len(changed) > 200  # the line is there ...
    assert changed[:, 0].min() > height - 60 and changed[:, 1].max() < width * 0.75  # ... bottom left only
