"""Her eye relative to her tracked head, from alignments (SPAAM: single point active alignment method).

She wears the glasses; a cross is drawn at a known spot of one eye's picture; she moves her head until
the cross sits on a marked point of the room whose position the camera knows (by default the camera's
own lens: the origin of camera coordinates), and the operator or a clicker confirms. Each confirmation
is an `Alignment`: the tracked head pose at that moment, the cross's pixel, the room point. From several
of them (different head poses, the cross at different spots) the eye's pose in head axes is solved:
six numbers (its offset from the tracked point between the eye landmarks, and its rotation), by
nonlinear least squares (scipy) on the angular errors, seeded from and weakly tied to the profile's
nominal eye (so few or badly spread alignments bend it only as far as they prove). The display's
intrinsics come from the profile and are not solved: twelve noisy clicks cannot pin eleven numbers of
a full DLT, and a wrong field of view is a profile error, not a seating error.

The eye absorbs whatever the tracker gets wrong consistently (where MediaPipe's eye landmarks sit on
her face, how the glasses sit on her nose), which is the point: what is solved is her eye relative to
what arwed tracks, not to anatomy.

The residual reported is the leave-one-out error: each alignment predicted by the solve without it.
It estimates the error of her view at a new head pose (the fit's own RMS is optimistic: six numbers
fitted to few clicks follow their noise). Verdicts: good up to GOOD_DEG, usable up to USABLE_DEG,
else poor, with what to do about it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.optimize import least_squares

from arwed.geometry.eyes import EyePlacement
from arwed.geometry.head_tracker import rotation_from_vector
from arwed.glasses import EyeCalibration, GlassesProfile
from arwed.types import CameraIntrinsics

MIN_ALIGNMENTS = 6
RECOMMENDED_ALIGNMENTS = 10
GOOD_DEG = 0.5
USABLE_DEG = 1.0
# how far the eye may be from the profile's nominal one before it costs as much as one alignment's error
PRIOR_OFFSET_M = 0.02
PRIOR_ROTATION_DEG = 5.0
TYPICAL_ALIGNMENT_DEG = 0.3  # one alignment's error (her hand, the tracker): the prior's yardstick
MIN_HEAD_TURN_SPREAD_DEG = 8.0  # head directions closer than this do not tell rotation from offset
SAME_POSE_DEG = 1.5  # a confirmation this close to an earlier one (a double click) adds nothing
SAME_POSE_M = 0.02
FAR_FROM_NOMINAL_M = 0.03  # a solved eye this far from the profile's: the glasses sit oddly
FAR_FROM_NOMINAL_DEG = 6.0
MAX_CORRECTION_M = 0.05  # the solved eye within this of the nominal one (the profile allows 0.1 m)
MAX_CORRECTION_DEG = 20.0  # and turned at most this from it (the profile allows 30 degrees a component)
OUTLIER_FACTOR = 3.0  # an alignment this many times worse than the median is probably a slip

Verdict = Literal["good", "usable", "poor"]


@dataclass(frozen=True)
class Alignment:
    """One confirmed alignment: her tracked head, the cross's pixel in the eye's picture, the room point."""

    head_position_m: np.ndarray  # (3,) camera coordinates (HeadPose.position_m)
    head_rotation: np.ndarray  # (3, 3) head axes -> camera axes (HeadPose.rotation)
    cross_px: tuple[float, float]  # in the eye's own picture (not the side-by-side frame)
    target_m: np.ndarray  # (3,) the room point, camera coordinates


@dataclass(frozen=True)
class AlignmentSolution:
    placement: EyePlacement
    residual_deg: float  # leave-one-out RMS: the expected error of her view (see the module docstring)
    fit_rms_deg: float  # the solve's own RMS over the alignments it used (optimistic)
    errors_deg: tuple[float, ...]  # each alignment's leave-one-out error
    count: int
    head_spread_deg: float  # the widest angle between two head directions of the alignments
    verdict: Verdict
    advice: str  # what to do about a poor (or usable) result; "" when good

    @property
    def summary(self) -> str:
        text = f"{self.residual_deg:.2f}° over {self.count} alignments: {self.verdict}"
        return f"{text}. {self.advice}" if self.advice else text


@dataclass(frozen=True)
class EyesCross:
    """What the wizard shows in her glasses: a cross in one eye's picture (index in picture order), at a
    fixed pixel (an alignment: she brings the mark to it) or where arwed sees a room point (the check:
    it should sit on the mark). While one is shown her view shows nothing else."""

    eye_index: int
    cross_px: tuple[float, float] | None = None
    target_m: np.ndarray | None = None  # (3,) camera coordinates

    def position_px(
        self, head_position_m, head_rotation, placement: EyePlacement, intrinsics: CameraIntrinsics
    ) -> tuple[float, float] | None:
        """Where to draw it in the eye's picture; None when the room point is behind her eye."""
        if self.cross_px is not None:
            return self.cross_px
        if self.target_m is None or head_rotation is None:
            return None
        alignment = Alignment(
            np.asarray(head_position_m), np.asarray(head_rotation), (0.0, 0.0), self.target_m
        )
        local = target_in_eye(alignment, placement)
        if local[2] <= 1e-3:
            return None
        return (
            intrinsics.fx_px * local[0] / local[2] + intrinsics.cx_px,
            intrinsics.fy_px * local[1] / local[2] + intrinsics.cy_px,
        )


