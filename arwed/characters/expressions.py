"""Facial expressions by name (VRM 1.0 preset names), driven by morph targets.

Sources, in order: VRM 1.0 `expressions` (preset and custom), VRM 0.x `blendShapeMaster` (its preset names
are translated: joy -> happy, a -> aa, blink_l -> blinkLeft, ...), and for plain glTF the morph targets
themselves, matched by name (`Blink`, `Fcl_EYE_Close`, `Smile`, `mouth_a`, ...) and also available under
their own lower-cased names. Evaluation follows the VRM 1.0 rules: values clamp to 0..1, `isBinary`
rounds at 0.5, and `overrideBlink`/`overrideLookAt`/`overrideMouth` block or blend the procedural groups.
Material colour and texture-transform binds are recorded but cannot change a loaded mesh's look.

Names are found in any case and in either VRM version's spelling: `joy`, `Joy` and `happy` are the same
expression on a VRM 0.x and a 1.0 model alike (`find`, `aliases`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from arwed.characters.gltf_io import GltfDocument

PRESETS = (
    "happy",
    "angry",
    "sad",
    "relaxed",
    "surprised",
    "aa",
    "ih",
    "ou",
    "ee",
    "oh",
    "blink",
    "blinkLeft",
    "blinkRight",
    "lookUp",
    "lookDown",
    "lookLeft",
    "lookRight",
    "neutral",
)
BLINK_GROUP = ("blink", "blinkLeft", "blinkRight")
LOOK_GROUP = ("lookUp", "lookDown", "lookLeft", "lookRight")
MOUTH_GROUP = ("aa", "ih", "ou", "ee", "oh")
_VRM0_PRESETS = {
    "joy": "happy",
    "angry": "angry",
    "sorrow": "sad",
    "fun": "relaxed",
    "surprised": "surprised",
    "a": "aa",
    "i": "ih",
    "u": "ou",
    "e": "ee",
    "o": "oh",
    "blink": "blink",
    "blink_l": "blinkLeft",
    "blink_r": "blinkRight",
    "lookup": "lookUp",
    "lookdown": "lookDown",
    "lookleft": "lookLeft",
    "lookright": "lookRight",
    "neutral": "neutral",
}
_MORPH_NAME_PRESETS = {
    "blink": ("blink", "eyesclosed", "eyeclose", "eyesclose", "fcleyeclose", "closeeyes", "blinkboth"),
    "blinkLeft": ("blinkleft", "blinkl", "eyeblinkleft", "fcleyecloseL".lower(), "winkleft"),
    "blinkRight": ("blinkright", "blinkr", "eyeblinkright", "fcleyecloser", "winkright"),
    "happy": ("happy", "joy", "smile", "fclalljoy", "mouthsmile"),
    "angry": ("angry", "anger", "fclallangry"),
    "sad": ("sad", "sorrow", "fclallsorrow"),
    "relaxed": ("relaxed", "fun", "fclallfun"),
    "surprised": ("surprised", "surprise", "fclallsurprised", "shock"),
    "aa": ("aa", "a", "moutha", "fclmtha", "vaa", "visemeaa"),
    "ih": ("ih", "i", "mouthi", "fclmthi", "vih", "visemeih"),
    "ou": ("ou", "u", "mouthu", "fclmthu", "vou", "visemeou"),
    "ee": ("ee", "e", "mouthe", "fclmthe", "vee", "visemeee"),
    "oh": ("oh", "o", "moutho", "fclmtho", "voh", "visemeoh"),
}


@dataclass
class Expression:
    name: str
    binds: list[tuple[np.ndarray, float]] = field(default_factory=list)  # (global morph indices, weight)
    is_binary: bool = False
    override_blink: str = "none"
    override_look_at: str = "none"
    override_mouth: str = "none"
    material_binds: int = 0  # material colour / texture transform binds we cannot show
    source_name: str = ""  # the name in the file, when it differs (a VRM 0.x group's name, e.g. "Joy")

    @property
    def moves_vertices(self) -> bool:
        return any(len(idx) for idx, _ in self.binds)


VRM1_TO_VRM0 = {v1: v0 for v0, v1 in _VRM0_PRESETS.items()}


class ExpressionSet:
    def __init__(self, expressions: dict[str, Expression], morph_count: int):
        self.expressions = expressions
        self.morph_count = morph_count
        self.aliases = _aliases(expressions)

    def find(self, name: str) -> str | None:
        """The expression `name` means: exact, else any case, VRM 0.x or 1.0 preset spelling; or None."""
        if name in self.expressions:
            return name
        return self.aliases.get(name.lower())

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.expressions)

    def has(self, name: str) -> bool:
        return name in self.expressions and self.expressions[name].moves_vertices

    def resolve(self, requested: dict[str, float]) -> dict[str, float]:
        """The effective weight of each expression after clamping, isBinary and the override rules."""
        values = {}
        for name, value in requested.items():
            expr = self.expressions.get(name)
            if expr is None or not np.isfinite(value):
                continue
            v = float(np.clip(value, 0.0, 1.0))
            values[name] = (1.0 if v > 0.5 else 0.0) if expr.is_binary else v
        for group, attribute in (
            (BLINK_GROUP, "override_blink"),
            (LOOK_GROUP, "override_look_at"),
            (MOUTH_GROUP, "override_mouth"),
        ):
            factor = self._override_factor(values, group, attribute)
            if factor >= 1.0:
                continue
            for name in group:
                if name in values:
                    binary = self.expressions[name].is_binary
                    values[name] = 0.0 if binary else values[name] * factor
        return values

    def _override_factor(self, values: dict[str, float], group: tuple[str, ...], attribute: str) -> float:
        blended = 0.0
        for name, value in values.items():
            if name in group or value <= 0.0:
                continue
            mode = getattr(self.expressions[name], attribute)
            if mode == "block":
                return 0.0
            if mode == "blend":
                blended += value
        return 1.0 - min(max(blended, 0.0), 1.0)

    def morph_weights(self, requested: dict[str, float]) -> np.ndarray:
        weights = np.zeros(self.morph_count)
        for name, value in self.resolve(requested).items():
            if value == 0.0:
                continue
            for indices, bind_weight in self.expressions[name].binds:
                weights[indices] += value * bind_weight
        return weights


def _aliases(expressions: dict[str, Expression]) -> dict[str, str]:
    """Lower-case name -> expression name, for every spelling a user may type."""
    out: dict[str, str] = {}
    for name, expr in expressions.items():
        out.setdefault(name.lower(), name)
        if expr.source_name:
            out.setdefault(expr.source_name.lower(), name)
    for v0, v1 in _VRM0_PRESETS.items():
        if v1 in expressions:  # a 0.x name typed for a 1.0 (or translated 0.x) expression
            out.setdefault(v0, v1)
        elif v0 in expressions:  # a 1.0 name typed for an expression stored under its 0.x name
            out.setdefault(v1.lower(), v0)
    return out


def read_expressions(
    doc: GltfDocument,
    morphs_of_mesh: dict[int, list[list[int]]],
    morph_names: list[str],
    mesh_of_node: dict[int, int],
) -> ExpressionSet:
    """morphs_of_mesh[mesh][k]: global morph indices of target k across that mesh's primitives."""
    vrm1 = doc.extension("VRMC_vrm")
    vrm0 = doc.extension("VRM")
    if vrm1 is not None:
        expressions = _vrm1_expressions(vrm1.get("expressions") or {}, morphs_of_mesh, mesh_of_node)
    elif vrm0 is not None:
        expressions = _vrm0_expressions(vrm0.get("blendShapeMaster") or {}, morphs_of_mesh)
    else:
        expressions = {}
    for name, expr in _by_morph_names(morph_names).items():
        if name not in expressions or not expressions[name].moves_vertices:
            expressions[name] = expr
    return ExpressionSet(expressions, len(morph_names))


