"""`reach`: his hand goes to her tracked wrist, follows it while she puts on the ring, and lets go.

Per frame, in character space: choose the arm on her side, bring the target in smoothly (a critically
damped follower, so tracking jitter and jumps never reach the hand), let the spine turn and lean a
little and the shoulder rise when the target is far, then solve the arm with two-bone IK. When her
wrist is farther than he could reach even leaning, he offers his hand at a natural spot instead: in
front of him, towards her, a little below the elbow's height, as a person holds out a hand to be taken.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from arwed.ceremony.ik import ChainSolution, reach_m
from arwed.ceremony.limbs import ARM_LIMITS, arm_bones, chain_lengths, place_chain
from arwed.characters import quaternions as quat
from arwed.characters.posing import PoseEditor

REACH_IN_S = 1.1  # from the arm hanging to the hand at her wrist
LET_GO_S = 0.9
FOLLOW_HALF_LIFE_S = 0.12  # how fast the hand follows her moving wrist
HELP_FROM = 0.75  # fraction of the arm's reach beyond which the spine and shoulder help
SPINE_TURN_MAX_DEG = 12.0
SPINE_LEAN_MAX_DEG = 8.0
SHOULDER_MAX_DEG = 12.0
OFFER_BEYOND = 1.3  # her wrist farther than this many arm reaches from his shoulder: offer instead
ELBOW_POLE = (0.35, -1.0, -0.45)  # elbows point down, back and out (x flips for the right arm)
LIFT_PATH_M = 0.12  # the hand swings forward of the straight line on its way out (not through his thigh)


@dataclass(frozen=True)
class ReachReport:
    """What the arm did this frame (character space), for statistics and tests."""

    side: str  # "left" or "right"
    hand_m: np.ndarray  # where his hand joint is
    target_m: np.ndarray | None  # her wrist, None when not seen
    offering: bool  # her hand is out of reach: he holds his out
    weight: float  # 0 hanging .. 1 at her hand
    solution: ChainSolution | None


def smoothstep(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3.0 - 2.0 * x)


class ArmReach:
    """One reach, from its start to after it has let go. Owned by the render thread."""

    def __init__(self, start_s: float, side: str | None = None):
        self.start_s = start_s
        self.release_s: float | None = None
        self._side = side
        self._follow: np.ndarray | None = None
        self._last_t: float | None = None
        self._last_seen: np.ndarray | None = None
        self.last: ReachReport | None = None

    def release(self, time_s: float) -> None:
        if self.release_s is None:
            self.release_s = time_s

    def weight(self, time_s: float) -> float:
        w = smoothstep((time_s - self.start_s) / REACH_IN_S)
        if self.release_s is not None:
            w = min(w, 1.0 - smoothstep((time_s - self.release_s) / LET_GO_S))
        return w

    def finished(self, time_s: float) -> bool:
        return self.release_s is not None and time_s >= self.release_s + LET_GO_S

    def apply(self, editor: PoseEditor, time_s: float, her_wrist_m: np.ndarray | None) -> ReachReport | None:
        weight = self.weight(time_s)
        if her_wrist_m is not None:
            self._last_seen = np.asarray(her_wrist_m, dtype=np.float64)
        wanted = self._last_seen
        side = self._side or ("left" if wanted is None or wanted[0] >= 0 else "right")
        self._side = side
        bones = arm_bones(side)
        if not all(editor.has(b) for b in bones) or weight <= 0.0:
            self.last = None
            return None
        shoulder = editor.position_m(bones[0])
        reach = reach_m(*chain_lengths(editor, bones), ARM_LIMITS)
        offering = wanted is None or float(np.linalg.norm(wanted - shoulder)) > OFFER_BEYOND * reach
        goal = self._offer_spot(editor, side, reach) if offering else wanted
        goal = self._followed(goal, time_s)
        self._help(editor, side, goal, reach, weight)
        hand_rest = editor.position_m(bones[2])
        path = smoothstep(weight)
        target = hand_rest + (goal - hand_rest) * path
        target = target + np.array([0.0, 0.0, LIFT_PATH_M]) * math.sin(math.pi * path)
        pole = np.array(ELBOW_POLE) * np.array([1.0 if side == "left" else -1.0, 1.0, 1.0])
        solution = place_chain(editor, bones, target, pole, ARM_LIMITS, weight=min(1.0, 4.0 * weight))
        self._turn_hand(editor, side, goal, offering, weight)
        self.last = ReachReport(side, editor.position_m(bones[2]), her_wrist_m, offering, weight, solution)
        return self.last

    def _followed(self, goal: np.ndarray, time_s: float) -> np.ndarray:
        if self._follow is None or self._last_t is None:
            self._follow = goal.copy()
        else:
            dt = min(max(time_s - self._last_t, 0.0), 0.25)
            keep = 0.5 ** (dt / FOLLOW_HALF_LIFE_S)
            self._follow = goal + (self._follow - goal) * keep
        self._last_t = time_s
        return self._follow

    @staticmethod
    def _offer_spot(editor: PoseEditor, side: str, reach: float) -> np.ndarray:
        """In front of him on her side, forearm forward and a little out, at about the hip's height."""
        shoulder = editor.position_m(f"{side}UpperArm")
        sign = 1.0 if side == "left" else -1.0
        direction = np.array([0.35 * sign, -0.75, 0.6])
        return shoulder + 0.8 * reach * direction / np.linalg.norm(direction)

    @staticmethod
    def _help(editor: PoseEditor, side: str, goal: np.ndarray, reach: float, weight: float) -> None:
        """The spine turns and leans, the shoulder rises, a little, as the target gets far."""
        shoulder = editor.position_m(f"{side}UpperArm")
        far = (float(np.linalg.norm(goal - shoulder)) / reach - HELP_FROM) / (1.0 - HELP_FROM + 0.35)
        amount = min(max(far, 0.0), 1.0) * weight
        if amount <= 0.0:
            return
        spine = next((b for b in ("chest", "spine") if editor.has(b)), None)
        if spine is not None:
            centre = editor.position_m(spine)
            # turn about the vertical the way that brings this shoulder towards the goal
            swing = np.cross(np.array([0.0, 1.0, 0.0]), shoulder - centre)
            towards = goal - shoulder
            turn = math.copysign(math.radians(SPINE_TURN_MAX_DEG) * amount, float(np.dot(swing, towards)))
            editor.rotate(spine, quat.from_axis_angle(np.array([0.0, 1.0, 0.0]), turn))
            up = editor.position_m("head") - centre if editor.has("head") else np.array([0.0, 1.0, 0.0])
            lean = quat.from_to(up, goal - centre)
            angle = 2.0 * math.acos(min(1.0, abs(float(lean[3]))))
            if angle > 1e-6:
                share = min(1.0, math.radians(SPINE_LEAN_MAX_DEG) * amount / angle)
                editor.rotate(spine, quat.slerp(quat.IDENTITY, lean, share))
        clavicle = f"{side}Shoulder"
        if editor.has(clavicle):
            out = editor.position_m(f"{side}UpperArm") - editor.position_m(clavicle)
            towards = goal - editor.position_m(clavicle)
            turn = quat.from_to(out, towards)
            editor.rotate(clavicle, quat.slerp(quat.IDENTITY, turn, amount * SHOULDER_MAX_DEG / 90.0))

    @staticmethod
    def _turn_hand(editor: PoseEditor, side: str, goal: np.ndarray, offering: bool, weight: float) -> None:
        """The hand continues the forearm towards her wrist (within 40 degrees of the forearm's line)."""
        lower, hand = f"{side}LowerArm", f"{side}Hand"
        wrist = editor.position_m(hand)
        forearm = wrist - editor.position_m(lower)
        towards = goal - wrist
        if offering or np.linalg.norm(towards) < 0.03:
            towards = forearm
        forearm_u = forearm / max(np.linalg.norm(forearm), 1e-9)
        towards_u = towards / max(np.linalg.norm(towards), 1e-9)
        angle = math.acos(max(-1.0, min(1.0, float(np.dot(forearm_u, towards_u)))))
        limit = math.radians(40.0)
        if angle > limit:
            partial = quat.slerp(quat.IDENTITY, quat.from_to(forearm_u, towards_u), limit / angle)
            towards_u = quat.rotate(partial, forearm_u)
        current = hand_direction(editor, side)
        editor.rotate(hand, quat.slerp(quat.IDENTITY, quat.from_to(current, towards_u), weight))


def hand_direction(editor: PoseEditor, side: str) -> np.ndarray:
    """Where his hand points (wrist towards the fingers), character space: the forearm's line at rest,
    turned with the hand (rigs often have no finger bones to measure it by)."""
    rest = editor.rest_position_m(f"{side}Hand") - editor.rest_position_m(f"{side}LowerArm")
    return quat.rotate(editor.rotation(f"{side}Hand"), rest / max(np.linalg.norm(rest), 1e-9))
