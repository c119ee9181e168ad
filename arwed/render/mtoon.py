"""MToon in pyrender: a material that carries the MToon parameters, and a forward pass that draws them.

pyrender draws every primitive with one PBR program and a fixed set of uniforms; MToon needs its own
program, more textures, an outline pass (an inverted hull: the surface pushed out along its normals,
front faces culled) and the render order the specification asks for. `ToonSceneRenderer` is pyrender's
renderer with its forward pass drawing in the order the primitives are listed (the caller sorts them
by render queue) and each MToon primitive with an outline twice: surface, then outline.
Every other material goes through pyrender's own path unchanged.
"""

from __future__ import annotations

import ctypes
import weakref
from pathlib import Path

import cv2
import numpy as np
import pyrender
from OpenGL import GL
from pyrender.constants import BufFlags, ProgramFlags, RenderFlags, TexFlags

from arwed.characters.base import MaterialSpec
from arwed.characters.mtoon import MToonSpec
from arwed.render import pyrender_patches

SHADER_DIR = Path(__file__).with_name("shaders")
MTOON_VERTEX_SHADER = str(SHADER_DIR / "mtoon.vert")
MTOON_FRAGMENT_SHADER = str(SHADER_DIR / "mtoon.frag")
ALPHA_MODE_CODE = {"OPAQUE": 0.0, "MASK": 1.0, "BLEND": 2.0}
# MToon's render queue: opaque, then cut-out, then transparent that writes depth, then transparent
QUEUE_CLASS = {"OPAQUE": 0, "MASK": 1}
SHADOW_FLAGS = RenderFlags.SHADOWS_DIRECTIONAL | RenderFlags.SHADOWS_SPOT | RenderFlags.SHADOWS_POINT


class TextureCache:
    """One pyrender texture per image: a model often uses the same image for lit and shade colour."""

    def __init__(self) -> None:
        self._textures: dict[tuple[int, bool], tuple[np.ndarray, pyrender.Texture]] = {}

    def get(self, image: np.ndarray | None, opaque: bool = False) -> pyrender.Texture | None:
        """The texture of `image`; `opaque` drops its alpha channel (an OPAQUE glTF material ignores it)."""
        if image is None:
            return None
        key = (id(image), opaque)
        entry = self._textures.get(key)
        if entry is None or entry[0] is not image:
            pixels = image[:, :, :3] if opaque and image.shape[2] == 4 else image
            channels = "RGBA" if pixels.shape[2] == 4 else "RGB"
            texture = pyrender.Texture(source=np.ascontiguousarray(pixels), source_channels=channels)
            entry = self._textures[key] = (image, texture)
        return entry[1]


class MToonMaterial(pyrender.MetallicRoughnessMaterial):
    """pyrender's material plus the MToon parameters and textures (uploaded and freed with it)."""

    def __init__(self, spec: MaterialSpec, mtoon: MToonSpec, textures: TextureCache):
        super().__init__(
            name=spec.name,
            baseColorFactor=spec.base_color_factor,
            baseColorTexture=textures.get(spec.base_color_texture),
            metallicFactor=0.0,
            roughnessFactor=1.0,
            emissiveFactor=spec.emissive_factor,
            emissiveTexture=textures.get(spec.emissive_texture),
            alphaMode=spec.alpha_mode,
            alphaCutoff=spec.alpha_cutoff,
            doubleSided=spec.double_sided,
        )
        self.mtoon = mtoon
        self.shade_texture = textures.get(mtoon.shade_multiply_texture)
        self.shift_texture = textures.get(mtoon.shading_shift_texture)
        self.matcap_texture = textures.get(mtoon.matcap_texture)
        self.rim_texture = textures.get(mtoon.rim_multiply_texture)
        self.outline_width_texture = textures.get(mtoon.outline_width_multiply_texture)
        self.uniforms = _mtoon_uniforms(spec, mtoon)

    def _compute_textures(self):
        extra = (
            self.shade_texture,
            self.shift_texture,
            self.matcap_texture,
            self.rim_texture,
            self.outline_width_texture,
        )
        return super()._compute_textures() | {t for t in extra if t is not None}

    def _compute_transparency(self):
        return self.alphaMode == "BLEND"


