"""glTF materials (PBR metallic-roughness, KHR_materials_unlit, VRM MToon 0.x and 1.0) to MaterialSpec.

MToon is a toon shader the renderer does not have; it is approximated by its lit colour (base colour and
texture) with the shade colour recorded, so a renderer may tint shadows. Nothing about a material is
ever fatal: an unknown or broken material becomes a grey one with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arwed.characters.base import MaterialSpec
from arwed.characters.gltf_io import GltfDocument, decode_image

GREY = (0.5, 0.5, 0.5, 1.0)


@dataclass(frozen=True)
class TextureTransform:
    """KHR_texture_transform for the base colour texture: applied to UVs at load."""

    offset: tuple[float, float] = (0.0, 0.0)
    rotation_rad: float = 0.0
    scale: tuple[float, float] = (1.0, 1.0)
    tex_coord: int = 0

    def apply(self, uv: np.ndarray) -> np.ndarray:
        if self.offset == (0.0, 0.0) and self.rotation_rad == 0.0 and self.scale == (1.0, 1.0):
            return uv
        c, s = np.cos(self.rotation_rad), np.sin(self.rotation_rad)
        u = uv[:, 0] * self.scale[0]
        v = uv[:, 1] * self.scale[1]
        out = np.stack([c * u + s * v + self.offset[0], -s * u + c * v + self.offset[1]], axis=1)
        return out.astype(np.float32)


@dataclass(frozen=True)
class LoadedMaterial:
    spec: MaterialSpec
    transform: TextureTransform


class MaterialLibrary:
    """Builds each material once; textures are decoded once and shared between parts."""

    def __init__(self, doc: GltfDocument):
        self._doc = doc
        self._textures: dict[int, np.ndarray | None] = {}
        self._materials: dict[int | None, LoadedMaterial] = {}
        vrm0 = doc.extension("VRM") or {}
        props = vrm0.get("materialProperties")
        self._vrm0_properties = props if isinstance(props, list) else []

    def get(self, index: int | None) -> LoadedMaterial:
        if index not in self._materials:
            self._materials[index] = self._build(index)
        return self._materials[index]

    def _build(self, index: int | None) -> LoadedMaterial:
        materials = self._doc.gltf.materials or []
        if index is None:
            return LoadedMaterial(MaterialSpec(name="default"), TextureTransform())
        if not 0 <= index < len(materials):
            self._doc.warnings.append(f"material {index} does not exist: grey material used")
            return LoadedMaterial(MaterialSpec(name="missing", base_color_factor=GREY), TextureTransform())
        try:
            return self._build_gltf(index, materials[index])
        except (TypeError, ValueError, AttributeError, IndexError, KeyError) as exc:
            self._doc.warnings.append(f"material {index} is malformed ({exc.__class__.__name__}): grey used")
            return LoadedMaterial(
                MaterialSpec(name=f"material{index}", base_color_factor=GREY), TextureTransform()
            )

    def _build_gltf(self, index: int, material) -> LoadedMaterial:
        pbr = material.pbrMetallicRoughness
        extensions = material.extensions or {}
        base = _rgba(pbr.baseColorFactor if pbr else None, (1.0, 1.0, 1.0, 1.0))
        texture_info = pbr.baseColorTexture if pbr else None
        texture, transform, missing = self._texture(texture_info)
        mtoon = extensions.get("VRMC_materials_mtoon")
        shade = _rgb(mtoon.get("shadeColorFactor"), None) if isinstance(mtoon, dict) else None
        fields = dict(
            name=material.name or f"material{index}",
            base_color_factor=GREY if missing else base,
            base_color_texture=texture,
            alpha_mode=material.alphaMode if material.alphaMode in ("OPAQUE", "MASK", "BLEND") else "OPAQUE",
            alpha_cutoff=float(material.alphaCutoff if material.alphaCutoff is not None else 0.5),
            double_sided=bool(material.doubleSided),
            unlit="KHR_materials_unlit" in extensions,
            metallic_factor=float(pbr.metallicFactor if pbr and pbr.metallicFactor is not None else 1.0),
            roughness_factor=float(pbr.roughnessFactor if pbr and pbr.roughnessFactor is not None else 1.0),
            emissive_factor=_rgb(material.emissiveFactor, (0.0, 0.0, 0.0)),
            shade_color_factor=shade,
        )
        if isinstance(mtoon, dict):
            fields.update(metallic_factor=0.0, roughness_factor=1.0)
        vrm0 = self._vrm0_mtoon(index)
        if vrm0:
            fields.update(vrm0)
            if missing and "base_color_factor" in vrm0:
                fields["base_color_factor"] = GREY
        if missing:
            fields["base_color_texture"] = None
        return LoadedMaterial(MaterialSpec(**fields), transform)

    def _texture(self, info) -> tuple[np.ndarray | None, TextureTransform, bool]:
        """(texture, uv transform, missing): missing is True when a texture was named but cannot be had."""
        if info is None or info.index is None:
            return None, TextureTransform(), False
        transform = _texture_transform(info)
        textures = self._doc.gltf.textures or []
        if not 0 <= info.index < len(textures):
            self._doc.warnings.append(f"texture {info.index} does not exist: grey material used")
            return None, transform, True
        source = textures[info.index].source
        if source is None:
            return None, transform, True
        if source not in self._textures:
            self._textures[source] = decode_image(self._doc, source)
        image = self._textures[source]
        return image, transform, image is None

    def _vrm0_mtoon(self, index: int) -> dict:
        """VRM 0.x keeps MToon settings beside the glTF material: base colour, shade colour, blend mode, cull."""
        if index >= len(self._vrm0_properties) or not isinstance(self._vrm0_properties[index], dict):
            return {}
        props = self._vrm0_properties[index]
        if "MToon" not in str(props.get("shader", "")):
            return {}
        vectors = props.get("vectorProperties") or {}
        floats = props.get("floatProperties") or {}
        out: dict = {"metallic_factor": 0.0, "roughness_factor": 1.0}
        if isinstance(vectors.get("_Color"), list):
            out["base_color_factor"] = _rgba(vectors["_Color"], (1.0, 1.0, 1.0, 1.0))
        if isinstance(vectors.get("_ShadeColor"), list):
            out["shade_color_factor"] = _rgb(vectors["_ShadeColor"][:3], None)
        blend = floats.get("_BlendMode")
        if blend is not None:
            out["alpha_mode"] = {0: "OPAQUE", 1: "MASK"}.get(int(blend), "BLEND")
        if floats.get("_Cutoff") is not None:
            out["alpha_cutoff"] = float(floats["_Cutoff"])
        if floats.get("_CullMode") is not None:
            out["double_sided"] = int(floats["_CullMode"]) == 0
        return out


def _texture_transform(info) -> TextureTransform:
    ext = (info.extensions or {}).get("KHR_texture_transform")
    tex_coord = int(info.texCoord or 0)
    if not isinstance(ext, dict):
        return TextureTransform(tex_coord=tex_coord)
    offset = ext.get("offset") or [0.0, 0.0]
    scale = ext.get("scale") or [1.0, 1.0]
    return TextureTransform(
        offset=(float(offset[0]), float(offset[1])),
        rotation_rad=float(ext.get("rotation") or 0.0),
        scale=(float(scale[0]), float(scale[1])),
        tex_coord=int(ext.get("texCoord", tex_coord)),
    )


def _rgba(value, default: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    if not isinstance(value, list | tuple) or len(value) < 3:
        return default
    values = [float(np.clip(v, 0.0, 1.0)) for v in value[:4]]
    if len(values) == 3:
        values.append(1.0)
    return (values[0], values[1], values[2], values[3])


def _rgb(value, default):
    if not isinstance(value, list | tuple) or len(value) < 3:
        return default
    return (float(value[0]), float(value[1]), float(value[2]))