def direction_px(intrinsics: CameraIntrinsics, pixel: tuple[float, float]) -> np.ndarray:
    """The unit direction (eye axes) of an eye picture's pixel."""
    ray = np.array(
        [
            (pixel[0] - intrinsics.cx_px) / intrinsics.fx_px,
            (pixel[1] - intrinsics.cy_px) / intrinsics.fy_px,
            1.0,
        ]
    )
    return ray / np.linalg.norm(ray)


def target_in_eye(alignment: Alignment, placement: EyePlacement) -> np.ndarray:
    """The room point in the eye's axes, with her head where the tracker saw it."""
    in_head = alignment.head_rotation.T @ (np.asarray(alignment.target_m) - alignment.head_position_m)
    return placement.rotation.T @ (in_head - placement.offset_m)


def angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    cos = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
    return math.degrees(math.acos(float(np.clip(cos, -1.0, 1.0))))


def alignment_error_deg(alignment: Alignment, placement: EyePlacement, intrinsics: CameraIntrinsics) -> float:
    """How far the room point is from the cross, seen by an eye at `placement`."""
    return angle_deg(target_in_eye(alignment, placement), direction_px(intrinsics, alignment.cross_px))


def head_turn_spread_deg(alignments: list[Alignment]) -> float:
    forwards = [a.head_rotation[:, 2] for a in alignments]
    return max(
        (angle_deg(f, g) for i, f in enumerate(forwards) for g in forwards[i + 1 :]),
        default=0.0,
    )


def same_pose(a: Alignment, b: Alignment) -> bool:
    """Whether two confirmations were made from (nearly) the same head pose and cross: a double click."""
    turned = angle_deg(a.head_rotation[:, 2], b.head_rotation[:, 2])
    moved = float(np.linalg.norm(a.head_position_m - b.head_position_m))
    cross = math.hypot(a.cross_px[0] - b.cross_px[0], a.cross_px[1] - b.cross_px[1])
    return turned < SAME_POSE_DEG and moved < SAME_POSE_M and cross < 1.0


