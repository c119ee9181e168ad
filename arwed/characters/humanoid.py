"""Which node is which body part: VRM's humanoid map (0.x and 1.0) or, for plain glTF rigs, a name-based guess.

Bone names follow VRM 1.0 (`hips`, `leftUpperArm`, ...). The name mapper understands the usual
conventions: Blender (`UpperArm.L`, `forearm.R`, `thigh.L`), Mixamo (`mixamorig:LeftArm`,
`mixamorig:LeftUpLeg`), Unreal/3ds Max (`upperarm_l`, `Bip01 L Forearm`), plain words (`Left arm`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from arwed.characters.gltf_io import GltfDocument
from arwed.characters.skeleton import Skeleton

REQUIRED_BONES = (
    "hips",
    "spine",
    "head",
    "leftUpperArm",
    "leftLowerArm",
    "leftHand",
    "rightUpperArm",
    "rightLowerArm",
    "rightHand",
    "leftUpperLeg",
    "leftLowerLeg",
    "leftFoot",
    "rightUpperLeg",
    "rightLowerLeg",
    "rightFoot",
)
USABLE_BONES = ("hips", "spine", "head", "leftUpperArm", "leftLowerArm", "rightUpperArm", "rightLowerArm")
OPTIONAL_BONES = (
    "chest",
    "upperChest",
    "neck",
    "leftShoulder",
    "rightShoulder",
    "leftToes",
    "rightToes",
    "leftEye",
    "rightEye",
    "jaw",
)


@dataclass(frozen=True)
class HumanoidMap:
    bones: dict[str, int]  # VRM bone name -> skeleton index
    source: str  # "VRM 0.x", "VRM 1.0", "names" or "none"

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(b for b in REQUIRED_BONES if b not in self.bones)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def usable(self) -> bool:
        """Enough for the rest pose, idle motion and look-at (hands and feet may be missing, as in simple rigs)."""
        return all(b in self.bones for b in USABLE_BONES)

    def get(self, name: str) -> int | None:
        return self.bones.get(name)


def read_humanoid(doc: GltfDocument, skeleton: Skeleton, candidates: set[int]) -> HumanoidMap:
    """VRM's map when the file has one; else names of `candidates` (skeleton indices of bone-like nodes)."""
    to_skeleton = skeleton.index_of_gltf()
    vrm1 = doc.extension("VRMC_vrm")
    if vrm1 is not None:
        bones = (vrm1.get("humanoid") or {}).get("humanBones") or {}
        mapped = {
            name: to_skeleton[b["node"]]
            for name, b in bones.items()
            if isinstance(b, dict) and b.get("node") in to_skeleton
        }
        return HumanoidMap(mapped, "VRM 1.0")
    vrm0 = doc.extension("VRM")
    if vrm0 is not None:
        bones = (vrm0.get("humanoid") or {}).get("humanBones") or []
        mapped = {}
        for b in bones:
            if isinstance(b, dict) and isinstance(b.get("bone"), str) and b.get("node") in to_skeleton:
                mapped[_vrm0_name(b["bone"])] = to_skeleton[b["node"]]
        return HumanoidMap(mapped, "VRM 0.x")
    mapped = map_by_names(skeleton, candidates)
    return HumanoidMap(mapped, "names" if mapped else "none")


def _vrm0_name(name: str) -> str:
    # VRM 0.x spells thumbs differently (thumbProximal is 1.0's thumbMetacarpal, and so on)
    renames = {"ThumbProximal": "ThumbMetacarpal", "ThumbIntermediate": "ThumbProximal"}
    for old, new in renames.items():
        if name.endswith(old):
            return name[: -len(old)] + new
    return name


