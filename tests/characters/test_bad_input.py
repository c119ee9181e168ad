"""Broken and hostile model files: one clear InputFileError (exit code 2), never a traceback or a read outside."""

from __future__ import annotations

import base64
import json

import cv2
import numpy as np
import pygltflib
import pytest

from arwed.characters import gltf_io
from arwed.characters.loader import NOT_RIGGED, load_character
from arwed.errors import InputFileError, UserError
from tests.characters.gltf_factory import GltfBuilder, MeshSpec, box, humanoid_builder


def static_box_builder(uv: bool = False) -> GltfBuilder:
    builder = GltfBuilder()
    corners, faces = box((0.0, 0.9, 0.0), (0.5, 1.8, 0.3))
    spec = MeshSpec(corners, faces, uv=(corners[:, [0, 1]] + 1) / 3 if uv else None)
    mesh = builder.add_mesh(spec, material=0 if uv else None)
    node = builder.add_node("statue", mesh=mesh)
    builder.set_scene([node])
    return builder


def with_texture(builder: GltfBuilder, uri: str) -> GltfBuilder:
    builder.gltf.images = [pygltflib.Image(uri=uri)]
    builder.gltf.textures = [pygltflib.Texture(source=0)]
    builder.gltf.materials = [
        pygltflib.Material(
            name="skin",
            pbrMetallicRoughness=pygltflib.PbrMetallicRoughness(
                baseColorFactor=[1, 1, 1, 1], baseColorTexture=pygltflib.TextureInfo(index=0)
            ),
        )
    ]
    return builder


def assert_one_line(exc: InputFileError, path, *words: str) -> None:
    message = str(exc)
    assert "\n" not in message
    assert str(path) in message
    for word in words:
        assert word in message.lower(), message
    assert isinstance(exc, UserError) and exc.exit_code == 2


