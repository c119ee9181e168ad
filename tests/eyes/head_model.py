"""A whole head behind MediaPipe's canonical face: skull with hair and cap, ears, neck and shoulders.

The canonical face alone is a mask: turned 50 degrees, its edge is the edge of the picture's "head",
with the background where her temple, ear and hair should be. Face Mesh was trained on real heads, so
the test scene gets one, built around the mask and joined to it edge to edge:
- the skull and jaw: two ellipsoids of an adult head's size (16.4 cm broad with her hair, 20 cm long,
  chin to crown 22.4 cm and the cap on top), smoothly united; the surface is lofted from the mask's outer edge along great circles
  to the back of the head, starting exactly on the edge and easing onto the ellipsoids within 25 degrees;
- the ears: dished ovals 6.2 x 3.4 cm, their front edge on the skull just behind the face's side
  landmarks (234/454), from brow level down to the nose's base, tilted back 15 degrees, the rim standing
  1.8 cm out;
- the neck (a tube of 34 cm girth, on the axis the head turns about) and shoulders 40 cm wide;
- the portrait's own sides of the face, seen edge on by its camera, painted skin (retouched_sides).
Colours: at the mask's edge the face texture's own colour, easing into skin (her cheek's colour),
grey hair from the temples back and down to the nape, her cap above the forehead (the portrait's mask
ends at its brim), a navy jacket with a white collar; every vertex varies a little, as skin and hair do.
All coordinates in metres in head axes (x her left, y up, z forward), the canonical face's own.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from arwed.geometry.head import canonical_face_m

CM = 0.01
SKULL_CENTRE_M = np.array([0.0, 2.5, -4.4]) * CM
SKULL_AXES_M = np.array([8.2, 10.5, 10.2]) * CM  # with her hair
JAW_CENTRE_M = np.array([0.0, -4.0, -1.5]) * CM
JAW_AXES_M = np.array([6.4, 5.8, 6.3]) * CM
UNION_SOFTNESS = 0.08
LOFT_CENTRE_M = np.array([0.0, 1.0, -3.5]) * CM  # inside the head: every ray from it leaves it once
SEAM_EASE_RAD = np.radians(25.0)
EDGE_SUBDIVISION = 4
LOFT_RINGS = 48
NECK_AXIS_Z_M = -4.5 * CM
TRAGION_BEHIND_SIDE_M = 1.8 * CM  # the ear's front edge, behind landmark 234/454
NECK_RADII_M = np.array([5.3, 5.7]) * CM
NECK_TOP_M, NECK_BOTTOM_M = -3.0 * CM, -16.5 * CM
SHOULDER_TOP_M = -14.5 * CM
# the head turns about the neck's axis and nods about where the neck leaves the collar: the neck's foot
# stays in the collar whatever the pose
PIVOT_M = np.array([0.0, SHOULDER_TOP_M, NECK_AXIS_Z_M])

SKIN_SRGB = np.array([209, 126, 86])  # her cheek below the glasses (mean of a 27 x 28 px patch)
HAIR_SRGB = np.array([178, 170, 168])  # grey
CAP_SRGB = np.array([22, 22, 30])  # navy, as the cap's band in the portrait
JACKET_SRGB = np.array([18, 18, 26])
COLLAR_SRGB = np.array([232, 232, 228])


@dataclass(frozen=True)
class ColouredMesh:
    vertices_m: np.ndarray  # (n, 3) head axes
    triangles: np.ndarray  # (m, 3)
    colours_linear: np.ndarray  # (n, 3) linear RGB 0..1 (pyrender multiplies lit colour by it)


@dataclass(frozen=True)
class Head:
    """The parts that turn with the face, and the shoulders that do not."""

    head_parts: tuple[ColouredMesh, ...]
    shoulders: ColouredMesh
    ears_m: np.ndarray  # (2, 3) the tragions, her left then her right (BlazePose's ears)


def build_head(
    face_triangles: np.ndarray, face_uv: np.ndarray, texture_rgb: np.ndarray, seed: int = 0
) -> Head:
    rng = np.random.default_rng(seed)
    face = canonical_face_m()
    skull = _skull(face, face_triangles, face_uv, texture_rgb, rng)
    ears = [_ear(side, face, rng) for side in (1.0, -1.0)]
    tragions = np.array([ear[1] for ear in ears])
    return Head(
        head_parts=(skull, ears[0][0], ears[1][0], _neck(rng)),
        shoulders=_shoulders(rng),
        ears_m=tragions,
    )


def retouched_sides(
    texture_rgb: np.ndarray, uv: np.ndarray, triangles: np.ndarray, seed: int = 0
) -> np.ndarray:
    """The portrait with the face's sides painted skin: a frontal photo sees the sides of the face edge
    on, a sliver a few pixels wide (with her glasses' arms and the hair beyond), which a turned head
    would stretch into smeared stripes over its whole cheek. A triangle that faces sideways more than
    towards the photo's camera (normal within 60 degrees of edge-on) takes her cheek's colour instead.
    """
    face = canonical_face_m()
    corners = face[triangles]
    normals = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    normals *= np.sign(np.einsum("ij,ij->i", normals, corners.mean(axis=1) - LOFT_CENTRE_M))[:, None]
    sideways = (np.abs(normals[:, 0]) > np.abs(normals[:, 1])) & (np.abs(normals[:, 0]) > 0.5)
    weight = _smoothstep(0.75, 0.45, np.abs(normals[:, 2])) * sideways
    height, width = texture_rgb.shape[:2]
    pixels = np.column_stack((uv[:, 0] * width, (1.0 - uv[:, 1]) * height))
    mask = np.zeros((height, width), np.float32)
    for triangle, w in zip(triangles, weight, strict=True):
        if w > 0.0:
            cv2.fillConvexPoly(mask, np.round(pixels[triangle]).astype(np.int32), float(w))
    mask = cv2.GaussianBlur(mask, (0, 0), 1.5)[..., None]
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.standard_normal((height, width)).astype(np.float32), (0, 0), 1.0)
    skin = SKIN_SRGB[None, None, :] * (1.0 + 0.08 * noise[..., None])
    return np.clip(texture_rgb * (1.0 - mask) + skin * mask, 0, 255).astype(np.uint8)


def _srgb_to_linear(srgb: np.ndarray) -> np.ndarray:
    c = np.clip(np.asarray(srgb, dtype=np.float64) / 255.0, 0.0, 1.0)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _varied(srgb: np.ndarray, count: int, spread: float, rng: np.random.Generator) -> np.ndarray:
    """`count` sRGB colours around `srgb`: brightness varies by about `spread` (a fraction), hue a little."""
    brightness = 1.0 + spread * rng.standard_normal((count, 1))
    tint = 1.0 + 0.25 * spread * rng.standard_normal((count, 3))
    return np.clip(srgb[None, :] * brightness * tint, 0.0, 255.0)


def _ellipsoid_level(points: np.ndarray, centre: np.ndarray, axes: np.ndarray) -> np.ndarray:
    return np.linalg.norm((points - centre) / axes, axis=-1)


def _head_level(points: np.ndarray) -> np.ndarray:
    """Below 1 inside the head (skull and jaw smoothly united), 1 on its surface."""
    skull = _ellipsoid_level(points, SKULL_CENTRE_M, SKULL_AXES_M)
    jaw = _ellipsoid_level(points, JAW_CENTRE_M, JAW_AXES_M)
    k = UNION_SOFTNESS
    return -k * np.logaddexp(-skull / k, -jaw / k)


def _surface_along_m(origin_m: np.ndarray, directions: np.ndarray, reach_m: float) -> np.ndarray:
    """How far along each unit direction (..., 3) from `origin_m` (inside) the head's surface is
    (bisection: the head is star-shaped about the points used)."""
    inside = np.zeros(directions.shape[:-1])
    outside = np.full(directions.shape[:-1], reach_m)
    for _ in range(24):  # 0.2 m / 2**24: far below a pixel
        middle = 0.5 * (inside + outside)
        is_inside = _head_level(origin_m + directions * middle[..., None]) < 1.0
        inside = np.where(is_inside, middle, inside)
        outside = np.where(is_inside, outside, middle)
    return 0.5 * (inside + outside)


def _head_radius_m(directions: np.ndarray) -> np.ndarray:
    """Distance from LOFT_CENTRE_M to the head's surface along each unit direction (..., 3)."""
    return _surface_along_m(LOFT_CENTRE_M, directions, 0.2)


def _outer_edge(triangles: np.ndarray) -> list[int]:
    """The mask's outer edge as one ordered loop of vertex indices."""
    count: dict[tuple[int, int], int] = {}
    for a, b, c in triangles:
        for edge in ((a, b), (b, c), (c, a)):
            key = (min(edge), max(edge))
            count[key] = count.get(key, 0) + 1
    neighbours: dict[int, list[int]] = {}
    for (a, b), n in count.items():
        if n == 1:
            neighbours.setdefault(a, []).append(b)
            neighbours.setdefault(b, []).append(a)
    start = min(neighbours)
    loop, previous = [start], None
    while True:
        following = [n for n in neighbours[loop[-1]] if n != previous]
        if following[0] == start:
            return loop
        previous = loop[-1]
        loop.append(following[0])


def _sample(texture_rgb: np.ndarray, uv: np.ndarray) -> np.ndarray:
    height, width = texture_rgb.shape[:2]
    x = np.clip(np.round(uv[:, 0] * (width - 1)).astype(int), 0, width - 1)
    y = np.clip(np.round((1.0 - uv[:, 1]) * (height - 1)).astype(int), 0, height - 1)
    return texture_rgb[y, x].astype(np.float64)


def _smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _skull(face, face_triangles, face_uv, texture_rgb, rng) -> ColouredMesh:
    loop = _outer_edge(face_triangles)
    ends = np.array([(loop[i], loop[(i + 1) % len(loop)]) for i in range(len(loop))])
    fractions = np.arange(EDGE_SUBDIVISION) / EDGE_SUBDIVISION
    edge_points = (
        face[ends[:, 0], None, :] * (1.0 - fractions[None, :, None])
        + face[ends[:, 1], None, :] * fractions[None, :, None]
    ).reshape(-1, 3)
    edge_uv = (
        face_uv[ends[:, 0], None, :] * (1.0 - fractions[None, :, None])
        + face_uv[ends[:, 1], None, :] * fractions[None, :, None]
    ).reshape(-1, 2)
    offsets = edge_points - LOFT_CENTRE_M
    edge_radius = np.linalg.norm(offsets, axis=1)
    starts = offsets / edge_radius[:, None]
    back = np.array([0.0, 0.0, -1.0])
    arc = np.arccos(np.clip(starts @ back, -1.0, 1.0))  # (n,)
    t = (np.arange(LOFT_RINGS + 1) / LOFT_RINGS) ** 1.4  # rings closer together near the face
    angles = arc[:, None] * t[None, :]  # (n, rings)
    # slerp from each edge direction to the back of the head
    sin_arc = np.sin(arc)[:, None, None]
    directions = (
        np.sin(arc[:, None, None] - angles[..., None]) * starts[:, None, :] + np.sin(angles[..., None]) * back
    ) / sin_arc
    directions /= np.linalg.norm(directions, axis=-1, keepdims=True)
    head_radius = _head_radius_m(directions)
    ease = 1.0 - _smoothstep(0.0, SEAM_EASE_RAD, angles)  # 1 on the mask's edge
    radius = head_radius + (edge_radius[:, None] - head_radius[:, :1]) * ease
    points = LOFT_CENTRE_M + directions * radius[..., None]
    y, z = points[..., 1] / CM, points[..., 2] / CM
    cap_line = 5.5 + 0.15 * np.maximum(0.0, -z - 2.0)  # the cap sits level, a little higher at the back
    cap = _smoothstep(-0.3, 0.3, y - cap_line)
    points = points + (directions * (0.8 * CM) * (cap * (1.0 - ease))[..., None])  # the cap stands off
    # hair: below the cap, at the temples down to the glasses' level, behind the ears down to the nape;
    # skin on the cheeks, in front of the ears and under the jaw
    hair_low = 1.5 + (-4.5 - 1.5) * _smoothstep(-2.5, -4.5, z)
    hair = (1.0 - cap) * _smoothstep(-0.4, 0.4, y - hair_low)
    count = points.shape[0] * points.shape[1]
    skin = _varied(SKIN_SRGB, count, 0.06, rng).reshape(points.shape)
    grey = _varied(HAIR_SRGB, count, 0.15, rng).reshape(points.shape)
    navy = _varied(CAP_SRGB, count, 0.15, rng).reshape(points.shape)
    region = skin * (1.0 - hair - cap)[..., None] + grey * hair[..., None] + navy * cap[..., None]
    edge_colour = _sample(texture_rgb, edge_uv)[:, None, :]
    seam = _smoothstep(0.0, np.radians(12.0), angles)[..., None]
    colours = _srgb_to_linear(edge_colour * (1.0 - seam) + region * seam)
    rings = points.shape[1]
    index = np.arange(points.shape[0] * rings).reshape(points.shape[0], rings)
    following = np.roll(index, -1, axis=0)
    quads = np.stack([index[:, :-1], following[:, :-1], following[:, 1:], index[:, 1:]], axis=-1).reshape(
        -1, 4
    )
    triangles = np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]])
    return _outward(ColouredMesh(points.reshape(-1, 3), triangles, colours.reshape(-1, 3)), LOFT_CENTRE_M)


