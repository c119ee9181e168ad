"""Signed distance shapes and a surface-nets mesher, for building smooth closed meshes from code.

A shape is a function from points (N, 3) to signed distances (N,): negative inside, in metres. Shapes
combine with smooth unions and intersections, so a body built from a few primitives comes out as one
continuous surface without seams. `mesh_implicit` samples a shape on a grid, places one vertex per
boundary cell (surface nets), pulls each vertex onto the exact zero set and takes the normal from the
field's gradient, which gives smooth shading with far fewer triangles than marching cubes would need.
Everything is plain numpy in a fixed order, so the same inputs give the same arrays bit for bit.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Shape = Callable[[np.ndarray], np.ndarray]


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", a, b)


def sphere(centre, radius: float) -> Shape:
    c = np.asarray(centre, dtype=np.float64)
    return lambda p: np.linalg.norm(p - c, axis=1) - radius


def ellipsoid(centre, radii) -> Shape:
    """A close approximation of the distance to an axis-aligned ellipsoid (exact on the surface)."""
    c = np.asarray(centre, dtype=np.float64)
    r = np.asarray(radii, dtype=np.float64)

    def field(p: np.ndarray) -> np.ndarray:
        q = p - c
        k0 = np.linalg.norm(q / r, axis=1)
        k1 = np.linalg.norm(q / (r * r), axis=1)
        return k0 * (k0 - 1.0) / np.maximum(k1, 1e-12)

    return field


def round_cone(a, b, radius_a: float, radius_b: float) -> Shape:
    """A capsule whose radius changes linearly from `radius_a` at `a` to `radius_b` at `b`."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    ba = b - a
    length_sq = float(ba @ ba)
    dr = radius_a - radius_b
    a2 = length_sq - dr * dr
    inv_l2 = 1.0 / length_sq

    def field(p: np.ndarray) -> np.ndarray:
        pa = p - a
        y = pa @ ba
        z = y - length_sq
        x2 = np.sum((pa * length_sq - np.outer(y, ba)) ** 2, axis=1)
        y2 = y * y * length_sq
        z2 = z * z * length_sq
        k = np.sign(dr) * dr * dr * x2
        side = (np.sqrt(x2 * a2 * inv_l2) + y * dr) * inv_l2 - radius_a
        near_b = np.sign(z) * a2 * z2 > k
        near_a = np.sign(y) * a2 * y2 < k
        out = np.where(near_a, np.sqrt(x2 + y2) * inv_l2 - radius_a, side)
        return np.where(near_b, np.sqrt(x2 + z2) * inv_l2 - radius_b, out)

    return field


def rounded_box(centre, half_size, radius: float) -> Shape:
    c = np.asarray(centre, dtype=np.float64)
    h = np.asarray(half_size, dtype=np.float64) - radius

    def field(p: np.ndarray) -> np.ndarray:
        q = np.abs(p - c) - h
        outside = np.linalg.norm(np.maximum(q, 0.0), axis=1)
        inside = np.minimum(np.max(q, axis=1), 0.0)
        return outside + inside - radius

    return field


def loft(profile_y, half_width, half_depth, centre_z, centre_x=None) -> Shape:
    """An elliptic tube along y whose cross-section follows smooth monotone splines through the given profile.

    Open at both ends (cap it with `intersect` and `slab`). Distance is approximate away from the surface.
    """
    from scipy.interpolate import PchipInterpolator

    ys = np.asarray(profile_y, dtype=np.float64)
    width = PchipInterpolator(ys, half_width)
    depth = PchipInterpolator(ys, half_depth)
    cz = PchipInterpolator(ys, centre_z)
    cx = PchipInterpolator(ys, centre_x) if centre_x is not None else None
    y_lo, y_hi = float(ys[0]), float(ys[-1])

    def field(p: np.ndarray) -> np.ndarray:
        y = np.clip(p[:, 1], y_lo, y_hi)
        a = width(y)
        b = depth(y)
        x = p[:, 0] - (cx(y) if cx is not None else 0.0)
        z = p[:, 2] - cz(y)
        k0 = np.sqrt((x / a) ** 2 + (z / b) ** 2)
        k1 = np.sqrt((x / (a * a)) ** 2 + (z / (b * b)) ** 2)
        return k0 * (k0 - 1.0) / np.maximum(k1, 1e-12)

    return field