def _residuals(
    params: np.ndarray,
    alignments: list[Alignment],
    intrinsics: CameraIntrinsics,
    nominal: EyePlacement,
) -> np.ndarray:
    placement = _placement(params, nominal)
    out = []
    for alignment in alignments:
        local = target_in_eye(alignment, placement)
        if local[2] <= 1e-6:  # behind the eye: a large error, finite, pointing the right way
            out.extend((10.0, 10.0))
            continue
        u = local[0] / local[2] - (alignment.cross_px[0] - intrinsics.cx_px) / intrinsics.fx_px
        v = local[1] / local[2] - (alignment.cross_px[1] - intrinsics.cy_px) / intrinsics.fy_px
        out.extend((u, v))
    typical = math.radians(TYPICAL_ALIGNMENT_DEG)
    prior_rotation = params[:3] / math.radians(PRIOR_ROTATION_DEG) * typical
    prior_offset = params[3:] / PRIOR_OFFSET_M * typical
    return np.concatenate((np.asarray(out), prior_rotation, prior_offset))


def _placement(params: np.ndarray, nominal: EyePlacement) -> EyePlacement:
    return EyePlacement(
        offset_m=np.asarray(nominal.offset_m, dtype=np.float64) + params[3:],
        rotation=rotation_from_vector(params[:3]) @ nominal.rotation,
    )


def _fit(
    alignments: list[Alignment], intrinsics: CameraIntrinsics, nominal: EyePlacement, start: np.ndarray
) -> np.ndarray:
    result = least_squares(
        _residuals,
        start,
        args=(alignments, intrinsics, nominal),
        method="lm",
        x_scale=[0.02] * 3 + [0.01] * 3,
    )
    return result.x


def solve_eye(
    alignments: list[Alignment], intrinsics: CameraIntrinsics, nominal: EyePlacement
) -> AlignmentSolution:
    """The eye's placement from at least MIN_ALIGNMENTS alignments (ValueError with fewer)."""
    alignments = list(alignments)
    if len(alignments) < MIN_ALIGNMENTS:
        raise ValueError(f"{len(alignments)} alignments: at least {MIN_ALIGNMENTS} are needed")
    params = _fit(alignments, intrinsics, nominal, np.zeros(6))
    placement = _placement(params, nominal)
    fitted = [alignment_error_deg(a, placement, intrinsics) for a in alignments]
    left_out = []
    for index, alignment in enumerate(alignments):
        others = alignments[:index] + alignments[index + 1 :]
        without = _placement(_fit(others, intrinsics, nominal, params), nominal)
        left_out.append(alignment_error_deg(alignment, without, intrinsics))
    residual = float(np.sqrt(np.mean(np.square(left_out))))
    spread = head_turn_spread_deg(alignments)
    verdict, advice = judge(residual, left_out, spread, placement, nominal, len(alignments))
    return AlignmentSolution(
        placement=placement,
        residual_deg=residual,
        fit_rms_deg=float(np.sqrt(np.mean(np.square(fitted)))),
        errors_deg=tuple(float(e) for e in left_out),
        count=len(alignments),
        head_spread_deg=spread,
        verdict=verdict,
        advice=advice,
    )


def judge(
    residual_deg: float,
    errors_deg: list[float],
    spread_deg: float,
    placement: EyePlacement,
    nominal: EyePlacement,
    count: int,
) -> tuple[Verdict, str]:
    """The verdict on a solve and what to do when it is not good: the likeliest cause first."""
    verdict: Verdict = (
        "good" if residual_deg <= GOOD_DEG else "usable" if residual_deg <= USABLE_DEG else "poor"
    )
    if verdict == "good":
        return verdict, ""
    errors = np.asarray(errors_deg)
    worst = int(np.argmax(errors))
    moved_m = float(np.linalg.norm(placement.offset_m - nominal.offset_m))
    turned_deg = angle_deg(placement.rotation[:, 2], nominal.rotation[:, 2])
    if errors[worst] > OUTLIER_FACTOR * max(float(np.median(errors)), 0.1) and count > MIN_ALIGNMENTS:
        advice = f"Alignment {worst + 1} is off by {errors[worst]:.1f}° (a slip?): redo it."
    elif spread_deg < MIN_HEAD_TURN_SPREAD_DEG:
        advice = (
            f"The head turned only {spread_deg:.0f}° between alignments: redo with the head turned further "
            "(left, right, up, down) and a step aside between some of them."
        )
    elif moved_m > FAR_FROM_NOMINAL_M or turned_deg > FAR_FROM_NOMINAL_DEG:
        advice = (
            f"The eye came out {moved_m * 100:.0f} cm and {turned_deg:.0f}° from where the profile expects it: "
            "re-seat the glasses (straight, snug on the nose) and start again."
        )
    elif count < RECOMMENDED_ALIGNMENTS:
        advice = f"Add alignments (at least {RECOMMENDED_ALIGNMENTS}), holding the head still at each click."
    else:
        advice = (
            "Hold the head still at each click, face the camera in good light (the tracking is noisy), "
            "and check that the glasses do not slip; then redo."
        )
    return verdict, advice