def _outward(mesh: ColouredMesh, inside_m: np.ndarray) -> ColouredMesh:
    """The same mesh wound so that its normals point away from `inside_m` (lighting reads them)."""
    v = mesh.vertices_m[mesh.triangles]
    normals = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])
    outward = np.einsum("ij,ij->i", normals, v.mean(axis=1) - inside_m)
    if float(np.sum(outward)) >= 0.0:
        return mesh
    return ColouredMesh(mesh.vertices_m, mesh.triangles[:, ::-1].copy(), mesh.colours_linear)


def _surface_x_m(side: float, y_m: np.ndarray, z_m: np.ndarray) -> np.ndarray:
    """How far out the head's surface is at height y and depth z, on her left (side +1) or right."""
    origins = np.stack(np.broadcast_arrays(np.zeros_like(y_m), y_m, z_m), axis=-1)
    return _surface_along_m(origins, np.broadcast_to(np.array([side, 0.0, 0.0]), origins.shape), 0.12)


def _ear(side: float, face: np.ndarray, rng) -> tuple[ColouredMesh, np.ndarray]:
    """One ear (her left for side +1) and its tragion."""
    side_landmark = face[454 if side > 0 else 234]
    tilt = np.radians(15.0)
    along = np.array([0.0, np.cos(tilt), -np.sin(tilt)])  # up, leaning back
    backwards = np.array([0.0, -np.sin(tilt), -np.cos(tilt)])
    half_length, half_width = 3.1 * CM, 1.7 * CM
    tragion_yz = np.array([side_landmark[1], side_landmark[2] - TRAGION_BEHIND_SIDE_M])
    centre_yz = tragion_yz + (half_width * backwards + 0.5 * CM * along)[1:]
    radial = np.linspace(0.0, 1.0, 9)
    around = np.linspace(0.0, 2.0 * np.pi, 33)[:-1]
    rho, phi = np.meshgrid(radial, around, indexing="ij")
    across = rho * np.sin(phi)  # -1 at the front edge, +1 at the back rim
    yz = (
        centre_yz
        + (half_length * rho * np.cos(phi))[..., None] * along[1:]
        + (half_width * across)[..., None] * backwards[1:]
    )
    base = _surface_x_m(side, yz[..., 0], yz[..., 1])
    stand_out = 1.8 * CM * ((across + 1.0) / 2.0) ** 1.5
    cup = -0.5 * CM * (1.0 - _smoothstep(0.0, 0.7, rho))  # the concha
    rim = 0.25 * CM * _smoothstep(0.75, 1.0, rho)  # the helix curls
    out = np.maximum(base + stand_out + cup + rim, base)
    points = np.concatenate([(side * out)[..., None], yz], axis=-1)
    skin = _varied(SKIN_SRGB * np.array([1.0, 0.92, 0.92]), points.shape[0] * points.shape[1], 0.05, rng)
    depth = 0.55 + 0.45 * _smoothstep(0.3, 0.8, rho)  # the bowl is in shadow
    colours = _srgb_to_linear(skin.reshape(*points.shape) * depth[..., None])
    rings, spokes = points.shape[:2]
    index = np.arange(rings * spokes).reshape(rings, spokes)
    following = np.roll(index, -1, axis=1)
    quads = np.stack([index[:-1], following[:-1], following[1:], index[1:]], axis=-1).reshape(-1, 4)
    triangles = np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]])
    tragion = np.array([side * _surface_x_m(side, tragion_yz[:1], tragion_yz[1:])[0], *tragion_yz])
    inside = np.array([0.0, *centre_yz])
    mesh = ColouredMesh(points.reshape(-1, 3), triangles, colours.reshape(-1, 3))
    return _outward(mesh, inside), tragion


