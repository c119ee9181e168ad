"""A solved two-bone chain put onto the character's humanoid bones, through a PoseEditor."""

from __future__ import annotations

import numpy as np

from arwed.ceremony.ik import ChainSolution, HingeLimits, solve_chain
from arwed.characters import quaternions as quat
from arwed.characters.posing import PoseEditor

ARM_LIMITS = HingeLimits(min_bend_deg=0.0, max_bend_deg=145.0, unreachable_bend_deg=15.0)
LEG_LIMITS = HingeLimits(min_bend_deg=0.0, max_bend_deg=140.0, unreachable_bend_deg=2.0)


def arm_bones(side: str) -> tuple[str, str, str]:
    return f"{side}UpperArm", f"{side}LowerArm", f"{side}Hand"


def leg_bones(side: str) -> tuple[str, str, str]:
    return f"{side}UpperLeg", f"{side}LowerLeg", f"{side}Foot"


def chain_lengths(editor: PoseEditor, bones: tuple[str, str, str]) -> tuple[float, float]:
    """Bone lengths measured on the rest pose (they do not change; measuring each frame would drift)."""
    a, b, c = (editor.rest_position_m(n) for n in bones)
    return float(np.linalg.norm(b - a)), float(np.linalg.norm(c - b))


def place_chain(
    editor: PoseEditor,
    bones: tuple[str, str, str],
    target_m: np.ndarray,
    pole: np.ndarray,
    limits: HingeLimits,
    weight: float = 1.0,
) -> ChainSolution:
    """Turn the chain's two bones so its end reaches `target_m` (character space). `weight` < 1 blends
    from the current pose towards the solution (for reaching out and letting go smoothly)."""
    upper, lower, end = bones
    root = editor.position_m(upper)
    lengths = chain_lengths(editor, bones)
    solution = solve_chain(root, *lengths, target_m, pole, limits)
    _aim(editor, upper, editor.position_m(lower) - root, solution.middle_m - root, weight)
    middle = editor.position_m(lower)
    _aim(editor, lower, editor.position_m(end) - middle, solution.end_m - middle, weight)
    return solution


def aim_bone(editor: PoseEditor, bone: str, child: str, direction: np.ndarray, weight: float = 1.0) -> None:
    """Turn `bone` so the line to `child` points along `direction` (character space)."""
    _aim(editor, bone, editor.position_m(child) - editor.position_m(bone), direction, weight)


def _aim(editor: PoseEditor, bone: str, current: np.ndarray, wanted: np.ndarray, weight: float) -> None:
    if weight <= 0.0 or np.linalg.norm(current) < 1e-9 or np.linalg.norm(wanted) < 1e-9:
        return
    q = quat.from_to(current, wanted)
    if weight < 1.0:
        q = quat.slerp(quat.IDENTITY, q, weight)
    editor.rotate(bone, q)
