"""The default character: a groom in a dark suit, generated from code and written as a VRM 1.0 model.

A build tool, not part of the installed package: run `python -m tools.groom [PATH]` from the repository
to write `arwed/assets/characters/groom.glb`, which the package ships (importlib.resources).
The output is a pure function of this file: the same bytes every run on the same numpy.

How it is made: every garment and the skin are signed distance shapes (tools.groom.implicit_mesh),
meshed into closed smooth surfaces. Skin weights are a function of position (the softmax of the distance
to each bone's region), so layers that lie over each other bend together and a joint blends over a few
centimetres. The face has morph targets for the VRM expression presets (blink, visemes, emotions);
the eyes hang on the leftEye/rightEye bones for look-at. The rest pose has the arms relaxed down
(about 80 degrees below horizontal), not the VRM T-pose, so the model looks right even where nothing poses it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from tools.groom import hair
from tools.groom import implicit_mesh as im
from tools.groom import textures as tx

HEIGHT_M = 1.80
CHARACTER_NAME = "groom"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CHARACTER_PATH = REPO_ROOT / "arwed" / "assets" / "characters" / f"{CHARACTER_NAME}.glb"

# Joint name, parent, rest position (metres, character space: y up, facing +z, the character's left is +x).
# The arms hang relaxed, 9 degrees out from the body and a little forward, the elbows bent a little: close
# enough to the rest pose arwed's loader gives every humanoid (arwed.characters.rest_pose) that it keeps it.
_SHOULDER = np.array([0.190, 1.430, -0.020])
_ARM_DIRECTION = np.array([np.sin(np.radians(9.0)), -np.cos(np.radians(9.0)), 0.06])
_ARM_DIRECTION /= np.linalg.norm(_ARM_DIRECTION)
_FOREARM_DIRECTION = _ARM_DIRECTION * np.cos(np.radians(10.0)) + np.array([0.0, 0.0, 1.0]) * np.sin(
    np.radians(10.0)
)
_FOREARM_DIRECTION /= np.linalg.norm(_FOREARM_DIRECTION)
_ELBOW = _SHOULDER + 0.300 * _ARM_DIRECTION
_WRIST = _ELBOW + 0.255 * _FOREARM_DIRECTION
_LEFT_SIDE = [
    ("leftShoulder", "upperChest", (0.030, 1.425, -0.015)),
    ("leftUpperArm", "leftShoulder", tuple(_SHOULDER)),
    ("leftLowerArm", "leftUpperArm", tuple(_ELBOW)),
    ("leftHand", "leftLowerArm", tuple(_WRIST)),
    ("leftUpperLeg", "hips", (0.090, 0.925, 0.000)),
    ("leftLowerLeg", "leftUpperLeg", (0.096, 0.505, 0.008)),
    ("leftFoot", "leftLowerLeg", (0.102, 0.085, -0.020)),
    ("leftToes", "leftFoot", (0.104, 0.022, 0.125)),
    ("leftEye", "head", (0.0325, 1.667, 0.0590)),
]
JOINTS: list[tuple[str, str | None, tuple[float, float, float]]] = [
    ("hips", None, (0.0, 0.960, 0.000)),
    ("spine", "hips", (0.0, 1.060, 0.000)),
    ("chest", "spine", (0.0, 1.200, 0.000)),
    ("upperChest", "chest", (0.0, 1.330, -0.005)),
    ("neck", "upperChest", (0.0, 1.478, -0.018)),
    ("head", "neck", (0.0, 1.585, -0.012)),
]
for _name, _parent, (_x, _y, _z) in _LEFT_SIDE:
    JOINTS.append((_name, _parent, (_x, _y, _z)))
for _name, _parent, (_x, _y, _z) in _LEFT_SIDE:
    _mirror = lambda n: n.replace("left", "right") if n.startswith("left") else n  # noqa: E731
    JOINTS.append((_mirror(_name), _mirror(_parent), (-_x, _y, _z)))
_JOINT_POS = {name: np.array(pos, dtype=np.float64) for name, _, pos in JOINTS}


def _joint(name: str, sign: float = 1.0) -> np.ndarray:
    """A joint position, for the left side (sign=1) or its mirror on the right (sign=-1)."""
    side_name = name if sign > 0 else name.replace("left", "right")
    return _JOINT_POS[side_name].copy()


def _lerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    return a + (b - a) * t


@dataclass(frozen=True)
class Material:
    """An MToon material (VRMC_materials_mtoon 1.0): lit and shade colours, a toon ramp, an outline."""

    name: str
    base_color: tuple[float, float, float, float]  # linear RGBA (times the texture, if any)
    shade_color: tuple[float, float, float]  # linear RGB where the light does not reach
    texture: str | None = None  # a key of textures(): the lit (and, unless shade_texture, the shade) colour's
    outline_m: float = 0.0  # world-space outline width; 0: none
    outline_color: tuple[float, float, float] = (0.02, 0.015, 0.015)
    toony: float = 0.92
    shift: float = -0.05
    rim: tuple[float, float, float] = (0.0, 0.0, 0.0)  # a parametric rim light's colour
    rim_power: float = 4.0
    matcap: str | None = None  # a key of TEXTURES: an added sphere-mapped reflection (shine)
    double_sided: bool = False
    shade_texture: str | None = None  # a key of textures(), when the shade colour has a texture of its own
    rim_texture: str | None = None  # a key of textures(): where the rim light shows (white) and not (black)


# The trim's shade is its lit colour times this (the skin's ratio: the lids, lips and mouth are the parts
# that show), so the shader samples the palette once for both, not a shade palette besides.
_TRIM_SHADE = (0.80, 0.68, 0.73)
MATERIALS = {
    "suit": Material(
        "suit", (1.0, 1.0, 1.0, 1.0), (0.42, 0.42, 0.50), "suit", 0.0026, (0.004, 0.004, 0.008),
        shift=-0.10,
    ),
    "shirt": Material("shirt", (1.0, 1.0, 1.0, 1.0), (0.62, 0.66, 0.78), "shirt"),
    "skin": Material(
        "skin", (0.84, 0.56, 0.44, 1.0), (0.70, 0.38, 0.32), None, 0.0012, (0.24, 0.10, 0.07),
        shift=-0.15, toony=0.85,
    ),
    "hair": Material(
        "hair", (1.0, 1.0, 1.0, 1.0), (0.50, 0.42, 0.45), "hair", 0.0018, (0.008, 0.004, 0.003),
    ),
    "shoes": Material(
        "shoes", (0.012, 0.011, 0.012, 1.0), (0.004, 0.004, 0.005), None, 0.0, (0.0, 0.0, 0.0),
        matcap="shoe_matcap", rim=(0.08, 0.08, 0.09), rim_power=3.0,
    ),
    "sole": Material("sole", (0.045, 0.022, 0.012, 1.0), (0.02, 0.01, 0.006), None, 0.0015, (0.0, 0.0, 0.0)),
    "bowtie": Material(
        "bowtie", (0.010, 0.010, 0.012, 1.0), (0.003, 0.003, 0.004), None, 0.0012, (0.0, 0.0, 0.0),
        rim=(0.12, 0.12, 0.14), rim_power=2.5,
    ),
    "lids": Material("lids", (0.84, 0.56, 0.44, 1.0), (0.70, 0.38, 0.32), shift=-0.15, toony=0.85),  # no outline
    "eye": Material("eye", (1.0, 1.0, 1.0, 1.0), (0.80, 0.80, 0.86), "eye", shift=-0.6, toony=0.5),
    "mouth": Material("mouth", (0.30, 0.05, 0.05, 1.0), (0.16, 0.02, 0.03)),
    "teeth": Material("teeth", (0.86, 0.84, 0.80, 1.0), (0.62, 0.60, 0.66), shift=-0.4),
    "lips": Material("lips", (0.80, 0.42, 0.36, 1.0), (0.62, 0.28, 0.26), None, 0.0010, (0.30, 0.10, 0.08)),
    "flower": Material("flower", (0.92, 0.92, 0.88, 1.0), (0.62, 0.64, 0.70), None, 0.0010, (0.2, 0.2, 0.2)),
    "leaf": Material("leaf", (0.06, 0.24, 0.05, 1.0), (0.02, 0.10, 0.03), None, 0.0010, (0.01, 0.04, 0.01)),
    "lashes": Material("lashes", (0.010, 0.006, 0.005, 1.0), (0.010, 0.006, 0.005)),
    "brow": Material("brow", (*tx.HAIR_LINEAR, 1.0), tuple(0.6 * c for c in tx.HAIR_LINEAR)),
    # The small parts share one material: their colours are swatches of a palette texture (below).
    "trim": Material(
        "trim", (1.0, 1.0, 1.0, 1.0), _TRIM_SHADE, "trim", shift=-0.1,
        rim=(0.05, 0.05, 0.06), rim_power=3.0, rim_texture="trim_rim",
    ),
}  # fmt: skip
# The trousers are the suit without an outline: the legs' outline pass cost more than its lines showed
# (dark on dark), where the jacket's, round the arms, keeps the figure readable.
MATERIALS["trousers"] = replace(MATERIALS["suit"], name="trousers", outline_m=0.0)
# Materials drawn as swatches of the "trim" palette: a software renderer pays for every draw call, so the
# bow tie, the flower, the soles, lips, mouth, teeth, lids and lashes are drawn together.
TRIM = ("bowtie", "sole", "lids", "mouth", "teeth", "lips", "flower", "leaf", "lashes", "brow")
_RIM_LIT_TRIM = ("bowtie", "sole", "flower", "leaf")
_TRIM_MESH_PARTS = ("bowtie", "button", "flower", "leaf", "teeth", "left_shoe_sole", "right_shoe_sole")


@dataclass
class Part:
    """One mesh primitive of the character, before it is written."""

    name: str
    material: str
    vertices: np.ndarray  # (V, 3)
    normals: np.ndarray  # (V, 3)
    faces: np.ndarray  # (F, 3)
    joints: np.ndarray | None = None  # (V, 4) indices into JOINT_NAMES
    weights: np.ndarray | None = None  # (V, 4)
    morphs: dict[str, np.ndarray] = field(default_factory=dict)  # target name -> (V, 3) position deltas
    mesh: str = ""  # parts with the same mesh name share one glTF mesh (and its morph target list)
    uv: np.ndarray | None = None  # (V, 2) texture coordinates, for textured materials

    def __post_init__(self) -> None:
        if not self.mesh:
            self.mesh = self.name


# --------------------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------------------

# The jacket body: (y, half width, half depth, centre z) from the hem to the collar.
_JACKET_PROFILE = np.array(
    [
        (0.790, 0.178, 0.122, -0.004),
        (0.880, 0.176, 0.120, -0.002),
        (0.980, 0.168, 0.114, 0.002),
        (1.070, 0.160, 0.112, 0.008),
        (1.180, 0.163, 0.118, 0.014),
        (1.290, 0.170, 0.122, 0.012),
        (1.370, 0.178, 0.115, 0.004),
        (1.420, 0.168, 0.100, -0.006),
        (1.460, 0.120, 0.082, -0.014),
        (1.490, 0.074, 0.070, -0.018),
        (1.530, 0.068, 0.066, -0.020),
    ]
)
_BUTTON_Y = 1.065
_COLLAR_TOP_Y = 1.530
_SHIRT_COLLAR_FRONT_Y = 1.542  # where the shirt collar's top plane meets z = 0; it rises towards the back


def _jacket_loft(grow: float = 0.0) -> im.Shape:
    p = _JACKET_PROFILE
    return im.loft(p[:, 0], p[:, 1] + grow, p[:, 2] + grow, p[:, 3])


def _front_z(y: float, grow: float = 0.0) -> float:
    """The z of the jacket's front surface (x = 0) at height y."""
    from scipy.interpolate import PchipInterpolator

    p = _JACKET_PROFILE
    return float(PchipInterpolator(p[:, 0], p[:, 2])(y) + PchipInterpolator(p[:, 0], p[:, 3])(y) + grow)


def _v_opening_half_width(y: np.ndarray) -> np.ndarray:
    t = np.clip((y - _BUTTON_Y) / (1.475 - _BUTTON_Y), 0.0, None)
    return 0.006 + 0.076 * t


def _v_opening() -> im.Shape:
    """The V of the jacket front from the button to the collar, and the cutaway below the button."""

    def field(p: np.ndarray) -> np.ndarray:
        y = p[:, 1]
        above = np.maximum(np.abs(p[:, 0]) - _v_opening_half_width(y), _BUTTON_Y - y)
        below_half_width = 0.006 + 0.42 * np.clip(_BUTTON_Y - 0.02 - y, 0.0, None)
        below = np.maximum(np.abs(p[:, 0]) - below_half_width, y - _BUTTON_Y)
        front = 0.02 - p[:, 2]
        return np.maximum(np.minimum(above, below), front)

    return field