def _mtoon_uniforms(spec: MaterialSpec, m: MToonSpec) -> dict[str, np.ndarray | float]:
    f32 = np.float32
    return {
        "mtoon_shade_color": np.array(m.shade_color_factor, f32),
        "mtoon_shading": np.array(
            [m.shading_toony_factor, m.shading_shift_factor, m.shading_shift_texture_scale, 0.0], f32
        ),
        "mtoon_rim_color": np.array(m.parametric_rim_color_factor, f32),
        "mtoon_rim": np.array(
            [m.parametric_rim_fresnel_power_factor, m.parametric_rim_lift_factor, m.rim_lighting_mix_factor],
            f32,
        ),
        "mtoon_matcap_factor": np.array(m.matcap_factor, f32),
        "mtoon_outline_color": np.array([*m.outline_color_factor, m.outline_lighting_mix_factor], f32),
        "mtoon_outline_width": np.array(
            [m.outline_width_factor, 1.0 if m.outline_width_mode == "screenCoordinates" else 0.0], f32
        ),
        "mtoon_alpha": np.array([ALPHA_MODE_CODE[spec.alpha_mode], spec.alpha_cutoff], f32),
        "mtoon_double_sided": 1.0 if spec.double_sided else 0.0,
    }


def render_queue_key(spec: MaterialSpec) -> tuple[int, int]:
    """Where a material is drawn: (queue class, offset). The offset only counts for transparent ones."""
    if spec.alpha_mode != "BLEND":
        return QUEUE_CLASS[spec.alpha_mode], 0
    z_write = spec.mtoon is not None and spec.mtoon.transparent_with_z_write
    offset = spec.mtoon.render_queue_offset_number if spec.mtoon is not None else 0
    return (2 if z_write else 3), offset


