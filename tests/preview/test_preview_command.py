"""`arwed preview` headless: a contact sheet with the character in every view, the facts as JSON, clean errors."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from arwed.characters import catalog
from arwed.characters.preview import OrbitView, framing_view, ruler_ticks, tile_intrinsics
from arwed.cli import main
from arwed.geometry.camera import project_points
from arwed.render.contact_sheet import BACKGROUND_BGR

GROOM = catalog.ASSETS_DIR / catalog.DEFAULT_CHARACTER


def test_contact_sheet_and_facts_of_the_default_character(tmp_path, capsys):
    out, info = tmp_path / "sheet.png", tmp_path / "facts.json"
    assert main(["preview", str(GROOM), "--out", str(out), "--info", str(info), "--height", "1.75"]) == 0
    sheet = cv2.imread(str(out))
    assert sheet is not None and sheet.shape[0] > 1000 and sheet.shape[1] > 900
    h, w = sheet.shape[0] // 2, sheet.shape[1] // 2
    for row in range(2):
        for col in range(2):
            tile = sheet[row * h : (row + 1) * h, col * w : (col + 1) * w].astype(np.int32)
            # The character stands in the middle of every tile (the ruler is at the right edge).
            middle = tile[int(0.08 * h) : int(0.95 * h), int(0.2 * w) : int(0.65 * w)]
            differs = np.abs(middle - np.array(BACKGROUND_BGR)).max(axis=2) > 40
            assert differs.mean() > 0.05, (row, col)
            rows_hit = np.nonzero(differs.any(axis=1))[0]
            # From head to shoes: the figure spans most of the tile's height.
            assert rows_hit.max() - rows_hit.min() > 0.7 * middle.shape[0]
    facts = json.loads(info.read_text())
    assert facts["format"] == "VRM" and facts["vrm_version"] == "1.0"
    assert facts["humanoid"] is True
    assert {"hips", "head", "leftHand", "rightFoot", "leftEye"} <= set(facts["bones_mapped"])
    assert 20_000 < facts["triangles"] <= 42_000  # the default groom after its simplification
    assert facts["source_height_m"] == pytest.approx(1.80, abs=0.02)  # the skull's top, under the hair
    assert facts["height_m"] == pytest.approx(1.75, abs=1e-6)
    assert facts["scale"] == pytest.approx(1.75 / 1.80, rel=0.02)
    assert {"blink", "happy", "aa"} <= set(facts["expressions"]) and facts["expression_aliases"][
        "joy"
    ] == "happy"
    assert any(n.startswith("licence: anyone may use this avatar") for n in facts["notices"])
    assert facts["license"] == "https://vrm.dev/licenses/1.0/"
    assert "wrote" in capsys.readouterr().out


def test_info_alone_writes_json_without_a_window(tmp_path):
    info = tmp_path / "facts.json"
    assert main(["preview", str(GROOM), "--info", str(info)]) == 0
    assert json.loads(info.read_text())["bones_missing"] == []


@pytest.mark.parametrize("content", [b"not a model", b"glTF\x02\x00\x00\x00\xff\xff\xff\xff", b""])
def test_a_broken_model_is_one_line_and_exit_2(tmp_path, capsys, content):
    bad = tmp_path / "broken.glb"
    bad.write_bytes(content)
    assert main(["preview", str(bad), "--out", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("arwed: error: ") and "broken.glb" in err and "\n" not in err
    assert not (tmp_path / "x.png").exists()


def test_missing_model_and_bad_options_are_one_line_and_exit_2(tmp_path, capsys):
    assert main(["preview", str(tmp_path / "nope.vrm"), "--out", str(tmp_path / "x.png")]) == 2
    assert main(["preview", str(GROOM), "--out", str(tmp_path / "x.png"), "--height", "12"]) == 2
    assert main(["preview", str(GROOM), "--out", str(tmp_path / "x.png"), "--expression", "nosuch=1"]) == 2
    assert main(["preview", str(GROOM), "--out", str(tmp_path / "no" / "dir" / "x.png")]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line]
    assert len(lines) == 4 and all(line.startswith("arwed: error: ") for line in lines)


def test_orbit_camera_looks_at_its_target_from_the_right_side():
    view = OrbitView(yaw_deg=90.0, pitch_deg=0.0, distance_m=3.0, target_m=(0.0, 1.0, 0.0))
    m = view.character_to_camera()
    assert np.allclose(m[:3, :3] @ m[:3, :3].T, np.eye(3), atol=1e-12)
    target_cam = m[:3, :3] @ [0.0, 1.0, 0.0] + m[:3, 3]
    assert np.allclose(target_cam, [0.0, 0.0, 3.0], atol=1e-9)  # on the optical axis, 3 m ahead
    # Yaw 90: the camera stands on the character's left (+x) looking towards -x, so the character's
    # front (+z) is on the camera's left and up (+y) is up in the image (camera y points down).
    front = m[:3, :3] @ [0.0, 1.0, 0.5] + m[:3, 3]
    up = m[:3, :3] @ [0.0, 1.5, 0.0] + m[:3, 3]
    assert front[0] < 0 and up[1] < 0
    near = m[:3, :3] @ [0.5, 1.0, 0.0] + m[:3, 3]
    assert near[2] == pytest.approx(2.5)


def test_framing_view_keeps_the_whole_figure_in_the_picture():
    low, high = np.array([-0.3, 0.0, -0.15]), np.array([0.3, 1.8, 0.25])
    intrinsics = tile_intrinsics(480, 720)
    corners = np.array(
        [[x, y, z] for x in (low[0], high[0]) for y in (low[1], high[1]) for z in (low[2], high[2])]
    )
    for yaw in (0.0, 35.0, 90.0, 180.0, 250.0):
        view = framing_view(low, high, intrinsics, yaw)
        m = view.character_to_camera()
        uv = project_points(intrinsics, corners @ m[:3, :3].T + m[:3, 3])
        assert np.all(uv >= 0) and np.all(uv[:, 0] < 480) and np.all(uv[:, 1] < 720)
        assert uv[:, 1].max() - uv[:, 1].min() > 0.6 * 720  # and it fills most of the height
    assert view.zoomed(0.5).distance_m == pytest.approx(view.distance_m * 0.5)
    assert view.orbited(10, 100).pitch_deg == 80.0


def test_ruler_marks_every_ten_centimetres_and_labels_each_half_metre():
    ticks = ruler_ticks(1.8)
    assert len(ticks) == 19 and ticks[0] == (0.0, "0.0 m") and ticks[-1][0] == pytest.approx(1.8)
    assert [label for _, label in ticks if label] == ["0.0 m", "0.5 m", "1.0 m", "1.5 m"]


def test_vrm0_expression_names_work_and_an_unknown_one_lists_the_valid_ones(tmp_path, capsys):
    from tests.characters.gltf_factory import humanoid_builder

    builder, _, _ = humanoid_builder("0.x")
    model = builder.write_glb(tmp_path / "old.vrm")
    info = tmp_path / "facts.json"
    assert main(["preview", str(model), "--info", str(info), "--expression", "Joy=1"]) == 0
    assert (
        main(["preview", str(model), "--info", str(info), "--expression", "joy=1", "--expression", "happy=1"])
        == 0
    )
    facts = json.loads(info.read_text())
    assert set(facts["expressions"]) == {"blink", "happy"}
    assert any("allowedUserName" in n for n in facts["notices"])  # the licence, explained
    capsys.readouterr()
    assert main(["preview", str(model), "--info", str(info), "--expression", "smile=1"]) == 2
    err = capsys.readouterr().err
    assert "has no expression smile; it has: blink, happy (or joy)" in err and err.count("\n") == 1


def test_ruler_labels_stay_inside_the_picture_for_a_wide_model():
    from arwed.characters.preview import draw_ruler

    intrinsics = tile_intrinsics(480, 720)
    low, high = np.array([-1.2, 0.0, -0.3]), np.array([1.2, 1.8, 0.3])  # arms out wide, or a wide prop
    for yaw in (0.0, 35.0, 90.0):
        view = framing_view(low, high, intrinsics, yaw)
        image = np.zeros((720, 480, 3), np.uint8)
        draw_ruler(image, view, intrinsics, 1.8, side_offset_m=1.4)
        drawn = np.argwhere(image.max(axis=2) > 0)
        assert len(drawn) > 300, yaw  # the ruler and its labels are there
        assert drawn[:, 1].max() < 480 - 3 and drawn[:, 1].min() > 2, yaw  # and none of it runs off
