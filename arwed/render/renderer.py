"""Offscreen rendering of a character with pyrender through EGL.

The camera uses the image's own intrinsics, so a 1.80 m character is exactly as tall in pixels as a
1.80 m person at the same depth. Only the region of the frame the character covers is rendered (an
off-centre intrinsics camera over that box): on a software renderer, pixels are the cost.
Vertex data is uploaded once per character; each frame rewrites positions and normals in place.
"""

from __future__ import annotations

import cv2
import numpy as np
import pyrender
import trimesh
from OpenGL import GL

from arwed.characters.base import Character, MaterialSpec, MeshPart, PosedPart
from arwed.characters.preview import posed_bounds
from arwed.geometry.camera import intrinsics_from_fov, project_points
from arwed.render import pyrender_patches
from arwed.render.mtoon import MToonMaterial, TextureCache, ToonSceneRenderer, render_queue_key
from arwed.types import CameraIntrinsics, RenderedLayer, SceneLight

OPENCV_TO_OPENGL = np.diag([1.0, -1.0, -1.0, 1.0])  # camera axes: x right, y down, z forward -> y up, z back
REGION_STEP_PX = 32  # region sizes are rounded up to this, so the framebuffer is rarely reallocated
REGION_MARGIN_PX = 6
# On a software renderer, a region larger than this is drawn at reduced resolution and scaled up: a
# character that fills half the frame stays smooth (it is large on screen) and the frame rate holds.
MAX_SOFTWARE_PIXELS = 160_000
Z_NEAR_M = 0.05
Z_FAR_M = 100.0


SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast", "lavapipe")


def _material(spec: MaterialSpec, textures: TextureCache) -> pyrender.MetallicRoughnessMaterial:
    if spec.mtoon is not None:
        return MToonMaterial(spec, spec.mtoon, textures)
    # glTF: an OPAQUE material is drawn fully opaque whatever the alpha of its colour and texture say
    opaque = spec.alpha_mode == "OPAQUE"
    texture = textures.get(spec.base_color_texture, opaque=opaque)
    base, emissive = spec.base_color_factor, spec.emissive_factor
    if opaque:
        base = (*base[:3], 1.0)
    emissive_texture = textures.get(spec.emissive_texture)
    if spec.unlit:  # pyrender has no unlit shader: light it by emission, keep the alpha
        emissive, emissive_texture = tuple(base[:3]), texture
        base = (0.0, 0.0, 0.0, base[3])
    return pyrender.MetallicRoughnessMaterial(
        name=spec.name,
        baseColorFactor=base,
        baseColorTexture=texture,
        metallicFactor=spec.metallic_factor,
        roughnessFactor=spec.roughness_factor,
        emissiveFactor=emissive,
        emissiveTexture=emissive_texture,
        alphaMode=spec.alpha_mode,
        alphaCutoff=spec.alpha_cutoff,
        doubleSided=spec.double_sided,
    )


class _DynamicPrimitive:
    """A pyrender primitive whose positions and normals are rewritten in its vertex buffer each frame."""

    def __init__(self, part: MeshPart, textures: TextureCache):
        uv = None
        if part.uv is not None:
            uv = np.asarray(part.uv, dtype=np.float32).copy()
            uv[:, 1] = 1.0 - uv[:, 1]  # pyrender flips textures vertically relative to glTF's convention
        self.primitive = pyrender.Primitive(
            positions=part.rest_positions_m,
            normals=part.rest_normals,
            texcoord_0=uv,
            color_0=part.vertex_colors,
            indices=part.faces,
            material=_material(part.material, textures),
        )
        columns = [part.rest_positions_m, part.rest_normals]
        columns += [a for a in (uv, part.vertex_colors) if a is not None]
        self._interleaved = np.ascontiguousarray(np.hstack(columns), dtype=np.float32)
        self._uploaded: PosedPart | None = None

    def update(self, posed: PosedPart) -> None:
        if self._uploaded is posed:
            return
        self._interleaved[:, 0:3] = posed.positions_m
        self._interleaved[:, 3:6] = posed.normals
        if not pyrender_patches.rewrite_vertices(self.primitive, self._interleaved):
            # not uploaded yet: pyrender uploads these on the first render
            self.primitive.positions, self.primitive.normals = posed.positions_m, posed.normals
        self._uploaded = posed


