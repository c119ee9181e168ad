"""MToon test models, one per feature: three spheres stacked 1.8 m tall, each with another setting.

Plain glTF 2.0 binaries whose materials carry VRMC_materials_mtoon (and one VRM 0.x-style model whose
materials carry `materialProperties`), so arwed and three-vrm can both load them. Not part of the app:
used by tools/mtoon/compare.py and by the MToon tests (which import this file by path).

    python tools/mtoon/mtoon_models.py OUT_DIR
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import cv2
import numpy as np

SPHERE_RADIUS_M = 0.3
CENTRES_M = ((0.0, 0.3, 0.0), (0.0, 0.9, 0.0), (0.0, 1.5, 0.0))  # bottom to top


def sphere(radius: float, rings: int = 24, segments: int = 40):
    """(positions, normals, uv, faces) of a UV sphere, counter-clockwise seen from outside."""
    theta = np.linspace(0.0, np.pi, rings + 1)  # from the top
    phi = np.linspace(0.0, 2.0 * np.pi, segments + 1)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    normals = np.stack([np.sin(t) * np.sin(p), np.cos(t), np.sin(t) * np.cos(p)], axis=-1).reshape(-1, 3)
    uv = np.stack([p / (2.0 * np.pi), t / np.pi], axis=-1).reshape(-1, 2)
    faces = []
    for r in range(rings):
        for s in range(segments):
            a, b = r * (segments + 1) + s, (r + 1) * (segments + 1) + s
            faces += [(a, b, a + 1), (a + 1, b, b + 1)]
    return (
        (normals * radius).astype(np.float32),
        normals.astype(np.float32),
        uv.astype(np.float32),
        np.array(faces, np.uint32),
    )


def _png(image_rgb: np.ndarray) -> bytes:
    channels = image_rgb.shape[2]
    code = cv2.COLOR_RGBA2BGRA if channels == 4 else cv2.COLOR_RGB2BGR
    ok, data = cv2.imencode(".png", cv2.cvtColor(image_rgb, code))
    assert ok
    return data.tobytes()


def stripes(colour_a, colour_b, bands: int = 8, size: int = 64, alpha=None) -> np.ndarray:
    """Horizontal bands (along v): a texture whose effect is easy to see and to compare."""
    rows = (np.arange(size) * bands // size) % 2
    image = np.where(rows[:, None, None] == 0, np.array(colour_a, np.uint8), np.array(colour_b, np.uint8))
    image = np.broadcast_to(image, (size, size, len(colour_a))).copy()
    if alpha is not None:
        image = np.dstack([image[:, :, :3], np.where(rows == 0, alpha[0], alpha[1])[:, None].repeat(size, 1)])
    return image.astype(np.uint8)


def matcap(size: int = 64) -> np.ndarray:
    """A sphere map: bright warm highlight at the top left, dark at the bottom."""
    y, x = np.mgrid[0:size, 0:size] / (size - 1.0) * 2.0 - 1.0
    light = np.clip(1.0 - np.hypot(x + 0.4, y + 0.4), 0.0, 1.0) ** 2
    image = np.stack([light * 255, light * 200, light * 120], axis=-1)
    return image.astype(np.uint8)


class GlbWriter:
    def __init__(self) -> None:
        self.doc: dict = {
            "asset": {"version": "2.0", "generator": "arwed tools/mtoon"},
            "scene": 0,
            "scenes": [{"nodes": []}],
            "nodes": [],
            "meshes": [],
            "materials": [],
            "accessors": [],
            "bufferViews": [],
            "buffers": [{"byteLength": 0}],
            "extensionsUsed": ["VRMC_materials_mtoon"],
        }
        self.blob = bytearray()

    def _view(self, data: bytes, target: int | None = None) -> int:
        while len(self.blob) % 4:
            self.blob.append(0)
        view = {"buffer": 0, "byteOffset": len(self.blob), "byteLength": len(data)}
        if target:
            view["target"] = target
        self.blob.extend(data)
        self.doc["bufferViews"].append(view)
        return len(self.doc["bufferViews"]) - 1

    def _accessor(self, array: np.ndarray, kind: str, component: int, target: int) -> int:
        view = self._view(array.tobytes(), target)
        accessor = {"bufferView": view, "componentType": component, "count": len(array), "type": kind}
        if kind == "VEC3":
            accessor["min"] = array.min(axis=0).tolist()
            accessor["max"] = array.max(axis=0).tolist()
        self.doc["accessors"].append(accessor)
        return len(self.doc["accessors"]) - 1

    def texture(self, image: np.ndarray) -> int:
        doc = self.doc
        view = self._view(_png(image))
        doc.setdefault("images", []).append({"bufferView": view, "mimeType": "image/png"})
        doc.setdefault("samplers", [{"magFilter": 9729, "minFilter": 9987, "wrapS": 10497, "wrapT": 10497}])
        doc.setdefault("textures", []).append({"source": len(doc["images"]) - 1, "sampler": 0})
        return len(doc["textures"]) - 1

    def material(self, material: dict) -> int:
        self.doc["materials"].append(material)
        return len(self.doc["materials"]) - 1

    def sphere_node(self, centre, material: int, name: str, radius: float = SPHERE_RADIUS_M) -> None:
        positions, normals, uv, faces = sphere(radius)
        prim = {
            "attributes": {
                "POSITION": self._accessor(positions + np.asarray(centre, np.float32), "VEC3", 5126, 34962),
                "NORMAL": self._accessor(normals, "VEC3", 5126, 34962),
                "TEXCOORD_0": self._accessor(uv, "VEC2", 5126, 34962),
            },
            "indices": self._accessor(faces.reshape(-1), "SCALAR", 5125, 34963),
            "material": material,
        }
        self.doc["meshes"].append({"name": name, "primitives": [prim]})
        self.doc["nodes"].append({"name": name, "mesh": len(self.doc["meshes"]) - 1})
        self.doc["scenes"][0]["nodes"].append(len(self.doc["nodes"]) - 1)

    def write(self, path: Path) -> Path:
        while len(self.blob) % 4:
            self.blob.append(0)
        self.doc["buffers"][0]["byteLength"] = len(self.blob)
        text = json.dumps(self.doc).encode()
        text += b" " * (-len(text) % 4)
        body = (
            struct.pack("<II", len(text), 0x4E4F534A) + text + struct.pack("<II", len(self.blob), 0x004E4942)
        )
        body += bytes(self.blob)
        path.write_bytes(struct.pack("<III", 0x46546C67, 2, 12 + len(body)) + body)
        return path


def _mtoon_material(name: str, base=(0.55, 0.55, 0.55, 1.0), base_texture=None, **mtoon) -> dict:
    pbr: dict = {"baseColorFactor": list(base)}
    if base_texture is not None:
        pbr["baseColorTexture"] = {"index": base_texture}
    extra = {k: v for k, v in mtoon.items() if k.startswith("_")}
    ext = {"specVersion": "1.0", "shadeColorFactor": [0.12, 0.15, 0.35]}
    ext.update({k: v for k, v in mtoon.items() if not k.startswith("_")})
    material = {"name": name, "pbrMetallicRoughness": pbr, "extensions": {"VRMC_materials_mtoon": ext}}
    material.update({k[1:]: v for k, v in extra.items()})
    return material


def _column(writer: GlbWriter, materials: list[dict], name: str) -> GlbWriter:
    for i, (centre, material) in enumerate(zip(CENTRES_M, materials, strict=True)):
        writer.sphere_node(centre, writer.material(material), f"{name}_{i}")
    return writer


def shade_ramp() -> GlbWriter:
    return _column(
        GlbWriter(),
        [
            _mtoon_material("soft", shadingToonyFactor=0.1, shadingShiftFactor=0.0),
            _mtoon_material("mid", shadingToonyFactor=0.6, shadingShiftFactor=-0.3),
            _mtoon_material("hard", shadingToonyFactor=0.95, shadingShiftFactor=0.2),
        ],
        "shade",
    )


def shade_textures() -> GlbWriter:
    w = GlbWriter()
    shade = w.texture(stripes((200, 80, 80), (80, 80, 200)))
    shift = w.texture(stripes((255, 0, 0), (0, 0, 0), bands=4))
    base = w.texture(stripes((240, 230, 200), (200, 240, 230), bands=16))
    return _column(
        w,
        [
            _mtoon_material(
                "shade texture", shadeMultiplyTexture={"index": shade}, shadeColorFactor=[1, 1, 1]
            ),
            _mtoon_material("shift texture", shadingShiftTexture={"index": shift, "scale": -0.8}),
            _mtoon_material("base texture", base_texture=base, shadingToonyFactor=0.8),
        ],
        "shadetex",
    )


def rim_parametric() -> GlbWriter:
    rim = w_rim = GlbWriter()
    mask = w_rim.texture(stripes((255, 255, 255), (0, 0, 0), bands=6))
    return _column(
        rim,
        [
            _mtoon_material(
                "rim soft", parametricRimColorFactor=[1.0, 0.5, 0.1], parametricRimFresnelPowerFactor=1.5
            ),
            _mtoon_material(
                "rim lifted",
                parametricRimColorFactor=[0.2, 0.9, 0.3],
                parametricRimFresnelPowerFactor=4.0,
                parametricRimLiftFactor=0.2,
                rimLightingMixFactor=0.0,
            ),
            _mtoon_material(
                "rim masked",
                parametricRimColorFactor=[1.0, 1.0, 1.0],
                parametricRimFresnelPowerFactor=2.0,
                rimMultiplyTexture={"index": mask},
            ),
        ],
        "rim",
    )


def rim_matcap() -> GlbWriter:
    w = GlbWriter()
    cap = w.texture(matcap())
    return _column(
        w,
        [
            _mtoon_material("matcap", matcapTexture={"index": cap}),
            _mtoon_material("matcap tinted", matcapTexture={"index": cap}, matcapFactor=[0.3, 0.6, 1.0]),
            _mtoon_material(
                "matcap and rim", matcapTexture={"index": cap}, parametricRimColorFactor=[0.5, 0.2, 0.8]
            ),
        ],
        "matcap",
    )


def outline_world() -> GlbWriter:
    return _column(
        GlbWriter(),
        [
            _mtoon_material(
                f"outline {w} m",
                outlineWidthMode="worldCoordinates",
                outlineWidthFactor=w,
                outlineColorFactor=c,
                outlineLightingMixFactor=mix,
            )
            for w, c, mix in (
                (0.004, [0, 0, 0], 1.0),
                (0.01, [0.6, 0.1, 0.1], 0.0),
                (0.02, [0.1, 0.2, 0.6], 0.5),
            )
        ],
        "outline",
    )


def outline_screen() -> GlbWriter:
    return _column(
        GlbWriter(),
        [
            _mtoon_material(
                f"outline {w} screen",
                outlineWidthMode="screenCoordinates",
                outlineWidthFactor=w,
                outlineColorFactor=[0.05, 0.05, 0.1],
                outlineLightingMixFactor=0.0,
            )
            for w in (0.003, 0.008, 0.016)
        ],
        "outline_screen",
    )


def outline_texture() -> GlbWriter:
    w = GlbWriter()
    width = w.texture(stripes((0, 255, 0), (0, 0, 0), bands=6))
    return _column(
        w,
        [
            _mtoon_material(
                "outline masked",
                outlineWidthMode="worldCoordinates",
                outlineWidthFactor=0.02,
                outlineWidthMultiplyTexture={"index": width},
                outlineLightingMixFactor=0.0,
            ),
            _mtoon_material(
                "outline masked screen",
                outlineWidthMode="screenCoordinates",
                outlineWidthFactor=0.012,
                outlineWidthMultiplyTexture={"index": width},
                outlineColorFactor=[0.5, 0.0, 0.0],
                outlineLightingMixFactor=0.0,
            ),
            _mtoon_material("no outline", outlineWidthMode="none", outlineWidthFactor=0.02),
        ],
        "outline_tex",
    )


def emission() -> GlbWriter:
    w = GlbWriter()
    glow = w.texture(stripes((255, 255, 255), (30, 30, 30), bands=8))
    return _column(
        w,
        [
            _mtoon_material("emission", base=(0.1, 0.1, 0.1, 1.0), _emissiveFactor=[1.0, 0.4, 0.1]),
            _mtoon_material(
                "emission texture",
                base=(0.1, 0.1, 0.1, 1.0),
                _emissiveFactor=[0.2, 0.8, 1.0],
                _emissiveTexture={"index": glow},
            ),
            _mtoon_material(
                "emission strength",
                base=(0.1, 0.1, 0.1, 1.0),
                _emissiveFactor=[0.3, 0.3, 0.1],
                _extensions_strength=2.0,
            ),
        ],
        "emission",
    )


def alpha_modes() -> GlbWriter:
    w = GlbWriter()
    cut = w.texture(stripes((230, 120, 120), (120, 230, 120), bands=8, alpha=(255, 40)))
    return _column(
        w,
        [
            _mtoon_material("opaque", base_texture=cut),
            _mtoon_material("mask", base_texture=cut, _alphaMode="MASK", _alphaCutoff=0.5, _doubleSided=True),
            _mtoon_material(
                "blend", base=(0.9, 0.6, 0.3, 0.5), _alphaMode="BLEND", transparentWithZWrite=True
            ),
        ],
        "alpha",
    )


def render_queue() -> GlbWriter:
    """Three transparent spheres nested in one another: their queue order decides what shows through."""
    w = GlbWriter()
    materials = [
        _mtoon_material(
            "outer late", base=(0.9, 0.2, 0.2, 0.45), _alphaMode="BLEND", renderQueueOffsetNumber=0
        ),
        _mtoon_material(
            "inner early", base=(0.2, 0.3, 0.9, 0.8), _alphaMode="BLEND", renderQueueOffsetNumber=-5
        ),
        _mtoon_material(
            "zwrite first", base=(0.2, 0.9, 0.3, 0.7), _alphaMode="BLEND", transparentWithZWrite=True
        ),
    ]
    w.sphere_node((0.0, 0.9, 0.0), w.material(materials[0]), "outer", radius=0.45)
    w.sphere_node((0.0, 0.9, 0.0), w.material(materials[1]), "inner", radius=0.3)
    w.sphere_node((0.0, 0.3, 0.0), w.material(materials[2]), "base", radius=0.3)
    w.sphere_node((0.0, 1.5, 0.0), w.material(_mtoon_material("opaque top")), "top", radius=0.3)
    return w


def vrm0_mtoon() -> GlbWriter:
    """VRM 0.x style: glTF materials plus the `VRM` extension's materialProperties (gamma colours)."""
    w = GlbWriter()
    names = ("v0 toon", "v0 rim outline", "v0 emission")
    for i, (centre, name) in enumerate(zip(CENTRES_M, names, strict=True)):
        w.sphere_node(centre, w.material({"name": name, "pbrMetallicRoughness": {}}), f"v0_{i}")
    common = {"_Color": [0.75, 0.72, 0.7, 1.0], "_ShadeColor": [0.4, 0.45, 0.7, 1.0]}
    props = [
        {"floatProperties": {"_ShadeToony": 0.8, "_ShadeShift": -0.2}, "vectorProperties": dict(common)},
        {
            "floatProperties": {
                "_ShadeToony": 0.5,
                "_RimFresnelPower": 3.0,
                "_OutlineWidthMode": 1,
                "_OutlineWidth": 0.8,
                "_OutlineColorMode": 0,
            },
            "vectorProperties": {
                **common,
                "_RimColor": [0.9, 0.6, 0.3, 1.0],
                "_OutlineColor": [0.1, 0.05, 0.05, 1.0],
            },
        },
        {
            "floatProperties": {"_ShadeToony": 0.9},
            "vectorProperties": {**common, "_EmissionColor": [0.6, 0.3, 0.9, 1.0]},
        },
    ]
    w.doc["extensionsUsed"] = ["VRM"]
    for material in w.doc["materials"]:
        material.pop("extensions", None)
    properties = []
    for name, p in zip(names, props, strict=True):
        properties.append(
            {
                "name": name,
                "shader": "VRM/MToon",
                "renderQueue": 2000,
                "keywordMap": {},
                "tagMap": {"RenderType": "Opaque"},
                "textureProperties": {},
                **p,
            }
        )
    w.doc["extensions"] = {"VRM": {"materialProperties": properties}}
    return w


