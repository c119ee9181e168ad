"""glTF alpha modes in the plain (non-MToon) shader: an OPAQUE material ignores alpha, as the spec says.

A model whose OPAQUE material has a texture with alpha 0 everywhere (and a base colour factor alpha of 0)
used to render as nothing at all: the composite saw a fully transparent character."""

from __future__ import annotations

import pytest

from arwed.render.renderer import CharacterRenderer
from tests.render.test_mtoon import KEY_FROM_LEFT, _render, _sphere_px, models


@pytest.fixture(scope="module")
def renderer():
    r = CharacterRenderer(KEY_FROM_LEFT)
    yield r
    r.close()


def _sphere_model(tmp_path, alpha_mode: str):
    writer = models.GlbWriter()
    writer.doc["extensionsUsed"] = []
    red_transparent = models.stripes((230, 40, 40), (200, 30, 30), alpha=(0, 0))
    material = {
        "name": alpha_mode.lower(),
        "pbrMetallicRoughness": {
            "baseColorFactor": [1.0, 1.0, 1.0, 0.0],
            "baseColorTexture": {"index": writer.texture(red_transparent)},
        },
        "alphaMode": alpha_mode,
    }
    writer.sphere_node((0, 0.9, 0), writer.material(material), "ball")
    return writer.write(tmp_path / f"{alpha_mode}.glb")


def _centre_rgba(rgba, intrinsics):
    u, v, r = _sphere_px(intrinsics, 0.9)
    patch = rgba[int(v - r / 3) : int(v + r / 3), int(u - r / 3) : int(u + r / 3)]
    return patch.reshape(-1, 4).astype(float).mean(axis=0)


def test_an_opaque_material_is_drawn_whatever_its_texture_alpha(renderer, tmp_path):
    rgba, intrinsics = _render(renderer, _sphere_model(tmp_path, "OPAQUE"))
    red, green, blue, alpha = _centre_rgba(rgba, intrinsics)
    assert alpha > 250 and red > 2 * green  # solid, and its texture's red shows


def test_a_blend_material_keeps_its_alpha(renderer, tmp_path):
    rgba, intrinsics = _render(renderer, _sphere_model(tmp_path, "BLEND"))
    assert _centre_rgba(rgba, intrinsics)[3] < 5  # alpha 0 in BLEND stays see-through
