"""The groom's hair locks: tapered, flattened tubes swept over the head, each on a chain of spring bones.

A lock is a quadratic curve from a root on the scalp, arching off the head, to a pointed tip; its cross
section is an ellipse, flat against the head, that narrows to nothing at the tip. Each lock hangs on two
joints: the root swings as a VRM spring bone, the tip joint only marks where the chain ends. Meshes are analytic (rings of vertices), so they are light and exactly repeatable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SKULL_CENTRE = np.array([0.0, 1.680, -0.010])
SKULL_RADII = np.array([0.071, 0.098, 0.095])
RINGS, SIDES = 7, 6


@dataclass(frozen=True)
class Lock:
    name: str  # joint names are f"{name}_0" (root) and "_1" (tip)
    root: tuple[
        float, float
    ]  # (azimuth, elevation) in degrees on the skull: azimuth 0 is the face, 90 his left
    tip: tuple[float, float]
    tip_lift: float  # how far off the skull the tip hovers, times the skull's size
    arch: float  # how far the middle of the lock bows out from the skull
    width_m: float  # half width at the root
    thickness_m: float  # half thickness at the root


def _lock_set() -> list[Lock]:
    locks = []
    # The fringe: locks from the front of the crown falling over the forehead to the brows, parted
    # a little off centre, the outer ones sweeping to the temples.
    for k, (az, tip_az, tip_el, width) in enumerate(
        ((-30.0, -40.0, 16.0, 0.017), (-12.0, -16.0, 11.0, 0.018), (6.0, 4.0, 9.0, 0.019),
         (22.0, 24.0, 12.0, 0.018), (38.0, 48.0, 16.0, 0.016))
    ):  # fmt: skip
        locks.append(Lock(f"hairFront{k}", (az, 62.0), (tip_az, tip_el), 1.16, 1.22, width, 0.0055))
    # Sides: over the temples and down in front of the ears.
    for s, side in ((1.0, "L"), (-1.0, "R")):
        # in front of the ears, framing the face
        locks.append(Lock(f"hairSide{side}0", (62.0 * s, 48.0), (66.0 * s, -8.0), 1.10, 1.16, 0.016, 0.005))
        locks.append(Lock(f"hairSide{side}1", (90.0 * s, 46.0), (84.0 * s, -14.0), 1.12, 1.16, 0.017, 0.005))
        locks.append(Lock(f"hairTop{side}", (30.0 * s, 80.0), (80.0 * s, 40.0), 1.12, 1.22, 0.022, 0.006))
    # The back: layered locks down to the nape.
    for k, az in enumerate((-150.0, -125.0, 180.0, 125.0, 150.0)):
        locks.append(Lock(f"hairBack{k}", (az * 0.8, 50.0), (az, -22.0), 1.13, 1.22, 0.024, 0.0065))
    locks.append(Lock("hairCrown", (150.0, 84.0), (175.0, 30.0), 1.16, 1.26, 0.026, 0.0065))
    return locks


LOCKS = _lock_set()


def _on_skull(azimuth_deg: float, elevation_deg: float, scale: float) -> np.ndarray:
    a, e = np.radians(azimuth_deg), np.radians(elevation_deg)
    return SKULL_CENTRE + scale * SKULL_RADII * np.array(
        [np.sin(a) * np.cos(e), np.sin(e), np.cos(a) * np.cos(e)]
    )


def _curve(lock: Lock) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The lock's three control points: root (inside the hair cap), bowed middle, tip."""
    root = _on_skull(*lock.root, 1.03)
    tip = _on_skull(*lock.tip, lock.tip_lift)
    mid_dir = (root - SKULL_CENTRE) / SKULL_RADII + (tip - SKULL_CENTRE) / SKULL_RADII
    mid_dir /= np.linalg.norm(mid_dir)
    middle = SKULL_CENTRE + lock.arch * SKULL_RADII * mid_dir
    return root, middle, tip


def _bezier(p0, p1, p2, t: np.ndarray) -> np.ndarray:
    t = t[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t * t * p2


def joints(lock: Lock) -> list[tuple[str, np.ndarray]]:
    """The lock's chain: root and tip joint positions (character space, before scaling)."""
    p = _bezier(*_curve(lock), np.array([0.0, 1.0]))
    return [(f"{lock.name}_{i}", p[i]) for i in range(2)]


@dataclass(frozen=True)
class LockMesh:
    vertices: np.ndarray
    normals: np.ndarray
    faces: np.ndarray
    uv: np.ndarray
    along: np.ndarray  # (V,) 0 at the root .. 1 at the tip, for the skin weights


def lock_mesh(lock: Lock) -> LockMesh:
    """A closed tapered tube: RINGS rings of SIDES vertices, a point at the tip, a fan closing the root."""
    p0, p1, p2 = _curve(lock)
    t = np.linspace(0.0, 1.0, RINGS + 1)[:-1]
    centre = _bezier(p0, p1, p2, t)
    tangent = 2 * (1 - t)[:, None] * (p1 - p0) + 2 * t[:, None] * (p2 - p1)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    outward = centre - SKULL_CENTRE
    outward -= np.sum(outward * tangent, axis=1, keepdims=True) * tangent
    outward /= np.linalg.norm(outward, axis=1, keepdims=True)
    across = np.cross(tangent, outward)
    taper = (1.0 - t) ** 0.8 * np.minimum(
        1.0, 0.55 + 3.0 * t
    )  # narrow root in the cap, full, then to a point
    width = lock.width_m * taper
    thick = lock.thickness_m * taper
    angle = np.linspace(0.0, 2.0 * np.pi, SIDES, endpoint=False)
    c, s = np.cos(angle), np.sin(angle)
    ring = (
        centre[:, None, :]
        + (thick[:, None] * c[None, :])[..., None] * outward[:, None, :]
        + (width[:, None] * s[None, :])[..., None] * across[:, None, :]
    )
    normal = (c[None, :] / thick[:, None])[..., None] * outward[:, None, :] + (s[None, :] / width[:, None])[
        ..., None
    ] * across[:, None, :]
    normal /= np.linalg.norm(normal, axis=2, keepdims=True)
    vertices = np.concatenate([ring.reshape(-1, 3), p2[None], p0[None] - 0.002 * tangent[0][None]])
    normals = np.concatenate([normal.reshape(-1, 3), tangent[-1][None], -tangent[0][None]])
    faces = []
    for r in range(RINGS - 1):
        for k in range(SIDES):
            a, b = r * SIDES + k, r * SIDES + (k + 1) % SIDES
            faces += [[a, b, a + SIDES], [b, b + SIDES, a + SIDES]]
    tip, root = RINGS * SIDES, RINGS * SIDES + 1
    last = (RINGS - 1) * SIDES
    for k in range(SIDES):
        faces.append([last + k, last + (k + 1) % SIDES, tip])
        faces.append([root, (k + 1) % SIDES, k])
    faces = np.array(faces, dtype=np.int64)
    around = np.abs(((angle / np.pi + 1.0) % 2.0) - 1.0)  # 0..1..0 around the tube: no seam
    uv = np.concatenate(
        [
            np.stack(np.broadcast_arrays(around[None, :], t[:, None]), axis=-1).reshape(-1, 2),
            [[0.5, 1.0], [0.5, 0.0]],
        ]
    )
    along = np.concatenate([np.repeat(t, SIDES), [1.0, 0.0]])
    return LockMesh(vertices, normals, faces, uv, along)