class ToonSceneRenderer(pyrender.renderer.Renderer):
    """pyrender's renderer with MToon programs, MToon uniforms and an outline pass.

    Installed by class assignment on the renderer an OffscreenRenderer made; what it caches (light
    limits, the programs of the primitives) lives in that renderer's __dict__, made on first use."""

    def _forward_pass(self, scene, flags, seg_node_map=None):
        if flags & (RenderFlags.SEG | RenderFlags.DEPTH_ONLY):
            return super()._forward_pass(scene, flags, seg_node_map)
        self._configure_forward_pass_viewport(flags)
        GL.glClearColor(*scene.bg_color)
        GL.glClear(GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT)
        GL.glEnable(GL.GL_MULTISAMPLE)
        view, projection = self._get_camera_matrices(scene)
        cam_pos = scene.get_pose(scene.main_camera_node)[:3, 3]
        max_lights = self._compute_max_n_lights(flags)
        # with no more lights than a program takes (and no shadow maps, whose texture units are reset after
        # every primitive), every node gets the same light uniforms: a program keeps its uniforms, so each
        # is given the camera and the lights once per pass, not once per primitive
        lit_alike = (
            not flags & SHADOW_FLAGS
            and len(scene.directional_light_nodes) <= max_lights[0]
            and len(scene.spot_light_nodes) <= max_lights[1]
            and len(scene.point_light_nodes) <= max_lights[2]
        )
        lit: set[int] = set()
        program = None
        state = _DrawState()
        for node in self._sorted_mesh_nodes(scene):
            if not node.mesh.is_visible:
                continue
            pose = scene.get_pose(node)
            for primitive in node.mesh.primitives:
                outline_pass = (False, True) if _has_outline(primitive) else (False,)
                for outline in outline_pass:
                    program = self._program_for(primitive, flags, outline)
                    program._bind()
                    if not (lit_alike and id(program) in lit):
                        program.set_uniform("V", view)
                        program.set_uniform("P", projection)
                        program.set_uniform("cam_pos", cam_pos)
                        self._bind_lighting(scene, program, node, flags)
                        lit.add(id(program))
                    if isinstance(primitive.material, MToonMaterial):
                        self._draw_mtoon(primitive, pose, program, outline, state)
                    else:  # pyrender's own draw sets what it needs, but not the depth mask
                        state.depth_mask(True)
                        self._bind_and_draw_primitive(
                            primitive=primitive, pose=pose, program=program, flags=flags
                        )
                        state.forget()
                    self._reset_active_textures()
        if program is not None:
            program._unbind()
        GL.glCullFace(GL.GL_BACK)
        GL.glDepthMask(GL.GL_TRUE)
        GL.glFlush()
        if flags & RenderFlags.OFFSCREEN:
            return self._read_main_framebuffer(scene, flags)
        return None

    def _update_context(self, scene, flags):
        """pyrender's, skipped while the scene holds the meshes it already uploaded and nothing casts
        shadows: it gathers every material's textures anew each frame (their sets are rebuilt on every
        access), and they change only with the meshes (a new character is a new mesh)."""
        if flags & SHADOW_FLAGS or self._shadow_textures or scene.meshes != self._meshes:
            super()._update_context(scene, flags)

    def _read_main_framebuffer(self, scene, flags):
        """pyrender's read of colour (RGBA) and linear depth, cheaper where nothing is multisampled (a
        software renderer): the framebuffer drawn into is read as it is, without pyrender's two blits to
        a second one, into arrays of our own that OpenCV flips (contiguous and writable, where numpy's
        flip is a view every later OpenCV call copies), and depth is made linear without masks."""
        camera = scene.main_camera_node.camera
        if (
            pyrender_patches.multisample() != 0
            or flags & RenderFlags.DEPTH_ONLY
            or not flags & RenderFlags.RGBA
            or camera.zfar is None
        ):
            return super()._read_main_framebuffer(scene, flags)
        width, height = self._main_fb_dims
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self._main_fb_ms)
        window = np.empty((height, width), np.float32)
        GL.glReadPixels(0, 0, width, height, GL.GL_DEPTH_COMPONENT, GL.GL_FLOAT, window)
        rgba = np.empty((height, width, 4), np.uint8)
        GL.glReadPixels(0, 0, width, height, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, rgba)
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, 0)
        near, far = float(camera.znear), float(camera.zfar)
        window = cv2.flip(window, 0)
        # pyrender's 2nf / (f + n - (2w - 1)(f - n)), simplified; 0 where nothing was drawn (w = 1)
        depth = np.float32(near * far) / (np.float32(far) - window * np.float32(far - near))
        depth[window >= 1.0] = 0.0
        return cv2.flip(rgba, 0), depth

    def _compute_max_n_lights(self, flags):
        """pyrender's light limits, which it works out with a GL query for every primitive it draws and
        lights: once per flags for this context."""
        cache = self.__dict__.setdefault("_max_lights_by_flags", {})
        if flags not in cache:
            cache[flags] = super()._compute_max_n_lights(flags)
        return cache[flags]

    def _program_for(self, primitive, flags, outline: bool):
        material = primitive.material
        if not isinstance(material, MToonMaterial):
            return self._get_primitive_program(primitive, flags, ProgramFlags.USE_MATERIAL)
        # the same defines every frame: the program is looked up once per primitive, flags and pass
        programs = self.__dict__.setdefault("_mtoon_programs", weakref.WeakKeyDictionary())
        by_pass = programs.setdefault(primitive, {})
        program = by_pass.get((flags, outline))
        if program is not None and program._in_context():
            return program
        program = by_pass[(flags, outline)] = self._find_mtoon_program(primitive, material, flags, outline)
        return program

    def _find_mtoon_program(self, primitive, material, flags, outline: bool):
        defines = _buffer_defines(primitive.buf_flags)
        defines["MAX_DIRECTIONAL_LIGHTS"] = self._compute_max_n_lights(flags)[0]
        tex_flags = material.tex_flags
        if tex_flags & TexFlags.BASE_COLOR:
            defines["HAS_BASE_COLOR_TEX"] = 1
        if tex_flags & TexFlags.EMISSIVE:
            defines["HAS_EMISSIVE_TEX"] = 1
        if material.alphaMode == "MASK":
            defines["ALPHA_CUTOFF"] = 1
        # rim terms only where the author set them: a software renderer pays for every pow
        if any(c > 0.0 for c in material.mtoon.parametric_rim_color_factor):
            defines["HAS_PARAMETRIC_RIM"] = 1
        if "HAS_PARAMETRIC_RIM" in defines or material.matcap_texture is not None:
            defines["HAS_ANY_RIM"] = 1
        defines.update(_texture_defines(material))
        if outline:
            defines["OUTLINE_PASS"] = 1
            if material.outline_width_texture is not None:
                defines["HAS_WIDTH_TEX"] = 1
        program = self._program_cache.get_program(
            vertex_shader=MTOON_VERTEX_SHADER, fragment_shader=MTOON_FRAGMENT_SHADER, defines=defines
        )
        if not program._in_context():
            program._add_to_context()
        return program

    def _draw_mtoon(self, primitive, pose, program, outline: bool, state: _DrawState) -> None:
        material: MToonMaterial = primitive.material
        program.set_uniform("M", pose)
        primitive._bind()
        for texture, name in (
            (material.baseColorTexture, "material.base_color_texture"),
            (material.emissiveTexture, "material.emissive_texture"),
            (_own_shade_texture(material), "mtoon_shade_texture"),
            (material.shift_texture, "mtoon_shift_texture"),
            (material.matcap_texture, "mtoon_matcap_texture"),
            (material.rim_texture, "mtoon_rim_texture"),
            (material.outline_width_texture if outline else None, "mtoon_outline_width_texture"),
        ):
            if texture is not None:
                self._bind_texture(texture, name, program)
        # a program keeps its uniforms: the material's need setting only when another material used it
        cached = isinstance(program, pyrender_patches.CachedUniformProgram)
        if not cached or program.material is not material:
            program.set_uniform("material.base_color_factor", material.baseColorFactor)
            program.set_uniform("material.emissive_factor", material.emissiveFactor)
            for name, value in material.uniforms.items():
                program.set_uniform(name, value)
            if cached:
                program.material = material
        blend = material.alphaMode == "BLEND"
        # the shader writes premultiplied colour: "over" is (1, 1 - alpha) for colour and alpha alike
        state.blend(GL.GL_ONE_MINUS_SRC_ALPHA if blend else GL.GL_ZERO)
        state.depth_mask(not blend or material.mtoon.transparent_with_z_write)
        if outline:  # the hull's outside would hide the surface: only its inside is drawn
            state.cull(GL.GL_FRONT)
        else:
            state.cull(None if material.doubleSided else GL.GL_BACK)
        GL.glDrawElementsInstanced(
            primitive.mode, primitive.indices.size, GL.GL_UNSIGNED_INT, ctypes.c_void_p(0), 1
        )
        primitive._unbind()