def _lapels(shape: im.Shape) -> im.Shape:
    """Raise a band beside the V opening: the lapels, widest at the chest."""

    def field(p: np.ndarray) -> np.ndarray:
        y = p[:, 1]
        w = _v_opening_half_width(y)
        t = np.clip((y - _BUTTON_Y) / (1.40 - _BUTTON_Y), 0.0, 1.0)
        lapel_width = 0.012 + 0.062 * np.sin(0.5 * np.pi * t) * np.clip((1.50 - y) / 0.08, 0.0, 1.0)
        u = (np.abs(p[:, 0]) - w) / np.maximum(lapel_width, 1e-3)
        band = np.clip(u * 6.0, 0.0, 1.0) * np.clip((1.0 - u) * 6.0, 0.0, 1.0)
        band *= np.clip((y - _BUTTON_Y + 0.01) / 0.03, 0.0, 1.0) * np.clip(p[:, 2] * 40.0, 0.0, 1.0)
        return shape(p) - 0.004 * band

    return field


def _sleeve(sign: float, grow: float = 0.0) -> im.Shape:
    shoulder = _joint("leftUpperArm", sign)
    elbow = _joint("leftLowerArm", sign)
    wrist = _joint("leftHand", sign)
    cuff = _lerp(elbow, wrist, 0.88)
    upper = im.round_cone(shoulder + np.array([0.0, 0.005, 0.0]), elbow, 0.058 + grow, 0.047 + grow)
    lower = im.round_cone(elbow, cuff, 0.047 + grow, 0.043 + grow)
    arm = im.union(upper, lower, k=0.01)
    # The sleeve ends square at the cuff.
    direction = (wrist - elbow) / np.linalg.norm(wrist - elbow)
    return im.intersect(arm, im.half_space(direction, float(direction @ cuff)), k=0.006)


def _shoulder_pad(sign: float) -> im.Shape:
    return im.round_cone(
        np.array([0.05 * sign, 1.446, -0.018]), _joint("leftUpperArm", sign) + [0.0, 0.006, 0.0], 0.050, 0.056
    )


def jacket_body_shape() -> im.Shape:
    """The jacket without its sleeves: each sleeve is its own closed tube set into the armhole.

    Separate sleeves move with the arm without stretching a web of cloth from the arm to the body.
    """
    body = im.intersect(_jacket_loft(), im.slab(1, 0.79, _COLLAR_TOP_Y), k=0.009)
    body = im.union(body, _shoulder_pad(1.0), _shoulder_pad(-1.0), k=0.03)
    body = im.subtract(body, _v_opening(), k=0.003)
    return _lapels(body)


def jacket_shape() -> im.Shape:
    """Everything the jacket covers, body and sleeves (for hiding what lies under it)."""
    return im.union(jacket_body_shape(), _sleeve(1.0), _sleeve(-1.0))


def shirt_shape() -> im.Shape:
    front = im.intersect(_jacket_loft(grow=-0.010), im.slab(1, 0.99, 1.50), k=0.005)
    neck = _joint("neck")
    # A tall wing collar, higher at the back than under the chin, as a dress shirt's: it hides the lower
    # neck (an open 9 cm of it read as a long, slim neck)
    collar = im.round_cone(neck + [0.0, -0.02, 0.0], neck + [0.0, 0.078, -0.004], 0.066, 0.060)
    back_rise = 0.10  # metres up per metre towards the back
    top = im.half_space([0.0, 1.0, back_rise], _SHIRT_COLLAR_FRONT_Y / np.hypot(1.0, back_rise))
    collar = im.intersect(collar, top, k=0.003)
    shirt = im.union(front, collar, k=0.01)
    # Only the part that can show (the V and the collar) is meshed: the rest is under the jacket.
    window = im.intersect(
        im.rounded_box([0.0, 1.27, 0.10], [0.10, 0.25, 0.08], 0.01),
        lambda p: np.abs(p[:, 0]) - _v_opening_half_width(p[:, 1]) - 0.03,
    )
    return im.union(im.intersect(shirt, window), collar)


def cuff_shape(sign: float) -> im.Shape:
    elbow = _joint("leftLowerArm", sign)
    wrist = _joint("leftHand", sign)
    return im.round_cone(_lerp(elbow, wrist, 0.84), _lerp(elbow, wrist, 0.93), 0.041, 0.040)


def bowtie_shape() -> im.Shape:
    neck = _joint("neck")
    centre = np.array([0.0, neck[1] + 0.010, neck[2] + 0.068])
    wings = []
    for sign in (1.0, -1.0):
        tip = centre + [0.048 * sign, 0.0, -0.010]
        wings.append(
            im.intersect(im.round_cone(centre, tip, 0.007, 0.020), im.slab(2, -1.0, centre[2] + 0.008))
        )
    knot = im.ellipsoid(centre + [0.0, 0.0, 0.003], [0.011, 0.010, 0.008])
    return im.union(knot, *wings, k=0.004)


def pocket_square_shape() -> im.Shape:
    """Three folded points showing above the breast pocket."""
    z = _front_z(1.29) + 0.001
    points = []
    for dx, h in ((-0.014, 0.022), (0.0, 0.028), (0.014, 0.020)):
        base = np.array([0.105 + dx, 1.285, z])
        points.append(im.round_cone(base, base + [0.0, h, 0.002], 0.009, 0.0015))
    return im.intersect(im.union(*points, k=0.004), im.slab(1, 1.287, 1.40), k=0.001)


def flower_shape() -> tuple[im.Shape, im.Shape]:
    centre = np.array([0.098, 1.385, _front_z(1.385) + 0.010])
    petals = [
        im.sphere(centre + off, 0.009)
        for off in ([0.0, 0.0, 0.004], [0.008, 0.004, 0.0], [-0.007, 0.005, 0.0], [0.0, -0.008, 0.0])
    ]
    leaf = im.ellipsoid(centre + [0.012, -0.018, -0.004], [0.006, 0.016, 0.003])
    return im.union(*petals, k=0.004), leaf


def button_shape() -> im.Shape:
    z = _front_z(_BUTTON_Y) + 0.003
    return im.ellipsoid([0.0, _BUTTON_Y, z], [0.011, 0.011, 0.004])


def _leg(sign: float) -> im.Shape:
    hip = _joint("leftUpperLeg", sign)
    knee = _joint("leftLowerLeg", sign)
    ankle = _joint("leftFoot", sign)
    thigh = im.round_cone(hip + [0.0, 0.03, -0.005], knee, 0.088, 0.064)
    shin = im.round_cone(knee, ankle + [0.0, -0.05, 0.0], 0.064, 0.058)
    return im.union(thigh, shin, k=0.02)


def trousers_shape() -> im.Shape:
    pelvis = im.intersect(_jacket_loft(grow=-0.012), im.slab(1, 0.70, 1.0), k=0.005)
    legs = im.union(pelvis, _leg(1.0), _leg(-1.0), k=0.035)

    def hem(p: np.ndarray) -> np.ndarray:
        # The hem sits higher at the front, resting on the shoe.
        return 0.050 + 0.18 * p[:, 2] - p[:, 1]

    return im.intersect(legs, hem, k=0.004)


def shoe_shape(sign: float) -> im.Shape:
    x = _joint("leftFoot", sign)[0]
    main = im.ellipsoid([x, 0.040, 0.045], [0.046, 0.055, 0.135])
    toe = im.ellipsoid([x + 0.003 * sign, 0.030, 0.150], [0.044, 0.032, 0.075])
    heel = im.rounded_box([x, 0.030, -0.045], [0.038, 0.030, 0.042], 0.014)
    ankle = im.round_cone([x, 0.05, -0.03], [x, 0.12, -0.025], 0.045, 0.040)
    shoe = im.union(main, toe, heel, ankle, k=0.02)
    return im.intersect(shoe, lambda p: -p[:, 1], k=0.003)


