"""The typed data that passes between pipeline stages.

Conventions used everywhere in arwed:
- Camera coordinates are OpenCV's: x right, y down, z forward, in metres.
- Image coordinates are pixels, origin at the top-left corner of the top-left pixel.
- Character coordinates (a model's own space) are glTF's: y up, facing +z, feet at y = 0, metres.
- Images are numpy uint8 arrays in BGR order (OpenCV's), shape (height, width, 3).
Every instance is frozen: a stage never changes what another stage produced.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field

import numpy as np

BBox = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels


@dataclass(frozen=True)
class CameraIntrinsics:
    """A pinhole camera with optional OpenCV distortion, for one image size."""

    width_px: int
    height_px: int
    fx_px: float
    fy_px: float
    cx_px: float
    cy_px: float
    distortion: tuple[float, ...] = ()
    source: str = "default"  # "default" (assumed field of view) or the profile file it came from

    @property
    def matrix(self) -> np.ndarray:
        return np.array(
            [[self.fx_px, 0.0, self.cx_px], [0.0, self.fy_px, self.cy_px], [0.0, 0.0, 1.0]], dtype=np.float64
        )

    @property
    def distortion_array(self) -> np.ndarray:
        return np.asarray(self.distortion, dtype=np.float64) if self.distortion else np.zeros(5)

    @property
    def horizontal_fov_deg(self) -> float:
        return float(np.degrees(2.0 * np.arctan(self.width_px / (2.0 * self.fx_px))))


@dataclass(frozen=True)
class Frame:
    """One image from a source, stamped when it was captured."""

    image_bgr: np.ndarray
    index: int
    capture_time_s: float  # time.monotonic() when the frame was grabbed
    media_time_s: float  # position in the source's own timeline (video time, or seconds since start)
    stale: bool = False  # true when a live source repeats its last frame because the device is gone

    @property
    def size_px(self) -> tuple[int, int]:
        return int(self.image_bgr.shape[1]), int(self.image_bgr.shape[0])


@dataclass(frozen=True)
class PoseObservation:
    """One person's body as MediaPipe Pose saw it in one frame (33 BlazePose landmarks)."""

    frame_index: int
    media_time_s: float
    image_landmarks_px: np.ndarray  # (33, 2) pixel coordinates
    world_landmarks_m: (
        np.ndarray
    )  # (33, 3) metres, hip-centred, MediaPipe's axes (x right, y down, z forward)
    visibility: np.ndarray  # (33,) 0..1
    segmentation_mask: (
        np.ndarray | None
    )  # (h, w) float32 0..1 silhouette at tracking resolution (scale to frame)
    bbox_px: BBox


@dataclass(frozen=True)
class PeopleObservation:
    """Everyone the tracker saw in one frame, in the tracker's own order (not an identity: see geometry.identity)."""

    frame_index: int
    media_time_s: float
    frame_size_px: tuple[int, int]  # width, height of the frame the landmarks' pixels refer to
    people: tuple[PoseObservation, ...] = ()


@dataclass(frozen=True)
class Occluder:
    """One person's silhouette and how near they stand: they hide the character where they are nearer."""

    mask: np.ndarray  # (h, w) float32 0..1 at tracking resolution (scaled to the frame when used)
    depth_m: float  # distance along the optical axis
    bbox_px: BBox
    partner_person: bool = False  # the person the partner stands beside


class TrackingState(enum.Enum):
    TRACKING = "tracking"  # a fresh observation placed the person in this frame
    HELD = "held"  # the person was lost a moment ago: the last placement is held
    LOST = "lost"  # nobody has been seen for a while: the character fades out / stays hidden


@dataclass(frozen=True)
class FloorPlane:
    """The plane n . X + d = 0 in camera coordinates, with n the unit normal pointing up (towards the ceiling)."""

    normal: np.ndarray  # (3,)
    offset_m: float
    source: str  # "calibration", "feet", "proportions" or "default"

    def signed_height_m(self, point_m: np.ndarray) -> float:
        return float(np.dot(self.normal, point_m) + self.offset_m)

    def project(self, point_m: np.ndarray) -> np.ndarray:
        return np.asarray(point_m, dtype=np.float64) - self.signed_height_m(point_m) * self.normal


@dataclass(frozen=True)
class Placement:
    """Where the person is and where the character stands, in camera coordinates (metres)."""

    media_time_s: float
    state: TrackingState
    person_feet_m: np.ndarray  # (3,) the point on the floor under the person
    person_head_m: np.ndarray  # (3,) between the eyes: what the character looks at
    person_depth_m: float  # distance along the optical axis, for occlusion
    person_height_m: float
    floor: FloorPlane
    anchor_m: np.ndarray  # (3,) the character's feet, on the floor
    character_to_camera: np.ndarray  # (4, 4) maps character coordinates (glTF axes) into camera coordinates
    opacity: float  # 0..1, fades the character out after a track loss
    person_bbox_px: BBox | None = None
    notes: tuple[str, ...] = ()  # e.g. "default field of view", "floor from body proportions"
    person_height_source: str = "assumed"  # "given", "measured" (feet on a calibrated floor) or "assumed"
    side: str = "right"  # the side the character stands on now (the settings may say "auto")
    in_view: bool = True  # false when the character's spot is outside the camera's picture
    spot_taken: bool = False  # the chosen spot is where someone stands: the character stands nearby


