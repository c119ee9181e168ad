"""Hostile and broken models through the real command (`arwed preview MODEL --info`): exit 0, or exit 2
with one line that names the file and the field; a part that cannot be seen is loaded with a notice."""

from __future__ import annotations

import json
import os
import struct
import time
import zlib

import numpy as np
import pytest

from arwed.cli import main
from tests.characters.gltf_factory import humanoid_builder
from tests.characters.test_bad_input import static_box_builder, with_texture


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width x height (its pixel data is a few bytes)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def _run(capsys, model, tmp_path) -> tuple[int, str, dict | None]:
    facts = tmp_path / "facts.json"
    started = time.monotonic()
    code = main(["preview", str(model), "--info", str(facts)])
    assert time.monotonic() - started < 30
    err = capsys.readouterr().err
    return code, err, json.loads(facts.read_text()) if code == 0 else None


def _one_line(err: str, *words: str) -> str:
    lines = [line for line in err.strip().splitlines() if line.startswith("arwed: error:")]
    assert len(lines) == 1 and len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def _humanoid_gltf(tmp_path, edit) -> os.PathLike:
    builder, _, _ = humanoid_builder("1.0")
    path = builder.write_gltf(tmp_path / "model.gltf")
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))
    return path


def _set(path: str, value):
    def edit(document: dict) -> None:
        *parents, last = path.split(".")
        target = document
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return edit


def _scale_all_nodes(document: dict) -> None:
    for node in document["nodes"]:
        node["scale"] = [0.0, 0.0, 0.0]


def _index_from_float(document: dict) -> None:
    primitive = document["meshes"][0]["primitives"][0]
    primitive["indices"] = primitive["attributes"]["POSITION"]


REFUSED = [
    ("buffers [null]", _set("buffers", [None]), "buffers[0]"),
    ("NaN translation (as JSON NaN)", _set("nodes.1.translation", [float("nan"), 0.0, 0.0]), "NaN"),
    ("1e38 translation", _set("nodes.1.translation", [0.0, 1e38, 0.0]), "nodes[1].translation"),
    ("zero quaternion", _set("nodes.1.rotation", [0.0, 0.0, 0.0, 0.0]), "nodes[1].rotation"),
    ("a quaternion of 1e300", _set("nodes.1.rotation", [1e300, 0.0, 0.0, 1.0]), "nodes[1].rotation"),
    ("a translation of 10**400", _set("nodes.1.translation", [10**400, 0, 0]), "nodes[1].translation"),
    ("scale of 1e30", _set("nodes.1.scale", [1e30, 1.0, 1.0]), "nodes[1].scale"),
    ("indices pointing at the float positions", _index_from_float, "indices"),
    ("JSON 5,000 deep", None, "deeper"),
    ("every node scaled to nothing", _scale_all_nodes, "no size"),
]


@pytest.mark.parametrize(("case", "edit", "named"), REFUSED, ids=[c[0] for c in REFUSED])
def test_broken_numbers_are_one_line_exit_2(tmp_path, capsys, case, edit, named):
    if case.startswith("JSON"):
        path = _humanoid_gltf(tmp_path, lambda d: None)
        text = path.read_text()
        path.write_text(text[:-1] + ', "extras": ' + "[" * 5000 + "]" * 5000 + "}")
    else:
        path = _humanoid_gltf(tmp_path, edit)
    code, err, _ = _run(capsys, path, tmp_path)
    assert code == 2, (case, err)
    _one_line(err, str(path), *([named] if named else []))


def test_a_part_scaled_to_nothing_loads_with_a_notice(tmp_path, capsys):
    builder = static_box_builder()
    builder.gltf.nodes.append(builder.gltf.nodes[0].__class__(name="ghost", mesh=0, scale=[0.0, 0.0, 0.0]))
    builder.gltf.scenes[0].nodes.append(len(builder.gltf.nodes) - 1)
    path = builder.write_gltf(tmp_path / "ghost.gltf")
    code, err, facts = _run(capsys, path, tmp_path)
    assert code == 0, err
    assert any("scaled to nothing" in w and "ghost" in w for w in facts["notices"]), facts


