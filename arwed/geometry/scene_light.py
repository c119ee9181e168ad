"""The room's light from the camera image: its ambient level and colour, and the dominant light's direction.

The person in the picture is the light probe. Their silhouette (the tracker's mask) is inflated into a
surface, round in cross-section like a body: normals face the camera along the middle and turn sideways
at the outline. Their brightness is then fitted with a Lambert model, `I = a + max(0, L . n)`, a being
the ambient part and L the dominant light (direction and strength). Clothes of one colour on both sides
of the body are what makes this work; a white shirt inside a black suit only adds noise, which the
robust fit and the smoothing over frames (LightSmoother) absorb.

A frame without a person, or one whose light is flat (no clear direction), gives the indoor default:
the look arwed has always had indoors.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import threading
from dataclasses import dataclass, replace

import cv2
import numpy as np

from arwed.config import LightingSettings
from arwed.types import DirectionalLight, SceneLight

log = logging.getLogger(__name__)

WORKER_NICENESS = 10
ESTIMATE_EVERY_S = 1.0  # light changes slowly: one estimate a second (about 40 ms on this machine) is plenty
MIN_MASK_PIXELS = 400
ANALYSIS_HEIGHT_PX = 200  # the fit works on a small copy: light is a low-frequency property
MIN_DIRECTIONAL_RATIO = 0.25  # light strength over ambient below this is "flat": the indoor default
FIT_ROUNDS = 4
KEY_GAIN = 0.8
CONFIDENT_FROM_RATIO = 0.5  # below: the indoor rig; CONFIDENT_SPAN_RATIO above that, all the estimate
CONFIDENT_SPAN_RATIO = 2.0
SHARP_FROM_RATIO = 4.0  # direct light this many times the ambient casts a sharp shadow (the sun); 1 a blob  # estimated light (relative to the mean lit surface) to the renderer's irradiance
AMBIENT_GAIN = 0.55


@dataclass(frozen=True)
class LightEstimate:
    """What the image says, before it becomes a SceneLight (camera coordinates: x right, y down, z forward)."""

    towards_light: tuple[float, float, float] | None  # unit vector, None when the light is flat
    directional_ratio: float  # strength of the directional part over the ambient part
    ambient_rgb: tuple[float, float, float]  # mean linear colour of the scene, normalised to mean 1
    brightness: float  # mean linear luminance of the frame, 0..1


_SRGB_LEVELS = np.arange(256, dtype=np.float32) / 255.0
SRGB_TO_LINEAR = np.where(
    _SRGB_LEVELS <= 0.04045, _SRGB_LEVELS / 12.92, ((_SRGB_LEVELS + 0.055) / 1.055) ** 2.4
).astype(np.float32)


def srgb_to_linear(values: np.ndarray) -> np.ndarray:
    """uint8 sRGB to linear floats, by table."""
    return SRGB_TO_LINEAR[values]


def inflated_normals(mask: np.ndarray) -> np.ndarray:
    """(h, w, 3) unit normals of the silhouette inflated with round cross-sections (camera coordinates)."""
    inside = (mask > 0.5).astype(np.uint8)
    distance = cv2.distanceTransform(inside, cv2.DIST_L2, 5)
    local_radius = _local_radius(distance)
    d = np.minimum(distance, local_radius)
    height = np.sqrt(np.maximum(2.0 * local_radius * d - d * d, 0.0))
    height = cv2.GaussianBlur(height, (0, 0), 1.0)
    gy, gx = np.gradient(height)
    normals = np.dstack([-gx, -gy, -np.ones_like(gx)])
    normals /= np.linalg.norm(normals, axis=2, keepdims=True)
    return normals


def _local_radius(distance: np.ndarray) -> np.ndarray:
    """Per pixel, the half-width of the body part it is on: the distance-to-outline at the nearest ridge.

    Walking inwards, the largest distance within r grows as fast as r until the ridge of that limb is
    reached; the first radius where it stops growing gives the limb's own radius (an arm next to the
    torso keeps the arm's)."""
    radius = distance.copy()
    climbing = distance > 0
    reach, reached = distance, 0
    for r in (1, 2, 3, 4, 6, 8, 11, 16, 22, 32, 45, 64):
        # grown step by step with square kernels: separable and cheap (an ellipse of 129 px is not)
        step = 2 * (r - reached) + 1
        reach = cv2.dilate(reach, cv2.getStructuringElement(cv2.MORPH_RECT, (step, step)))
        reached = r
        climbing &= reach >= distance + 0.9 * r
        radius = np.where(climbing, reach, radius)
        if not climbing.any():
            break
    return np.maximum(radius, np.maximum(distance, 1.0))