FEATURES = {
    "mtoon_shade_ramp": shade_ramp,
    "mtoon_shade_textures": shade_textures,
    "mtoon_rim_parametric": rim_parametric,
    "mtoon_rim_matcap": rim_matcap,
    "mtoon_outline_world": outline_world,
    "mtoon_outline_screen": outline_screen,
    "mtoon_outline_texture": outline_texture,
    "mtoon_emission": emission,
    "mtoon_alpha_modes": alpha_modes,
    "mtoon_render_queue": render_queue,
    "mtoon_vrm0": vrm0_mtoon,
}


def _finish_emission_strength(writer: GlbWriter) -> None:
    """`_extensions_strength` stands for KHR_materials_emissive_strength (kept apart from MToon's dict)."""
    for material in writer.doc["materials"]:
        strength = material.pop("extensions_strength", None)
        if strength is not None:
            material["extensions"]["KHR_materials_emissive_strength"] = {"emissiveStrength": strength}
            writer.doc["extensionsUsed"].append("KHR_materials_emissive_strength")


def write_all(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, build in FEATURES.items():
        writer = build()
        _finish_emission_strength(writer)
        paths.append(writer.write(out_dir / f"{name}.glb"))
    return paths


if __name__ == "__main__":
    for written in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "out/mtoon_models")):
        print(written)