# (VRM bone stem, pattern on the side-less normalised name). Order matters: first match wins.
_PART_PATTERNS: tuple[tuple[str, str], ...] = (
    ("Toes", r"(toe|toes|toebase|ball)$"),
    ("Foot", r"(foot|ankle)$"),
    ("LowerLeg", r"(lowerleg|calf|shin|knee|leg)$"),
    ("UpperLeg", r"(upperleg|upleg|thigh|hip)$"),
    ("Hand", r"(hand|wrist)$"),
    ("LowerArm", r"(lowerarm|forearm|elbow)$"),
    ("UpperArm", r"(upperarm|arm)$"),
    ("Shoulder", r"(shoulder|clavicle|collar)$"),
    ("Eye", r"eye$"),
)
_CENTRE_PATTERNS: tuple[tuple[str, str], ...] = (
    ("hips", r"(hips|pelvis)$"),
    ("upperChest", r"(upperchest|spine2|spine03|chest2)$"),
    ("chest", r"(chest|torso|spine1|spine02|ribcage)$"),
    ("spine", r"(spine|abdomen|spine0|spine01|waist)$"),
    ("neck", r"neck$"),
    ("head", r"head$"),
    ("jaw", r"jaw$"),
)
_SIDE_PATTERNS = (
    ("left", r"^(left|l)(?=[a-z])|(?<=[a-z])(left|l)$"),
    ("right", r"^(right|r)(?=[a-z])|(?<=[a-z])(right|r)$"),
)


def normalise_name(name: str) -> tuple[str | None, str]:
    """(side, body word) from a bone name: 'mixamorig:LeftForeArm' -> ('left', 'forearm')."""
    text = name.split(":")[-1].split("|")[-1]
    text = re.sub(
        r"^(mixamorig|j_bip|j_adj|j_sec|bip0?1|def|org|mch|b|bone|j|jnt|armature)[\s_\-.]+",
        "",
        text,
        flags=re.I,
    )
    text = re.sub(r"([a-z])([A-Z])", r"\1_\2", text)  # split camel case before lowering
    tokens = [t for t in re.split(r"[\s_\-.]+", text.lower()) if t]
    if tokens and tokens[-1] == "end":
        return None, "end"
    side = None
    kept = []
    for t in tokens:
        if t in ("l", "left"):
            side = "left"
        elif t in ("r", "right"):
            side = "right"
        elif t == "c" and not kept:  # VRoid's J_Bip_C_Spine: C marks the centre line
            continue
        elif t.isdigit() and kept:
            kept[-1] += t
        else:
            kept.append(t)
    word = "".join(kept)
    if side is None:
        for candidate, pattern in _SIDE_PATTERNS:
            match = re.search(pattern, word)
            if match and len(word) > 2:
                side = candidate
                word = word[: match.start()] + word[match.end() :]
                break
    return side, word


def map_by_names(skeleton: Skeleton, candidates: set[int]) -> dict[str, int]:
    mapped: dict[str, int] = {}
    for index in sorted(candidates):  # parents before children: the first match is the one nearest the root
        side, word = normalise_name(skeleton.names[index])
        bone = _classify(side, word)
        if bone and bone not in mapped:
            mapped[bone] = index
    return _fix_structure(skeleton, mapped)


def _classify(side: str | None, word: str) -> str | None:
    if not word or word == "end":
        return None
    if side is None:
        for bone, pattern in _CENTRE_PATTERNS:
            if re.fullmatch(pattern.rstrip("$"), word):
                return bone
        return None
    for stem, pattern in _PART_PATTERNS:
        if re.fullmatch(pattern.rstrip("$"), word):
            return side + stem
    return None


def _fix_structure(skeleton: Skeleton, mapped: dict[str, int]) -> dict[str, int]:
    """The hips must carry the legs and the spine; some rigs (Blender's) hang the legs off a parent of 'Hips'."""
    hips = mapped.get("hips")
    legs = [mapped[b] for b in ("leftUpperLeg", "rightUpperLeg") if b in mapped]
    if hips is not None and legs and not all(skeleton.is_ancestor(hips, leg) for leg in legs):
        common = set(skeleton.chain_to_root(hips))
        for leg in legs:
            common &= set(skeleton.chain_to_root(leg))
        if common:
            new_hips = max(common)  # the deepest common ancestor (parents precede children)
            if "spine" not in mapped:
                mapped["spine"] = hips
            elif "chest" not in mapped and mapped["spine"] != hips:
                mapped["chest"] = mapped["spine"]
                mapped["spine"] = hips
            mapped["hips"] = new_hips
    return mapped
