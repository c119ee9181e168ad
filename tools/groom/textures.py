"""The groom's textures, painted procedurally: small images (sRGB uint8, RGB) and how his parts map onto them.

Every texture is a pure function of its size (numpy only, float64, rounded once at the end), so the bytes
are the same on every run. The suit's atlas is painted from character space: each texel knows the point of
the body it covers (a box projection by the direction a surface faces), so a seam is drawn where the seam
is on the body, whichever piece of cloth carries it.
"""

from __future__ import annotations

import numpy as np

# ----------------------------------------------------------------------------------------------- helpers


def _to_srgb_bytes(linear_rgb: np.ndarray) -> np.ndarray:
    c = np.clip(linear_rgb, 0.0, 1.0)
    srgb = np.where(c <= 0.0031308, 12.92 * c, 1.055 * np.power(c, 1.0 / 2.4) - 0.055)
    return np.round(srgb * 255.0).astype(np.uint8)


def _smooth(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _hash_noise(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Deterministic value noise in [0, 1): a fixed generator, not the CPU's floating point."""
    return np.random.default_rng(seed).random(shape)


def _blur_rows(a: np.ndarray, radius: int, axis: int) -> np.ndarray:
    kernel = np.ones(2 * radius + 1) / (2 * radius + 1)
    pad = [(0, 0)] * a.ndim
    pad[axis] = (radius, radius)
    padded = np.pad(a, pad, mode="wrap")
    out = np.zeros_like(a)
    for k, w in enumerate(kernel):
        out += w * np.take(padded, np.arange(k, k + a.shape[axis]), axis=axis)
    return out


def _mix(base: np.ndarray, colour, amount: np.ndarray) -> np.ndarray:
    return base * (1.0 - amount[..., None]) + np.asarray(colour, dtype=np.float64) * amount[..., None]


# ------------------------------------------------------------------------------------------------- eyes

EYE_TEXTURE_PX = 128
# The eye texture covers the eyeball's front disc: u, v = 0.5 +- (x, -y) / (2 * EYE_UV_RADIUS) around its centre.
IRIS_RADIUS_UV = 0.27  # of the texture's width: an anime iris, large in the opening
PUPIL_RADIUS_UV = 0.10
IRIS_TALLNESS = 1.15  # the iris and pupil are upright ovals, as anime draws them


def eye_uv(local_xy: np.ndarray, eye_radius_m: float) -> np.ndarray:
    """UVs of eyeball vertices from their (x, y) offsets from the eye's centre (metres, eye looking at +z)."""
    return np.stack(
        [0.5 + local_xy[:, 0] / (2.0 * eye_radius_m), 0.5 - local_xy[:, 1] / (2.0 * eye_radius_m)], 1
    )


def eye_texture(mirror: bool = False, size: int = EYE_TEXTURE_PX) -> np.ndarray:
    """Sclera, an iris of two browns with fibres and a dark rim, the pupil, and two catch lights."""
    v, u = np.mgrid[0:size, 0:size].astype(np.float64)
    u = (u + 0.5) / size - 0.5
    v = (v + 0.5) / size - 0.5  # down is +v
    if mirror:
        u = -u
    r = np.hypot(u, v / IRIS_TALLNESS)
    sclera = np.array([0.86, 0.86, 0.88])
    image = np.broadcast_to(sclera, (size, size, 3)).copy()
    # The upper lid's shadow on the white, bluish.
    image = _mix(image, [0.50, 0.54, 0.66], 0.55 * _smooth(-0.05, -0.30, v))
    iris_edge = IRIS_RADIUS_UV
    inside = _smooth(iris_edge + 0.008, iris_edge - 0.008, r)
    angle = np.arctan2(v, u)
    fibres = 0.5 + 0.5 * np.sin(angle * 23.0 + 3.0 * np.sin(angle * 7.0))
    t = np.clip(r / iris_edge, 0.0, 1.0)
    top = [0.035, 0.014, 0.006]
    bottom = [0.42, 0.20, 0.06]
    gradient = _smooth(-0.18, 0.20, v)  # dark under the lid, warm amber below
    iris = _mix(np.broadcast_to(np.asarray(top), (size, size, 3)).copy(), bottom, gradient)
    iris = iris * (0.82 + 0.30 * fibres[..., None] * t[..., None])
    iris = _mix(iris, [0.02, 0.008, 0.004], _smooth(0.78, 0.98, t))  # the limbal ring
    image = _mix(image, [0, 0, 0], np.zeros_like(r))
    image = image * (1.0 - inside[..., None]) + iris * inside[..., None]
    pupil = _smooth(PUPIL_RADIUS_UV + 0.006, PUPIL_RADIUS_UV - 0.006, r)
    image = _mix(image, [0.004, 0.002, 0.002], pupil)
    # Catch lights: a large one up and to the side, a small one low on the other side.
    for cu, cv, ru, rv, strength in ((-0.085, -0.085, 0.055, 0.045, 1.0), (0.09, 0.10, 0.026, 0.022, 0.85)):
        d = np.hypot((u - cu) / ru, (v - cv) / rv)
        image = _mix(image, [1.0, 1.0, 1.0], strength * _smooth(1.0, 0.75, d))
    return _to_srgb_bytes(image)


# ------------------------------------------------------------------------------------------------- suit

SUIT_TEXTURE_PX = 768
# The atlas: four columns by the way the cloth faces (front, back, the character's left, right), each the
# body's height. Columns hold (horizontal range in metres, width in texels).
SUIT_Y_RANGE_M = (0.0, 1.60)
_SUIT_COLUMNS = {
    "front": (-0.42, 0.42, 240),
    "back": (-0.42, 0.42, 240),
    "left": (-0.22, 0.26, 144),
    "right": (-0.22, 0.26, 144),
}
SUIT_COLUMN_ORDER = ("front", "back", "left", "right")


def _column_start(name: str) -> int:
    start = 0
    for other in SUIT_COLUMN_ORDER:
        if other == name:
            return start
        start += _SUIT_COLUMNS[other][2]
    raise KeyError(name)


def suit_face_columns(normals: np.ndarray) -> np.ndarray:
    """Which column (index into SUIT_COLUMN_ORDER) each face goes to, by the way its normal faces."""
    x, z = normals[:, 0], normals[:, 2]
    front_back = np.where(z >= 0.0, 0, 1)
    sides = np.where(x >= 0.0, 2, 3)
    return np.where(np.abs(z) >= np.abs(x), front_back, sides)


def suit_uv(points: np.ndarray, column: int) -> np.ndarray:
    """UVs of points (character space, before the final scaling) in one atlas column."""
    name = SUIT_COLUMN_ORDER[column]
    lo, hi, width = _SUIT_COLUMNS[name]
    horizontal = {"front": points[:, 0], "back": -points[:, 0], "left": -points[:, 2], "right": points[:, 2]}[
        name
    ]
    s = np.clip((horizontal - lo) / (hi - lo), 0.0, 1.0)
    u = (_column_start(name) + 1.0 + s * (width - 2.0)) / SUIT_TEXTURE_PX
    y0, y1 = SUIT_Y_RANGE_M
    v = 1.0 - np.clip((points[:, 1] - y0) / (y1 - y0), 0.0, 1.0) * (SUIT_TEXTURE_PX - 2.0) / SUIT_TEXTURE_PX
    v = v - 1.0 / SUIT_TEXTURE_PX
    return np.stack([u, v], axis=1)


def _suit_points(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each texel of a column: the body coordinates it stands for (x, y, z; the free axis is nan)."""
    lo, hi, width = _SUIT_COLUMNS[name]
    col = (np.arange(width) + 0.5 - 1.0) / (width - 2.0)
    horizontal = lo + (hi - lo) * col
    y0, y1 = SUIT_Y_RANGE_M
    row = np.arange(SUIT_TEXTURE_PX) + 0.5
    y = y0 + (y1 - y0) * (1.0 - (row - 1.0) / (SUIT_TEXTURE_PX - 2.0))
    hh, yy = np.meshgrid(horizontal, y)
    nan = np.full_like(hh, np.nan)
    if name == "front":
        return hh, yy, nan
    if name == "back":
        return -hh, yy, nan
    if name == "left":
        return nan, yy, -hh
    return nan, yy, hh


SUIT_LINEAR = (0.030, 0.034, 0.052)  # a midnight-blue black, so folds and seams can show
LAPEL_LINEAR = (0.018, 0.019, 0.026)  # satin facings, darker and smoother


def _seam(distance_m: np.ndarray, width_m: float = 0.0035) -> np.ndarray:
    """A stitched seam: a dark groove with a light ridge beside it (1 in the groove, -1 on the ridge)."""
    d = np.abs(distance_m)
    groove = _smooth(width_m, 0.0, d)
    ridge = _smooth(width_m * 2.5, width_m, d) * (d > width_m)
    return groove - 0.5 * ridge


def _fold(
    h: np.ndarray, y: np.ndarray, centre, length_m: float, width_m: float, angle_deg: float
) -> np.ndarray:
    """A soft fold of cloth: an elongated bell along a direction (angle from horizontal)."""
    a = np.radians(angle_deg)
    dh, dy = h - centre[0], y - centre[1]
    along = dh * np.cos(a) + dy * np.sin(a)
    across = -dh * np.sin(a) + dy * np.cos(a)
    return np.exp(-((along / length_m) ** 2) - (across / width_m) ** 2)


def _folds(h, y, specs, mirror: bool = True) -> np.ndarray:
    out = np.zeros_like(y)
    for cx, cy, length, width, angle, amount in specs:
        out += amount * _fold(h, y, (cx, cy), length, width, angle)
        if mirror:
            out += amount * _fold(h, y, (-cx, cy), length, width, -angle)
    return out


# (centre h, centre y, half length, half width, angle from horizontal, darkness) of the folds a standing
# man's suit falls into: the trousers' break on the shoes, drag from the button, the backs of the knees,
# the inside of the elbows, the small of the back.
_FRONT_FOLDS = [
    (0.097, 0.125, 0.05, 0.010, 8.0, 0.55),
    (0.097, 0.165, 0.045, 0.008, -6.0, 0.35),
    (0.05, 1.00, 0.07, 0.010, 55.0, 0.35),
    (0.10, 0.96, 0.06, 0.009, 40.0, 0.25),
    (0.14, 1.17, 0.04, 0.012, 20.0, 0.20),
    (0.08, 0.75, 0.05, 0.010, 70.0, 0.18),
]
_BACK_FOLDS = [
    (0.097, 0.125, 0.05, 0.010, -8.0, 0.55),
    (0.08, 0.50, 0.04, 0.008, 25.0, 0.40),
    (0.11, 0.47, 0.035, 0.007, -20.0, 0.30),
    (0.06, 1.02, 0.06, 0.012, 0.0, 0.25),
    (0.13, 1.30, 0.06, 0.012, 12.0, 0.18),
    (0.26, 1.13, 0.03, 0.007, 15.0, 0.30),
]
_SIDE_FOLDS = [
    (0.03, 1.14, 0.035, 0.007, 20.0, 0.45), (0.01, 1.10, 0.03, 0.006, -15.0, 0.35),
    (0.04, 1.18, 0.025, 0.006, 35.0, 0.25), (0.0, 0.125, 0.05, 0.010, 6.0, 0.50),
    (0.02, 0.50, 0.04, 0.008, -30.0, 0.25),
]  # fmt: skip


def suit_texture(lapel_half_width, button_y: float) -> np.ndarray:
    """The suit atlas: a fine twill, seams, pocket welts, the satin lapels and stripe, and soft folds.

    `lapel_half_width(y)` is the half width of the jacket's V opening at height y (metres), the lapels lie
    beside it; `button_y` is the button's height.
    """
    columns = []
    for name in SUIT_COLUMN_ORDER:
        x, y, z = _suit_points(name)
        shape = y.shape
        rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
        shade = 1.0 + 0.03 * np.cos((rows + cols) * (2.0 * np.pi / 4.0))  # the twill's diagonal ribs
        dark = np.zeros(shape)  # how much darker (folds, grooves), 0..1
        light = np.zeros(shape)  # how much lighter (ridges, creases and satin catching light)
        lapel = np.zeros(shape)
        if name in ("front", "back"):
            ax = np.abs(x)
            jacket = (y > 0.80) & (y < 1.34)
            s = (
                _seam(ax - (0.120 if name == "front" else 0.085)) * jacket
            )  # darts in front, side panels behind
            if name == "back":
                s = (
                    s + _seam(x) * (y > 0.80) + 0.6 * _seam(x, 0.002) * (y < 0.96) * (y > 0.80)
                )  # centre, vent
            dark += np.clip(s, 0, None) * 0.55
            light += np.clip(-s, 0, None) * 0.35
            light += 0.40 * _smooth(0.006, 0.0, np.abs(ax - 0.097)) * (y < 0.74) * (y > 0.04)  # the creases
            light += (
                0.25 * _smooth(0.004, 0.0, np.abs(y - 0.80)) * (ax < 0.19)
            )  # the jacket's hem catches light
            if name == "front":
                opening = ax - lapel_half_width(y)
                lapel = _smooth(0.0, 0.004, opening) * _smooth(0.066, 0.062, opening)
                lapel = lapel * _smooth(button_y - 0.012, button_y - 0.006, y) * _smooth(1.50, 1.49, y)
                dark += 0.5 * np.clip(_seam(opening - 0.065, 0.002), 0, None) * (y > button_y) * (y < 1.46)
                pocket = _smooth(0.003, 0.0, np.abs(y - 0.905)) * (ax > 0.055) * (ax < 0.165)
                pocket += _smooth(0.003, 0.0, np.abs(y - 1.285)) * (x > 0.075) * (x < 0.15)
                dark += 0.8 * pocket
                dark += _folds(x, y, _FRONT_FOLDS)
            else:
                dark += _folds(x, y, _BACK_FOLDS)
        else:
            h = z
            s = _seam(h + 0.005) * (y > 0.80) * (y < 1.38)  # the side seams
            dark += np.clip(s, 0, None) * 0.55
            light += np.clip(-s, 0, None) * 0.3
            light += 0.45 * _smooth(0.008, 0.006, np.abs(h + 0.005)) * (y < 0.76) * (y > 0.04)  # satin stripe
            armhole = _seam(y - (1.43 - 2.2 * (h + 0.01) ** 2), 0.003) * (np.abs(h) < 0.09)
            dark += np.clip(armhole, 0, None) * 0.5
            dark += 0.5 * _smooth(0.003, 0.0, np.abs(y - 0.905)) * (np.abs(h - 0.06) < 0.05)
            dark += _folds(h, y, _SIDE_FOLDS, mirror=False)
        base = np.broadcast_to(np.asarray(SUIT_LINEAR), shape + (3,)).copy()
        base = _mix(base, LAPEL_LINEAR, lapel)
        satin = 1.0 + 0.8 * lapel * _smooth(1.18, 1.45, y)  # the satin catches the light towards the top
        factor = shade * satin * (1.0 - 0.75 * np.clip(dark, 0.0, 1.0)) * (1.0 + 1.6 * np.clip(light, 0, 1))
        columns.append(base * factor[..., None])
    return _to_srgb_bytes(np.concatenate(columns, axis=1))


# ---------------------------------------------------------------------------------------- shirt and hair

SHIRT_TEXTURE_PX = (64, 128)  # width, height: the shirt front seen through the V, projected from the front
SHIRT_X_RANGE_M = (-0.12, 0.12)
SHIRT_Y_RANGE_M = (0.98, 1.58)


def shirt_uv(points: np.ndarray) -> np.ndarray:
    u = (points[:, 0] - SHIRT_X_RANGE_M[0]) / (SHIRT_X_RANGE_M[1] - SHIRT_X_RANGE_M[0])
    v = 1.0 - (points[:, 1] - SHIRT_Y_RANGE_M[0]) / (SHIRT_Y_RANGE_M[1] - SHIRT_Y_RANGE_M[0])
    return np.stack([np.clip(u, 0.0, 1.0), np.clip(v, 0.0, 1.0)], axis=1)


def shirt_texture() -> np.ndarray:
    """A white dress shirt: pleats down the front either side of the placket, small black studs."""
    w, h = SHIRT_TEXTURE_PX
    v, u = np.mgrid[0:h, 0:w].astype(np.float64)
    x = SHIRT_X_RANGE_M[0] + (u + 0.5) / w * (SHIRT_X_RANGE_M[1] - SHIRT_X_RANGE_M[0])
    y = SHIRT_Y_RANGE_M[1] - (v + 0.5) / h * (SHIRT_Y_RANGE_M[1] - SHIRT_Y_RANGE_M[0])
    image = np.broadcast_to(np.array([0.80, 0.81, 0.83]), (h, w, 3)).copy()
    ax = np.abs(x)
    pleats = (ax > 0.012) & (ax < 0.045) & (y < 1.42)
    groove = 0.5 + 0.5 * np.cos((ax - 0.012) / 0.0066 * 2.0 * np.pi)
    image *= np.where(pleats, 0.90 + 0.10 * groove, 1.0)[..., None]
    placket = _smooth(0.0025, 0.0, np.abs(ax - 0.010)) * (y < 1.44)
    image *= (1.0 - 0.15 * placket)[..., None]
    for sy in (1.30, 1.22, 1.14):
        stud = _smooth(0.0045, 0.0030, np.hypot(x, (y - sy)))
        image = _mix(image, [0.01, 0.01, 0.012], stud)
    return _to_srgb_bytes(image)


HAIR_TEXTURE_PX = (64, 128)  # width (across a lock), height (root to tip)
HAIR_LINEAR = (0.030, 0.016, 0.009)


def hair_texture() -> np.ndarray:
    """A lock of dark brown hair: strand streaks along it, a glossy band (the "angel ring") near the root."""
    w, h = HAIR_TEXTURE_PX
    v, u = np.mgrid[0:h, 0:w].astype(np.float64)
    s = (u + 0.5) / w
    t = (v + 0.5) / h  # 0 at the root, 1 at the tip
    streaks = _blur_rows(_hash_noise((1, w), 5), 1, 1)[0]
    base = np.asarray(HAIR_LINEAR) * (0.75 + 0.5 * streaks[None, :, None])
    base = np.broadcast_to(base, (h, w, 3)).copy()
    ring = _smooth(0.10, 0.0, np.abs(t - 0.30 - 0.04 * np.sin(s * 2.0 * np.pi * 3.0)))
    base = _mix(base, [0.20, 0.12, 0.075], 0.85 * ring * (0.6 + 0.4 * streaks[None, :]))
    base *= (1.0 - 0.35 * _smooth(0.7, 1.0, t))[..., None]  # tips a little darker
    return _to_srgb_bytes(base)


# ---------------------------------------------------------------------------------------------- palette

SWATCH_PX, SWATCHES_PER_ROW = 4, 4


def swatch_uv(index: int) -> np.ndarray:
    """The UV at the centre of a palette swatch (pure colour there, even with linear filtering)."""
    row, col = divmod(index, SWATCHES_PER_ROW)
    side = SWATCH_PX * SWATCHES_PER_ROW
    return np.array([(col + 0.5) * SWATCH_PX / side, (row + 0.5) * SWATCH_PX / side])


def palette(colours_linear) -> np.ndarray:
    """Flat colours (linear RGB) as 4 x 4 texel swatches of a 16 x 16 image, row by row."""
    side = SWATCH_PX * SWATCHES_PER_ROW
    image = np.zeros((side, side, 3))
    for index, colour in enumerate(colours_linear):
        row, col = divmod(index, SWATCHES_PER_ROW)
        image[row * SWATCH_PX : (row + 1) * SWATCH_PX, col * SWATCH_PX : (col + 1) * SWATCH_PX] = colour
    return _to_srgb_bytes(image)


# ------------------------------------------------------------------------------------------------ shoes

MATCAP_PX = 64


def shoe_matcap() -> np.ndarray:
    """A polished leather matcap: a sharp window highlight high on the sphere and a soft rim below."""
    n = MATCAP_PX
    v, u = np.mgrid[0:n, 0:n].astype(np.float64)
    x = (u + 0.5) / n * 2.0 - 1.0
    y = 1.0 - (v + 0.5) / n * 2.0
    r = np.hypot(x, y)
    image = np.zeros((n, n, 3))
    highlight = _smooth(0.30, 0.12, np.hypot((x + 0.25) / 1.3, (y - 0.45) / 0.55))
    rim = _smooth(0.75, 0.98, r) * _smooth(0.2, -0.6, y) * 0.25
    image += highlight[..., None] * np.array([0.55, 0.55, 0.58]) + rim[..., None] * np.array([0.3, 0.3, 0.34])
    return _to_srgb_bytes(image)