def estimate_light(image_bgr: np.ndarray, person_mask: np.ndarray | None) -> LightEstimate:
    """The light in one frame. `person_mask` is (h, w) float 0..1 at any resolution, or None."""
    scale = ANALYSIS_HEIGHT_PX / image_bgr.shape[0]
    size = (max(1, round(image_bgr.shape[1] * scale)), ANALYSIS_HEIGHT_PX)
    small = cv2.resize(image_bgr, size, interpolation=cv2.INTER_LINEAR)  # light is smooth: no need to average
    linear = srgb_to_linear(small[:, :, ::-1])  # RGB
    # element-wise, not a matrix product: BLAS threads would spin on the cores MediaPipe needs
    luminance = 0.2126 * linear[:, :, 0] + 0.7152 * linear[:, :, 1] + 0.0722 * linear[:, :, 2]
    flat_luminance = luminance.reshape(-1)
    top = int(0.98 * (flat_luminance.size - 1))
    highlight = np.partition(flat_luminance, top)[top]
    lit = luminance <= highlight  # highlights and windows do not say much about colour
    mean_rgb = linear[lit].mean(axis=0) if lit.any() else np.full(3, 0.5, np.float32)
    ambient_rgb = tuple(float(c) for c in mean_rgb / max(float(mean_rgb.mean()), 1e-6))
    brightness = float(luminance.mean())
    flat = LightEstimate(None, 0.0, ambient_rgb, brightness)
    if person_mask is None:
        return flat
    mask = cv2.resize(person_mask.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)
    mask = cv2.erode((mask > 0.5).astype(np.uint8), np.ones((3, 3), np.uint8))
    if int(mask.sum()) < MIN_MASK_PIXELS * scale:
        return flat
    normals = inflated_normals(mask)
    usable = (mask > 0) & (luminance > 0.002) & (luminance < 0.98)
    if int(usable.sum()) < MIN_MASK_PIXELS * scale:
        return flat
    fit = _fit_lambert(luminance[usable], normals[usable])
    if fit is None:
        return flat
    ambient, light = fit
    strength = float(np.linalg.norm(light))
    ratio = strength / max(ambient, 1e-4)
    if ratio < MIN_DIRECTIONAL_RATIO:
        return LightEstimate(None, ratio, ambient_rgb, brightness)
    towards = light / strength
    return LightEstimate(tuple(float(c) for c in towards), ratio, ambient_rgb, brightness)


def _fit_lambert(values: np.ndarray, normals: np.ndarray) -> tuple[float, np.ndarray] | None:
    """Least squares for I = a + max(0, L . n), the clamp resolved by refitting on the lit side.

    The 4 x 4 normal equations are summed element-wise (no BLAS: its threads would spin on the cores
    MediaPipe needs, on a small machine)."""
    lit_side = np.ones(len(values), bool)
    solution = None
    for _ in range(FIT_ROUNDS):
        columns = [np.ones(len(values))] + [normals[:, k] * lit_side for k in range(3)]
        gram = np.array([[float(np.sum(a * b)) for b in columns] for a in columns])
        rhs = np.array([float(np.sum(a * values)) for a in columns])
        gram += np.eye(4) * 1e-9 * max(float(np.trace(gram)), 1.0)
        try:
            solution = np.linalg.solve(gram, rhs)
        except np.linalg.LinAlgError:
            return None
        shading = normals[:, 0] * solution[1] + normals[:, 1] * solution[2] + normals[:, 2] * solution[3]
        facing = shading > 0.0
        if np.array_equal(facing, lit_side) or facing.sum() < 10:
            break
        lit_side = facing
    if solution is None or not np.all(np.isfinite(solution)):
        return None
    return max(float(solution[0]), 0.0), solution[1:]


def scene_light_from(estimate: LightEstimate, base: SceneLight | None = None) -> SceneLight:
    """The SceneLight for an estimate. A weak direction (most rooms) stays close to the indoor rig; a clear
    one (the sun, a spot) takes over the key's direction and strength and sharpens the contact shadow.
    The ambient light takes the scene's colour either way."""
    base = base or SceneLight()
    tint = np.clip(np.asarray(estimate.ambient_rgb), 0.6, 1.4)
    ambient = np.asarray(base.ambient_rgb) * tint
    if estimate.towards_light is None:
        return replace(base, ambient_rgb=tuple(float(c) for c in ambient), source="estimated")
    ratio = estimate.directional_ratio
    confidence = float(np.clip((ratio - CONFIDENT_FROM_RATIO) / CONFIDENT_SPAN_RATIO, 0.0, 1.0))
    base_towards = np.asarray(base.key.towards_light, dtype=np.float64)
    base_towards /= np.linalg.norm(base_towards)
    towards = (1.0 - confidence) * base_towards + confidence * np.asarray(estimate.towards_light)
    towards /= max(float(np.linalg.norm(towards)), 1e-9)
    share = ratio / (1.0 + ratio)  # 0 flat .. 1 all direct
    base_level = max(base.key.rgb)
    key_level = (1.0 - confidence) * base_level + confidence * KEY_GAIN * (0.4 + 0.8 * share)
    ambient_level = (1.0 - confidence) + confidence * AMBIENT_GAIN / 0.4 * (1.1 - 0.6 * share)
    key_rgb = np.asarray(base.key.rgb) / base_level * key_level
    fills = tuple(
        DirectionalLight(f.towards_light, tuple(float(c) * (1.0 - 0.7 * confidence) for c in f.rgb))
        for f in base.fills
    )
    return SceneLight(
        key=DirectionalLight(tuple(float(c) for c in towards), tuple(float(c) for c in key_rgb)),
        fills=fills,
        ambient_rgb=tuple(float(c) for c in ambient * ambient_level),
        shadow_softness=float(np.clip((SHARP_FROM_RATIO - ratio) / (SHARP_FROM_RATIO - 1.0), 0.0, 1.0)),
        source="estimated",
    )


