"""Batched unit-quaternion maths in glTF's convention: (x, y, z, w), rotations of column vectors.

Small and vectorised on purpose: these run every frame on every bone, where scipy's Rotation objects
cost more in construction than the maths itself.
"""

from __future__ import annotations

import math

import numpy as np

IDENTITY = np.array([0.0, 0.0, 0.0, 1.0])
_CONJ = np.array([-1.0, -1.0, -1.0, 1.0])


def normalize(q: np.ndarray) -> np.ndarray:
    q = np.asarray(q, dtype=np.float64)
    if q.ndim == 1:
        norm = math.sqrt(float(q @ q))
        return q / norm if norm > 1e-12 else IDENTITY.copy()
    norm = np.linalg.norm(q, axis=-1, keepdims=True)
    return np.where(norm > 1e-12, q / np.maximum(norm, 1e-12), IDENTITY)


def multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a * b: the rotation b first, then a."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.ndim == 1 and b.ndim == 1:  # one pair: plain floats are ten times faster than array ops
        ax, ay, az, aw = a.tolist()
        bx, by, bz, bw = b.tolist()
        return np.array(
            [
                aw * bx + ax * bw + ay * bz - az * by,
                aw * by - ax * bz + ay * bw + az * bx,
                aw * bz + ax * by - ay * bx + az * bw,
                aw * bw - ax * bx - ay * by - az * bz,
            ]
        )
    ax, ay, az, aw = a[..., 0], a[..., 1], a[..., 2], a[..., 3]
    bx, by, bz, bw = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    out = np.empty(np.broadcast_shapes(a.shape, b.shape))
    out[..., 0] = aw * bx + ax * bw + ay * bz - az * by
    out[..., 1] = aw * by - ax * bz + ay * bw + az * bx
    out[..., 2] = aw * bz + ax * by - ay * bx + az * bw
    out[..., 3] = aw * bw - ax * bx - ay * by - az * bz
    return out


def conjugate(q: np.ndarray) -> np.ndarray:
    q = np.asarray(q, dtype=np.float64)
    return q * _CONJ


def rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors v (..., 3) by unit quaternions q (..., 4)."""
    q = np.asarray(q, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    if q.ndim == 1:
        return v @ to_matrix(q).T
    u = q[..., :3]
    w = q[..., 3:4]
    t = 2.0 * np.cross(u, v)
    return v + w * t + np.cross(u, t)


def to_matrix(q: np.ndarray) -> np.ndarray:
    """(..., 4) unit quaternions to (..., 3, 3) rotation matrices."""
    q = np.asarray(q, dtype=np.float64)
    x, y, z, w = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    xx, yy, zz = x * x, y * y, z * z
    xy, xz, yz = x * y, x * z, y * z
    wx, wy, wz = w * x, w * y, w * z
    m = np.empty(q.shape[:-1] + (3, 3))
    m[..., 0, 0] = 1 - 2 * (yy + zz)
    m[..., 0, 1] = 2 * (xy - wz)
    m[..., 0, 2] = 2 * (xz + wy)
    m[..., 1, 0] = 2 * (xy + wz)
    m[..., 1, 1] = 1 - 2 * (xx + zz)
    m[..., 1, 2] = 2 * (yz - wx)
    m[..., 2, 0] = 2 * (xz - wy)
    m[..., 2, 1] = 2 * (yz + wx)
    m[..., 2, 2] = 1 - 2 * (xx + yy)
    return m


def from_matrix(m: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotation matrices to unit quaternions (w >= 0)."""
    from scipy.spatial.transform import Rotation

    m = np.asarray(m, dtype=np.float64)
    flat = m.reshape(-1, 3, 3)
    q = Rotation.from_matrix(flat).as_quat()
    q = np.where(q[:, 3:4] < 0, -q, q)
    return q.reshape(m.shape[:-2] + (4,))


def from_axis_angle(axis: np.ndarray, angle_rad: np.ndarray | float) -> np.ndarray:
    axis = np.asarray(axis, dtype=np.float64)
    if axis.ndim == 1 and np.ndim(angle_rad) == 0:
        x, y, z = axis.tolist()
        norm = math.sqrt(x * x + y * y + z * z) or 1.0
        half = float(angle_rad) / 2.0
        s = math.sin(half) / norm
        return np.array([x * s, y * s, z * s, math.cos(half)])
    angle = np.asarray(angle_rad, dtype=np.float64)[..., None]
    norm = np.linalg.norm(axis, axis=-1, keepdims=True)
    unit = axis / np.maximum(norm, 1e-12)
    return np.concatenate([unit * np.sin(angle / 2.0), np.cos(angle / 2.0)], axis=-1)


def from_to(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The shortest rotation taking direction u to direction v (both (..., 3), any length)."""
    u = np.asarray(u, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    u = u / np.maximum(np.linalg.norm(u, axis=-1, keepdims=True), 1e-12)
    v = v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)
    dot = np.sum(u * v, axis=-1, keepdims=True)
    axis = np.cross(u, v)
    q = np.concatenate([axis, 1.0 + dot], axis=-1)
    opposite = dot[..., 0] < -1.0 + 1e-9
    if np.any(opposite):
        # 180 degrees: any axis perpendicular to u will do
        uu = np.broadcast_to(u, q.shape[:-1] + (3,))[opposite]
        helper = np.where(np.abs(uu[..., :1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
        perp = np.cross(uu, helper)
        q[opposite] = np.concatenate([perp, np.zeros(perp.shape[:-1] + (1,))], axis=-1)
    return normalize(q)


def slerp(a: np.ndarray, b: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """Spherical interpolation along the short way, batched over leading axes."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    if t.ndim:
        t = t[..., None]
    dot = np.sum(a * b, axis=-1, keepdims=True)
    b = np.where(dot < 0, -b, b)
    dot = np.abs(dot)
    theta = np.arccos(np.clip(dot, -1.0, 1.0))
    sin_theta = np.sin(theta)
    close = sin_theta < 1e-6
    safe = np.where(close, 1.0, sin_theta)
    wa = np.where(close, 1.0 - t, np.sin((1.0 - t) * theta) / safe)
    wb = np.where(close, t, np.sin(t * theta) / safe)
    return normalize(wa * a + wb * b)


def from_euler_yxz(yaw_rad: float, pitch_rad: float, roll_rad: float = 0.0) -> np.ndarray:
    """Yaw about +y, then pitch about the yawed +x, then roll about +z (VRM's eye convention)."""
    qy = from_axis_angle(np.array([0.0, 1.0, 0.0]), yaw_rad)
    qx = from_axis_angle(np.array([1.0, 0.0, 0.0]), pitch_rad)
    qz = from_axis_angle(np.array([0.0, 0.0, 1.0]), roll_rad)
    return multiply(multiply(qy, qx), qz)
