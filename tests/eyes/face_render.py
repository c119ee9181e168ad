"""A rendered head at known poses: MediaPipe's canonical face mesh wearing a real face, on a real photo.

The texture is Grace Hopper's public-domain portrait (matplotlib's sample data): Face Mesh finds her 468
landmarks once, frontally; each canonical vertex takes its texture coordinate from its own landmark, so
the mesh wears her face with every feature where Face Mesh expects it. The mesh is then rendered with
pyrender at a known rotation, composited over a background photo, and handed to the real code
(tracking.face + geometry.head): the rotation it reports is compared with the one rendered.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from arwed.geometry.camera import intrinsics_from_fov
from arwed.geometry.head import FACE_MODEL_PATH, canonical_face_m, rotation_from_angles_deg
from arwed.types import CameraIntrinsics, Frame

IMAGE_SIZE_PX = (960, 720)
SUPERSAMPLING = 2
FACE_DISTANCE_M = 0.9  # a face about 170 px wide at a 60 degree field of view


def hopper_path() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("matplotlib")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "sample_data" / "grace_hopper.jpg"


def canonical_triangles() -> np.ndarray:
    faces = []
    with FACE_MODEL_PATH.open(encoding="ascii") as obj:
        for line in obj:
            if line.startswith("f "):
                faces.append([int(part.split("/")[0]) - 1 for part in line.split()[1:4]])
    return np.asarray(faces, dtype=np.int64)


def hopper_texture_uv(face_tracker) -> tuple[np.ndarray, np.ndarray]:
    """(texture RGB, per-vertex uv) from Face Mesh on her portrait."""
    image = cv2.imread(str(hopper_path()))
    height, width = image.shape[:2]
    face = face_tracker.process_crop(Frame(image, 0, 0.0, 0.0), (0, 0, max(width, height)))
    if face is None:
        raise RuntimeError("Face Mesh found no face in the Grace Hopper portrait")
    uv = face.landmarks_px / np.array([width, height], dtype=np.float64)
    uv[:, 1] = 1.0 - uv[:, 1]  # glTF/pyrender texture origin is the bottom-left
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB), uv


class FaceScene:
    """Renders the textured canonical face at a given head rotation over a background."""

    def __init__(self, texture_rgb: np.ndarray, uv: np.ndarray, background_bgr: np.ndarray) -> None:
        import pyrender
        import trimesh

        from arwed.render import pyrender_patches

        width, height = IMAGE_SIZE_PX
        self.intrinsics: CameraIntrinsics = intrinsics_from_fov(width, height, 60.0)
        # the same picture whatever ran before: no multisampling (arwed's renderer turns it off on
        # software renderers for every later context), antialiased by rendering at twice the size instead
        pyrender_patches.apply()
        pyrender_patches.set_multisample(0)
        self.background = cv2.resize(background_bgr, IMAGE_SIZE_PX, interpolation=cv2.INTER_AREA)
        visual = trimesh.visual.TextureVisuals(uv=uv, image=_pil(texture_rgb))
        mesh = trimesh.Trimesh(canonical_face_m(), canonical_triangles(), visual=visual, process=False)
        material = pyrender.MetallicRoughnessMaterial(
            baseColorTexture=pyrender.Texture(source=texture_rgb, source_channels="RGB"),
            metallicFactor=0.0,
            roughnessFactor=1.0,
            doubleSided=True,
        )
        self._mesh = pyrender.Mesh.from_trimesh(mesh, material=material, smooth=True)
        self._scene = pyrender.Scene(bg_color=(0, 0, 0, 0), ambient_light=(0.9, 0.9, 0.9))
        k = self.intrinsics
        ss = SUPERSAMPLING
        camera = pyrender.IntrinsicsCamera(
            k.fx_px * ss,
            k.fy_px * ss,
            (k.cx_px + 0.5) * ss - 0.5,
            (k.cy_px + 0.5) * ss - 0.5,
            znear=0.05,
            zfar=10.0,
        )
        self._scene.add(camera)
        self._node = self._scene.add(self._mesh)
        self._renderer = pyrender.OffscreenRenderer(width * ss, height * ss)
        self.position_m = np.array([0.0, 0.0, FACE_DISTANCE_M])

    def render(
        self, yaw_deg: float, pitch_deg: float = 0.0, roll_deg: float = 0.0
    ) -> tuple[Frame, np.ndarray]:
        """(frame, the true head rotation in camera axes)."""
        import pyrender

        rotation = rotation_from_angles_deg(yaw_deg, pitch_deg, roll_deg, self.position_m)
        pose = np.eye(4)
        pose[:3, :3], pose[:3, 3] = rotation, self.position_m
        opencv_to_opengl = np.diag([1.0, -1.0, -1.0, 1.0])
        self._scene.set_pose(self._node, opencv_to_opengl @ pose)
        color, _ = self._renderer.render(self._scene, flags=pyrender.RenderFlags.RGBA)
        color = cv2.resize(color, IMAGE_SIZE_PX, interpolation=cv2.INTER_AREA)
        alpha = color[:, :, 3:4].astype(np.float32) / 255.0
        bgr = cv2.cvtColor(color[:, :, :3], cv2.COLOR_RGB2BGR).astype(np.float32)
        image = (bgr * alpha + self.background.astype(np.float32) * (1.0 - alpha)).astype(np.uint8)
        image = cv2.imdecode(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])[1], cv2.IMREAD_COLOR)
        return Frame(image, 0, 0.0, 0.0), rotation

    def head_crop_px(self) -> tuple[int, int, int]:
        """The square a pose's head landmarks would give: centred on the head, 3x the face's size."""
        k = self.intrinsics
        side = int(3.2 * 0.11 * k.fx_px / self.position_m[2])
        return int(k.cx_px - side / 2), int(k.cy_px - side / 2), side

    def close(self) -> None:
        self._renderer.delete()


def _pil(rgb: np.ndarray):
    from PIL import Image

    return Image.fromarray(rgb)