class LightSmoother:
    """Light changes slowly: estimates are blended over frames so the character never flickers."""

    def __init__(self, time_constant_s: float = 2.0):
        self.time_constant_s = time_constant_s
        self._towards: np.ndarray | None = None
        self._ratio = 0.0
        self._ambient = np.ones(3)
        self._brightness = 0.5
        self._last_t: float | None = None

    def update(self, estimate: LightEstimate, t_s: float) -> LightEstimate:
        dt = 0.0 if self._last_t is None else max(0.0, t_s - self._last_t)
        self._last_t = t_s
        k = (
            1.0
            if self._towards is None and self._ratio == 0.0
            else 1.0 - math.exp(-dt / self.time_constant_s)
        )
        self._ratio += k * (estimate.directional_ratio - self._ratio)
        self._ambient += k * (np.asarray(estimate.ambient_rgb) - self._ambient)
        self._brightness += k * (estimate.brightness - self._brightness)
        if estimate.towards_light is not None:
            target = np.asarray(estimate.towards_light)
            blended = target if self._towards is None else self._towards + k * (target - self._towards)
            self._towards = blended / max(np.linalg.norm(blended), 1e-9)
        towards = None
        if self._towards is not None and self._ratio >= MIN_DIRECTIONAL_RATIO:
            towards = tuple(float(c) for c in self._towards)
        return LightEstimate(towards, self._ratio, tuple(float(c) for c in self._ambient), self._brightness)


def angle_deg(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    cos = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
    return math.degrees(math.acos(np.clip(cos, -1.0, 1.0)))


def fixed_light(settings: LightingSettings) -> SceneLight:
    """The light the settings file gives (lighting.mode: fixed)."""
    towards = np.asarray(settings.towards_light, dtype=np.float64)
    norm = float(np.linalg.norm(towards))
    towards = towards / norm if norm > 1e-9 else np.array([0.0, -1.0, 0.0])
    key = np.asarray(SceneLight().key.rgb) / max(SceneLight().key.rgb) * settings.key_level
    return SceneLight(
        key=DirectionalLight(tuple(float(c) for c in towards), tuple(float(c) for c in key)),
        fills=(),
        ambient_rgb=tuple(float(c) * settings.ambient_level for c in settings.ambient_rgb),
        shadow_softness=settings.shadow_softness,
        source="settings",
    )


class SceneLighting:
    """The light for each frame, as the settings ask: estimated about once a second and smoothed, fixed,
    or the indoor rig. `update` is called by the render thread and never waits: with `background` (the
    default) the estimate runs on a worker thread of its own and the newest result is used."""

    def __init__(self, settings: LightingSettings | None = None, background: bool = True):
        self.settings = settings or LightingSettings()
        self._smoother = LightSmoother(self.settings.time_constant_s)
        self._last_submitted_t: float | None = None
        self._light = fixed_light(self.settings) if self.settings.mode == "fixed" else SceneLight()
        self._lock = threading.Condition()
        self._job: tuple[np.ndarray, np.ndarray | None, float] | None = None
        self._closed = False
        self.failures = 0
        self._worker: threading.Thread | None = None
        if background and self.settings.mode == "estimate":
            self._worker = threading.Thread(target=self._work, name="arwed scene light", daemon=True)
            self._worker.start()

    @property
    def light(self) -> SceneLight:
        with self._lock:
            return self._light

    def update(self, image_bgr: np.ndarray, person_mask: np.ndarray | None, t_s: float) -> SceneLight:
        if self.settings.mode != "estimate" or person_mask is None:
            return self.light  # the person is the light probe: without one, the last light stays
        last = self._last_submitted_t
        if last is None or t_s - last >= ESTIMATE_EVERY_S or t_s < last:
            self._last_submitted_t = t_s
            if self._worker is None:
                self._estimate(image_bgr, person_mask, t_s)
            else:
                with self._lock:
                    self._job = (image_bgr, person_mask, t_s)  # the newest frame wins
                    self._lock.notify()
        return self.light

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify()
        if self._worker is not None:
            self._worker.join(timeout=2.0)

    def _work(self) -> None:
        # below the tracking and render threads: the light can wait, they cannot (Linux: per thread)
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._job is not None or self._closed)
                if self._closed:
                    return
                job, self._job = self._job, None
            try:
                self._estimate(*job)
            except Exception:  # a frame the estimate cannot read: keep the last light, count it
                self.failures += 1
                log.exception("scene light estimate failed; keeping the last light")

    def _estimate(self, image_bgr: np.ndarray, person_mask: np.ndarray | None, t_s: float) -> None:
        smoothed = self._smoother.update(estimate_light(image_bgr, person_mask), t_s)
        light = scene_light_from(smoothed)
        with self._lock:
            self._light = light