def slab(axis: int, low: float, high: float) -> Shape:
    """The region low <= p[axis] <= high."""
    mid = 0.5 * (low + high)
    half = 0.5 * (high - low)
    return lambda p: np.abs(p[:, axis] - mid) - half


def half_space(normal, offset: float) -> Shape:
    """The region normal . p <= offset (normal is normalised here)."""
    n = np.asarray(normal, dtype=np.float64)
    n = n / np.linalg.norm(n)
    return lambda p: p @ n - offset


def smooth_min(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    if k <= 0:
        return np.minimum(a, b)
    h = np.clip(0.5 + 0.5 * (b - a) / k, 0.0, 1.0)
    return b + (a - b) * h - k * h * (1.0 - h)


def union(*shapes: Shape, k: float = 0.0) -> Shape:
    def field(p: np.ndarray) -> np.ndarray:
        d = shapes[0](p)
        for shape in shapes[1:]:
            d = smooth_min(d, shape(p), k)
        return d

    return field


def intersect(*shapes: Shape, k: float = 0.0) -> Shape:
    def field(p: np.ndarray) -> np.ndarray:
        d = shapes[0](p)
        for shape in shapes[1:]:
            d = -smooth_min(-d, -shape(p), k)
        return d

    return field


def subtract(shape: Shape, cutter: Shape, k: float = 0.0) -> Shape:
    return lambda p: -smooth_min(-shape(p), cutter(p), k)


def offset(shape: Shape, distance: float) -> Shape:
    """Grow (positive) or shrink (negative) a shape."""
    return lambda p: shape(p) - distance


def mirrored_x(shape_for_left: Callable[[float], Shape]) -> Shape:
    """The union of a shape built for the left side (+x, sign=1) and its mirror image (sign=-1)."""
    return union(shape_for_left(1.0), shape_for_left(-1.0))


@dataclass(frozen=True)
class ImplicitMesh:
    vertices: np.ndarray  # (V, 3) float64
    faces: np.ndarray  # (F, 3) int64, counter-clockwise seen from outside
    normals: np.ndarray  # (V, 3) float64, unit


_TETRAHEDRON = np.array([[1.0, -1.0, -1.0], [-1.0, -1.0, 1.0], [-1.0, 1.0, -1.0], [1.0, 1.0, 1.0]])


def gradient(shape: Shape, points: np.ndarray, step: float = 2e-4) -> np.ndarray:
    """The field's gradient (N, 3) from four samples at the corners of a small tetrahedron round each point:
    as accurate as central differences (second order) for two thirds of their six samples."""
    grad = np.zeros((len(points), 3))
    for corner in _TETRAHEDRON:
        grad += shape(points + step * corner)[:, None] * corner
    return grad / (4.0 * step)


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def graded_axis(
    lo: float, hi: float, fine_lo: float, fine_hi: float, fine_m: float, coarse_m: float
) -> np.ndarray:
    """Grid coordinates from lo to hi: `fine_m` apart inside [fine_lo, fine_hi], growing to `coarse_m` outside."""
    ramp = 4.0 * coarse_m
    coords = [lo]
    while coords[-1] < hi:
        x = coords[-1]
        outside = max(fine_lo - x, x - fine_hi, 0.0)
        coords.append(x + fine_m + (coarse_m - fine_m) * min(outside / ramp, 1.0))
    return np.asarray(coords)


def banded_axis(lo: float, hi: float, bands: list[tuple[float, float, float]], coarse_m: float) -> np.ndarray:
    """Grid coordinates whose spacing is the finest any band (low, high, spacing) asks for at each place."""
    coords = [lo]
    while coords[-1] < hi:
        x = coords[-1]
        step = coarse_m
        for band_lo, band_hi, fine_m in bands:
            outside = max(band_lo - x, x - band_hi, 0.0)
            step = min(step, fine_m + (coarse_m - fine_m) * min(outside / (4.0 * coarse_m), 1.0))
        coords.append(x + step)
    return np.asarray(coords)


def uniform_axes(bounds_min, bounds_max, cell_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lo = np.asarray(bounds_min, dtype=np.float64)
    hi = np.asarray(bounds_max, dtype=np.float64)
    counts = np.maximum(np.ceil((hi - lo) / cell_m).astype(int) + 1, 2)
    return tuple(lo[i] + cell_m * np.arange(counts[i]) for i in range(3))  # type: ignore[return-value]


def mesh_implicit(
    shape: Shape, bounds_min, bounds_max, cell_m: float, relax_iterations: int = 2, axes=None
) -> ImplicitMesh:
    """Mesh the zero set of `shape` inside the box with about `cell_m` spacing between vertices.

    `axes` (three increasing coordinate arrays) replaces the uniform grid, to spend vertices where
    the shape has detail.
    """
    if axes is None:
        axes = uniform_axes(bounds_min, bounds_max, cell_m)
    values = _sample(shape, axes)
    border = [values[0], values[-1], values[:, 0], values[:, -1], values[:, :, 0], values[:, :, -1]]
    if min(float(face.min()) for face in border) <= 0.0:
        raise ValueError("the shape reaches the edge of the grid: the mesh would have a hole there")
    # A zero exactly on a grid point would make an edge ambiguous; nudging it keeps the topology fixed.
    values = np.where(values == 0.0, 1e-9, values)
    vertices, faces = _surface_nets(values, axes)
    vertices = _settle(shape, vertices, faces, relax_iterations)
    normals = _unit(gradient(shape, vertices))
    return ImplicitMesh(vertices=vertices, faces=faces, normals=normals)


_STRIDE = 3


def _sample(shape: Shape, axes) -> np.ndarray:
    """The field on the grid, evaluated exactly only near the surface.

    A coarse pass (every third line) finds where the surface can be; elsewhere a point keeps the sign of
    its nearest coarse sample, which is all surface nets needs there.
    """
    counts = [len(a) for a in axes]
    coarse_idx = [np.unique(np.append(np.arange(0, n, _STRIDE), n - 1)) for n in counts]
    coarse_pts = np.stack(np.meshgrid(*[axes[i][coarse_idx[i]] for i in range(3)], indexing="ij"), axis=-1)
    coarse = shape(coarse_pts.reshape(-1, 3)).reshape([len(c) for c in coarse_idx])
    nearest = []
    reach = 0.0
    for i in range(3):
        pos = np.searchsorted(coarse_idx[i], np.arange(counts[i]))
        pos = np.clip(pos, 1, len(coarse_idx[i]) - 1)
        left, right = coarse_idx[i][pos - 1], coarse_idx[i][pos]
        pick = np.where(np.arange(counts[i]) - left <= right - np.arange(counts[i]), pos - 1, pos)
        nearest.append(pick)
        reach += float(np.max(np.diff(axes[i]))) ** 2
    guess = coarse[np.ix_(*nearest)]
    margin = 2.0 * _STRIDE * np.sqrt(reach)
    near = np.abs(guess) < margin
    values = guess.copy()
    idx = np.nonzero(near)
    pts = np.stack([axes[i][idx[i]] for i in range(3)], axis=1)
    values[idx] = shape(pts)
    return values


_CUBE_EDGES = np.array(
    [
        [0, 1], [2, 3], [4, 5], [6, 7],  # along x
        [0, 2], [1, 3], [4, 6], [5, 7],  # along y
        [0, 4], [1, 5], [2, 6], [3, 7],  # along z
    ]
)  # fmt: skip
_CUBE_CORNERS = np.array([[(c >> 2) & 1, (c >> 1) & 1, c & 1] for c in range(8)])  # (i, j, k) offsets


def _surface_nets(values: np.ndarray, axes) -> tuple[np.ndarray, np.ndarray]:
    nx, ny, nz = values.shape
    corners = np.stack(
        [values[i : nx - 1 + i, j : ny - 1 + j, k : nz - 1 + k] for i, j, k in _CUBE_CORNERS], axis=-1
    )  # (cx, cy, cz, 8)
    inside = corners < 0
    active = inside.any(axis=-1) & ~inside.all(axis=-1)
    cell_ids = np.argwhere(active)
    index_of_cell = -np.ones(active.shape, dtype=np.int64)
    index_of_cell[tuple(cell_ids.T)] = np.arange(len(cell_ids))

    cell_values = corners[active]  # (V, 8)
    positions = np.zeros((len(cell_ids), 3))
    crossings = np.zeros(len(cell_ids))
    for a, b in _CUBE_EDGES:
        va, vb = cell_values[:, a], cell_values[:, b]
        crosses = (va < 0) != (vb < 0)
        t = np.where(crosses, va / np.where(crosses, va - vb, 1.0), 0.0)
        point = _CUBE_CORNERS[a] + t[:, None] * (_CUBE_CORNERS[b] - _CUBE_CORNERS[a])
        positions += np.where(crosses[:, None], point, 0.0)
        crossings += crosses
    local = positions / crossings[:, None]
    positions = np.stack(
        [axes[i][cell_ids[:, i]] + local[:, i] * np.diff(axes[i])[cell_ids[:, i]] for i in range(3)], axis=1
    )

    quads = []
    for axis in range(3):
        quads.append(_quads_along(values, index_of_cell, axis))
    quads = np.concatenate(quads)
    return positions, _split_quads(positions, quads)


def _quads_along(values: np.ndarray, index_of_cell: np.ndarray, axis: int) -> np.ndarray:
    """One quad per grid edge along `axis` whose ends differ in sign, joining the four cells around it."""
    u, v = [a for a in range(3) if a != axis]
    shape = values.shape
    lo = [slice(0, shape[0]), slice(0, shape[1]), slice(0, shape[2])]
    hi = list(lo)
    lo[axis] = slice(0, shape[axis] - 1)
    hi[axis] = slice(1, shape[axis])
    a_in = values[tuple(lo)] < 0
    b_in = values[tuple(hi)] < 0
    sign_change = a_in != b_in
    # The four cells around an edge need the edge away from the grid's border.
    sign_change_idx = np.argwhere(sign_change)
    keep = (sign_change_idx[:, u] > 0) & (sign_change_idx[:, v] > 0)
    keep &= (sign_change_idx[:, u] < shape[u] - 1) & (sign_change_idx[:, v] < shape[v] - 1)
    edges = sign_change_idx[keep]
    flip = a_in[tuple(edges.T)]

    def cell(du: int, dv: int) -> np.ndarray:
        c = edges.copy()
        c[:, u] -= du
        c[:, v] -= dv
        return index_of_cell[tuple(c.T)]

    quad = np.stack([cell(1, 1), cell(0, 1), cell(0, 0), cell(1, 0)], axis=1)
    # The loop above turns counter-clockwise about +axis for x and z but clockwise for y (u=x, v=z);
    # the outside is towards +axis when the lower end of the edge is the inside one.
    outward_positive = flip if axis != 1 else ~flip
    quad = np.where(outward_positive[:, None], quad, quad[:, ::-1])
    return quad


def _split_quads(positions: np.ndarray, quads: np.ndarray) -> np.ndarray:
    """Two triangles per quad, cut along the shorter diagonal."""
    p = positions[quads]
    d02 = np.linalg.norm(p[:, 0] - p[:, 2], axis=1)
    d13 = np.linalg.norm(p[:, 1] - p[:, 3], axis=1)
    short02 = d02 <= d13
    t1 = np.where(short02[:, None], quads[:, [0, 1, 2]], quads[:, [0, 1, 3]])
    t2 = np.where(short02[:, None], quads[:, [0, 2, 3]], quads[:, [1, 2, 3]])
    return np.concatenate([t1, t2]).astype(np.int64)


def _project(shape: Shape, points: np.ndarray, iterations: int = 3) -> np.ndarray:
    for _ in range(iterations):
        g = gradient(shape, points)
        g2 = np.maximum(np.sum(g * g, axis=1), 1e-12)
        step = (shape(points) / g2)[:, None] * g
        # A bounded step keeps a vertex near a thin feature from jumping across it.
        length = np.linalg.norm(step, axis=1, keepdims=True)
        points = points - step * np.minimum(1.0, 0.01 / np.maximum(length, 1e-12))
    return points


def _settle(shape: Shape, vertices: np.ndarray, faces: np.ndarray, iterations: int) -> np.ndarray:
    """Even out the triangles (tangential smoothing), then put every vertex back on the surface."""
    vertices = _project(shape, vertices)
    n = len(vertices)
    edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    for _ in range(iterations):
        neighbour_sum = np.zeros_like(vertices)
        degree = np.zeros(n)
        np.add.at(neighbour_sum, edges[:, 0], vertices[edges[:, 1]])
        np.add.at(degree, edges[:, 0], 1.0)
        np.add.at(neighbour_sum, edges[:, 1], vertices[edges[:, 0]])
        np.add.at(degree, edges[:, 1], 1.0)
        centroid = neighbour_sum / np.maximum(degree, 1.0)[:, None]
        normal = _unit(gradient(shape, vertices))
        move = centroid - vertices
        move -= np.sum(move * normal, axis=1, keepdims=True) * normal
        vertices = _project(shape, vertices + 0.5 * move)
    return vertices


def simplify(
    shape: Shape,
    mesh: ImplicitMesh,
    max_error_m: float,
    max_edge_m: float | Callable[[np.ndarray], np.ndarray],
    importance: Callable[[np.ndarray], np.ndarray] | None = None,
    blend: np.ndarray | None = None,
    max_blend_step: float = np.inf,
) -> ImplicitMesh:
    """Fewer triangles where the surface is flat, the same where it curves: quadric-error edge collapses.

    A vertex only ever merges into a neighbour that stays where it is, so every vertex remains on the
    exact surface and keeps the field's normal. A collapse is refused when the quadric error (the RMS
    distance to the planes of the triangles it replaces, divided by `importance` at the vertex: above one
    keeps more detail there) would pass `max_error_m`, when an edge would grow past `max_edge_m` (a
    length, or a function of position giving one per vertex: limbs need short edges at their joints to bend), when a triangle would turn more than 60 degrees, or when the
    surface's topology would change. `blend` (V, K) gives each vertex a mix (skin weights); no edge may
    join vertices whose mixes differ by more than `max_blend_step` (L1), so cloth keeps short edges
    wherever it bends with a joint. Runs in a fixed order, so the result is the same every time.
    """
    weight = (
        np.ones(len(mesh.vertices))
        if importance is None
        else np.asarray(importance(mesh.vertices), dtype=np.float64)
    )
    if callable(max_edge_m):
        max_edge = np.asarray(max_edge_m(mesh.vertices), dtype=np.float64)
    else:
        max_edge = np.full(len(mesh.vertices), float(max_edge_m))
    collapser = _Collapser(mesh.vertices, mesh.faces, max_error_m, max_edge, weight)
    if blend is not None:
        collapser.set_blend(np.asarray(blend, dtype=np.float64), float(max_blend_step))
    keep, faces = _collapse_edges(collapser)
    return ImplicitMesh(vertices=mesh.vertices[keep], faces=faces, normals=mesh.normals[keep])


def _plane_quadrics(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Each vertex's sum of the squared-distance quadrics of the planes of its triangles.

    As the 10 distinct entries of the symmetric 4x4 matrix: xx xy xz xw yy yz yw zz zw ww.
    """
    p = vertices[faces]
    n = _unit(np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]))
    plane = np.concatenate([n, -_dot(n, p[:, 0])[:, None]], axis=1)
    rows, cols = np.triu_indices(4)
    face_q = plane[:, rows] * plane[:, cols]
    q = np.zeros((len(vertices), 10))
    for corner in range(3):
        np.add.at(q, faces[:, corner], face_q)
    return q


def _pair_error(qu, qv, x, y, z):
    """The sum of two quadrics (xx xy xz xw yy yz yw zz zw ww) at (x, y, z), at least 0: floats, or numpy
    rows for many pairs at once (the same operations in the same order, so the same numbers)."""
    products = (x * x, x * y, x * z, y * y, y * z, z * z)
    error = _add_quadric(_add_quadric(0.0, qu, x, y, z, products), qv, x, y, z, products)
    return np.maximum(error, 0.0) if isinstance(error, np.ndarray) else max(error, 0.0)


def _add_quadric(total, q, x, y, z, products):
    """total + the quadric q at (x, y, z), its terms added one by one in a fixed order (starting from 0.0
    gives the first term exactly: the sums, and so the built model, stay the same to the bit)."""
    xx, xy, xz, yy, yz, zz = products
    return (
        total
        + q[0] * xx
        + 2.0 * (q[1] * xy + q[2] * xz + q[3] * x)
        + q[4] * yy
        + 2.0 * (q[5] * yz + q[6] * y)
        + q[7] * zz
        + 2.0 * q[8] * z
        + q[9]
    )


def _cross(a, b) -> tuple[float, float, float]:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


class _Collapser:
    """Half-edge collapses on an indexed triangle mesh, cheapest first (see `simplify`).

    Plain Python floats and sets: each step touches a handful of numbers, where numpy's overhead
    would dominate.
    """

    _MIN_NORMAL_COS = 0.5

    def __init__(
        self,
        vertices: np.ndarray,
        faces: np.ndarray,
        max_error_m: float,
        max_edge_m: np.ndarray,
        weight: np.ndarray,
    ):
        self.v = [tuple(p) for p in vertices.tolist()]
        self.f = faces.tolist()
        self.face_alive = [True] * len(faces)
        quadrics = _plane_quadrics(vertices, faces)
        self.q = quadrics.tolist()
        self.weight = weight.tolist()
        self.max_cost = max_error_m * max_error_m
        self.max_edge_sq = (max_edge_m * max_edge_m).tolist()
        self.version = [0] * len(vertices)
        self.faces_of: list[set[int]] = [set() for _ in range(len(vertices))]
        for fi, tri in enumerate(self.f):
            for x in tri:
                self.faces_of[x].add(fi)
        edges = np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]), axis=1)
        unique, counts = np.unique(edges, axis=0, return_counts=True)
        boundary = np.zeros(len(vertices), dtype=bool)
        boundary[unique[counts != 2].reshape(-1)] = True
        self.boundary = boundary.tolist()
        self.blend: list[dict[int, float]] | None = None  # each vertex's mix, its non-zero entries only
        self.max_blend_step = np.inf
        # every edge both ways, (a, b) then (b, a), costed at once (what _push does for one)
        u, v = np.stack([unique, unique[:, ::-1]], axis=1).reshape(-1, 2).T
        x, y, z = vertices[v].T
        scale = np.maximum(weight[u], weight[v])
        cost = _pair_error(quadrics[u].T, quadrics[v].T, x, y, z) * scale * scale
        keep = ~boundary[u] & (cost <= self.max_cost)
        self.heap: list[tuple[float, int, int, int, int]] = [
            (c, a, b, 0, 0)
            for c, a, b in zip(cost[keep].tolist(), u[keep].tolist(), v[keep].tolist(), strict=True)
        ]
        heapq.heapify(self.heap)

    def set_blend(self, blend: np.ndarray, max_step: float) -> None:
        rows, cols = np.nonzero(blend)
        self.blend = [{} for _ in range(len(blend))]
        for r, c, x in zip(rows.tolist(), cols.tolist(), blend[rows, cols].tolist(), strict=True):
            self.blend[r][c] = x
        self.max_blend_step = max_step

    def _blend_step(self, a: int, b: int) -> float:
        """The L1 difference of two vertices' mixes (a mix has a few non-zero entries of many)."""
        mix_a, mix_b = self.blend[a], self.blend[b]
        total = 0.0
        for k, x in mix_a.items():
            total += abs(x - mix_b.get(k, 0.0))
        for k, y in mix_b.items():
            if k not in mix_a:
                total += abs(y)
        return total

    def _neighbours(self, x: int) -> set[int]:
        out: set[int] = set()
        for fi in self.faces_of[x]:
            out.update(self.f[fi])
        out.discard(x)
        return out

    def _push(self, u: int, v: int) -> None:
        if self.boundary[u]:
            return
        x, y, z = self.v[v]
        error = _pair_error(self.q[u], self.q[v], x, y, z)
        scale = max(self.weight[u], self.weight[v])
        cost = error * scale * scale
        if cost <= self.max_cost:
            heapq.heappush(self.heap, (cost, u, v, self.version[u], self.version[v]))

    def _allowed(self, u: int, v: int) -> bool:
        nu, nv = self._neighbours(u), self._neighbours(v)
        shared = self.faces_of[u] & self.faces_of[v]
        if len(shared) != 2 or len(nu & nv) != 2:
            return False
        tx, ty, tz = self.v[v]
        for w in nu:
            wx, wy, wz = self.v[w]
            if (wx - tx) ** 2 + (wy - ty) ** 2 + (wz - tz) ** 2 > min(
                self.max_edge_sq[v], self.max_edge_sq[w]
            ):
                return False
        if self.blend is not None:
            step = self.max_blend_step
            if any(self._blend_step(w, v) > step for w in nu if w != v):
                return False
        for fi in self.faces_of[u] - shared:
            tri = self.f[fi]
            p = [self.v[x] for x in tri]
            before = _cross(_sub(p[1], p[0]), _sub(p[2], p[0]))
            p = [self.v[v] if x == u else self.v[x] for x in tri]
            after = _cross(_sub(p[1], p[0]), _sub(p[2], p[0]))
            dot = before[0] * after[0] + before[1] * after[1] + before[2] * after[2]
            norm_sq = (before[0] ** 2 + before[1] ** 2 + before[2] ** 2) * (
                after[0] ** 2 + after[1] ** 2 + after[2] ** 2
            )
            if norm_sq <= 0.0 or dot <= 0.0 or dot * dot < self._MIN_NORMAL_COS**2 * norm_sq:
                return False
        return True

    def _collapse(self, u: int, v: int) -> None:
        for fi in sorted(self.faces_of[u]):
            tri = self.f[fi]
            if v in tri:
                self.face_alive[fi] = False
                for x in tri:
                    self.faces_of[x].discard(fi)
            else:
                tri[tri.index(u)] = v
                self.faces_of[v].add(fi)
        self.faces_of[u] = set()
        self.q[v] = [a + b for a, b in zip(self.q[v], self.q[u], strict=True)]
        self.version[u] += 1
        self.version[v] += 1
        for w in sorted(self._neighbours(v)):
            self._push(v, w)
            self._push(w, v)

    def run(self) -> None:
        while self.heap:
            _, u, v, ver_u, ver_v = heapq.heappop(self.heap)
            if ver_u != self.version[u] or ver_v != self.version[v] or not self.faces_of[u]:
                continue
            if self._allowed(u, v):
                self._collapse(u, v)


def _sub(a, b) -> tuple[float, float, float]:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def _collapse_edges(collapser: _Collapser) -> tuple[np.ndarray, np.ndarray]:
    vertices = collapser.v
    collapser.run()
    faces = np.asarray(collapser.f, dtype=np.int64)[np.asarray(collapser.face_alive)]
    keep = np.unique(faces)
    remap = -np.ones(len(vertices), dtype=np.int64)
    remap[keep] = np.arange(len(keep))
    return keep, remap[faces]