def _hand_frame(sign: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Wrist position and unit axes: along the hand, towards the palm side (the thigh), towards the thumb."""
    wrist = _joint("leftHand", sign)
    elbow = _joint("leftLowerArm", sign)
    along = wrist - elbow
    along = along + np.array([-0.12 * sign, 0.0, 0.04]) * np.linalg.norm(
        along
    )  # the hand turns in to the thigh
    along /= np.linalg.norm(along)
    palm = np.array([-sign, 0.0, 0.0])
    palm -= (palm @ along) * along
    palm /= np.linalg.norm(palm)
    thumb = np.cross(along, palm) * sign
    return wrist, along, palm, thumb


def _palm_points(sign: float):
    wrist, along, palm, thumb = _hand_frame(sign)

    def at(a: float, b: float, c: float) -> np.ndarray:
        return wrist + a * along + b * palm + c * thumb

    return at, along, palm, thumb


# The fingers of a relaxed hand: (name, knuckle across the palm, length, bends at the three joints in
# degrees, radius): each curls a little more than the one before it, index to little finger.
_FINGERS = (
    ("Index", 0.023, 0.088, (24.0, 38.0, 18.0), 0.0080),
    ("Middle", 0.0075, 0.096, (30.0, 44.0, 20.0), 0.0082),
    ("Ring", -0.0075, 0.090, (36.0, 48.0, 22.0), 0.0077),
    ("Little", -0.022, 0.072, (42.0, 52.0, 24.0), 0.0068),
)
_FINGER_SEGMENTS = ("Proximal", "Intermediate", "Distal")
_THUMB_SEGMENTS = ("Metacarpal", "Proximal", "Distal")


def finger_chains(sign: float) -> list[tuple[list[str], list[np.ndarray], float]]:
    """Each finger as (bone names, the four points from its base joint to its tip, radius), thumb first."""
    at, along, palm, thumb = _palm_points(sign)
    side = "left" if sign > 0 else "right"
    chains = []
    thumb_dir = _unit(along * 0.75 + thumb * 0.50 + palm * 0.30)
    points = _curled(at(0.012, 0.012, 0.022), thumb_dir, palm, 0.092, (0.40, 0.33, 0.27), (4.0, 14.0, 16.0))
    chains.append(([f"{side}Thumb{s}" for s in _THUMB_SEGMENTS], points, 0.0105))
    for name, across, length, bends, radius in _FINGERS:
        direction = _unit(along - 0.04 * across / 0.024 * thumb * 0.25)  # side by side, touching
        points = _curled(at(0.080, 0.003, across), direction, palm, length, (0.45, 0.31, 0.24), bends)
        chains.append(([f"{side}{name}{s}" for s in _FINGER_SEGMENTS], points, radius))
    return chains


def _curled(base, along, palm, length: float, fractions, bends_deg) -> list[np.ndarray]:
    points, direction = [base], along
    for fraction, bend in zip(fractions, bends_deg, strict=True):
        angle = np.radians(bend)
        direction = _unit(direction * np.cos(angle) + palm * np.sin(angle))
        points.append(points[-1] + direction * length * fraction)
    return points


def hand_shape(sign: float) -> im.Shape:
    at, _, _, _ = _palm_points(sign)
    parts = [
        im.round_cone(at(-0.06, 0.0, 0.0), at(0.0, 0.0, 0.0), 0.027, 0.026),
        im.round_cone(at(0.025, 0.001, 0.014), at(0.072, 0.002, 0.018), 0.016, 0.015),
        im.round_cone(at(0.025, 0.001, -0.012), at(0.070, 0.002, -0.016), 0.016, 0.014),
        im.round_cone(at(0.02, 0.0, 0.0), at(0.074, 0.001, 0.0), 0.019, 0.017),
    ]
    palm_shape = im.union(*parts, k=0.015)
    digits = []
    for _, points, radius in finger_chains(sign):
        segments = [
            im.round_cone(a, b, radius * (1.0 - 0.08 * i), radius * (0.9 - 0.08 * i))
            for i, (a, b) in enumerate(zip(points, points[1:], strict=False))
        ]
        digits.append(im.union(*segments, k=0.004))
    # Neighbouring fingers meet in a smooth groove, not a crease the grid cannot resolve (it read as lumps).
    return im.union(palm_shape, im.union(*digits, k=0.003), k=0.008)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _add_finger_joints() -> None:
    """The finger bones (VRM 1.0 names), appended after the body's so parents come first."""
    for sign in (1.0, -1.0):
        hand = "leftHand" if sign > 0 else "rightHand"
        for names, points, _ in finger_chains(sign):
            parent = hand
            for name, point in zip(names, points, strict=False):
                JOINTS.append((name, parent, tuple(float(x) for x in point)))
                _JOINT_POS[name] = np.asarray(point, dtype=np.float64)
                parent = name


_add_finger_joints()
HAIR_JOINT_NAMES: list[str] = []  # spring-bone joints of the hair locks (not humanoid bones)
for _lock in hair.LOCKS:
    _parent = "head"
    for _name, _point in hair.joints(_lock):
        JOINTS.append((_name, _parent, tuple(float(x) for x in _point)))
        _JOINT_POS[_name] = np.asarray(_point, dtype=np.float64)
        HAIR_JOINT_NAMES.append(_name)
        _parent = _name
JOINT_NAMES = [name for name, _, _ in JOINTS]
HUMAN_BONES = [name for name in JOINT_NAMES if name not in HAIR_JOINT_NAMES]


# The head: eye centres, mouth line and the shapes of the face.
_EYE_RADIUS = 0.0143
_LID_OUTER_R, _LID_INNER_R = _EYE_RADIUS + 0.0022, _EYE_RADIUS + 0.0007
_MOUTH_Y = 1.6040
_MOUTH_Z = 0.075


def _eye_centre(sign: float) -> np.ndarray:
    return _joint("leftEye", sign)


def _lip_shapes() -> tuple[im.Shape, im.Shape]:
    upper = im.ellipsoid([0.0, _MOUTH_Y + 0.0036, _MOUTH_Z - 0.0050], [0.0170, 0.0038, 0.0085])
    lower = im.ellipsoid([0.0, _MOUTH_Y - 0.0045, _MOUTH_Z - 0.0068], [0.0155, 0.0050, 0.0085])
    return upper, lower


def _skull_and_face(with_mouth: bool = True, with_sockets: bool = True) -> im.Shape:
    # An anime face: the eyes low and large, the cheeks full at their level, the jaw a V from under the
    # ears to a small pointed chin, a small nose and mouth close together.
    skull = im.ellipsoid([0.0, 1.680, -0.010], [0.071, 0.098, 0.095])
    jaw = im.round_cone([0.0, 1.645, 0.015], [0.0, 1.585, 0.055], 0.046, 0.015)
    muzzle = im.ellipsoid([0.0, 1.608, 0.050], [0.024, 0.022, 0.022])
    chin = im.ellipsoid([0.0, 1.577, 0.065], [0.0135, 0.0115, 0.0145])  # level with the lower lip in profile
    brow = im.ellipsoid([0.0, 1.690, 0.060], [0.052, 0.012, 0.021])
    cheeks = [im.ellipsoid([0.040 * s, 1.648, 0.046], [0.020, 0.017, 0.022]) for s in (1.0, -1.0)]
    nose = im.round_cone([0.0, 1.673, 0.075], [0.0, 1.637, 0.0915], 0.0034, 0.0046)
    upper_lip, lower_lip = _lip_shapes()
    ears = [
        im.intersect(
            im.ellipsoid([0.069 * s, 1.662, -0.012], [0.011, 0.025, 0.016]),
            im.half_space([-s, 0.0, 0.0], -0.059),
        )
        for s in (1.0, -1.0)
    ]
    neck_joint = _joint("neck")
    neck = im.round_cone(neck_joint + [0.0, -0.04, 0.004], [0.0, 1.625, -0.02], 0.051, 0.046)
    head = im.union(skull, jaw, muzzle, k=0.03)
    head = im.union(head, chin, k=0.022)
    # The sides of the lower face pared to a V, from under the cheekbones to the chin (the skull's own
    # sides gave a long square face).
    for s in (1.0, -1.0):
        top, tip = np.array([0.060 * s, 1.652]), np.array([0.014 * s, 1.566])
        along = (tip - top) / np.linalg.norm(tip - top)
        outward = np.array([-along[1], along[0]]) * (1.0 if s * -along[1] > 0 else -1.0)
        normal = [outward[0], outward[1], 0.0]
        head = im.intersect(head, im.half_space(normal, float(outward @ top)), k=0.012)
    head = im.union(head, brow, *cheeks, k=0.016)
    head = im.union(head, upper_lip, lower_lip, k=0.005)
    head = im.union(head, nose, k=0.007)
    head = im.union(head, *ears, k=0.005)
    head = im.union(head, neck, k=0.018)  # a clear angle under the jaw: a blend wider than this filled it
    if with_sockets:
        for s in (1.0, -1.0):
            socket = im.ellipsoid(
                _eye_centre(s) + [0.0, 0.0, 0.003], np.array([0.0152, 0.0118, 0.0150]) * _EYE_RADIUS / 0.0118
            )
            head = im.subtract(head, socket, k=0.004)
    if with_mouth:
        head = im.subtract(head, _mouth_slit(), k=0.0012)
    return head


def _mouth_slit() -> im.Shape:
    return im.ellipsoid([0.0, _MOUTH_Y, _MOUTH_Z + 0.004], [0.0172, 0.0012, 0.016])


def _mouth_wall_triangles(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Triangles on the inside of the gap between the lips: drawn dark, like the inside of a mouth."""
    uncut = _skull_and_face(with_mouth=False)
    centroids = vertices[faces].mean(axis=1)
    return (uncut(centroids) < -0.0006) & (np.abs(centroids[:, 1] - _MOUTH_Y) < 0.006)


def _lip_triangles(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Which triangles of the head's skin are lips (drawn with the lip material)."""
    upper, lower = _lip_shapes()
    centroids = vertices[faces].mean(axis=1)
    d = np.minimum(upper(centroids), lower(centroids))
    return (d < 0.0012) & (centroids[:, 2] > _MOUTH_Z - 0.014)


# Around the head, from the front (0 degrees) to the back (180): where the hair starts (y) and how thick it is.
_HAIRLINE = np.array(
    [
        (0.0, 1.752, 0.013),
        (22.0, 1.748, 0.012),
        (42.0, 1.733, 0.010),
        (58.0, 1.712, 0.008),
        (70.0, 1.668, 0.006),
        (80.0, 1.676, 0.006),
        (95.0, 1.703, 0.006),
        (112.0, 1.672, 0.007),
        (140.0, 1.630, 0.006),
        (180.0, 1.612, 0.007),
    ]
)


_SKULL_CENTRE = np.array([0.0, 1.680, -0.010])


def hair_shape() -> im.Shape:
    """Short hair: thin over the sides, fuller on top, swept up at the front."""
    skull_centre = _SKULL_CENTRE
    skull = im.ellipsoid(skull_centre, [0.071, 0.098, 0.095])
    quiff = im.ellipsoid([0.006, 1.748, 0.030], [0.064, 0.040, 0.072])

    def field(p: np.ndarray) -> np.ndarray:
        rel = p - skull_centre
        around = np.degrees(np.abs(np.arctan2(rel[:, 0], rel[:, 2])))
        start = np.interp(around, _HAIRLINE[:, 0], _HAIRLINE[:, 1])
        thickness = np.interp(around, _HAIRLINE[:, 0], _HAIRLINE[:, 2])
        thickness = thickness + 0.009 * _smoothstep(1.70, 1.77, p[:, 1])
        cap = skull(p) - thickness
        cap = im.smooth_min(cap, quiff(p), 0.025)
        below = start - p[:, 1]
        return -im.smooth_min(-cap, -below, 0.004)

    return field


def brow_shape() -> im.Shape:
    brows = []
    for s in (1.0, -1.0):
        inner = np.array([0.012 * s, 1.6885, 0.0850])
        middle = np.array([0.030 * s, 1.6935, 0.0825])
        outer = np.array([0.048 * s, 1.6895, 0.0700])
        brows.append(
            im.union(
                im.round_cone(inner, middle, 0.0022, 0.0020),
                im.round_cone(middle, outer, 0.0020, 0.0010),
                k=0.002,
            )
        )
    return im.union(*brows)


# --------------------------------------------------------------------------------------------------
# Skin weights
# --------------------------------------------------------------------------------------------------


def _bone_regions() -> dict[str, im.Shape]:
    """For each joint, the volume it moves; a vertex's weights fall off with the distance to each."""
    torso = _jacket_loft(grow=-0.01)
    regions: dict[str, im.Shape] = {
        "hips": im.intersect(torso, im.slab(1, 0.70, 1.00)),
        "spine": im.intersect(torso, im.slab(1, 1.00, 1.14)),
        "chest": im.intersect(torso, im.slab(1, 1.14, 1.28)),
        "upperChest": im.intersect(torso, im.slab(1, 1.28, 1.465)),
        "neck": im.round_cone([0.0, 1.46, -0.014], [0.0, 1.575, -0.016], 0.060, 0.055),
        "head": im.ellipsoid([0.0, 1.672, 0.0], [0.075, 0.095, 0.10]),
    }
    for sign, side in ((1.0, "left"), (-1.0, "right")):
        j = {
            name: _joint(f"left{name}", sign)
            for name in ("Shoulder", "UpperArm", "LowerArm", "Hand", "UpperLeg", "LowerLeg", "Foot", "Toes")
        }
        wrist, along, _, _ = _hand_frame(sign)
        regions[f"{side}Shoulder"] = im.round_cone(
            j["Shoulder"] + [0.03 * sign, 0.0, 0.0], j["UpperArm"] + [-0.015 * sign, 0.0, 0.0], 0.045, 0.05
        )
        regions[f"{side}UpperArm"] = im.round_cone(j["UpperArm"], j["LowerArm"], 0.052, 0.046)
        regions[f"{side}LowerArm"] = im.round_cone(j["LowerArm"], j["Hand"], 0.045, 0.036)
        regions[f"{side}Hand"] = im.round_cone(wrist + along * 0.005, wrist + along * 0.07, 0.03, 0.03)
        for names, points, radius in finger_chains(sign):
            for name, a, b in zip(names, points[:-1], points[1:], strict=True):
                regions[name] = im.round_cone(a, b, radius * 0.9, radius * 0.8)
        regions[f"{side}UpperLeg"] = im.round_cone(j["UpperLeg"], j["LowerLeg"], 0.085, 0.060)
        regions[f"{side}LowerLeg"] = im.round_cone(j["LowerLeg"], j["Foot"], 0.060, 0.050)
        regions[f"{side}Foot"] = im.round_cone(
            j["Foot"] + [0.0, -0.03, -0.06], j["Toes"] + [0.0, 0.015, -0.035], 0.05, 0.045
        )
        regions[f"{side}Toes"] = im.round_cone(
            j["Toes"] + [0.0, 0.0, 0.02], j["Toes"] + [0.0, 0.0, 0.08], 0.035, 0.03
        )
    return regions


_WEIGHT_FALLOFF_M = 0.014


def dense_weights(points: np.ndarray, bones: list[str], falloff_m: float = _WEIGHT_FALLOFF_M) -> np.ndarray:
    """(V, len(JOINT_NAMES)) weights summing to one; only the listed bones get any.

    A bone's weight is exp(-distance to its region / falloff), relative to the nearest region: a point on
    one limb belongs to that limb, and a point near a joint blends the two bones over a few centimetres.
    """
    regions = _bone_regions()
    distance = np.stack([regions[b](points) for b in bones], axis=1)
    logits = -(distance - distance.min(axis=1, keepdims=True)) / falloff_m
    w = np.exp(logits)
    dense = np.zeros((len(points), len(JOINT_NAMES)))
    dense[:, [JOINT_NAMES.index(b) for b in bones]] = w / w.sum(axis=1, keepdims=True)
    return dense


def skin_weights(
    points: np.ndarray, bones: list[str], falloff_m: float = _WEIGHT_FALLOFF_M
) -> tuple[np.ndarray, np.ndarray]:
    """Up to four (joint index, weight) pairs per point, weights summing to one (see dense_weights)."""
    return top_four(dense_weights(points, bones, falloff_m))


def top_four(dense: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The four strongest influences of dense (V, J) weights, dropping those under 2% of the strongest."""
    w = dense
    order = np.argsort(-w, axis=1, kind="stable")[:, :4]
    top = np.take_along_axis(w, order, axis=1)
    top = np.where(top >= 0.02 * top[:, :1], top, 0.0)
    top /= top.sum(axis=1, keepdims=True)
    joint_index = np.where(top > 0, order, 0)
    pad = 4 - top.shape[1]
    if pad > 0:
        top = np.pad(top, ((0, 0), (0, pad)))
        joint_index = np.pad(joint_index, ((0, 0), (0, pad)))
    return joint_index.astype(np.int64), top


def jacket_body_weights(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The jacket's body follows the torso; its shoulders follow the collarbones and, a little, the arms."""
    dense = dense_weights(
        points, _TORSO_BONES + ["leftShoulder", "rightShoulder", "leftUpperArm", "rightUpperArm"]
    )
    for side in ("left", "right"):
        dense[:, JOINT_NAMES.index(f"{side}UpperArm")] *= 0.35
    return top_four(dense / dense.sum(axis=1, keepdims=True))


_FINGER_FALLOFF_M = 0.004  # fingers lie side by side: a finger's weights must not reach its neighbour


def hand_weights(sign: float):
    """The hand's skin: wrist blended into the forearm over centimetres, each finger bone sharply its own."""
    side = "left" if sign > 0 else "right"
    hand = f"{side}Hand"
    fingers = [name for names, _, _ in finger_chains(sign) for name in names]
    columns = [JOINT_NAMES.index(name) for name in [hand, *fingers]]

    def weights(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dense = dense_weights(points, _arm_bones(side) + fingers)
        share = dense[:, columns].sum(axis=1, keepdims=True)
        sharp = dense_weights(points, [hand, *fingers], falloff_m=_FINGER_FALLOFF_M)
        dense[:, columns] = sharp[:, columns] * share
        return top_four(dense)

    return weights


def _fixed_weights(count: int, bone: str) -> tuple[np.ndarray, np.ndarray]:
    joints = np.zeros((count, 4), dtype=np.int64)
    joints[:, 0] = JOINT_NAMES.index(bone)
    weights = np.zeros((count, 4))
    weights[:, 0] = 1.0
    return joints, weights


_TORSO_BONES = ["hips", "spine", "chest", "upperChest", "neck"]


def _arm_bones(side: str) -> list[str]:
    return [f"{side}Shoulder", f"{side}UpperArm", f"{side}LowerArm", f"{side}Hand"]


def _leg_bones(side: str) -> list[str]:
    return [f"{side}UpperLeg", f"{side}LowerLeg", f"{side}Foot", f"{side}Toes"]


# --------------------------------------------------------------------------------------------------
# Face morph targets
# --------------------------------------------------------------------------------------------------

_JAW_HINGE = np.array([0.0, 1.645, -0.010])


def _smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _jaw_mask(p: np.ndarray) -> np.ndarray:
    """1 for the lower lip and chin, 0 above the mouth line and on the neck and back of the head."""
    lateral = np.abs(p[:, 0])
    # Right at the lips the split is sharp; out at the cheeks it spreads so the skin stretches.
    blend = 0.0015 + 0.03 * _smoothstep(0.018, 0.05, lateral)
    below_mouth = _smoothstep(_MOUTH_Y + 0.5 * blend, _MOUTH_Y - 0.5 * blend, p[:, 1])
    front = _smoothstep(0.0, 0.04, p[:, 2]) * (1.0 - _smoothstep(0.045, 0.065, lateral))
    chin_not_neck = _smoothstep(1.54, 1.57, p[:, 1] + 0.25 * np.clip(p[:, 2], 0.0, None))
    return below_mouth * front * chin_not_neck


def _jaw_open(p: np.ndarray, degrees: float) -> np.ndarray:
    angle = np.radians(degrees)
    c, s = np.cos(angle), np.sin(angle)
    q = p - _JAW_HINGE
    rotated = np.stack([q[:, 0], c * q[:, 1] - s * q[:, 2], s * q[:, 1] + c * q[:, 2]], axis=1)
    # Positive angle rotates the chin down and back about the hinge (x axis).
    return (rotated - q) * _jaw_mask(p)[:, None]


def _gauss(p: np.ndarray, centre, radius: float) -> np.ndarray:
    """A bell of about `radius` that reaches exactly zero at twice the radius (so few vertices move)."""
    r2 = np.sum((p - np.asarray(centre)) ** 2, axis=1) / (4.0 * radius * radius)
    return np.clip(1.0 - r2, 0.0, None) ** 3


def _mouth_corners(p: np.ndarray, outward: float, up: float, back: float = 0.0) -> np.ndarray:
    delta = np.zeros_like(p)
    for s in (1.0, -1.0):
        g = _gauss(p, [0.018 * s, _MOUTH_Y, _MOUTH_Z - 0.008], 0.011)[:, None]
        delta += g * np.array([outward * s, up, -back])
    return delta


def _lips_pucker(p: np.ndarray, amount: float) -> np.ndarray:
    g = _gauss(p, [0.0, _MOUTH_Y, _MOUTH_Z], 0.018)[:, None]
    return g * np.stack([-p[:, 0] * 0.35 * amount / 0.004, np.zeros(len(p)), np.full(len(p), amount)], axis=1)


def _brows(p: np.ndarray, up: float, inner_up: float = 0.0, inner_in: float = 0.0) -> np.ndarray:
    delta = np.zeros_like(p)
    for s in (1.0, -1.0):
        whole = _gauss(p, [0.032 * s, 1.692, 0.077], 0.015)[:, None]
        inner = _gauss(p, [0.014 * s, 1.691, 0.082], 0.012)[:, None]
        delta += whole * np.array([0.0, up, 0.0]) + inner * np.array([-inner_in * s, inner_up, 0.0])
    return delta


def _cheeks(p: np.ndarray, up: float) -> np.ndarray:
    delta = np.zeros_like(p)
    for s in (1.0, -1.0):
        delta += _gauss(p, [0.034 * s, 1.628, 0.066], 0.015)[:, None] * np.array([0.0, up, up * 0.5])
    return delta


FACE_MORPHS = ("aa", "ih", "ou", "ee", "oh", "happy", "sad", "angry", "surprised", "relaxed")


_MORPH_EPSILON_M = 2e-5


def face_morphs(p: np.ndarray) -> dict[str, np.ndarray]:
    """Vertex displacements for each face target; displacements under 20 micrometres are exactly zero."""
    morphs = _raw_face_morphs(p)
    return {
        k: np.where(np.linalg.norm(v, axis=1, keepdims=True) < _MORPH_EPSILON_M, 0.0, v)
        for k, v in morphs.items()
    }


def _raw_face_morphs(p: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "aa": _jaw_open(p, 13.0) + _mouth_corners(p, -0.001, 0.0),
        "ih": _jaw_open(p, 4.0) + _mouth_corners(p, 0.003, 0.001),
        "ou": _jaw_open(p, 5.0) + _lips_pucker(p, 0.004),
        "ee": _jaw_open(p, 5.0) + _mouth_corners(p, 0.004, 0.0005),
        "oh": _jaw_open(p, 9.0) + _lips_pucker(p, 0.003),
        "happy": _mouth_corners(p, 0.004, 0.0045, 0.002) + _cheeks(p, 0.0025) + _jaw_open(p, 1.5),
        "sad": _mouth_corners(p, 0.0, -0.003) + _brows(p, 0.0, 0.003, 0.001),
        "angry": _brows(p, -0.0015, -0.003, 0.002) + _mouth_corners(p, -0.001, -0.0015),
        "surprised": _brows(p, 0.005, 0.001) + _jaw_open(p, 8.0) + _lips_pucker(p, 0.001),
        "relaxed": _mouth_corners(p, 0.002, 0.002, 0.001) + _cheeks(p, 0.001),
    }


# --------------------------------------------------------------------------------------------------
# Eyes and eyelids (analytic meshes: smoother and lighter than sampled ones)
# --------------------------------------------------------------------------------------------------


def _uv_sphere(centre, radii, rows: int = 16, cols: int = 24) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An ellipsoid mesh with poles along z (the eye's axis), vertices, normals, faces."""
    theta = np.linspace(0.0, np.pi, rows + 1)  # from +z (front pole)
    phi = np.linspace(0.0, 2.0 * np.pi, cols, endpoint=False)
    t, f = np.meshgrid(theta, phi, indexing="ij")
    unit = np.stack([np.sin(t) * np.cos(f), np.sin(t) * np.sin(f), np.cos(t)], axis=-1).reshape(-1, 3)
    radii = np.asarray(radii, dtype=np.float64)
    vertices = np.asarray(centre) + unit * radii
    normals = unit / radii
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    faces = []
    for r in range(rows):
        for c in range(cols):
            a = r * cols + c
            b = r * cols + (c + 1) % cols
            cc = (r + 1) * cols + c
            d = (r + 1) * cols + (c + 1) % cols
            faces += [[a, cc, b], [b, cc, d]]
    faces = np.array(faces, dtype=np.int64)
    # Drop the degenerate triangles at the poles (all vertices of a pole row coincide).
    v = vertices[faces]
    area = np.linalg.norm(np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0]), axis=1)
    return vertices, normals, faces[area > 1e-14]


_CANTHUS_DEG = 70.0  # azimuth of the eye's corners, where the lids meet


def _lid_edge_deg(azimuth_deg: np.ndarray, upper: bool, closed: bool = False) -> np.ndarray:
    """Elevation of a lid's edge above the eye's horizon: an almond whose corners close at the canthi."""
    u = np.clip(azimuth_deg / _CANTHUS_DEG, -1.0, 1.0)
    if upper:
        # Closed, the upper lid reaches 2 degrees past the blinking lower lid's edge.
        return (-29.0 + 22.0 * u * u) if closed else (33.0 - 36.0 * u * u)
    return -30.0 + 25.0 * u * u


def _upper_lid_edges(azimuth_deg: np.ndarray, sign: float) -> dict[str, np.ndarray]:
    """The upper lid's edge for each lid morph; an edge that rises fades out at the corners, which stay shut."""
    edge = _lid_edge_deg(azimuth_deg, True)
    u = np.clip(azimuth_deg / _CANTHUS_DEG, -1.0, 1.0)
    tilt = 6.0 * sign * np.clip(azimuth_deg / 55.0, -1.0, 1.0)
    shifts = {"happy": -22.0, "relaxed": -16.0, "surprised": 8.0, "angry": -12.0 - tilt, "sad": -11.0 + tilt}
    edges = {
        k: edge + np.where(np.asarray(d) > 0.0, np.asarray(d) * (1.0 - u * u), d) for k, d in shifts.items()
    }
    edges["blink"] = _lid_edge_deg(azimuth_deg, True, closed=True)
    return edges


def _lower_lid_edges(azimuth_deg: np.ndarray) -> dict[str, np.ndarray]:
    edge = _lid_edge_deg(azimuth_deg, False)
    u = np.clip(azimuth_deg / _CANTHUS_DEG, -1.0, 1.0)
    shifts = {"blink": 3.0, "happy": 14.0, "relaxed": 5.0, "surprised": -2.0, "angry": 5.0, "sad": 0.0}
    return {k: edge + d * (1.0 - u * u) for k, d in shifts.items()}


_LID_ROWS, _LID_COLS = 4, 18


def _lid_patch(sign: float, upper: bool, radius: float, rows: int = _LID_ROWS, cols: int = _LID_COLS):
    """A lid as a spherical patch around the eye, from its edge to well inside the socket.

    Returns vertices, faces, the (row fraction, azimuth) parameters of each vertex.
    """
    centre = _eye_centre(sign)
    # Well past the corners, round the eyeball's sides into the skin: no white shows beside the lids.
    az = np.linspace(-115.0, 115.0, cols)
    v = np.linspace(0.0, 1.0, rows)
    vv, aa = np.meshgrid(v, az, indexing="ij")
    far = 95.0 if upper else -80.0
    edge = _lid_edge_deg(aa, upper)
    elevation = edge + (far - edge) * vv
    vertices = centre + radius * _direction(aa, elevation)
    faces = []
    for r in range(rows - 1):
        for c in range(cols - 1):
            a, b = r * cols + c, r * cols + c + 1
            d, e = (r + 1) * cols + c, (r + 1) * cols + c + 1
            faces += [[a, b, d], [b, e, d]] if upper else [[a, d, b], [b, d, e]]
    return vertices.reshape(-1, 3), np.array(faces, dtype=np.int64), vv.reshape(-1), aa.reshape(-1)


def _direction(azimuth_deg: np.ndarray, elevation_deg: np.ndarray) -> np.ndarray:
    a = np.radians(azimuth_deg)
    e = np.radians(elevation_deg)
    return np.stack([np.sin(a) * np.cos(e), np.sin(e), np.cos(a) * np.cos(e)], axis=-1)


def _eyelid_part(
    sign: float, upper: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """A closed thin lid: outer and inner spherical patches joined along the edge."""
    # The lower lid a little smaller: where the lids overlap at the corners, the upper one covers it.
    outer_r, inner_r = (
        (_LID_OUTER_R, _LID_INNER_R) if upper else (_LID_OUTER_R - 0.0003, _LID_INNER_R - 0.0002)
    )
    vo, fo, vv, aa = _lid_patch(sign, upper, outer_r)
    vi, fi, _, _ = _lid_patch(sign, upper, inner_r)
    n = len(vo)
    cols = _LID_COLS
    rim = []
    for c in range(cols - 1):
        a, b = c, c + 1
        rim += [[a, a + n, b], [b, a + n, b + n]] if upper else [[a, b, a + n], [b, b + n, a + n]]
    vertices = np.concatenate([vo, vi])
    faces = np.concatenate([fo, fi[:, ::-1] + n, np.array(rim, dtype=np.int64)])
    radius = np.concatenate([np.full(n, outer_r), np.full(n, inner_r)])
    v2 = np.concatenate([vv, vv])
    a2 = np.concatenate([aa, aa])
    centre = _eye_centre(sign)

    def moved(new_edge: np.ndarray) -> np.ndarray:
        far = 95.0 if upper else -80.0
        elevation = new_edge + (far - new_edge) * v2
        return centre + radius[:, None] * _direction(a2, elevation) - vertices

    edges = _upper_lid_edges(a2, sign) if upper else _lower_lid_edges(a2)
    morphs = {
        k: (moved(e) if np.any(e != _lid_edge_deg(a2, upper)) else np.zeros_like(vertices))
        for k, e in edges.items()
    }
    import trimesh

    normals = np.array(trimesh.Trimesh(vertices, faces, process=False).vertex_normals)
    # The outside of a lid is shaded as the skin round it, facing the way the face does there: with the
    # ball's own normals, the band of lid between its edge and the skin was lit as a pale ring.
    face_normal = _unit(np.array([0.3 * sign, 0.1, 1.0]))
    normals[:n] = _unit_rows(0.25 * normals[:n] + 0.75 * face_normal)
    return vertices, normals, faces, morphs


EYELID_MORPHS = ("blinkLeft", "blinkRight", "happy", "relaxed", "surprised", "angry", "sad")


# --------------------------------------------------------------------------------------------------
# Assembly
# --------------------------------------------------------------------------------------------------


def _axes(lo, hi, fine_lo, fine_hi, fine_m, coarse_m):
    """Grid lines for a box: `fine_m` apart inside the fine box, `coarse_m` apart well outside it.

    Either spacing may be one number or one per axis (x, y, z): a limb that hangs along y needs
    fewer rows along its length than around it.
    """
    fine = np.broadcast_to(np.asarray(fine_m, dtype=np.float64), (3,)) * _DETAIL.grid_scale
    coarse = np.broadcast_to(np.asarray(coarse_m, dtype=np.float64), (3,)) * _DETAIL.grid_scale
    return tuple(im.graded_axis(lo[i], hi[i], fine_lo[i], fine_hi[i], fine[i], coarse[i]) for i in range(3))


def _box_axes(lo, hi, spacing_m):
    """Grid lines for a box with its own spacing along each axis (x, y, z)."""
    return _axes(lo, hi, lo, hi, spacing_m, spacing_m)


# How far each part's simplified surface may stray from its grid mesh (quadric error, metres) and how long
# its edges may grow (a limb needs rows near its joints to bend). The triangles go where a guest looks:
# the face, the hands, the shirt front and bow tie keep fine detail; the suit and shoes give most up.
_SIMPLIFY: dict[str, tuple[float, float]] = {
    "jacket": (0.008, 0.06),
    "sleeve": (0.006, 0.045),
    "trousers": (0.008, 0.06),
    "shirt": (0.002, 0.04),
    "cuff": (0.002, 0.03),
    "hand": (0.0019, 0.02),
    "shoe": (0.004, 0.04),
    "bowtie": (0.001, 0.02),
    "hair": (0.003, 0.04),
    "brows": (0.0005, 0.01),
    "pocket_square": (0.0006, 0.01),
    "flower": (0.0008, 0.01),
    "mouth": (0.0008, 0.01),
    "teeth": (0.0006, 0.01),
}


def _simplified(
    name: str, shape: im.Shape, m: im.ImplicitMesh, importance=None, bones=None
) -> im.ImplicitMesh:
    key = name.removeprefix("left_").removeprefix("right_")
    if key not in _SIMPLIFY:
        return m
    max_error_m, max_edge_m = _SIMPLIFY[key]
    blend = None
    if bones is not None:
        joints, weights = bones(m.vertices) if callable(bones) else skin_weights(m.vertices, bones)
        blend = _limb_blend(joints, weights)
    k = _DETAIL.simplify_scale
    return im.simplify(shape, m, max_error_m * k, max_edge_m * k, importance, blend, _MAX_WEIGHT_STEP)


def _limb_blend(joints: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(V, J) weights with the spine and head as one: they turn a few degrees, the limbs turn far."""
    dense = np.zeros((len(joints), len(JOINT_NAMES)))
    rows = np.arange(len(joints))
    for k in range(joints.shape[1]):
        np.add.at(dense, (rows, joints[:, k]), weights[:, k])
    core = [JOINT_NAMES.index(name) for name in _TORSO_BONES + ["head"]]
    dense[:, core[0]] = dense[:, core].sum(axis=1)
    dense[:, core[1:]] = 0.0
    return dense


# The most an edge's two ends may differ in skin weights (L1): a bent joint stretches an edge by about
# this fraction of how far its bones move apart, so cloth keeps short edges where it bends.
_MAX_WEIGHT_STEP = 0.2


def _implicit_part(
    name: str, material: str, shape: im.Shape, lo, hi, cell_m: float, bones, mesh: str = "", axes=None
) -> Part:
    """Mesh a shape; `bones` is the list of bones it may follow, or a function giving the weights."""
    cell_m = cell_m * _DETAIL.grid_scale
    m = _simplified(name, shape, im.mesh_implicit(shape, lo, hi, cell_m, axes=axes), bones=bones)
    joints, weights = bones(m.vertices) if callable(bones) else skin_weights(m.vertices, bones)
    return Part(name, material, m.vertices, m.normals, m.faces, joints, weights, mesh=mesh)


def _merge(
    name: str, material: str, pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    vertices, normals, faces, base = [], [], [], 0
    for v, n, f in pieces:
        vertices.append(v)
        normals.append(n)
        faces.append(f + base)
        base += len(v)
    return np.concatenate(vertices), np.concatenate(normals), np.concatenate(faces)


def _body_parts() -> list[Part]:
    all_legs = _leg_bones("left") + _leg_bones("right")
    parts = [
        _implicit_part(
            "jacket",
            "suit",
            jacket_body_shape(),
            None,
            None,
            0.0,
            jacket_body_weights,
            axes=_axes(
                [-0.26, 0.76, -0.16],
                [0.26, 1.56, 0.17],
                [-0.26, 0.76, -0.03],
                [0.26, 1.56, 0.17],
                0.009,
                0.015,
            ),
        ),
        _implicit_part(
            "trousers",
            "trousers",
            trousers_shape(),
            None,
            None,
            0.0,
            ["hips", "spine"] + all_legs,
            axes=_box_axes([-0.22, 0.02, -0.16], [0.22, 1.10, 0.15], (0.014, 0.016, 0.014)),
        ),
        _implicit_part(
            "shirt",
            "shirt",
            shirt_shape(),
            None,
            None,
            0.0,
            _TORSO_BONES + ["head"],
            # finer rows round the collar: its top edge is a crease
            axes=_axes(
                [-0.12, 1.02, -0.10],
                [0.12, 1.57, 0.19],
                [-0.08, 1.52, -0.10],
                [0.08, 1.57, 0.07],
                0.004,
                0.009,
            ),
        ),
        _implicit_part(
            "bowtie",
            "bowtie",
            bowtie_shape(),
            [-0.08, 1.45, 0.02],
            [0.08, 1.53, 0.09],
            0.0045,
            ["neck", "upperChest"],
        ),
        _implicit_part(
            "button",
            "bowtie",
            button_shape(),
            [-0.02, 1.04, 0.08],
            [0.02, 1.09, 0.15],
            0.0035,
            ["spine", "chest"],
        ),
        _implicit_part(
            "pocket_square",
            "shirt",
            pocket_square_shape(),
            [0.07, 1.27, 0.07],
            [0.14, 1.33, 0.16],
            0.003,
            ["chest", "upperChest"],
        ),
    ]
    petals, leaf = flower_shape()
    parts.append(
        _implicit_part(
            "flower",
            "flower",
            petals,
            [0.07, 1.36, 0.08],
            [0.13, 1.41, 0.16],
            0.0035,
            ["chest", "upperChest"],
        )
    )
    parts.append(
        _implicit_part(
            "leaf", "leaf", leaf, [0.09, 1.35, 0.08], [0.13, 1.39, 0.15], 0.003, ["chest", "upperChest"]
        )
    )
    for sign, side in ((1.0, "left"), (-1.0, "right")):
        x = sorted([0.10 * sign, 0.36 * sign])
        sleeve = _implicit_part(
            f"{side}_sleeve",
            "suit",
            _sleeve(sign),
            None,
            None,
            0.0,
            _arm_bones(side),
            axes=_box_axes([x[0], 0.84, -0.10], [x[1], 1.52, 0.13], (0.01, 0.012, 0.01)),
        )
        sleeve.mesh = "jacket"
        parts.append(sleeve)
        x = sorted([0.12 * sign, 0.42 * sign])
        parts.append(
            _implicit_part(
                f"{side}_cuff",
                "shirt",
                cuff_shape(sign),
                [x[0], 0.84, -0.06],
                [x[1], 1.0, 0.12],
                0.008,
                _arm_bones(side),
            )
        )
        parts.append(
            _implicit_part(
                f"{side}_hand",
                "skin",
                hand_shape(sign),
                None,
                None,
                0.0,
                hand_weights(sign),
                # fine rows over the fingers (which lie side by side: coarser rows melted them into lumps)
                axes=_axes(
                    [x[0], 0.66, -0.06],
                    [x[1], 0.98, 0.16],
                    [x[0], 0.72, -0.06],
                    [x[1], 0.83, 0.16],
                    0.0035,
                    0.005,
                ),
            )
        )
        x = sorted([0.03 * sign, 0.17 * sign])
        parts.append(
            _implicit_part(
                f"{side}_shoe",
                "shoes",
                shoe_shape(sign),
                [x[0], -0.01, -0.11],
                [x[1], 0.18, 0.25],
                0.011,
                _leg_bones(side),
            )
        )
    del all_legs
    jacket = jacket_shape()
    trousers = trousers_shape()
    cuffs = im.union(cuff_shape(1.0), cuff_shape(-1.0))
    occluders = {
        "trousers": (jacket, 0.006),
        "shirt": (jacket, 0.004),
        "left_hand": (im.union(jacket, cuffs), 0.008),
        "right_hand": (im.union(jacket, cuffs), 0.008),
        "left_shoe": (trousers, 0.004),
        "right_shoe": (trousers, 0.004),
    }
    parts = [_cull_hidden(p, *occluders[p.name]) if p.name in occluders else p for p in parts]
    out = []
    for p in parts:
        if p.material in ("suit", "trousers"):
            out.append(_suit_uv(p))
        elif p.material == "shirt":
            p.uv = tx.shirt_uv(p.vertices)
            out.append(p)
        elif p.material == "shoes":
            out += _shoe_with_sole(p)
        else:
            out.append(p)
    return out


def _face_importance(p: np.ndarray) -> np.ndarray:
    """How much more detail the head's skin keeps: most at the eyes and mouth, least at the back and neck."""
    front = _smoothstep(0.0, 0.05, p[:, 2])
    features = np.maximum(_gauss(p, [0.0, _MOUTH_Y, _MOUTH_Z], 0.022), 0.0)
    for s in (1.0, -1.0):
        features = np.maximum(features, _gauss(p, _eye_centre(s) + [0.0, 0.0, 0.01], 0.02))
    return 1.0 + 6.0 * front + 15.0 * features


def _head_parts() -> list[Part]:
    head_bones = ["head", "neck", "upperChest"]
    # Fine grid lines over the face, coarse ones over the back of the head and the neck.
    axes = _axes(
        [-0.10, 1.36, -0.12], [0.10, 1.80, 0.13], [-0.055, 1.56, 0.035], [0.055, 1.72, 0.13], 0.0029, 0.0062
    )
    # Finer rows across the mouth, so the thin gap between the lips comes out clean.
    bands = [(1.56, 1.72, 0.0029), (_MOUTH_Y - 0.008, _MOUTH_Y + 0.008, 0.0012)]
    k = _DETAIL.grid_scale
    bands = [(lo, hi, step * k) for lo, hi, step in bands]
    axes = (axes[0], im.banded_axis(1.36, 1.80, bands, 0.0062 * k), axes[2])
    skin = im.mesh_implicit(_skull_and_face(), None, None, 0.0, axes=axes)
    k = _DETAIL.simplify_scale
    skin = im.simplify(_skull_and_face(), skin, 0.0036 * k, 0.03 * k, _face_importance)
    joints, weights = skin_weights(skin.vertices, head_bones)
    morphs = face_morphs(skin.vertices)
    parts = [q for p in _split_face(skin, joints, weights, morphs) for q in _without_outline_by_the_eyes(p)]
    clothes = im.union(jacket_shape(), shirt_shape())
    parts = [
        _cull_hidden(p, im.union(clothes, hair_shape()), 0.003) if p.name == "head_skin" else p for p in parts
    ]
    cap = _implicit_part(
        "hair",
        "hair",
        hair_shape(),
        None,
        None,
        0.0,
        head_bones,
        axes=_axes(
            [-0.11, 1.58, -0.14], [0.11, 1.83, 0.13], [-0.11, 1.58, -0.14], [0.11, 1.83, 0.13], 0.007, 0.007
        ),
    )
    brows = _implicit_part(
        "brows", "brow", brow_shape(), [-0.06, 1.678, 0.055], [0.06, 1.703, 0.095], 0.0022, ["head"]
    )
    cap = _cull_hidden(cap, _skull_and_face(), 0.002)
    cap.uv = _hair_cap_uv(cap.vertices)
    locks = _hair_locks()
    brows.morphs = {k: v for k, v in face_morphs(brows.vertices).items() if np.any(v != 0.0)}
    brows.mesh = "eyelids"  # flat, no outline (it drew a second line a little off each brow)
    parts += [cap, locks, brows]
    parts += _mouth_parts()
    parts += _eye_parts()
    return parts


def _hair_locks() -> Part:
    """Every lock of hair in one part: each hangs from the head on its own spring joint."""
    head = JOINT_NAMES.index("head")
    pieces, joints, weights, uvs = [], [], [], []
    for lock in hair.LOCKS:
        mesh = hair.lock_mesh(lock)
        pieces.append((mesh.vertices, mesh.normals, mesh.faces))
        uvs.append(mesh.uv)
        on_head = _smoothstep(0.15, 0.0, mesh.along)  # the root sits fast in the hair cap
        j = np.zeros((len(on_head), 4), dtype=np.int64)
        j[:, 0], j[:, 1] = JOINT_NAMES.index(f"{lock.name}_0"), head
        w = np.zeros((len(on_head), 4))
        w[:, 0], w[:, 1] = 1.0 - on_head, on_head
        order = np.argsort(-w, axis=1, kind="stable")
        joints.append(np.take_along_axis(j, order, axis=1))
        weights.append(np.take_along_axis(w, order, axis=1))
    v, n, f = _merge("hair_locks", "hair", pieces)
    return Part(
        "hair_locks",
        "hair",
        v,
        n,
        f,
        np.concatenate(joints),
        np.concatenate(weights),
        mesh="hair",
        uv=np.concatenate(uvs),
    )


def _split_face(skin: im.ImplicitMesh, joints, weights, morphs: dict[str, np.ndarray]) -> list[Part]:
    """The skin of the head in three meshes: the mouth area, the brow area and the still rest.

    A mesh carries a morph target only if the target moves one of its vertices, which keeps the file
    small. A vertex on the border of two meshes has the same full displacement in both for every
    target, so no seam can open.
    """
    moves = {k: np.any(v != 0.0, axis=1) for k, v in morphs.items()}
    by_mouth = np.zeros(len(skin.vertices), dtype=bool)
    for name in _VISEMES:
        by_mouth |= moves[name]
    by_any = np.zeros(len(skin.vertices), dtype=bool)
    for moved in moves.values():
        by_any |= moved
    mouth_tri = by_mouth[skin.faces].any(axis=1)
    brow_tri = by_any[skin.faces].any(axis=1) & ~mouth_tri
    parts = []
    for name, tri_mask in (("face", mouth_tri), ("brow", brow_tri), ("head_skin", ~(mouth_tri | brow_tri))):
        tris = skin.faces[tri_mask]
        used = np.unique(tris)
        remap = -np.ones(len(skin.vertices), dtype=np.int64)
        remap[used] = np.arange(len(used))
        part = Part(
            name, "skin", skin.vertices[used], skin.normals[used], remap[tris], joints[used], weights[used]
        )
        part.morphs = {k: v[used] for k, v in morphs.items() if moves[k][used].any()}
        if name == "face":
            skin_part, lips = _split_part(part, _lip_triangles(part.vertices, part.faces), "lips", "lips")
            lips, walls = _split_part(
                lips, _mouth_wall_triangles(lips.vertices, lips.faces), "mouth_walls", "mouth"
            )
            skin_part, more_walls = _split_part(
                skin_part,
                _mouth_wall_triangles(skin_part.vertices, skin_part.faces),
                "mouth_walls_skin",
                "mouth",
            )
            parts += [p for p in (skin_part, lips, walls, more_walls) if len(p.faces)]
        else:
            parts.append(part)
    return parts


_SOCKET_RADIUS_M = 1.6 * _EYE_RADIUS  # the skin this close to an eye's centre: the socket the lids close over


def _without_outline_by_the_eyes(part: Part) -> list[Part]:
    """The skin of the sockets drawn as lids (no outline; the lids' mesh, which has the emotions' morph
    targets too): the socket's outline showed as a thin dark ring round a closed eye."""
    near = np.zeros(len(part.vertices), dtype=bool)
    for sign in (1.0, -1.0):
        near |= np.linalg.norm(part.vertices - _eye_centre(sign), axis=1) < _SOCKET_RADIUS_M
    socket = near[part.faces].all(axis=1)
    if not socket.any():
        return [part]
    rest, sockets = _split_part(part, socket, f"{part.name}_sockets", "lids")
    sockets.mesh = "eyelids"
    return [p for p in (rest, sockets) if len(p.faces)]


def _cull_hidden(part: Part, occluder: im.Shape, margin_m: float) -> Part:
    """Drop the triangles buried deeper than `margin_m` inside another solid part: nobody can see them."""
    buried = occluder(part.vertices) < -margin_m
    keep = ~buried[part.faces].all(axis=1)
    return _split_part(part, ~keep, part.name, part.material)[0]


def _split_part(part: Part, tri_mask: np.ndarray, name: str, material: str) -> tuple[Part, Part]:
    """Move the masked triangles of a part into a new part of the same mesh, with another material."""
    out = []
    for new_name, new_material, mask in ((part.name, part.material, ~tri_mask), (name, material, tri_mask)):
        tris = part.faces[mask]
        used = np.unique(tris)
        remap = -np.ones(len(part.vertices), dtype=np.int64)
        remap[used] = np.arange(len(used))
        out.append(
            Part(
                new_name,
                new_material,
                part.vertices[used],
                part.normals[used],
                remap[tris],
                part.joints[used],
                part.weights[used],
                {k: v[used] for k, v in part.morphs.items()},
                mesh=part.mesh,
                uv=None if part.uv is None else part.uv[used],
            )
        )
    return out[0], out[1]


def _atlas_split(part: Part, face_region: np.ndarray, uv_of) -> Part:
    """Give each face a region of a texture atlas (`uv_of(points, region)` maps into it); a vertex shared by
    faces of two regions becomes one vertex per region, so no triangle stretches across the atlas."""
    faces = part.faces
    new_faces = np.empty_like(faces)
    pieces: list[tuple[np.ndarray, np.ndarray]] = []
    base = 0
    for region in np.unique(face_region):
        mask = face_region == region
        used = np.unique(faces[mask])
        remap = -np.ones(len(part.vertices), dtype=np.int64)
        remap[used] = base + np.arange(len(used))
        new_faces[mask] = remap[faces[mask]]
        pieces.append((used, uv_of(part.vertices[used], int(region))))
        base += len(used)
    order = np.concatenate([used for used, _ in pieces])
    return Part(
        part.name,
        part.material,
        part.vertices[order],
        part.normals[order],
        new_faces,
        part.joints[order],
        part.weights[order],
        {k: v[order] for k, v in part.morphs.items()},
        mesh=part.mesh,
        uv=np.concatenate([uv for _, uv in pieces]),
    )


def _suit_uv(part: Part) -> Part:
    """The suit's box-projected atlas (tools.groom.textures): front, back and side columns by facing."""
    face_normals = part.normals[part.faces].mean(axis=1)
    return _atlas_split(part, tx.suit_face_columns(face_normals), tx.suit_uv)


_SOLE_TOP_M = 0.016


def _shoe_with_sole(part: Part) -> list[Part]:
    """The bottom of the shoe is its sole, in its own material; the upper is polished leather."""
    centroids = part.vertices[part.faces].mean(axis=1)
    upper, sole = _split_part(part, centroids[:, 1] < _SOLE_TOP_M, f"{part.name}_sole", "sole")
    return [upper, sole]


def _hair_cap_uv(points: np.ndarray) -> np.ndarray:
    """Around the head (mirrored left and right, so no seam) and from the crown down."""
    rel = points - _SKULL_CENTRE
    around = np.abs(np.arctan2(rel[:, 0], rel[:, 2])) / np.pi
    down = np.arccos(np.clip(rel[:, 1] / np.maximum(np.linalg.norm(rel, axis=1), 1e-9), -1.0, 1.0))
    return np.stack([around * 3.0, np.clip(down / np.radians(115.0), 0.0, 1.0)], axis=1)


def _mouth_parts() -> list[Part]:
    interior = im.ellipsoid([0.0, _MOUTH_Y - 0.004, _MOUTH_Z - 0.024], [0.017, 0.012, 0.010])
    teeth = im.intersect(
        im.ellipsoid([0.0, _MOUTH_Y + 0.0015, _MOUTH_Z - 0.016], [0.0135, 0.0040, 0.009]),
        im.half_space([0, -1, 0], -(_MOUTH_Y - 0.002)),
        k=0.001,
    )
    parts = []
    for name, material, shape in (("mouth", "mouth", interior), ("teeth", "teeth", teeth)):
        m = _simplified(
            name,
            shape,
            im.mesh_implicit(shape, [-0.03, 1.58, 0.04], [0.03, 1.625, 0.095], 0.0025 * _DETAIL.grid_scale),
        )
        joints, weights = _fixed_weights(len(m.vertices), "head")
        parts.append(Part(name, material, m.vertices, m.normals, m.faces, joints, weights))
    # The lower half of the mouth's inside drops with the jaw.
    parts[0].morphs = {k: v for k, v in face_morphs(parts[0].vertices).items()}
    parts[0].mesh = "face"
    parts[1].mesh = "teeth"
    return parts


def _eye_parts() -> list[Part]:
    parts = []
    eyes, uvs = [], []
    for sign, side in ((1.0, "left"), (-1.0, "right")):
        c = _eye_centre(sign)
        v, n, f = _uv_sphere(c, [_EYE_RADIUS] * 3, 12, 20)
        eyes.append((v, n, f, side))
        uvs.append(tx.eye_uv(v[:, :2] - c[:2], _EYE_RADIUS))
    # One textured ball an eye: the white, the iris, the pupil and the catch lights are painted on it.
    v, n, f = _merge("eyes", "eye", [(p[0], p[1], p[2]) for p in eyes])
    bone_per_vertex = np.concatenate([np.full(len(p[0]), JOINT_NAMES.index(f"{p[3]}Eye")) for p in eyes])
    joints = np.zeros((len(v), 4), dtype=np.int64)
    joints[:, 0] = bone_per_vertex
    weights = np.zeros((len(v), 4))
    weights[:, 0] = 1.0
    parts.append(Part("eyes", "eye", v, n, f, joints, weights, uv=np.concatenate(uvs)))
    lids = []
    lid_morphs: dict[str, list[np.ndarray]] = {k: [] for k in EYELID_MORPHS}
    for sign, side in ((1.0, "left"), (-1.0, "right")):
        for upper in (True, False):
            v, n, f, morphs = _eyelid_part(sign, upper)
            lids.append((v, n, f))
            zero = np.zeros_like(v)
            lid_morphs["blinkLeft"].append(morphs["blink"] if side == "left" else zero)
            lid_morphs["blinkRight"].append(morphs["blink"] if side == "right" else zero)
            for key in ("happy", "relaxed", "surprised", "angry", "sad"):
                lid_morphs[key].append(morphs[key])
    v, n, f = _merge("eyelids", "lids", lids)
    joints, weights = _fixed_weights(len(v), "head")
    parts.append(
        Part(
            "eyelids", "lids", v, n, f, joints, weights, {k: np.concatenate(d) for k, d in lid_morphs.items()}
        )
    )
    parts.append(_lash_part())
    return parts


def _lash_part() -> Part:
    """A dark line along each upper lid's edge, riding on the lid through every lid morph."""
    pieces, morphs = [], {k: [] for k in EYELID_MORPHS}
    radius = _LID_OUTER_R + 0.0004
    for sign, side in ((1.0, "left"), (-1.0, "right")):
        centre = _eye_centre(sign)
        az = np.linspace(-64.0, 68.0 * sign, 28) if sign > 0 else np.linspace(-68.0, 64.0, 28)
        band = np.array([-1.0, 6.5])  # degrees above the lid's edge: a bold anime lash line
        aa, bb = np.meshgrid(az, band, indexing="ij")
        outer = np.clip(aa * sign / 68.0, -1.0, 1.0)  # thickest towards the outer corner, flicked up there
        taper = 0.55 + 0.45 * np.clip(outer + 0.3, 0.0, 1.0) - 0.3 * outer**4
        lift = np.where(bb > 0, taper, 1.0)
        rad = radius + np.where(bb > 0, 0.0006 * taper, 0.0)

        def place(edge: np.ndarray, aa=aa, bb=bb, lift=lift, rad=rad, centre=centre) -> np.ndarray:
            return (centre + rad[..., None] * _direction(aa, edge + bb * lift)).reshape(-1, 3)

        rest = place(_lid_edge_deg(aa, True))
        faces = []
        for c in range(len(az) - 1):
            a, b, d, e = 2 * c, 2 * c + 1, 2 * c + 2, 2 * c + 3
            faces += [[a, d, b], [b, d, e]]
        normals = _unit_rows(rest - centre)
        pieces.append((rest, normals, np.array(faces, dtype=np.int64)))
        zero = np.zeros_like(rest)
        edges = _upper_lid_edges(aa, sign)
        morphs["blinkLeft"].append(place(edges["blink"]) - rest if side == "left" else zero)
        morphs["blinkRight"].append(place(edges["blink"]) - rest if side == "right" else zero)
        for key in ("happy", "relaxed", "surprised", "angry", "sad"):
            morphs[key].append(place(edges[key]) - rest)
    # both sides of the thin strip are drawn (as faces of their own: the material culls back faces)
    pieces = [(v, n, np.concatenate([f, f[:, ::-1]])) for v, n, f in pieces]
    v, n, f = _merge("lashes", "lashes", pieces)
    joints, weights = _fixed_weights(len(v), "head")
    return Part(
        "lashes",
        "lashes",
        v,
        n,
        f,
        joints,
        weights,
        {k: np.concatenate(d) for k, d in morphs.items()},
        mesh="eyelids",
    )


def _unit_rows(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


@dataclass(frozen=True)
class Detail:
    """How finely the groom is built: the shipped model, and a light one for slow machines."""

    name: str  # the variant, and the file's name after "groom"
    grid_scale: float  # the meshing grids' spacing, times the full model's
    simplify_scale: float  # how far the simplifier may stray and how long edges may grow, times the full's
    outlines: bool  # MToon outlines (an extra pass over every outlined triangle)
    body: Detail | None = None  # the body's (suit, shirt, shoes, hands) when not the same


LIGHT = Detail("_light", 1.45, 2.2, False)
# The full model has the light one's body: at the size a guest sees him the two look the same, and every
# triangle saved there pays for the outlines' second pass (it was 16 % slower than the old groom).
FULL = Detail("", 1.0, 1.0, True, body=Detail("_body", 1.45, 2.2, True))
_DETAIL = FULL  # the variant being built (build_groom sets it for the build's duration)


@dataclass(frozen=True)
class Groom:
    parts: list[Part]
    joints_m: dict[str, np.ndarray]  # joint name -> rest position in character space
    detail: Detail = FULL
    colliders_m: list = field(default_factory=list)  # (centre, radius) spheres on the head, character space


# Parts drawn together: a software renderer pays for every primitive (its uniforms, its draw call), so
# parts that share a material are one primitive of one mesh. Morph targets are stored sparse, so a
# target that moves only the brows costs nothing for the hands beside them in the same primitive.
_MESH_OF_PART = {
    "jacket": "suit", "left_sleeve": "suit", "right_sleeve": "suit", "trousers": "suit",
    "shirt": "shirt", "left_cuff": "shirt", "right_cuff": "shirt", "pocket_square": "shirt",
    "bowtie": "bowtie", "button": "bowtie",
    "head_skin": "skin", "brow": "skin", "left_hand": "skin", "right_hand": "skin",
    "left_shoe": "shoes", "right_shoe": "shoes", "left_shoe_sole": "shoes", "right_shoe_sole": "shoes",
}  # fmt: skip


def _as_trim(part: Part) -> Part:
    """A part of one of the TRIM materials, drawn with the palette: its UVs all at its colour's swatch."""
    part.uv = np.broadcast_to(tx.swatch_uv(TRIM.index(part.material)), (len(part.vertices), 2)).copy()
    part.material = "trim"
    if part.name in _TRIM_MESH_PARTS:  # no morph targets: one mesh for all of them
        part.mesh = "trim"
    return part


def _merge_primitives(parts: list[Part]) -> list[Part]:
    """One part per (mesh, material), in the order each first appears; morph targets missing from a part are zero."""
    for part in parts:
        part.mesh = _MESH_OF_PART.get(part.name, part.mesh)
    parts = [_as_trim(p) if p.material in TRIM else p for p in parts]
    groups: dict[tuple[str, str], list[Part]] = {}
    for part in parts:
        groups.setdefault((part.mesh, part.material), []).append(part)
    merged = []
    for (mesh, material), group in groups.items():
        if len(group) == 1:
            merged.append(group[0])
            continue
        v, n, f = _merge(mesh, material, [(p.vertices, p.normals, p.faces) for p in group])
        names = [k for k in dict.fromkeys(k for p in group for k in p.morphs)]
        morphs = {
            k: np.concatenate([p.morphs.get(k, np.zeros_like(p.vertices)) for p in group]) for k in names
        }
        joints = np.concatenate([p.joints for p in group])
        weights = np.concatenate([p.weights for p in group])
        uv = None
        if any(p.uv is not None for p in group):
            uv = np.concatenate([p.uv if p.uv is not None else np.zeros((len(p.vertices), 2)) for p in group])
        merged.append(Part(group[0].name, material, v, n, f, joints, weights, morphs, mesh=mesh, uv=uv))
    return merged


def build_groom(detail: Detail = FULL) -> Groom:
    """Every part of the groom, scaled so the top of the hair is exactly HEIGHT_M above the soles."""
    global _DETAIL
    _DETAIL = detail
    try:
        _DETAIL = detail.body or detail
        body = _body_parts()
        _DETAIL = detail
        parts = _merge_primitives(body + _head_parts())
    finally:
        _DETAIL = FULL
    return _scaled(parts, detail)


def _scaled(parts: list[Part], detail: Detail) -> Groom:
    floor = min(float(p.vertices[:, 1].min()) for p in parts)
    top = max(float(p.vertices[:, 1].max()) for p in parts)
    scale = HEIGHT_M / (top - floor)
    lift = np.array([0.0, floor, 0.0])
    for p in parts:
        p.vertices = (p.vertices - lift) * scale
        p.morphs = {k: v * scale for k, v in p.morphs.items()}
    joints = {name: (pos - lift) * scale for name, pos in _JOINT_POS.items()}
    colliders = [((centre - lift) * scale, radius * scale) for centre, radius in _HEAD_COLLIDERS]
    return Groom(parts, joints, detail, colliders)


# Spheres (centre, radius) inside the head that keep the swinging locks out of it: the skull and the brow.
_HEAD_COLLIDERS = ((hair.SKULL_CENTRE, 0.068), (np.array([0.0, 1.690, 0.022]), 0.064))
_SPRING = {"stiffness": 1.4, "gravityPower": 0.0, "gravityDir": [0.0, -1.0, 0.0], "dragForce": 0.55}
_HAIR_HIT_RADIUS_M = 0.006


def _spring_extension(joints_m: dict[str, np.ndarray], colliders) -> dict:
    """VRMC_springBone 1.0: a spring per lock, every lock colliding with the head's spheres."""
    head = JOINT_NAMES.index("head")
    shapes = [
        {
            "node": head,
            "shape": {
                "sphere": {
                    "offset": [float(x) for x in np.round(c - joints_m["head"], 6)],
                    "radius": round(float(r), 6),
                }
            },
        }
        for c, r in colliders
    ]
    springs = []
    for lock in hair.LOCKS:
        chain = [f"{lock.name}_{i}" for i in range(2)]
        springs.append(
            {
                "name": lock.name,
                "joints": [
                    {"node": JOINT_NAMES.index(n), "hitRadius": _HAIR_HIT_RADIUS_M, **_SPRING} for n in chain
                ],
                "colliderGroups": [0],
            }
        )
    return {
        "specVersion": "1.0",
        "colliders": shapes,
        "colliderGroups": [{"name": "head", "colliders": list(range(len(shapes)))}],
        "springs": springs,
    }


# --------------------------------------------------------------------------------------------------
# Writing the VRM 1.0 file
# --------------------------------------------------------------------------------------------------

_FLOAT, _UBYTE, _USHORT, _UINT = 5126, 5121, 5123, 5125
_ARRAY_BUFFER, _ELEMENT_ARRAY_BUFFER = 34962, 34963
_EMOTIONS = ("happy", "sad", "angry", "surprised", "relaxed")
_VISEMES = ("aa", "ih", "ou", "ee", "oh")
LICENSE_URL = "https://vrm.dev/licenses/1.0/"


class _Buffer:
    def __init__(self) -> None:
        import pygltflib

        self.gltf = pygltflib
        self.blob = bytearray()
        self.views: list = []
        self.accessors: list = []

    def _view(self, array: np.ndarray, target: int | None) -> int:
        self.blob += b"\0" * (-len(self.blob) % 4)
        data = np.ascontiguousarray(array).tobytes()
        self.views.append(
            self.gltf.BufferView(buffer=0, byteOffset=len(self.blob), byteLength=len(data), target=target)
        )
        self.blob += data
        return len(self.views) - 1

    def add_sparse(self, delta: np.ndarray) -> int:
        """A morph target's position deltas storing only the vertices that move."""
        g = self.gltf
        moving = np.nonzero(np.any(delta != 0.0, axis=1))[0]
        accessor = g.Accessor(componentType=_FLOAT, count=len(delta), type="VEC3")
        accessor.min = [float(x) for x in delta.min(axis=0)]
        accessor.max = [float(x) for x in delta.max(axis=0)]
        if len(moving):
            index_type = (np.uint16, _USHORT) if len(delta) < 65535 else (np.uint32, _UINT)
            accessor.sparse = g.Sparse(
                count=len(moving),
                indices=g.AccessorSparseIndices(
                    bufferView=self._view(moving.astype(index_type[0]), None), componentType=index_type[1]
                ),
                values=g.AccessorSparseValues(bufferView=self._view(delta[moving], None)),
            )
        self.accessors.append(accessor)
        return len(self.accessors) - 1

    def add(
        self,
        array: np.ndarray,
        component: int,
        kind: str,
        target: int | None,
        with_bounds: bool = False,
        normalized: bool = False,
    ) -> int:
        g = self.gltf
        view = self._view(array, target)
        accessor = g.Accessor(bufferView=view, componentType=component, count=len(array), type=kind)
        if normalized:
            accessor.normalized = True
        if with_bounds:
            accessor.min = [float(x) for x in array.min(axis=0)]
            accessor.max = [float(x) for x in array.max(axis=0)]
        self.accessors.append(accessor)
        return len(self.accessors) - 1


def _f32(array: np.ndarray) -> np.ndarray:
    # Rounding to a micrometre first makes the bytes less sensitive to the last bits of the maths.
    return np.round(np.asarray(array, dtype=np.float64), 6).astype(np.float32)


def _mesh_groups(parts: list[Part]) -> dict[str, list[Part]]:
    groups: dict[str, list[Part]] = {}
    for part in parts:
        groups.setdefault(part.mesh, []).append(part)
    return groups


def _primitive(buf: _Buffer, part: Part, target_names: list[str], material_index: int):
    g = buf.gltf
    attributes = g.Attributes(
        POSITION=buf.add(_f32(part.vertices), _FLOAT, "VEC3", _ARRAY_BUFFER, with_bounds=True),
        NORMAL=buf.add(_f32(_unit_rows(part.normals)), _FLOAT, "VEC3", _ARRAY_BUFFER),
        JOINTS_0=buf.add(part.joints.astype(np.uint8), _UBYTE, "VEC4", _ARRAY_BUFFER),
        WEIGHTS_0=buf.add(_byte_weights(part.weights), _UBYTE, "VEC4", _ARRAY_BUFFER, normalized=True),
    )
    if part.uv is not None:
        attributes.TEXCOORD_0 = buf.add(_f32(part.uv), _FLOAT, "VEC2", _ARRAY_BUFFER)
    index_type = (np.uint16, _USHORT) if len(part.vertices) < 65535 else (np.uint32, _UINT)
    indices = buf.add(
        part.faces.reshape(-1).astype(index_type[0]), index_type[1], "SCALAR", _ELEMENT_ARRAY_BUFFER
    )
    targets = []
    for name in target_names:
        delta = part.morphs.get(name, np.zeros_like(part.vertices))
        targets.append({"POSITION": buf.add_sparse(_f32(delta))})
    return g.Primitive(
        attributes=attributes, indices=indices, material=material_index, targets=targets or None
    )


def _byte_weights(weights: np.ndarray) -> np.ndarray:
    """Weights as normalised bytes summing to exactly 255: the largest absorbs the rounding."""
    w = np.asarray(weights, dtype=np.float64)
    w = np.round(255.0 * w / w.sum(axis=1, keepdims=True)).astype(np.int64)
    w[:, 0] += 255 - w.sum(axis=1)
    return w.astype(np.uint8)


def textures() -> dict[str, np.ndarray]:
    """The groom's images (sRGB RGB uint8) by name, painted by tools.groom.textures."""
    return {
        "suit": tx.suit_texture(_v_opening_half_width, _BUTTON_Y),
        "shirt": tx.shirt_texture(),
        "hair": tx.hair_texture(),
        "eye": tx.eye_texture(),
        "shoe_matcap": tx.shoe_matcap(),
        "trim": tx.palette([MATERIALS[name].base_color[:3] for name in TRIM]),
        # the rim light for the bow tie, the soles and the flower; not on the face (a pale ring round a lid)
        "trim_rim": tx.palette([(1.0,) * 3 if name in _RIM_LIT_TRIM else (0.0,) * 3 for name in TRIM]),
    }


def _png(image: np.ndarray) -> bytes:
    import cv2

    ok, encoded = cv2.imencode(
        ".png", np.ascontiguousarray(image[:, :, ::-1]), [cv2.IMWRITE_PNG_COMPRESSION, 9]
    )
    assert ok
    return encoded.tobytes()


_LINEAR, _LINEAR_MIPMAP_LINEAR, _REPEAT = 9729, 9987, 10497


def _materials(g, buf: _Buffer, used: set[str], detail: Detail) -> tuple[list, dict[str, int], list, list]:
    """glTF materials with the MToon extension, and the images and textures they use."""
    materials, index = [], {}
    images, texture_list, texture_index = [], [], {}
    painted = textures()

    def texture(key: str) -> dict:
        if key not in texture_index:
            view = buf._view(np.frombuffer(_png(painted[key]), dtype=np.uint8), None)
            images.append(g.Image(name=key, bufferView=view, mimeType="image/png"))
            texture_index[key] = len(texture_list)
            texture_list.append(g.Texture(name=key, sampler=0, source=len(images) - 1))
        return {"index": texture_index[key]}

    for name, m in MATERIALS.items():
        if name not in used:
            continue
        index[name] = len(materials)
        mtoon = {
            "specVersion": "1.0",
            "shadeColorFactor": list(m.shade_color),
            "shadingToonyFactor": m.toony,
            "shadingShiftFactor": m.shift,
            "giEqualizationFactor": 0.9,
            "parametricRimColorFactor": list(m.rim),
            "parametricRimFresnelPowerFactor": m.rim_power,
            "parametricRimLiftFactor": 0.0,
            "rimLightingMixFactor": 1.0,
            "outlineWidthMode": "worldCoordinates" if m.outline_m > 0 and detail.outlines else "none",
            "outlineWidthFactor": m.outline_m if detail.outlines else 0.0,
            "outlineColorFactor": list(m.outline_color),
            "outlineLightingMixFactor": 1.0,
        }
        pbr = g.PbrMetallicRoughness(
            baseColorFactor=list(m.base_color), metallicFactor=0.0, roughnessFactor=1.0
        )
        if m.texture is not None:
            pbr.baseColorTexture = g.TextureInfo(index=texture(m.texture)["index"])
            mtoon["shadeMultiplyTexture"] = texture(m.shade_texture or m.texture)
        if m.rim_texture is not None:
            mtoon["rimMultiplyTexture"] = texture(m.rim_texture)
        if m.matcap is not None:
            mtoon["matcapTexture"] = texture(m.matcap)
            mtoon["matcapFactor"] = [1.0, 1.0, 1.0]
        else:
            mtoon["matcapFactor"] = [0.0, 0.0, 0.0]
        materials.append(
            g.Material(
                name=name,
                pbrMetallicRoughness=pbr,
                doubleSided=m.double_sided,
                extensions={"VRMC_materials_mtoon": mtoon},
            )
        )
    return materials, index, images, texture_list


def _joint_nodes(g, joints_m: dict[str, np.ndarray]) -> list:
    nodes = []
    for name, parent, _ in JOINTS:
        offset = joints_m[name] - (joints_m[parent] if parent else 0.0)
        children = [i for i, (_, p, _) in enumerate(JOINTS) if p == name]
        nodes.append(
            g.Node(name=name, translation=[float(x) for x in np.round(offset, 6)], children=children or None)
        )
    return nodes


def _expressions(
    groups: dict[str, list[Part]], mesh_node: dict[str, int], target_names: dict[str, list[str]]
) -> dict:
    def binds(*names: str) -> list[dict]:
        out = []
        for mesh, node in mesh_node.items():
            for name in names:
                if name in target_names[mesh]:
                    out.append({"node": node, "index": target_names[mesh].index(name), "weight": 1.0})
        return out

    def expression(*names: str, override_blink: str = "none", override_mouth: str = "none") -> dict:
        return {
            "isBinary": False,
            "morphTargetBinds": binds(*names),
            "overrideBlink": override_blink,
            "overrideLookAt": "none",
            "overrideMouth": override_mouth,
        }

    preset = {
        "blink": expression("blinkLeft", "blinkRight"),
        "blinkLeft": expression("blinkLeft"),
        "blinkRight": expression("blinkRight"),
    }
    for name in _VISEMES:
        preset[name] = expression(name)
    for name in _EMOTIONS:
        preset[name] = expression(
            name, override_blink="blend", override_mouth="blend" if name == "surprised" else "none"
        )
    preset["neutral"] = expression()
    return {"preset": preset}


def _vrm_extension(joints_m: dict[str, np.ndarray], expressions: dict, detail: Detail = FULL) -> dict:
    eyes = 0.5 * (joints_m["leftEye"] + joints_m["rightEye"])
    return {
        "specVersion": "1.0",
        "meta": {
            "name": "Groom (arwed default character)"
            if detail is FULL
            else "Groom, light (for slow machines)",
            "version": "1",
            "authors": ["arwed"],
            "copyrightInformation": "Generated by arwed's build tool tools.groom",
            "licenseUrl": LICENSE_URL,
            "avatarPermission": "everyone",
            "allowExcessivelyViolentUsage": False,
            "allowExcessivelySexualUsage": False,
            "commercialUsage": "corporation",
            "allowPoliticalOrReligiousUsage": True,
            "allowAntisocialOrHateUsage": False,
            "creditNotation": "unnecessary",
            "allowRedistribution": True,
            "modification": "allowModificationRedistribution",
        },
        "humanoid": {"humanBones": {name: {"node": JOINT_NAMES.index(name)} for name in HUMAN_BONES}},
        "expressions": expressions,
        "lookAt": {
            "type": "bone",
            "offsetFromHeadBone": [float(x) for x in np.round(eyes - joints_m["head"], 6)],
            # his eyes visibly find her when his face cheats out to the camera (30 degrees aside)
            "rangeMapHorizontalInner": {"inputMaxValue": 45.0, "outputScale": 15.0},
            "rangeMapHorizontalOuter": {"inputMaxValue": 45.0, "outputScale": 19.0},
            "rangeMapVerticalDown": {"inputMaxValue": 90.0, "outputScale": 10.0},
            "rangeMapVerticalUp": {"inputMaxValue": 90.0, "outputScale": 10.0},
        },
    }


def groom_to_glb(groom: Groom) -> bytes:
    """The groom as a VRM 1.0 model in glTF binary form."""
    import pygltflib as g

    buf = _Buffer()
    materials, material_index, images, texture_list = _materials(
        g, buf, {p.material for p in groom.parts}, groom.detail
    )
    nodes = _joint_nodes(g, groom.joints_m)
    groups = _mesh_groups(groom.parts)
    meshes, mesh_node, target_names = [], {}, {}
    for mesh_name, parts in groups.items():
        names = [n for n in _ordered_targets(parts)]
        target_names[mesh_name] = names
        primitives = [_primitive(buf, part, names, material_index[part.material]) for part in parts]
        meshes.append(
            g.Mesh(name=mesh_name, primitives=primitives, extras={"targetNames": names} if names else None)
        )
        mesh_node[mesh_name] = len(nodes)
        nodes.append(g.Node(name=mesh_name, mesh=len(meshes) - 1, skin=0))
    root = g.Node(name=CHARACTER_NAME, children=[0] + list(mesh_node.values()))
    nodes.append(root)
    inverse_bind = np.stack([np.eye(4) for _ in JOINT_NAMES])
    for i, name in enumerate(JOINT_NAMES):
        inverse_bind[i, :3, 3] = -np.round(groom.joints_m[name], 6)
    # glTF matrices are column-major.
    ibm = buf.add(
        np.transpose(inverse_bind, (0, 2, 1)).astype(np.float32).reshape(len(JOINT_NAMES), 16),
        _FLOAT,
        "MAT4",
        None,
    )
    gltf = g.GLTF2(
        asset=g.Asset(
            version="2.0",
            generator="arwed tools.groom",
            extras={
                "variant": groom.detail.name.strip("_") or "full",
                "generatorSourceSha256": generator_source_hash(),
            },
        ),
        scene=0,
        scenes=[g.Scene(name=CHARACTER_NAME, nodes=[len(nodes) - 1])],
        nodes=nodes,
        meshes=meshes,
        materials=materials,
        images=images,
        textures=texture_list,
        samplers=[
            g.Sampler(magFilter=_LINEAR, minFilter=_LINEAR_MIPMAP_LINEAR, wrapS=_REPEAT, wrapT=_REPEAT)
        ],
        skins=[
            g.Skin(
                name="groom_skeleton",
                joints=list(range(len(JOINT_NAMES))),
                skeleton=0,
                inverseBindMatrices=ibm,
            )
        ],
        accessors=buf.accessors,
        bufferViews=buf.views,
        buffers=[g.Buffer(byteLength=len(buf.blob))],
        extensionsUsed=["VRMC_vrm", "VRMC_materials_mtoon", "VRMC_springBone"],
        extensions={
            "VRMC_vrm": _vrm_extension(
                groom.joints_m, _expressions(groups, mesh_node, target_names), groom.detail
            ),
            "VRMC_springBone": _spring_extension(groom.joints_m, groom.colliders_m),
        },
    )
    gltf.set_binary_blob(bytes(buf.blob))
    return b"".join(gltf.save_to_bytes())


def _ordered_targets(parts: list[Part]) -> list[str]:
    order = ["blinkLeft", "blinkRight", *_VISEMES, *_EMOTIONS]
    present = {name for part in parts for name in part.morphs}
    return [name for name in order if name in present]


VARIANTS = {"full": FULL, "light": LIGHT}
_SOURCES = ("default_character.py", "hair.py", "implicit_mesh.py", "textures.py")


def generator_source_hash() -> str:
    """SHA-256 of the generator's source files: the shipped model records it, so a stale file shows."""
    import hashlib

    digest = hashlib.sha256()
    for name in _SOURCES:
        digest.update(name.encode() + b"\0" + (Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()


def variant_path(variant: str) -> Path:
    """Where the package ships a variant: groom.glb (full) and groom_light.glb (light)."""
    return DEFAULT_CHARACTER_PATH.with_name(f"{CHARACTER_NAME}{VARIANTS[variant].name}.glb")


def generate(path: str | Path = DEFAULT_CHARACTER_PATH, variant: str = "full") -> Path:
    """Write the default character (one variant) to `path` (creating folders) and return the path."""
    path = Path(path)
    data = groom_to_glb(build_groom(VARIANTS[variant]))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


_MODULE = "tools.groom"


def reproducible_environment() -> dict[str, str]:
    """The environment in which the generation gives the same bytes on every x86-64 machine.

    numpy picks SIMD kernels (and OpenBLAS its own kernels) by CPU at import time, and their results differ in
    the last bit: on an AVX-512 Intel and an AVX2 AMD the same code made different floats, which steered the
    simplifier to different collapses. Only the baseline SSE3 kernels and one BLAS thread are the same
    everywhere, so the generator runs with every dispatched feature switched off.
    """
    from numpy.core import _multiarray_umath

    env = dict(os.environ)
    env["NPY_DISABLE_CPU_FEATURES"] = " ".join(_multiarray_umath.__cpu_dispatch__)
    env["OPENBLAS_CORETYPE"] = "Prescott"
    env["OPENBLAS_NUM_THREADS"] = "1"
    # The child imports this very copy of the tool, not whichever one the environment would find first.
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    return env


def _in_reproducible_environment() -> bool:
    wanted = reproducible_environment()
    keys = ("NPY_DISABLE_CPU_FEATURES", "OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS")
    return all(os.environ.get(key) == wanted[key] for key in keys)


def build_glb_reproducibly(variant: str = "full") -> bytes:
    """A variant's GLB bytes, generated in a child process with `reproducible_environment()`."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"{CHARACTER_NAME}.glb"
        subprocess.run(
            [sys.executable, "-m", _MODULE, "--variant", variant, str(target)],
            env=reproducible_environment(),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return target.read_bytes()


def main(argv: list[str] | None = None) -> int:
    """`python -m tools.groom`: both variants to the package; `--variant full|light [PATH]`: one."""
    argv = sys.argv[1:] if argv is None else argv
    if not _in_reproducible_environment():
        return subprocess.call([sys.executable, "-m", _MODULE, *argv], env=reproducible_environment())
    variants = list(VARIANTS)
    if argv[:1] == ["--variant"] and len(argv) >= 2 and argv[1] in VARIANTS:
        variants, argv = [argv[1]], argv[2:]
    for variant in variants:
        target = Path(argv[0]) if argv else variant_path(variant)
        path = generate(target, variant)
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