def _tube(radii_x, radii_z, heights, centre_z, colours_srgb, spokes=40) -> ColouredMesh:
    around = np.linspace(0.0, 2.0 * np.pi, spokes + 1)[:-1]
    x = radii_x[:, None] * np.sin(around)[None, :]
    z = centre_z + radii_z[:, None] * np.cos(around)[None, :]
    y = np.broadcast_to(heights[:, None], x.shape)
    points = np.stack([x, y, z], axis=-1)
    rings = len(heights)
    index = np.arange(rings * spokes).reshape(rings, spokes)
    following = np.roll(index, -1, axis=1)
    quads = np.stack([index[:-1], following[:-1], following[1:], index[1:]], axis=-1).reshape(-1, 4)
    triangles = np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]])
    mesh = ColouredMesh(
        points.reshape(-1, 3), triangles, _srgb_to_linear(colours_srgb(points)).reshape(-1, 3)
    )
    centre = np.array([0.0, float(np.mean(heights)), centre_z])
    v = mesh.vertices_m[mesh.triangles]
    normals = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])
    radial = v.mean(axis=1) - centre
    radial[:, 1] = 0.0
    if float(np.sum(np.einsum("ij,ij->i", normals, radial))) < 0.0:
        mesh = ColouredMesh(mesh.vertices_m, mesh.triangles[:, ::-1].copy(), mesh.colours_linear)
    return mesh