@pytest.mark.parametrize(
    ("colour", "named"),
    [("[1, NaN, 1, 1]", "NaN"), ('["red", 0, 0, 1]', "'red'"), ("[1, 1e400, 1, 1]", "baseColorFactor")],
)
def test_a_colour_that_is_not_a_number_is_refused_naming_the_material(tmp_path, capsys, colour, named):
    builder = with_texture(static_box_builder(uv=True), "skin.png")
    (tmp_path / "skin.png").write_bytes(png_declaring(4, 4))
    path = builder.write_gltf(tmp_path / "colour.gltf")
    text = path.read_text()
    assert '"baseColorFactor": [1, 1, 1, 1]' in text
    path.write_text(text.replace('"baseColorFactor": [1, 1, 1, 1]', f'"baseColorFactor": {colour}'))
    code, err, _ = _run(capsys, path, tmp_path)
    assert code == 2
    _one_line(err, "colour.gltf", named)


def test_a_fifo_texture_is_grey_and_a_fifo_buffer_is_refused_both_at_once(tmp_path, capsys):
    builder = with_texture(static_box_builder(uv=True), "pipe.png")
    os.mkfifo(tmp_path / "pipe.png")
    path = builder.write_gltf(tmp_path / "fifo.gltf")
    code, err, facts = _run(capsys, path, tmp_path)  # _run fails the test if this hangs past 30 s
    assert code == 0, err
    assert any("FIFO" in w and "grey" in w for w in facts["notices"]), facts
    builder = static_box_builder()
    path = builder.write_gltf(tmp_path / "fifo-buffer.gltf", bin_uri="pipe.bin")
    (tmp_path / "pipe.bin").unlink()
    os.mkfifo(tmp_path / "pipe.bin")
    code, err, _ = _run(capsys, path, tmp_path)
    assert code == 2
    _one_line(err, "fifo-buffer.gltf", "buffers[0]", "FIFO")


def test_a_texture_declaring_30000_px_is_grey_without_decoding_it(tmp_path, capsys):
    builder = with_texture(static_box_builder(uv=True), "huge.png")
    (tmp_path / "huge.png").write_bytes(png_declaring(30000, 30000))
    path = builder.write_gltf(tmp_path / "bomb.gltf")
    started = time.monotonic()
    code, err, facts = _run(capsys, path, tmp_path)
    assert code == 0 and time.monotonic() - started < 10, err
    assert any("30000x30000" in w and "grey" in w for w in facts["notices"]), facts


def test_a_png_chunk_claiming_gigabytes_is_grey(tmp_path, capsys):
    builder = with_texture(static_box_builder(uv=True), "torn.png")
    data = bytearray(png_declaring(8, 8))
    data[33:37] = struct.pack(">I", 0x7FFFFFF0)  # the IDAT chunk's length
    (tmp_path / "torn.png").write_bytes(bytes(data))
    path = builder.write_gltf(tmp_path / "torn.gltf")
    code, err, facts = _run(capsys, path, tmp_path)
    assert code == 0, err
    assert any("past the end" in w for w in facts["notices"]), facts


def test_nan_in_vertex_data_is_refused_naming_the_accessor(tmp_path, capsys):
    builder = static_box_builder()
    builder.blob[0:4] = np.float32("nan").tobytes()  # the first vertex's x
    path = builder.write_gltf(tmp_path / "nanvert.gltf")
    code, err, _ = _run(capsys, path, tmp_path)
    assert code == 2
    _one_line(err, "nanvert.gltf", "accessors[0]", "not finite")


def test_facts_into_a_folder_that_cannot_be_written_is_one_line(tmp_path, capsys):
    path = static_box_builder().write_gltf(tmp_path / "box.gltf")
    code = main(["preview", str(path), "--info", "/proc/self/facts.json"])
    err = capsys.readouterr().err
    assert code == 2
    _one_line(err, "/proc/self/facts.json", "writ")  # cannot be written / not writable
