"""glTF materials (PBR metallic-roughness, KHR_materials_unlit, VRM MToon 0.x and 1.0) to MaterialSpec.

MToon (VRMC_materials_mtoon 1.0, or VRM 0.x's `materialProperties`) becomes an MToonSpec beside the
glTF colours; VRM 0.x values are converted to 1.0 semantics as the VRM consortium's reference viewer
(three-vrm) does: gamma colours to linear, shade shift and toony to the 1.0 ramp, outline centimetres to
metres, render queues to offsets. Nothing about a material is ever fatal: an unknown or broken
material becomes a grey one with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arwed.characters.base import MaterialSpec
from arwed.characters.gltf_io import GltfDocument, decode_image
from arwed.characters.mtoon import MToonSpec

GREY = (0.5, 0.5, 0.5, 1.0)
OUTLINE_MODES = ("none", "worldCoordinates", "screenCoordinates")
MAX_RENDER_QUEUE_OFFSET = 9


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
        self._vrm0_queue_offsets = _vrm0_queue_offsets(self._vrm0_properties)

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
        emissive_texture = self._texture(material.emissiveTexture)[0]
        emissive = _rgb(material.emissiveFactor, (0.0, 0.0, 0.0))
        strength = extensions.get("KHR_materials_emissive_strength")
        if isinstance(strength, dict) and isinstance(strength.get("emissiveStrength"), int | float):
            emissive = tuple(c * float(strength["emissiveStrength"]) for c in emissive)
        mtoon_ext = extensions.get("VRMC_materials_mtoon")
        mtoon = self._mtoon_1(mtoon_ext) if isinstance(mtoon_ext, dict) else None
        fields = dict(
            name=material.name or f"material{index}",
            base_color_factor=GREY if missing else base,
            base_color_texture=texture,
            alpha_mode=material.alphaMode if material.alphaMode in ("OPAQUE", "MASK", "BLEND") else "OPAQUE",
            alpha_cutoff=float(material.alphaCutoff if material.alphaCutoff is not None else 0.5),
            double_sided=bool(material.doubleSided),
            unlit="KHR_materials_unlit" in extensions and mtoon is None,  # MToon takes precedence
            metallic_factor=float(pbr.metallicFactor if pbr and pbr.metallicFactor is not None else 1.0),
            roughness_factor=float(pbr.roughnessFactor if pbr and pbr.roughnessFactor is not None else 1.0),
            emissive_factor=emissive,
            emissive_texture=emissive_texture,
            shade_color_factor=mtoon.shade_color_factor if mtoon else None,
            mtoon=mtoon,
        )
        if mtoon is not None:
            fields.update(metallic_factor=0.0, roughness_factor=1.0)
        vrm0 = self._vrm0_material(index)
        if vrm0:
            fields.update(vrm0)
            if missing and "base_color_factor" in vrm0:
                fields["base_color_factor"] = GREY
        if missing:
            fields["base_color_texture"] = None
        return LoadedMaterial(MaterialSpec(**fields), transform)

    def _texture_at(self, info) -> np.ndarray | None:
        """The image of an MToon texture reference ({"index": n, ...}), or None."""
        if not isinstance(info, dict) or not isinstance(info.get("index"), int):
            return None
        return self._image_of_texture(info["index"])

    def _image_of_texture(self, texture_index: int) -> np.ndarray | None:
        textures = self._doc.gltf.textures or []
        if not 0 <= texture_index < len(textures):
            self._doc.warnings.append(f"texture {texture_index} does not exist: ignored")
            return None
        source = textures[texture_index].source
        if source is None:
            return None
        if source not in self._textures:
            self._textures[source] = decode_image(self._doc, source)
        return self._textures[source]

    def _mtoon_1(self, ext: dict) -> MToonSpec:
        """VRMC_materials_mtoon 1.0: every property optional, defaults as the specification gives them."""
        shift_info = ext.get("shadingShiftTexture")
        mode = ext.get("outlineWidthMode")
        return MToonSpec(
            shade_color_factor=_rgb(ext.get("shadeColorFactor"), (0.0, 0.0, 0.0)),
            shade_multiply_texture=self._texture_at(ext.get("shadeMultiplyTexture")),
            shading_shift_factor=_number(ext.get("shadingShiftFactor"), 0.0),
            shading_shift_texture=self._texture_at(shift_info),
            shading_shift_texture_scale=_number(
                shift_info.get("scale") if isinstance(shift_info, dict) else None, 1.0
            ),
            shading_toony_factor=_number(ext.get("shadingToonyFactor"), 0.9, 0.0, 1.0),
            gi_equalization_factor=_number(ext.get("giEqualizationFactor"), 0.9, 0.0, 1.0),
            matcap_factor=_rgb(ext.get("matcapFactor"), (1.0, 1.0, 1.0)),
            matcap_texture=self._texture_at(ext.get("matcapTexture")),
            parametric_rim_color_factor=_rgb(ext.get("parametricRimColorFactor"), (0.0, 0.0, 0.0)),
            parametric_rim_fresnel_power_factor=_number(ext.get("parametricRimFresnelPowerFactor"), 5.0, 0.0),
            parametric_rim_lift_factor=_number(ext.get("parametricRimLiftFactor"), 0.0),
            rim_multiply_texture=self._texture_at(ext.get("rimMultiplyTexture")),
            rim_lighting_mix_factor=_number(ext.get("rimLightingMixFactor"), 1.0, 0.0, 1.0),
            outline_width_mode=mode if mode in OUTLINE_MODES else "none",
            outline_width_factor=_number(ext.get("outlineWidthFactor"), 0.0, 0.0, 1.0),
            outline_width_multiply_texture=self._texture_at(ext.get("outlineWidthMultiplyTexture")),
            outline_color_factor=_rgb(ext.get("outlineColorFactor"), (0.0, 0.0, 0.0)),
            outline_lighting_mix_factor=_number(ext.get("outlineLightingMixFactor"), 1.0, 0.0, 1.0),
            transparent_with_z_write=ext.get("transparentWithZWrite") is True,
            render_queue_offset_number=int(
                _number(
                    ext.get("renderQueueOffsetNumber"), 0.0, -MAX_RENDER_QUEUE_OFFSET, MAX_RENDER_QUEUE_OFFSET
                )
            ),
            uv_animation_scroll_x_speed=_number(ext.get("uvAnimationScrollXSpeedFactor"), 0.0),
            uv_animation_scroll_y_speed=_number(ext.get("uvAnimationScrollYSpeedFactor"), 0.0),
            uv_animation_rotation_speed=_number(ext.get("uvAnimationRotationSpeedFactor"), 0.0),
        )

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

    def _vrm0_material(self, index: int) -> dict:
        """VRM 0.x keeps its shader settings beside the glTF material: MToon and the Unlit family."""
        if index >= len(self._vrm0_properties) or not isinstance(self._vrm0_properties[index], dict):
            return {}
        props = self._vrm0_properties[index]
        shader = str(props.get("shader", ""))
        vectors = props.get("vectorProperties") or {}
        floats = props.get("floatProperties") or {}
        textures = props.get("textureProperties") or {}
        keywords = props.get("keywordMap") or {}
        if not all(isinstance(d, dict) for d in (vectors, floats, textures, keywords)):
            return {}
        if shader == "VRM/MToon":
            return self._vrm0_mtoon(index, vectors, floats, textures, keywords)
        if shader.startswith("VRM/Unlit"):
            return self._vrm0_unlit(index, shader, vectors, floats)
        return {}

    def _vrm0_mtoon(self, index: int, vectors: dict, floats: dict, textures: dict, keywords: dict) -> dict:
        transparent = bool(keywords.get("_ALPHABLEND_ON"))
        cutout = bool(keywords.get("_ALPHATEST_ON"))
        out: dict = {"metallic_factor": 0.0, "roughness_factor": 1.0, "unlit": False}
        out["base_color_factor"] = _gamma_rgba(vectors.get("_Color"), (1.0, 1.0, 1.0, 1.0))
        out["alpha_mode"] = "BLEND" if transparent else "MASK" if cutout else "OPAQUE"
        out["alpha_cutoff"] = _number(floats.get("_Cutoff"), 0.5)
        out["double_sided"] = int(_number(floats.get("_CullMode"), 2.0)) == 0
        out["emissive_factor"] = _gamma_rgba(vectors.get("_EmissionColor"), (0.0, 0.0, 0.0, 1.0))[:3]
        if "_EmissionMap" in textures:
            out["emissive_texture"] = self._texture_index(textures["_EmissionMap"])
        # The 1.0 ramp from 0.x's shift and toony, as the specification's migration guide gives it
        shift = _number(floats.get("_ShadeShift"), 0.0)
        toony = _number(floats.get("_ShadeToony"), 0.9)
        toony = toony + (1.0 - toony) * (0.5 + 0.5 * shift)
        shift = -shift - (1.0 - toony)
        gi_intensity = _number(floats.get("_IndirectLightIntensity"), 0.1)
        mode_index = int(_number(floats.get("_OutlineWidthMode"), 0.0))
        lighting_mix = _number(floats.get("_OutlineLightingMix"), 1.0)
        shade = _gamma_rgba(vectors.get("_ShadeColor"), (0.97, 0.81, 0.86, 1.0))[:3]
        out["shade_color_factor"] = shade
        out["mtoon"] = MToonSpec(
            shade_color_factor=shade,
            shade_multiply_texture=self._texture_index(textures.get("_ShadeTexture")),
            shading_shift_factor=shift,
            shading_toony_factor=float(np.clip(toony, 0.0, 1.0)),
            gi_equalization_factor=float(np.clip(1.0 - gi_intensity, 0.0, 1.0)),
            matcap_texture=self._texture_index(textures.get("_SphereAdd")),
            parametric_rim_color_factor=_gamma_rgba(vectors.get("_RimColor"), (0.0, 0.0, 0.0, 1.0))[:3],
            parametric_rim_fresnel_power_factor=_number(floats.get("_RimFresnelPower"), 1.0, 0.0),
            parametric_rim_lift_factor=_number(floats.get("_RimLift"), 0.0),
            rim_multiply_texture=self._texture_index(textures.get("_RimTexture")),
            rim_lighting_mix_factor=_number(floats.get("_RimLightingMix"), 0.0, 0.0, 1.0),
            outline_width_mode=OUTLINE_MODES[mode_index] if 0 <= mode_index < 3 else "none",
            outline_width_factor=0.01 * _number(floats.get("_OutlineWidth"), 0.0, 0.0, 100.0),  # cm in 0.x
            outline_width_multiply_texture=self._texture_index(textures.get("_OutlineWidthTexture")),
            outline_color_factor=_gamma_rgba(vectors.get("_OutlineColor"), (0.0, 0.0, 0.0, 1.0))[:3],
            outline_lighting_mix_factor=lighting_mix
            if _number(floats.get("_OutlineColorMode"), 0) == 1
            else 0.0,
            transparent_with_z_write=transparent and _number(floats.get("_ZWrite"), 0.0) == 1.0,
            render_queue_offset_number=self._vrm0_queue_offsets.get(index, 0),
            uv_animation_scroll_x_speed=_number(floats.get("_UvAnimScrollX"), 0.0),
            uv_animation_scroll_y_speed=-_number(floats.get("_UvAnimScrollY"), 0.0),  # v runs the other way
            uv_animation_rotation_speed=_number(floats.get("_UvAnimRotation"), 0.0),
        )
        return out

    def _vrm0_unlit(self, index: int, shader: str, vectors: dict, floats: dict) -> dict:
        """VRM/UnlitTexture, UnlitCutout, UnlitTransparent(ZWrite): the base colour, unlit."""
        blend = shader in ("VRM/UnlitTransparent", "VRM/UnlitTransparentZWrite")
        out: dict = {"unlit": True, "metallic_factor": 0.0, "roughness_factor": 1.0}
        out["base_color_factor"] = _gamma_rgba(vectors.get("_Color"), (1.0, 1.0, 1.0, 1.0))
        out["alpha_mode"] = "BLEND" if blend else "MASK" if shader == "VRM/UnlitCutout" else "OPAQUE"
        out["alpha_cutoff"] = _number(floats.get("_Cutoff"), 0.5)
        return out

    def _texture_index(self, value) -> np.ndarray | None:
        return (
            self._image_of_texture(value) if isinstance(value, int) and not isinstance(value, bool) else None
        )


def _vrm0_queue_offsets(properties: list) -> dict[int, int]:
    """VRM 0.x render queues (Unity numbers) to 1.0 offsets, keeping their order: transparent ones count
    down to 0 (-9..0), transparent ones that write depth count up from 0 (0..+9)."""
    plain: dict[int, list[int]] = {}
    zwrite: dict[int, list[int]] = {}
    for index, props in enumerate(properties):
        if not isinstance(props, dict) or not isinstance(props.get("renderQueue"), int):
            continue
        shader = str(props.get("shader", ""))
        keywords = props.get("keywordMap") if isinstance(props.get("keywordMap"), dict) else {}
        floats = props.get("floatProperties") if isinstance(props.get("floatProperties"), dict) else {}
        with_zwrite = shader == "VRM/UnlitTransparentZWrite" or floats.get("_ZWrite") == 1
        transparent = bool(keywords.get("_ALPHABLEND_ON")) or shader.startswith("VRM/UnlitTransparent")
        if transparent:
            (zwrite if with_zwrite else plain).setdefault(props["renderQueue"], []).append(index)
    offsets: dict[int, int] = {}
    for rank, queue in enumerate(sorted(zwrite)):
        for index in zwrite[queue]:
            offsets[index] = min(rank, MAX_RENDER_QUEUE_OFFSET)
    for rank, queue in enumerate(sorted(plain, reverse=True)):
        for index in plain[queue]:
            offsets[index] = -min(rank, MAX_RENDER_QUEUE_OFFSET)
    return offsets


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
    if not all(isinstance(v, int | float) and np.isfinite(v) for v in value[:3]):
        return default
    return (float(value[0]), float(value[1]), float(value[2]))


def _gamma_rgba(value, default: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A VRM 0.x colour (Unity gamma space) to linear; alpha stays as it is."""
    rgba = _rgba(value, default) if value is not None else default
    return (rgba[0] ** 2.2, rgba[1] ** 2.2, rgba[2] ** 2.2, rgba[3])


def _number(value, default: float, low: float = -1e6, high: float = 1e6) -> float:
    """A finite number from a file, clamped to where it makes sense; anything else is the default."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        return default
    return float(np.clip(value, low, high))
