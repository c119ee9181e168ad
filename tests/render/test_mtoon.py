"""MToon: materials read as the specification says (1.0 and 0.x), and drawn with each feature visible.

The models are the per-feature MToon test models of tools/mtoon/mtoon_models.py (three stacked spheres
each), written into a temporary folder; the renderer's pictures are measured where the feature shows.
"""

from __future__ import annotations

import importlib.util
import json
import math
import struct
from pathlib import Path

import numpy as np
import pytest

from arwed.characters.base import CharacterCue
from arwed.characters.loader import load_character
from arwed.geometry.camera import intrinsics_from_fov
from arwed.render.renderer import CharacterRenderer
from arwed.types import DirectionalLight, SceneLight

REPO_ROOT = Path(__file__).resolve().parents[2]
FOV_DEG = 35.0  # horizontal, 320 x 480 pictures: the 1.8 m column fills the height from 2 m away


def _models_module():
    spec = importlib.util.spec_from_file_location(
        "mtoon_models", REPO_ROOT / "tools" / "mtoon" / "mtoon_models.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


models = _models_module()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("mtoon")
    models.write_all(out)
    return out


# one key light from the left, a little in front, and a faint ambient: lit left halves, shaded right ones
KEY_FROM_LEFT = SceneLight(
    key=DirectionalLight((-1.0, 0.0, -0.25), (0.9, 0.9, 0.9)), fills=(), ambient_rgb=(0.1, 0.1, 0.1)
)


@pytest.fixture(scope="module")
def renderer():
    r = CharacterRenderer(KEY_FROM_LEFT)
    yield r
    r.close()


def _materials(path: Path) -> dict:
    character = load_character(path)
    return {part.material.name: part.material for part in character.parts}


def _front_view(distance_m: float = 2.0) -> np.ndarray:
    m = np.eye(4)
    m[:3, :3] = np.diag([1.0, -1.0, -1.0])  # facing the camera
    m[:3, 3] = (0.0, 0.9, distance_m)
    return m


def _render(renderer, path: Path, size=(320, 480), distance_m: float = 2.0):
    character = load_character(path)
    renderer.set_character(character)
    posed = character.pose(CharacterCue(time_s=0.0))
    intrinsics = intrinsics_from_fov(size[0], size[1], FOV_DEG)
    layer = renderer.render(posed, _front_view(distance_m), intrinsics, region_px=(0, 0, *size))
    return layer.rgba, intrinsics


def _sphere_px(intrinsics, centre_y_m: float, distance_m: float = 2.0, radius_m: float = 0.3):
    """Image centre and silhouette radius (pixels) of a sphere of the test column."""
    y_cam = 0.9 - centre_y_m  # camera 0.9 m up, looking level; y down
    u = intrinsics.cx_px
    v = intrinsics.cy_px + intrinsics.fy_px * y_cam / distance_m
    return u, v, intrinsics.fx_px * radius_m / math.sqrt(distance_m**2 - radius_m**2)


def _ring(rgba, intrinsics, centre_y_m, inner: float, outer: float) -> np.ndarray:
    """Pixels between inner and outer (fractions of the sphere's radius) around a sphere's centre, on its
    left and right (where no neighbouring sphere touches it)."""
    u, v, r = _sphere_px(intrinsics, centre_y_m)
    y, x = np.mgrid[0 : rgba.shape[0], 0 : rgba.shape[1]]
    d = np.hypot(x - u, y - v) / r
    sideways = np.abs(y - v) < 0.6 * r
    return rgba[(d >= inner) & (d < outer) & sideways]


def test_mtoon_1_properties_are_read(model_dir):
    m = _materials(model_dir / "mtoon_shade_ramp.glb")
    hard = m["hard"].mtoon
    assert hard.shading_toony_factor == pytest.approx(0.95) and hard.shading_shift_factor == pytest.approx(
        0.2
    )
    assert hard.shade_color_factor == pytest.approx((0.12, 0.15, 0.35))
    outline = _materials(model_dir / "mtoon_outline_world.glb")["outline 0.02 m"].mtoon
    assert outline.outline_width_mode == "worldCoordinates" and outline.outline_width_factor == pytest.approx(
        0.02
    )
    assert outline.outline_lighting_mix_factor == pytest.approx(0.5)
    rim = _materials(model_dir / "mtoon_rim_parametric.glb")["rim masked"].mtoon
    assert rim.rim_multiply_texture is not None and rim.parametric_rim_fresnel_power_factor == pytest.approx(
        2.0
    )
    emission = _materials(model_dir / "mtoon_emission.glb")
    assert emission["emission texture"].emissive_texture is not None
    assert emission["emission strength"].emissive_factor == pytest.approx((0.6, 0.6, 0.2))  # x2 strength
    queue = _materials(model_dir / "mtoon_render_queue.glb")
    assert queue["inner early"].mtoon.render_queue_offset_number == -5
    assert queue["zwrite first"].mtoon.transparent_with_z_write


def test_mtoon_0x_properties_are_converted_as_three_vrm_does(model_dir):
    m = _materials(model_dir / "mtoon_vrm0.glb")
    toon = m["v0 toon"]
    assert toon.base_color_factor[:3] == pytest.approx(
        tuple(c**2.2 for c in (0.75, 0.72, 0.7))
    )  # gamma -> linear
    # 0.x toony 0.8, shift -0.2 -> 1.0: toony lerp(0.8, 1, 0.5 + 0.5 * -0.2) = 0.88, shift 0.2 - 0.12 = 0.08
    assert toon.mtoon.shading_toony_factor == pytest.approx(0.88)
    assert toon.mtoon.shading_shift_factor == pytest.approx(0.08)
    outlined = m["v0 rim outline"].mtoon
    assert outlined.outline_width_mode == "worldCoordinates"
    assert outlined.outline_width_factor == pytest.approx(0.008)  # centimetres in 0.x
    assert outlined.outline_lighting_mix_factor == 0.0  # colour mode "fixed"
    assert m["v0 emission"].emissive_factor == pytest.approx(tuple(c**2.2 for c in (0.6, 0.3, 0.9)))


def test_broken_mtoon_values_fall_back_to_the_defaults(tmp_path):
    writer = models.GlbWriter()
    material = models._mtoon_material("broken")
    material["extensions"]["VRMC_materials_mtoon"].update(
        shadingToonyFactor="very",
        # NaN cannot reach here: a JSON NaN is refused by the reader; a wrong type must fall back
        shadeColorFactor=["red", 1, 1],
        outlineWidthMode="wobbly",
        outlineWidthFactor=-3,
        renderQueueOffsetNumber=1e9,
        matcapTexture={"index": 99},
        parametricRimFresnelPowerFactor=None,
    )
    writer.sphere_node((0, 0.9, 0), writer.material(material), "broken")
    character = load_character(writer.write(tmp_path / "broken.glb"))
    mtoon = character.parts[0].material.mtoon
    assert mtoon.shading_toony_factor == 0.9 and mtoon.shade_color_factor == (0.0, 0.0, 0.0)
    assert mtoon.outline_width_mode == "none" and mtoon.outline_width_factor == 0.0
    assert mtoon.render_queue_offset_number == 9 and mtoon.matcap_texture is None
    assert mtoon.parametric_rim_fresnel_power_factor == 5.0


def test_shade_ramp_hard_edge_is_sharper_than_soft(renderer, model_dir):
    rgba, intrinsics = _render(renderer, model_dir / "mtoon_shade_ramp.glb")

    def steepest_step(centre_y_m):
        u, v, r = _sphere_px(intrinsics, centre_y_m)
        # across the middle, from the lit left to the shaded right
        t = np.linspace(-0.95, 0.95, 120)
        xs, ys = (u + t * r).astype(int), np.full(len(t), int(v))
        line = rgba[ys, xs, :3].astype(float).mean(axis=1)
        return np.abs(np.diff(line)).max(), line.max() - line.min()

    hard_step, hard_range = steepest_step(1.5)  # toony 0.95
    soft_step, soft_range = steepest_step(0.3)  # toony 0.1
    assert hard_range > 40  # lit and shade colours both show
    assert hard_step > 3 * soft_step


def test_outline_world_draws_a_ring_of_its_colour_outside_the_surface(renderer, model_dir):
    rgba, intrinsics = _render(renderer, model_dir / "mtoon_outline_world.glb")
    # the middle sphere: a 1 cm red outline (unlit) at 2 m, 2.5 px: look just outside the surface
    ring = _ring(rgba, intrinsics, 0.9, 1.01, 1.025)
    covered = ring[ring[:, 3] > 128]
    assert len(covered) > 0.5 * len(ring)
    red, green, blue = covered[:, :3].astype(float).mean(axis=0)
    assert red > 2 * green and red > 2 * blue


def test_no_outline_mode_draws_nothing_outside(renderer, model_dir):
    rgba, intrinsics = _render(renderer, model_dir / "mtoon_outline_texture.glb")
    ring = _ring(rgba, intrinsics, 1.5, 1.06, 1.2)  # the top sphere has mode "none" with a width set
    assert (ring[:, 3] > 16).mean() < 0.02


def test_screen_outline_keeps_its_pixel_width_at_twice_the_distance(renderer, model_dir):
    path = model_dir / "mtoon_outline_screen.glb"
    widths = []
    for distance in (2.0, 4.0):
        character = load_character(path)
        renderer.set_character(character)
        posed = character.pose(CharacterCue(time_s=0.0))
        intrinsics = intrinsics_from_fov(320, 480, FOV_DEG)
        layer = renderer.render(posed, _front_view(distance), intrinsics, region_px=(0, 0, 320, 480))
        u, v, r = _sphere_px(intrinsics, 1.5, distance)  # 0.016 of the screen height
        row = layer.rgba[int(round(v)), :, :]
        dark = (row[:, 3] > 128) & (row[:, :3].max(axis=1) < 100)
        left_edge = int(u - r)
        widths.append(int(dark[max(0, left_edge - 12) : left_edge + 3].sum()))
    assert widths[0] >= 2 and abs(widths[0] - widths[1]) <= 1


def test_emission_lights_a_dark_surface(renderer, model_dir):
    rgba, intrinsics = _render(renderer, model_dir / "mtoon_emission.glb")
    core = (
        _ring(rgba, intrinsics, 0.3, 0.0, 0.5)[:, :3].astype(float).mean(axis=0)
    )  # base 0.1, emission orange
    red, green, blue = core
    assert red > 200 and red > green > blue


def test_alpha_mask_cuts_and_blend_lets_the_background_through(renderer, model_dir):
    rgba, intrinsics = _render(renderer, model_dir / "mtoon_alpha_modes.glb")
    opaque = _ring(rgba, intrinsics, 0.3, 0.0, 0.8)
    mask = _ring(rgba, intrinsics, 0.9, 0.0, 0.8)
    blend = _ring(rgba, intrinsics, 1.5, 0.0, 0.8)
    assert (opaque[:, 3] == 255).all()
    cut = (mask[:, 3] == 0).mean()
    assert 0.25 < cut < 0.75  # half the bands are below the cutoff
    assert set(np.unique(mask[:, 3])) <= {0, 255} | set(range(1, 255)) and (mask[:, 3] > 0).mean() > 0.25
    assert np.median(blend[:, 3]) == pytest.approx(128, abs=6)  # alpha 0.5


def test_render_queue_orders_transparent_parts(renderer, model_dir):
    """The inner sphere (offset -5) is drawn before the outer one (offset 0) so it shows through it."""
    rgba, intrinsics = _render(renderer, model_dir / "mtoon_render_queue.glb")
    u, v, r = _sphere_px(intrinsics, 0.9, radius_m=0.3)
    centre = (
        rgba[int(v) - 3 : int(v) + 3, int(u) - 3 : int(u) + 3, :3].reshape(-1, 3).astype(float).mean(axis=0)
    )
    red, green, blue = centre
    assert blue > 60  # the blue inner sphere is seen through the red outer one
    assert red > 40


def test_shared_mtoon_sample_renders_its_textures(renderer, shared_models_dir):
    path = shared_models_dir / "VRMC_materials_mtoon_UV_Animation_Test.vrm"
    character = load_character(path)
    assert all(part.material.mtoon is not None for part in character.parts)
    renderer.set_character(character)
    posed = character.pose(CharacterCue(time_s=0.0))
    intrinsics = intrinsics_from_fov(320, 480, FOV_DEG)
    view = _front_view(3.6)
    layer = renderer.render(posed, view, intrinsics, region_px=(0, 0, 320, 480))
    visible = layer.rgba[layer.rgba[:, :, 3] > 200, :3].astype(float)
    assert len(visible) > 5000
    assert visible.mean() > 150 and (visible.mean(axis=1) < 60).mean() > 0.05  # white cards, black arrows


def _glb_json(path: Path) -> dict:
    data = path.read_bytes()
    length = struct.unpack("<I", data[12:16])[0]
    return json.loads(data[20 : 20 + length])


def test_every_feature_model_is_valid_gltf(model_dir):
    for path in model_dir.glob("*.glb"):
        doc = _glb_json(path)
        assert doc["asset"]["version"] == "2.0"
        assert len(doc["meshes"]) >= 3
        assert math.isclose(len(doc["materials"]), len(doc["meshes"]))


def _shade_texture_model(path: Path, shared: bool) -> Path:
    """Three spheres whose shade colour is their lit image tinted blue: the same image (`shared`, as VRoid
    models have it) or a second image of the same pixels."""
    writer = models.GlbWriter()
    lit = writer.texture(models.stripes((240, 200, 160), (160, 220, 240), bands=8))
    shade = lit if shared else writer.texture(models.stripes((240, 200, 160), (160, 220, 240), bands=8))
    material = models._mtoon_material(
        "lit as shade",
        base=(1.0, 1.0, 1.0, 1.0),
        base_texture=lit,
        shadeMultiplyTexture={"index": shade},
        shadeColorFactor=[0.3, 0.3, 0.8],
        shadingToonyFactor=0.9,
    )
    return models._column(writer, [material] * 3, "shade").write(path)


def test_a_shade_texture_that_is_the_lit_image_draws_as_a_separate_one(renderer, tmp_path):
    # The shader samples a shared image once for both colours (a software renderer pays per sample).
    shared, _ = _render(renderer, _shade_texture_model(tmp_path / "shared.glb", True))
    separate, intrinsics = _render(renderer, _shade_texture_model(tmp_path / "separate.glb", False))
    assert np.abs(shared.astype(int) - separate.astype(int)).max() <= 1
    u, v, r = _sphere_px(intrinsics, 0.9)
    lit, shaded = separate[int(v), int(u - 0.6 * r), :3], separate[int(v), int(u + 0.6 * r), :3]
    assert int(lit.sum()) > int(shaded.sum()) + 60  # the shade colour (the image tinted) shows
    assert int(shaded[2]) > int(shaded[0])  # tinted blue: the image's shade, not a flat colour