def _region_for(points_px: np.ndarray, frame_size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    width, height = frame_size
    x0, y0 = np.floor(points_px.min(axis=0)).astype(int) - REGION_MARGIN_PX
    x1, y1 = np.ceil(points_px.max(axis=0)).astype(int) + REGION_MARGIN_PX
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(width, x1), min(height, y1)
    if x1 <= x0 or y1 <= y0:
        return None
    region_w = min(width - x0, -(-(x1 - x0) // REGION_STEP_PX) * REGION_STEP_PX)
    region_h = min(height - y0, -(-(y1 - y0) // REGION_STEP_PX) * REGION_STEP_PX)
    return int(x0), int(y0), int(x0 + region_w), int(y0 + region_h)


def _bounding_corners(posed: tuple[PosedPart, ...]) -> np.ndarray:
    return trimesh.bounds.corners(np.array(posed_bounds(posed)))


class CharacterRenderer:
    """Renders one character at a time into RenderedLayers; create and use it on one thread."""

    def __init__(self, light: SceneLight | None = None):
        pyrender_patches.apply()  # raises UserError for a pyrender the patches were not written for
        self._offscreen: pyrender.OffscreenRenderer | None = None
        self._scene = pyrender.Scene(bg_color=(0.0, 0.0, 0.0, 0.0))
        self._camera = pyrender.IntrinsicsCamera(1.0, 1.0, 0.0, 0.0, znear=Z_NEAR_M, zfar=Z_FAR_M)
        self._camera_node = self._scene.add(self._camera, pose=np.eye(4))
        self._light_nodes: list[pyrender.Node] = []
        self.light = SceneLight()
        self.set_light(light or SceneLight())
        self._character_node: pyrender.Node | None = None
        self._renderer_name = ""
        self._multisampled = True
        self.max_software_pixels: int | None = MAX_SOFTWARE_PIXELS
        self._primitives: list[_DynamicPrimitive] = []

    def set_light(self, light: SceneLight) -> None:
        """Light the character by `light` from the next frame on (lights live in camera space)."""
        if light == self.light and self._light_nodes:
            return
        for node in self._light_nodes:
            self._scene.remove_node(node)
        self._light_nodes = []
        self._scene.ambient_light = np.asarray(light.ambient_rgb, dtype=np.float64)
        for directional in light.lights:
            towards = OPENCV_TO_OPENGL[:3, :3] @ np.asarray(directional.towards_light, dtype=np.float64)
            norm = np.linalg.norm(towards)
            rgb = np.asarray(directional.rgb, dtype=np.float64)
            intensity = float(rgb.max())
            if norm < 1e-9 or intensity <= 0.0:
                continue
            pose = trimesh.geometry.align_vectors([0, 0, 1], towards / norm)  # pyrender shines along -z
            node = self._scene.add(
                pyrender.DirectionalLight(color=rgb / intensity, intensity=intensity), pose=pose
            )
            self._light_nodes.append(node)
        self.light = light

    def set_character(self, character: Character) -> None:
        if self._character_node is not None:
            self._scene.remove_node(self._character_node)
        textures = TextureCache()
        self._primitives = [_DynamicPrimitive(part, textures) for part in character.parts]
        # drawn in MToon's render queue order (opaque, cut-out, transparent); the sort is stable
        order = sorted(
            range(len(character.parts)), key=lambda i: render_queue_key(character.parts[i].material)
        )
        primitives = [self._primitives[i].primitive for i in order]
        mesh = pyrender.Mesh(primitives, name=character.info.name)
        self._character_node = self._scene.add(mesh, pose=np.eye(4))

    def warm_up(self, posed: tuple[PosedPart, ...]) -> None:
        """Compile the shaders and upload the character once, before the first real frame needs them."""
        intrinsics = intrinsics_from_fov(REGION_STEP_PX, REGION_STEP_PX, 60.0)
        in_front = OPENCV_TO_OPENGL.copy()
        in_front[2, 3] = 4.0
        self.render(posed, in_front, intrinsics, region_px=(0, 0, REGION_STEP_PX, REGION_STEP_PX))

    def region_px(
        self, posed: tuple[PosedPart, ...], character_to_camera: np.ndarray, intrinsics: CameraIntrinsics
    ) -> tuple[int, int, int, int] | None:
        """The frame region the character covers (rounded up in size), or None when it is out of view."""
        corners = trimesh.transform_points(_bounding_corners(posed), character_to_camera)
        if np.any(corners[:, 2] <= Z_NEAR_M):
            if np.all(corners[:, 2] <= Z_NEAR_M):
                return None
            return 0, 0, intrinsics.width_px, intrinsics.height_px
        return _region_for(project_points(intrinsics, corners), (intrinsics.width_px, intrinsics.height_px))

    def render(
        self,
        posed: tuple[PosedPart, ...],
        character_to_camera: np.ndarray,
        intrinsics: CameraIntrinsics,
        region_px: tuple[int, int, int, int] | None = None,
        opacity: float = 1.0,
    ) -> RenderedLayer:
        if self._character_node is None:
            raise RuntimeError("set_character() first")
        frame_size = (intrinsics.width_px, intrinsics.height_px)
        region = region_px or self.region_px(posed, character_to_camera, intrinsics)
        if region is None or opacity <= 0.0:
            return _empty_layer(frame_size)
        x0, y0, x1, y1 = region
        self._ensure_offscreen()
        scale = self._resolution_scale((x1 - x0) * (y1 - y0))
        width, height = _rounded_size(x1 - x0, scale), _rounded_size(y1 - y0, scale)
        scale_x, scale_y = width / (x1 - x0), height / (y1 - y0)
        self._offscreen.viewport_width, self._offscreen.viewport_height = width, height
        self._camera.fx, self._camera.fy = intrinsics.fx_px * scale_x, intrinsics.fy_px * scale_y
        self._camera.cx = (intrinsics.cx_px - x0 + 0.5) * scale_x - 0.5
        self._camera.cy = (intrinsics.cy_px - y0 + 0.5) * scale_y - 0.5
        self._scene.set_pose(self._character_node, OPENCV_TO_OPENGL @ character_to_camera)
        pyrender_patches.make_current(self._offscreen)
        for primitive, part in zip(self._primitives, posed, strict=True):
            primitive.update(part)
        color, depth = self._offscreen.render(self._scene, flags=pyrender.RenderFlags.RGBA)
        if (width, height) != (x1 - x0, y1 - y0):
            size = (x1 - x0, y1 - y0)
            color = cv2.resize(color, size, interpolation=cv2.INTER_CUBIC)
            depth = cv2.resize(depth, size, interpolation=cv2.INTER_NEAREST)
        if not self._multisampled:
            color = _smooth_edges(color, sigma=0.8 if width == x1 - x0 else 1.2)
        if opacity < 1.0:
            color = (color.astype(np.float32) * opacity).astype(np.uint8)
        return RenderedLayer(
            rgba=color,
            depth_m=depth.astype(np.float32, copy=False),
            origin_px=(x0, y0),
            frame_size_px=frame_size,
            character_bbox_px=_tight_bbox(cv2.extractChannel(color, 3), (x0, y0)),
        )

    def _resolution_scale(self, region_pixels: int) -> float:
        """Below 1 when a software renderer would spend too long on a large region (a character close by)."""
        if (
            self._multisampled
            or self.max_software_pixels is None
            or region_pixels <= self.max_software_pixels
        ):
            return 1.0
        return float(np.sqrt(self.max_software_pixels / region_pixels))

    def _ensure_offscreen(self) -> None:
        if self._offscreen is None:
            width = height = REGION_STEP_PX
            pyrender_patches.set_multisample(0)  # probe without multisampling, then decide from the name
            self._offscreen = pyrender.OffscreenRenderer(width, height)
            pyrender_patches.use_character_shaders(self._offscreen)
            pyrender_patches.use_renderer_class(
                self._offscreen, ToonSceneRenderer
            )  # MToon and its outline pass
            self._renderer_name = GL.glGetString(GL.GL_RENDERER).decode(errors="replace")
            software = any(name in self._renderer_name.lower() for name in SOFTWARE_RENDERERS)
            self._multisampled = not software
            pyrender_patches.set_multisample(0 if software else 4)
            pyrender_patches.drop_main_framebuffer(self._offscreen)

    def renderer_name(self) -> str:
        """The OpenGL renderer string: "llvmpipe ..." for Mesa's software renderer, else the GPU."""
        self._ensure_offscreen()
        return self._renderer_name

    def close(self) -> None:
        if self._offscreen is not None:
            self._offscreen.delete()
            self._offscreen = None


def _rounded_size(size_px: int, scale: float) -> int:
    """A scaled size, rounded up to a multiple of 16 so the framebuffer is rarely reallocated."""
    if scale >= 1.0:
        return size_px
    return min(size_px, max(16, -(-round(size_px * scale) // 16) * 16))


def _smooth_edges(premultiplied: np.ndarray, sigma: float) -> np.ndarray:
    """Antialias the silhouette without multisampling: blur only where coverage changes (in place when
    the array is writable)."""
    blurred = cv2.GaussianBlur(premultiplied, (5, 5), sigma)
    edge = cv2.inRange(cv2.extractChannel(blurred, 3), 1, 254)
    out = premultiplied if premultiplied.flags.writeable and premultiplied.flags.c_contiguous else None
    return cv2.copyTo(blurred, edge, premultiplied.copy() if out is None else out)


def _tight_bbox(alpha: np.ndarray, origin: tuple[int, int]) -> tuple[float, float, float, float] | None:
    """The box of the pixels more than faintly covered (alpha above 8), in frame pixels; None if none."""
    _, covered = cv2.threshold(alpha, 8, 255, cv2.THRESH_BINARY)
    x, y, width, height = cv2.boundingRect(covered)
    if width == 0 or height == 0:
        return None
    x0, y0 = origin
    return float(x0 + x), float(y0 + y), float(x0 + x + width), float(y0 + y + height)


def _empty_layer(frame_size: tuple[int, int]) -> RenderedLayer:
    return RenderedLayer(
        rgba=np.zeros((0, 0, 4), np.uint8),
        depth_m=np.zeros((0, 0), np.float32),
        origin_px=(0, 0),
        frame_size_px=frame_size,
        character_bbox_px=None,
    )