def _neck(rng) -> ColouredMesh:
    heights = np.linspace(NECK_TOP_M, NECK_BOTTOM_M, 12)
    radii_x = np.full(len(heights), NECK_RADII_M[0])
    radii_z = np.full(len(heights), NECK_RADII_M[1])

    def colours(points):
        skin = _varied(SKIN_SRGB, points.shape[0] * points.shape[1], 0.05, rng).reshape(points.shape)
        return skin * 0.9  # under the jaw, less light than the face

    return _tube(radii_x, radii_z, heights, NECK_AXIS_Z_M, colours)


def _shoulders(rng) -> ColouredMesh:
    """A white shirt collar round the neck, then shoulders sloping out to 40 cm across, a navy jacket,
    down to 20 cm below the collar: below the crop the face is searched in at any distance (3.2 times
    the head's spread, centred on it), and each pixel drawn costs the test time."""
    below_cm = np.concatenate([[0.0, 1.5], np.linspace(3.0, 11.0, 9), [14.0, 20.0]])
    heights = SHOULDER_TOP_M - below_cm * CM
    slope = np.sin(0.5 * np.pi * np.clip((below_cm - 3.0) / 8.0, 0.0, 1.0))
    collar_m = NECK_RADII_M + 1.0 * CM
    radii_x = collar_m[0] + (20.0 * CM - collar_m[0]) * slope
    radii_z = collar_m[1] + (11.0 * CM - collar_m[1]) * slope

    def colours(points):
        n = points.shape[0] * points.shape[1]
        jacket = _varied(JACKET_SRGB, n, 0.1, rng).reshape(points.shape)
        collar = _varied(COLLAR_SRGB, n, 0.04, rng).reshape(points.shape)
        is_collar = points[..., 1] > SHOULDER_TOP_M - 2.5 * CM
        return np.where(is_collar[..., None], collar, jacket)

    return _tube(radii_x, radii_z, heights, NECK_AXIS_Z_M, colours)