def test_truncated_glb_is_refused(tmp_path):
    builder, _, _ = humanoid_builder("1.0")
    good = builder.write_glb(tmp_path / "good.vrm")
    data = good.read_bytes()
    for cut in (len(data) // 2, 40, 10):
        bad = tmp_path / f"cut{cut}.vrm"
        bad.write_bytes(data[:cut])
        with pytest.raises(InputFileError) as info:
            load_character(bad)
        assert_one_line(info.value, bad, "truncated")


def test_broken_json_names_the_line(tmp_path):
    builder = static_box_builder()
    path = builder.write_gltf(tmp_path / "statue.gltf")
    text = path.read_text()
    path.write_text(text[:-20] + "\n,,,}")
    with pytest.raises(InputFileError) as info:
        load_character(path)
    assert_one_line(info.value, path, "broken json", "line")


def test_json_that_is_not_gltf_is_refused(tmp_path):
    path = tmp_path / "notes.gltf"
    path.write_text(json.dumps({"hello": "world"}))
    with pytest.raises(InputFileError) as info:
        load_character(path)
    assert_one_line(info.value, path, "not a gltf")


def test_missing_texture_loads_with_a_warning_and_grey(tmp_path):
    builder = with_texture(static_box_builder(uv=True), "skin.png")
    path = builder.write_gltf(tmp_path / "statue.gltf")
    character = load_character(path)
    material = character.parts[0].material
    assert material.base_color_texture is None
    assert material.base_color_factor[:3] == (0.5, 0.5, 0.5)
    assert any("skin.png" in n and "grey" in n for n in character.info.notices)


def test_present_texture_is_decoded_from_its_bytes(tmp_path):
    image = np.zeros((8, 8, 3), np.uint8)
    image[:, :, 2] = 255  # BGR red
    cv2.imwrite(str(tmp_path / "skin.png"), image)
    builder = with_texture(static_box_builder(uv=True), "skin.png")
    character = load_character(builder.write_gltf(tmp_path / "statue.gltf"))
    texture = character.parts[0].material.base_color_texture
    assert texture is not None and texture.shape == (8, 8, 3)
    assert tuple(texture[0, 0]) == (255, 0, 0)  # delivered as RGB


def test_data_uri_texture_is_allowed(tmp_path):
    ok, png = cv2.imencode(".png", np.full((4, 4, 3), 200, np.uint8))
    uri = "data:image/png;base64," + base64.b64encode(png.tobytes()).decode()
    character = load_character(with_texture(static_box_builder(uv=True), uri).write_glb(tmp_path / "s.glb"))
    assert character.parts[0].material.base_color_texture is not None


@pytest.mark.parametrize("uri", ["../secret.png", "sub/../../secret.png", "%2E%2E/secret.png"])
def test_texture_outside_the_folder_is_refused(tmp_path, uri):
    folder = tmp_path / "model"
    (folder / "sub").mkdir(parents=True)
    cv2.imwrite(str(tmp_path / "secret.png"), np.zeros((4, 4, 3), np.uint8))
    path = with_texture(static_box_builder(uv=True), uri).write_gltf(folder / "statue.gltf")
    with pytest.raises(InputFileError) as info:
        load_character(path)
    assert_one_line(info.value, path, "outside the model's folder")


@pytest.mark.parametrize(
    "uri", ["/etc/passwd", "C:\\\\Windows\\\\win.ini", "file:///etc/passwd", "https://example.com/x.png"]
)
def test_absolute_paths_and_other_schemes_are_refused(tmp_path, uri):
    path = with_texture(static_box_builder(uv=True), uri).write_gltf(tmp_path / "statue.gltf")
    with pytest.raises(InputFileError) as info:
        load_character(path)
    assert_one_line(
        info.value, path, "refused" if not uri.startswith(("file", "http")) else "beside the model"
    )


def test_buffer_outside_the_folder_is_refused(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    builder = static_box_builder()
    (tmp_path / "stolen.bin").write_bytes(bytes(len(builder.blob)))
    path = builder.write_gltf(folder / "statue.gltf", bin_uri="../stolen.bin")
    with pytest.raises(InputFileError) as info:
        load_character(path)
    assert_one_line(info.value, path, "outside the model's folder")


def test_symlink_pointing_outside_is_refused(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    builder = static_box_builder()
    (tmp_path / "elsewhere.bin").write_bytes(bytes(builder.blob))
    (folder / "statue.bin").symlink_to(tmp_path / "elsewhere.bin")
    path = builder.write_gltf(folder / "statue.gltf", bin_uri="statue.bin/")
    document = json.loads(path.read_text())
    document["buffers"][0]["uri"] = "statue.bin"
    path.write_text(json.dumps(document))
    with pytest.raises(InputFileError) as info:
        load_character(path)
    assert_one_line(info.value, path, "outside the model's folder")


def test_absurd_accessor_count_is_refused_before_allocating(tmp_path):
    builder = static_box_builder()
    path = builder.write_gltf(tmp_path / "statue.gltf")
    document = json.loads(path.read_text())
    document["accessors"][0]["count"] = 4_000_000_000
    path.write_text(json.dumps(document))
    with pytest.raises(InputFileError) as info:
        load_character(path)
    assert_one_line(info.value, path, "over the limit", f"{gltf_io.MAX_ACCESSOR_ELEMENTS:,}")


def test_accessor_reaching_past_its_buffer_is_refused(tmp_path):
    builder = static_box_builder()
    path = builder.write_gltf(tmp_path / "statue.gltf")
    document = json.loads(path.read_text())
    document["accessors"][0]["count"] = 5000
    path.write_text(json.dumps(document))
    with pytest.raises(InputFileError) as info:
        load_character(path)
    assert_one_line(info.value, path, "past the end")


def test_missing_buffer_file_is_reported(tmp_path):
    path = static_box_builder().write_gltf(tmp_path / "statue.gltf")
    (tmp_path / "statue.bin").unlink()
    with pytest.raises(InputFileError) as info:
        load_character(path)
    assert_one_line(info.value, path, "missing")


def test_index_past_the_vertices_is_refused(tmp_path):
    builder = GltfBuilder()
    corners, faces = box((0, 0, 0), (1, 1, 1))
    faces = faces.copy()
    faces[0, 0] = 99
    builder.set_scene([builder.add_node("bad", mesh=builder.add_mesh(MeshSpec(corners, faces)))])
    path = builder.write_glb(tmp_path / "bad.glb")
    with pytest.raises(InputFileError) as info:
        load_character(path)
    assert_one_line(info.value, path, "index")


def test_no_such_file_and_wrong_suffix(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        load_character(tmp_path / "nobody.vrm")
    other = tmp_path / "model.obj"
    other.write_text("v 0 0 0")
    with pytest.raises(InputFileError, match="unsupported model type"):
        load_character(other)


def test_model_without_a_skeleton_loads_as_a_static_figure(tmp_path):
    character = load_character(static_box_builder().write_glb(tmp_path / "statue.glb"), height_m=1.7)
    assert character.info.notices[0] == NOT_RIGGED
    assert not character.info.humanoid
    assert character.info.height_m == 1.7
    from arwed.characters.base import CharacterCue

    posed = character.pose(CharacterCue(time_s=0.0, look_at_m=np.array([1.0, 1.6, 1.0])))
    later = character.pose(CharacterCue(time_s=3.0, look_at_m=np.array([-1.0, 1.6, 1.0])))
    np.testing.assert_array_equal(posed[0].positions_m, later[0].positions_m)  # nothing moves
    assert abs(float(posed[0].positions_m[:, 1].max()) - 1.7) < 1e-3