def _targets(morphs_of_mesh: dict[int, list[list[int]]], mesh: int | None, index) -> np.ndarray:
    if mesh is None or not isinstance(index, int) or mesh not in morphs_of_mesh:
        return np.zeros(0, dtype=np.int64)
    slots = morphs_of_mesh[mesh]
    return np.asarray(slots[index] if 0 <= index < len(slots) else [], dtype=np.int64)


def _vrm1_expressions(block: dict, morphs_of_mesh, mesh_of_node: dict[int, int]) -> dict[str, Expression]:
    out: dict[str, Expression] = {}
    for kind in ("preset", "custom"):
        group = block.get(kind) or {}
        if not isinstance(group, dict):
            continue
        for name, spec in group.items():
            if not isinstance(spec, dict) or name in out:
                continue
            binds = []
            for bind in spec.get("morphTargetBinds") or []:
                if isinstance(bind, dict):
                    indices = _targets(morphs_of_mesh, mesh_of_node.get(bind.get("node")), bind.get("index"))
                    binds.append((indices, float(bind.get("weight", 1.0))))
            out[name] = Expression(
                name,
                binds,
                bool(spec.get("isBinary", False)),
                _mode(spec.get("overrideBlink")),
                _mode(spec.get("overrideLookAt")),
                _mode(spec.get("overrideMouth")),
                len(spec.get("materialColorBinds") or []) + len(spec.get("textureTransformBinds") or []),
            )
    return out


def _vrm0_expressions(master: dict, morphs_of_mesh) -> dict[str, Expression]:
    out: dict[str, Expression] = {}
    for group in master.get("blendShapeGroups") or []:
        if not isinstance(group, dict):
            continue
        preset = str(group.get("presetName") or "unknown").lower()
        name = _VRM0_PRESETS.get(preset) or str(group.get("name") or preset)
        if name in out:
            continue
        binds = []
        for bind in group.get("binds") or []:
            if isinstance(bind, dict):
                indices = _targets(morphs_of_mesh, bind.get("mesh"), bind.get("index"))
                binds.append((indices, float(bind.get("weight", 100.0)) / 100.0))
        source = str(group.get("name") or "")
        out[name] = Expression(
            name,
            binds,
            bool(group.get("isBinary", False)),
            material_binds=len(group.get("materialValues") or []),
            source_name=source if source != name else "",
        )
    return out


def _by_morph_names(morph_names: list[str]) -> dict[str, Expression]:
    by_key: dict[str, list[int]] = {}
    for index, name in enumerate(morph_names):
        by_key.setdefault(_key(name), []).append(index)
    out: dict[str, Expression] = {}
    for preset, keys in _MORPH_NAME_PRESETS.items():
        for key in keys:
            if key in by_key:
                out[preset] = Expression(preset, [(np.asarray(by_key[key]), 1.0)])
                break
    for name in morph_names:
        own = name.lower()
        if own and own not in out and own not in PRESETS:
            out[own] = Expression(own, [(np.asarray(by_key[_key(name)]), 1.0)])
    return out


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _mode(value) -> str:
    return value if value in ("none", "block", "blend") else "none"


def expression_choices(names: tuple[str, ...], aliases: dict[str, str]) -> str:
    """The valid names for an error message: 'happy (or joy), aa (or a), blink', or 'none'."""
    if not names:
        return "none (the model has no expressions)"
    other: dict[str, list[str]] = {}
    for alias, name in aliases.items():
        other.setdefault(name, []).append(alias)
    return ", ".join(f"{n} (or {', '.join(other[n])})" if n in other else n for n in names)