@dataclass(frozen=True)
class DirectionalLight:
    """Light from far away: a unit vector from the scene towards the light (camera coordinates), linear RGB
    irradiance (1.0 lights a white surface facing it fully)."""

    towards_light: tuple[float, float, float]
    rgb: tuple[float, float, float]


@dataclass(frozen=True)
class SceneLight:
    """The light the character is drawn in and casts its contact shadow by.

    `key` is the dominant light (the sun, a window, a spot); `fills` soften the rest; `ambient_rgb` lights
    every side alike. `shadow_softness` is 0 for a sharp shadow (a clear sun), 1 for a soft blob (overcast,
    indoors). `source` says where it came from: "indoor default", "estimated" or "settings"."""

    key: DirectionalLight = DirectionalLight((-0.5, -0.6, -0.6), (0.55, 0.528, 0.495))
    fills: tuple[DirectionalLight, ...] = (
        DirectionalLight((0.7, -0.2, -0.5), (0.17, 0.18, 0.2)),  # a cool fill from the right
        DirectionalLight((0.0, -0.5, 1.0), (0.15, 0.15, 0.15)),  # a rim from behind
    )
    ambient_rgb: tuple[float, float, float] = (0.4, 0.4, 0.4)
    shadow_softness: float = 1.0
    source: str = "indoor default"

    @property
    def lights(self) -> tuple[DirectionalLight, ...]:
        return (self.key, *self.fills)


@dataclass(frozen=True)
class RenderedLayer:
    """The character rendered over the region of the frame it covers."""

    rgba: np.ndarray  # (h, w, 4) uint8, premultiplied alpha (antialiased edges carry partial coverage)
    depth_m: np.ndarray  # (h, w) float32, distance along the optical axis; 0 where empty
    origin_px: tuple[int, int]  # x, y of rgba[0, 0] in the full frame
    frame_size_px: tuple[int, int]  # width, height of the full frame
    character_bbox_px: BBox | None  # tight box around the visible character, full-frame pixels


class CompositeMode(enum.Enum):
    STAGE = "stage"  # camera image + character, the person's mask in front, a contact shadow
    CAMERA_BLACK = "camera-black"  # the camera's view of the character on pure black
    KEYED = "keyed"  # character on a key colour, or an RGBA image
    EYES = "eyes"  # her view: the character from her eyes, for her glasses (see arwed.render.eyes)

    @classmethod
    def _missing_(cls, value):
        # saved set-ups and settings from before the rename: read as the new name, with a notice
        if isinstance(value, str) and value.strip().lower() in RENAMED_MODES:
            new = RENAMED_MODES[value.strip().lower()]
            logging.getLogger("arwed").warning(
                "the output '%s' is now called '%s' (the camera's view on black; 'eyes' is her own view)",
                value,
                new,
            )
            return cls(new)
        return None


RENAMED_MODES = {"glasses": "camera-black", "glasses-3d": "camera-black"}


@dataclass(frozen=True)
class HeadPose:
    """Her head at one moment, in camera coordinates (see arwed.geometry.head for the axes)."""

    time_s: float  # the moment it describes (measured at, or predicted to)
    position_m: np.ndarray  # (3,) between her eyes
    rotation: np.ndarray  # (3, 3) head axes (x her left, y up, z her forward) -> camera axes
    confidence: float  # 0..1
    source: str  # "face", "body", "udp+face", "udp+body"; ", held" once she is unseen
    opacity: float = 1.0  # 1 while seen; held, then faded after a loss

    @property
    def forward(self) -> np.ndarray:
        return self.rotation[:, 2]


@dataclass(frozen=True)
class CompositeFrame:
    image: np.ndarray  # (H, W, 3) BGR, or (H, W, 4) BGRA for keyed output with alpha
    frame_index: int
    capture_time_s: float
    media_time_s: float
    mode: CompositeMode
    placement: Placement | None
    character_bbox_px: BBox | None
    stage_ms: dict[str, float] = field(default_factory=dict)
    head_pose: HeadPose | None = None  # her head, for her view (eyes outputs)
    camera_image: np.ndarray | None = None  # the source's frame before anything was drawn on it (read-only)
    tracked_frame_index: int | None = None  # the frame whose tracking placed him (live: maybe older)
    visibility: float = 1.0  # the operator's hide when it was drawn: 1 shown, 0 hidden, between: fading