class _DrawState:
    """The fixed-function state of MToon draws, set only where it changes within one forward pass: each
    PyOpenGL call costs microseconds of Python, and most draws share their state. Starts from pyrender's
    forward-pass state (depth mask on, culling unknown); `forget` after anyone else has drawn."""

    def __init__(self) -> None:
        self._set: dict[str, object] = {}

    def forget(self) -> None:
        self._set.clear()

    def _changed(self, key: str, value: object) -> bool:
        if key in self._set and self._set[key] == value:
            return False
        self._set[key] = value
        return True

    def blend(self, destination_factor: int) -> None:
        if self._changed("blend", destination_factor):
            GL.glEnable(GL.GL_BLEND)
            GL.glBlendFunc(GL.GL_ONE, destination_factor)
            GL.glPolygonMode(GL.GL_FRONT_AND_BACK, GL.GL_FILL)
            GL.glDisable(GL.GL_PROGRAM_POINT_SIZE)

    def depth_mask(self, write: bool) -> None:
        if self._changed("depth_mask", bool(write)):
            GL.glDepthMask(GL.GL_TRUE if write else GL.GL_FALSE)

    def cull(self, face: int | None) -> None:
        """Cull `face` (GL_FRONT or GL_BACK), or nothing (None)."""
        if not self._changed("cull", face):
            return
        if face is None:
            GL.glDisable(GL.GL_CULL_FACE)
        else:
            GL.glEnable(GL.GL_CULL_FACE)
            GL.glCullFace(face)


def _texture_defines(material: MToonMaterial) -> dict[str, int]:
    defines = {}
    for name, texture in (
        ("HAS_SHADE_TEX", _own_shade_texture(material)),
        ("HAS_SHIFT_TEX", material.shift_texture),
        ("HAS_MATCAP_TEX", material.matcap_texture),
        ("HAS_RIM_TEX", material.rim_texture),
    ):
        if texture is not None:
            defines[name] = 1
    if material.shade_texture is not None and _own_shade_texture(material) is None:
        defines["SHADE_TEX_IS_BASE"] = 1  # a software renderer pays for every texture sample
    return defines


def _own_shade_texture(material: MToonMaterial) -> pyrender.Texture | None:
    """The shade texture when it is not the lit colour's image (a model often uses one image for both:
    then the shader reuses the lit colour's sample)."""
    if material.shade_texture is material.baseColorTexture:
        return None
    return material.shade_texture


def _has_outline(primitive) -> bool:
    material = primitive.material
    return (
        isinstance(material, MToonMaterial)
        and material.mtoon.has_outline
        and primitive.indices is not None
        and bool(primitive.buf_flags & BufFlags.NORMAL)
    )


def _buffer_defines(buf_flags: int) -> dict[str, int]:
    """The attribute locations pyrender gives a primitive's buffers (the order it interleaves them)."""
    defines: dict[str, int] = {}
    location = 1
    for flag, name in (
        (BufFlags.NORMAL, "NORMAL_LOC"),
        (BufFlags.TANGENT, "TANGENT_LOC"),
        (BufFlags.TEXCOORD_0, "TEXCOORD_0_LOC"),
        (BufFlags.TEXCOORD_1, "TEXCOORD_1_LOC"),
        (BufFlags.COLOR_0, "COLOR_0_LOC"),
        (BufFlags.JOINTS_0, "JOINTS_0_LOC"),
        (BufFlags.WEIGHTS_0, "WEIGHTS_0_LOC"),
    ):
        if buf_flags & flag:
            defines[name] = location
            location += 1
    defines["INST_M_LOC"] = location
    return defines
