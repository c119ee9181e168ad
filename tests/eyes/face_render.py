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
from arwed.tracking.face import head_crop_px
from arwed.types import CameraIntrinsics, Frame, PoseObservation
from tests.eyes.head_model import PIVOT_M, ColouredMesh, build_head, retouched_sides

IMAGE_SIZE_PX = (960, 720)
SUPERSAMPLING = 2  # the bare mask's antialiasing (rendered at twice the size)
CAMERA_BLUR_PX = 0.6  # the whole head's: a camera's lens and sensor soften each edge over a pixel or so
FACE_DISTANCE_M = 0.9  # a face about 170 px wide at a 60 degree field of view
FLAT_AMBIENT = 0.9  # the bare mask's light: the portrait's own shading only
AMBIENT_WITH_ROOM_LIGHT = 0.55
ROOM_LIGHT = 0.45 * np.pi / 0.96  # pyrender's diffuse term is albedo * 0.96 / pi * intensity * cos


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
    """Renders the textured canonical face at a given head rotation over a background.

    With `head` (the default) the face is a whole head's (tests/eyes/head_model.py): skull, hair, ears,
    neck and shoulders, lit by the room (soft light from around the camera, so a turned cheek darkens),
    turning about the neck; the crop is the one the pose's head landmarks (nose, eyes, ears, mouth
    corners) would give. Without it, the bare mask under flat light, the crop a fixed square: the
    scene this test had before, kept to compare."""

    def __init__(
        self,
        texture_rgb: np.ndarray,
        uv: np.ndarray,
        background_bgr: np.ndarray,
        head: bool = True,
        distance_m: float = FACE_DISTANCE_M,
    ) -> None:
        import pyrender
        import trimesh

        from arwed.render import pyrender_patches

        width, height = IMAGE_SIZE_PX
        self.intrinsics: CameraIntrinsics = intrinsics_from_fov(width, height, 60.0)
        # the same picture whatever ran before: no multisampling (arwed's renderer turns it off on
        # software renderers for every later context); the bare mask is antialiased by rendering at twice
        # the size, the whole head by the camera's softness (a software renderer shades each pixel of
        # the head, four times as many at twice the size)
        pyrender_patches.apply()
        pyrender_patches.set_multisample(0)
        self.background = cv2.resize(background_bgr, IMAGE_SIZE_PX, interpolation=cv2.INTER_AREA)
        triangles = canonical_triangles()
        if head:
            texture_rgb = retouched_sides(texture_rgb, uv, triangles)
        visual = trimesh.visual.TextureVisuals(uv=uv, image=_pil(texture_rgb))
        mesh = trimesh.Trimesh(canonical_face_m(), triangles, visual=visual, process=False)
        material = pyrender.MetallicRoughnessMaterial(
            baseColorTexture=pyrender.Texture(source=texture_rgb, source_channels="RGB"),
            metallicFactor=0.0,
            roughnessFactor=1.0,
            doubleSided=True,
        )
        self._mesh = pyrender.Mesh.from_trimesh(mesh, material=material, smooth=True)
        self.head = build_head(triangles, uv, texture_rgb) if head else None
        ambient = AMBIENT_WITH_ROOM_LIGHT if head else FLAT_AMBIENT
        self._scene = pyrender.Scene(bg_color=(0, 0, 0, 0), ambient_light=(ambient,) * 3)
        k = self.intrinsics
        ss = 1 if head else SUPERSAMPLING
        self._supersampling = ss
        camera = pyrender.IntrinsicsCamera(
            k.fx_px * ss,
            k.fy_px * ss,
            (k.cx_px + 0.5) * ss - 0.5,
            (k.cy_px + 0.5) * ss - 0.5,
            znear=0.05,
            zfar=10.0,
        )
        self._scene.add(camera)
        self._nodes = [self._scene.add(self._mesh)]
        self._body_node = None
        if self.head is not None:
            self._nodes += [self._scene.add(_coloured(part)) for part in self.head.head_parts]
            self._body_node = self._scene.add(_coloured(self.head.shoulders))
            # light from above and a little left of the camera: a face towards it is lit as the
            # portrait was (ambient + this = 1), a side turned away gets the ambient alone
            light_pose = np.eye(4)
            light_pose[:3, :3] = cv2.Rodrigues(np.array([np.radians(20.0), np.radians(-15.0), 0.0]))[0]
            self._scene.add(pyrender.DirectionalLight(intensity=ROOM_LIGHT), pose=light_pose)
        self._renderer = pyrender.OffscreenRenderer(width * ss, height * ss)
        self.position_m = np.array([0.0, 0.0, distance_m])
        self._transform = np.eye(4)

    def render(
        self, yaw_deg: float, pitch_deg: float = 0.0, roll_deg: float = 0.0
    ) -> tuple[Frame, np.ndarray]:
        """(frame, the true head rotation in camera axes)."""
        import pyrender

        rotation = rotation_from_angles_deg(yaw_deg, pitch_deg, roll_deg, self.position_m)
        facing = rotation_from_angles_deg(0.0, 0.0, 0.0, self.position_m)
        opencv_to_opengl = np.diag([1.0, -1.0, -1.0, 1.0])
        pose = np.eye(4)
        pose[:3, :3], pose[:3, 3] = rotation, self.position_m
        if self.head is not None:  # the head turns about the neck, the shoulders stay
            pose[:3, 3] += (facing - rotation) @ PIVOT_M
            body = np.eye(4)
            body[:3, :3], body[:3, 3] = facing, self.position_m
            self._scene.set_pose(self._body_node, opencv_to_opengl @ body)
        self._transform = pose
        for node in self._nodes:
            self._scene.set_pose(node, opencv_to_opengl @ pose)
        color, _ = self._renderer.render(self._scene, flags=pyrender.RenderFlags.RGBA)
        if self._supersampling > 1:
            color = cv2.resize(color, IMAGE_SIZE_PX, interpolation=cv2.INTER_AREA)
        alpha = color[:, :, 3:4].astype(np.float32) / 255.0
        bgr = cv2.cvtColor(color[:, :, :3], cv2.COLOR_RGB2BGR).astype(np.float32)
        image = (bgr * alpha + self.background.astype(np.float32) * (1.0 - alpha)).astype(np.uint8)
        if self.head is not None:
            image = cv2.GaussianBlur(image, (0, 0), CAMERA_BLUR_PX)
        image = cv2.imdecode(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])[1], cv2.IMREAD_COLOR)
        return Frame(image, 0, 0.0, 0.0), rotation

    def head_crop_px(self) -> tuple[int, int, int]:
        """The square a pose's head landmarks would give for the last rendered frame."""
        k = self.intrinsics
        if self.head is None:  # the old fixed square: centred on the head, 3.2 times an 11 cm face
            side = int(3.2 * 0.11 * k.fx_px / self.position_m[2])
            return int(k.cx_px - side / 2), int(k.cy_px - side / 2), side
        face = canonical_face_m()
        # BlazePose's nose, eyes (inner, centre, outer), ears and mouth corners, in its order
        points = np.array(
            [
                face[1],
                face[362],
                face[[362, 263]].mean(axis=0),
                face[263],
                face[133],
                face[[133, 33]].mean(axis=0),
                face[33],
                self.head.ears_m[0],
                self.head.ears_m[1],
                face[291],
                face[61],
            ]
        )
        camera = points @ self._transform[:3, :3].T + self._transform[:3, 3]
        pixels = np.column_stack(
            (k.fx_px * camera[:, 0] / camera[:, 2] + k.cx_px, k.fy_px * camera[:, 1] / camera[:, 2] + k.cy_px)
        )
        landmarks = np.full((33, 2), np.nan)
        landmarks[: len(pixels)] = pixels
        visibility = np.zeros(33)
        visibility[: len(pixels)] = 1.0
        observation = PoseObservation(0, 0.0, landmarks, np.zeros((33, 3)), visibility, None, (0, 0, 1, 1))
        return head_crop_px(observation, IMAGE_SIZE_PX)

    def close(self) -> None:
        self._renderer.delete()


def _coloured(part: ColouredMesh):
    import pyrender
    import trimesh

    normals = trimesh.Trimesh(part.vertices_m, part.triangles, process=False).vertex_normals
    material = pyrender.MetallicRoughnessMaterial(metallicFactor=0.0, roughnessFactor=1.0, doubleSided=True)
    primitive = pyrender.Primitive(
        positions=part.vertices_m.astype(np.float32),
        normals=np.asarray(normals, dtype=np.float32),
        color_0=np.column_stack((part.colours_linear, np.ones(len(part.colours_linear)))).astype(np.float32),
        indices=part.triangles.astype(np.uint32),
        material=material,
    )
    return pyrender.Mesh([primitive])


def _pil(rgb: np.ndarray):
    from PIL import Image

    return Image.fromarray(rgb)
