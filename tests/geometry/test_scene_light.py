"""Scene light from the camera image: constructed scenes with a known light, and the real photos.

The constructed person is made of true ellipsoids (torso, head, arms, legs), ray-cast, so the normals
the estimator infers from the silhouette are not the ones the picture was shaded with. Shading is
Lambert with a clamp, over a textured albedo, in a cluttered room, saved as JPEG; the mask is blurred
and a few pixels too large, as a tracker's is.
"""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest

from arwed.config import LightingSettings
from arwed.geometry import scene_light as scene_light_module
from arwed.geometry.scene_light import (
    LightEstimate,
    LightSmoother,
    SceneLighting,
    angle_deg,
    estimate_light,
    scene_light_from,
)
from arwed.types import SceneLight

# (centre x, centre y, radius x, radius y, radius z) in pixels of a 640x480 frame
BODY = (
    (320, 250, 72, 115, 45),  # torso
    (320, 112, 36, 44, 38),  # head
    (226, 262, 22, 105, 22),  # arms
    (414, 262, 22, 105, 22),
    (292, 400, 30, 95, 30),  # legs
    (348, 400, 30, 95, 30),
)


def _body_normals(size=(640, 480)) -> tuple[np.ndarray, np.ndarray]:
    """(mask, normals) of the ellipsoid figure seen from the front (camera coordinates)."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    depth = np.full((h, w), np.inf)
    normals = np.zeros((h, w, 3))
    for cx, cy, rx, ry, rz in BODY:
        u, v = (x - cx) / rx, (y - cy) / ry
        inside = u * u + v * v < 1.0
        z = -rz * np.sqrt(np.clip(1.0 - u * u - v * v, 0.0, None))
        nearer = inside & (z < depth)
        depth[nearer] = z[nearer]
        n = np.dstack([u / rx, v / ry, z / (rz * rz)])
        n /= np.linalg.norm(n, axis=2, keepdims=True)
        normals[nearer] = n[nearer]
    return np.isfinite(depth), normals


def synthetic_frame(towards_light, ambient=0.12, strength=0.75, seed=0):
    rng = np.random.default_rng(seed)
    mask, normals = _body_normals()
    light = np.asarray(towards_light, float)
    light /= np.linalg.norm(light)
    shade = ambient + strength * np.clip(normals @ light, 0.0, None)
    albedo = 0.55 * (1.0 + 0.25 * cv2.GaussianBlur(rng.standard_normal(mask.shape), (0, 0), 2.0))
    albedo = np.dstack([albedo * 1.0, albedo * 0.92, albedo * 0.85])  # a warm fabric
    room = 0.25 + 0.2 * cv2.GaussianBlur(rng.standard_normal(mask.shape + (3,)), (0, 0), 12.0)
    linear = np.where(mask[:, :, None], shade[:, :, None] * albedo, room)
    linear = np.clip(linear, 0.0, 1.0)
    srgb = np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055)
    image = cv2.cvtColor((srgb * 255).astype(np.uint8), cv2.COLOR_RGB2BGR)
    _, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 75])
    image = cv2.imdecode(encoded, cv2.IMREAD_COLOR)
    tracker_mask = cv2.GaussianBlur(cv2.dilate(mask.astype(np.uint8), np.ones((5, 5), np.uint8)), (0, 0), 2.0)
    return image, tracker_mask.astype(np.float32)


LIGHTS = [
    (-1.0, -1.0, -1.0),  # upper left, in front
    (1.0, -0.5, -0.6),  # right, in front
    (0.3, -1.0, -0.3),  # high sun
    (-0.9, -0.4, 0.2),  # from the left side, a little behind
    (0.0, -0.6, -1.0),  # in front, above (a flash on the camera)
    (0.8, -0.8, 0.0),  # right and above
]


@pytest.mark.parametrize("towards", LIGHTS)
def test_direction_within_25_degrees_on_a_constructed_person(towards):
    image, mask = synthetic_frame(towards, seed=hash(towards) % 1000)
    estimate = estimate_light(image, mask)
    assert estimate.towards_light is not None, "a clear directional light was taken for flat light"
    error = angle_deg(estimate.towards_light, towards)
    assert error < 25.0, f"light {towards}: estimated {estimate.towards_light}, {error:.1f} degrees off"


def test_flat_light_gives_the_indoor_rig():
    image, mask = synthetic_frame((0.0, -1.0, -1.0), ambient=0.6, strength=0.0)
    estimate = estimate_light(image, mask)
    assert estimate.towards_light is None
    light = scene_light_from(estimate)
    assert light.key == SceneLight().key and light.shadow_softness == 1.0


def test_no_person_gives_no_direction_but_the_room_colour():
    image = np.zeros((480, 640, 3), np.uint8)
    image[:] = (60, 110, 200)  # warm orange room (BGR)
    estimate = estimate_light(image, None)
    assert estimate.towards_light is None
    red, green, blue = estimate.ambient_rgb
    assert red > green > blue
    tinted = scene_light_from(estimate)
    assert tinted.ambient_rgb[0] > tinted.ambient_rgb[2]


def test_sun_gives_a_sharp_shadow_and_a_strong_key():
    image, mask = synthetic_frame((0.6, -1.0, -0.4), ambient=0.05, strength=0.9)
    light = scene_light_from(estimate_light(image, mask))
    overcast, overcast_mask = synthetic_frame((0.6, -1.0, -0.4), ambient=0.5, strength=0.15)
    soft = scene_light_from(estimate_light(overcast, overcast_mask))
    assert light.shadow_softness < 0.5 < soft.shadow_softness
    assert max(light.key.rgb) > max(soft.key.rgb)


def test_smoother_moves_slowly_and_settles():
    smoother = LightSmoother(time_constant_s=1.0)
    left = estimate_light(*synthetic_frame((-1.0, -1.0, -0.5)))
    right = estimate_light(*synthetic_frame((1.0, -1.0, -0.5)))
    first = smoother.update(left, 0.0)
    assert angle_deg(first.towards_light, left.towards_light) < 1.0
    step = smoother.update(right, 1 / 30)
    assert angle_deg(step.towards_light, left.towards_light) < 5.0  # one frame later: barely moved
    for k in range(2, 300):
        settled = smoother.update(right, k / 30)
    assert angle_deg(settled.towards_light, right.towards_light) < 3.0


def test_scene_lighting_estimates_on_its_own_thread_and_never_waits(monkeypatch):
    image, mask = synthetic_frame((1.0, -1.0, -0.5), ambient=0.05, strength=0.9)
    # The estimate is held until the render thread's update has returned: if update waited for it, it
    # would never return (checked without timing the call, which a loaded machine makes meaningless).
    release = threading.Event()
    real_estimate = scene_light_module.estimate_light

    def held_estimate(*args):
        release.wait(10.0)
        return real_estimate(*args)

    monkeypatch.setattr(scene_light_module, "estimate_light", held_estimate)
    threads_before = set(threading.enumerate())  # other tests' pipelines may still hold their own
    lighting = SceneLighting(LightingSettings(mode="estimate"))
    try:
        returned: list[SceneLight] = []
        caller = threading.Thread(target=lambda: returned.append(lighting.update(image, mask, 0.0)))
        caller.start()
        caller.join(5.0)
        assert returned, "update waited for the estimate"  # the render thread hands the frame over
        assert returned[0] == SceneLight()  # until the first estimate is in: the indoor light
        release.set()
        deadline = time.monotonic() + 10.0
        while lighting.light.source != "estimated" and time.monotonic() < deadline:
            time.sleep(0.02)
        light = lighting.update(image, None, 0.5)  # no person: the last light stays
        assert light.source == "estimated"
        assert angle_deg(light.key.towards_light, (1.0, -1.0, -0.5)) < 25.0
    finally:
        lighting.close()
    started_here = set(threading.enumerate()) - threads_before
    assert not any(t.name == "arwed scene light" and t.is_alive() for t in started_here)


def test_fixed_and_indoor_modes_ignore_the_picture():
    image, mask = synthetic_frame((1.0, -1.0, -0.5))
    fixed = SceneLighting(LightingSettings(mode="fixed", towards_light=(0.0, -2.0, 0.0), shadow_softness=0.1))
    light = fixed.update(image, mask, 0.0)
    assert light.source == "settings" and light.key.towards_light == pytest.approx((0.0, -1.0, 0.0))
    assert light.shadow_softness == 0.1
    indoor = SceneLighting(LightingSettings(mode="indoor"))
    assert indoor.update(image, mask, 0.0) == SceneLight()
    fixed.close()
    indoor.close()


def test_a_weak_direction_stays_close_to_the_indoor_rig_and_a_clear_one_takes_over():
    frontal = (0.2, -0.1, -0.97)  # what indoor photos give: mostly from the camera's side
    weak = scene_light_from(LightEstimate(frontal, 1.3, (1.0, 1.0, 1.0), 0.4))
    indoor = SceneLight()
    assert angle_deg(weak.key.towards_light, indoor.key.towards_light) < angle_deg(
        frontal, indoor.key.towards_light
    )
    assert weak.shadow_softness > 0.8  # still a blob under the feet
    sun = scene_light_from(LightEstimate((0.6, -0.7, 0.2), 6.0, (1.0, 0.95, 0.9), 0.6))
    assert angle_deg(sun.key.towards_light, (0.6, -0.7, 0.2)) < 1.0 and sun.shadow_softness == 0.0