# Where she stands for each alignment, the wizard's words for it. Lining the cross up from near and far
# is what pins the eye's position: from one distance, an eye a centimetre off looks like a small turn.
STANCES = {
    "far": "Stand about 2.5 m from the camera, facing it",
    "near": "Step up to about 1.2 m from the camera",
    "far-aside": "Step back to about 2.5 m, half a metre to the side",
    "near-aside": "Come to about 1.2 m again, a step to the other side",
}
STANCE_ORDER = ("far", "near", "far-aside", "near-aside")
ALIGNMENTS_PER_STANCE = 3


@dataclass(frozen=True)
class PlannedAlignment:
    cross_px: tuple[float, float]  # where the cross is drawn in the eye's picture
    stance: str  # a key of STANCES

    @property
    def guidance(self) -> str:
        return f"{STANCES[self.stance]}; turn the head until the cross sits on the mark, hold still"


def planned_spots_px(intrinsics: CameraIntrinsics, count: int) -> list[tuple[float, float]]:
    """Where the cross is drawn for each alignment: the centre, then around a ring at 55% of the way to
    the picture's edges, alternating sides, so that lining them up turns the head every way."""
    width, height = intrinsics.width_px, intrinsics.height_px
    cx, cy = width / 2.0, height / 2.0
    ring = [(-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, 1), (1, -1), (-1, 1)]
    spots = [(cx, cy)]
    index = 0
    while len(spots) < count:
        dx, dy = ring[index % len(ring)]
        scale = 0.55 if index < len(ring) else 0.3
        spots.append((cx + dx * scale * cx, cy + dy * scale * cy))
        index += 1
    return spots[:count]


def plan_alignments(intrinsics: CameraIntrinsics, count: int) -> list[PlannedAlignment]:
    """The wizard's plan: a cross spot and a place to stand for each alignment (a new place every
    ALIGNMENTS_PER_STANCE alignments: far, near, far and aside, near and aside)."""
    return [
        PlannedAlignment(spot, STANCE_ORDER[(index // ALIGNMENTS_PER_STANCE) % len(STANCE_ORDER)])
        for index, spot in enumerate(planned_spots_px(intrinsics, count))
    ]


def calibrated_profile(
    profile: GlassesProfile, solutions: dict[str, AlignmentSolution], solved: str
) -> GlassesProfile:
    """`profile` with these eyes' solved placements (eye name -> solution); other eyes keep theirs."""
    calibration = dict(profile.eye_calibration)
    for eye, solution in solutions.items():
        calibration[eye] = EyeCalibration(
            offset_m=tuple(round(float(v), 5) for v in solution.placement.offset_m),
            rotation_deg=tuple(round(float(v), 3) for v in solution.placement.correction_deg()),
            residual_deg=round(solution.residual_deg, 3),
            alignments=solution.count,
            solved=solved,
        )
    return profile.model_copy(update={"eye_calibration": calibration})
