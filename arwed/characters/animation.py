"""glTF animation clips: sampling (LINEAR, STEP, CUBICSPLINE) and cross-fading between clips.

A clip sets local translation/rotation/scale of nodes and morph weights of meshes. The player keeps the
clip that is fading out and the one fading in and blends them (slerp for rotations), so a change of
clip, or stopping one, never pops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from arwed.characters import quaternions as quat
from arwed.characters.gltf_io import GltfDocument
from arwed.characters.skeleton import Skeleton

MAX_CLIP_SECONDS = 3600.0


@dataclass
class Channel:
    node: int  # skeleton index
    path: str  # "translation", "rotation", "scale" or "weights"
    times: np.ndarray  # (K,) seconds, increasing
    values: np.ndarray  # (K, C), or (K, 3, C) for CUBICSPLINE (in-tangent, value, out-tangent)
    interpolation: str  # "LINEAR", "STEP" or "CUBICSPLINE"

    def sample(self, t: float) -> np.ndarray:
        times = self.times
        if len(times) == 1 or t <= times[0]:
            return self._key(0)
        if t >= times[-1]:
            return self._key(len(times) - 1)
        i = int(np.searchsorted(times, t, side="right")) - 1
        t0, t1 = times[i], times[i + 1]
        span = t1 - t0
        u = (t - t0) / span if span > 0 else 0.0
        if self.interpolation == "STEP":
            return self._key(i)
        if self.interpolation == "CUBICSPLINE":
            p0, m0 = self.values[i, 1], self.values[i, 2] * span
            p1, m1 = self.values[i + 1, 1], self.values[i + 1, 0] * span
            u2, u3 = u * u, u * u * u
            out = (
                (2 * u3 - 3 * u2 + 1) * p0 + (u3 - 2 * u2 + u) * m0 + (-2 * u3 + 3 * u2) * p1 + (u3 - u2) * m1
            )
            return quat.normalize(out) if self.path == "rotation" else out
        a, b = self._key(i), self._key(i + 1)
        if self.path == "rotation":
            return quat.slerp(a, b, u)
        return a + (b - a) * u

    def _key(self, i: int) -> np.ndarray:
        return self.values[i, 1] if self.interpolation == "CUBICSPLINE" else self.values[i]


@dataclass
class Clip:
    name: str
    duration_s: float
    channels: list[Channel]


@dataclass
class PoseArrays:
    """Local transforms of every node plus morph weights: what clips and procedural layers edit."""

    translation: np.ndarray
    rotation: np.ndarray
    scale: np.ndarray
    morph_weights: np.ndarray

    def copy(self) -> PoseArrays:
        return PoseArrays(
            self.translation.copy(), self.rotation.copy(), self.scale.copy(), self.morph_weights.copy()
        )


def read_clips(doc: GltfDocument, skeleton: Skeleton) -> list[Clip]:
    to_skeleton = skeleton.index_of_gltf()
    clips = []
    for a_index, anim in enumerate(doc.gltf.animations or []):
        channels = []
        for c_index, channel in enumerate(anim.channels or []):
            where = f"animations[{a_index}].channels[{c_index}]"
            target = channel.target
            if (
                target is None
                or target.node not in to_skeleton
                or target.path not in ("translation", "rotation", "scale", "weights")
            ):
                continue
            samplers = anim.samplers or []
            if not 0 <= (channel.sampler or 0) < len(samplers):
                raise doc.fail("refers to a sampler that does not exist", where)
            parsed = _read_channel(
                doc, samplers[channel.sampler or 0], to_skeleton[target.node], target.path, where
            )
            if parsed is not None:
                channels.append(parsed)
        if channels:
            duration = min(max(float(c.times[-1]) for c in channels), MAX_CLIP_SECONDS)
            clips.append(Clip(anim.name or f"clip{a_index}", duration, channels))
    return clips


def _read_channel(doc: GltfDocument, sampler, node: int, path: str, where: str) -> Channel | None:
    times = doc.accessor(sampler.input)[:, 0].astype(np.float64)
    values = doc.accessor(sampler.output).astype(np.float64)
    interpolation = sampler.interpolation or "LINEAR"
    if interpolation not in ("LINEAR", "STEP", "CUBICSPLINE"):
        interpolation = "LINEAR"
    if len(times) == 0 or not np.all(np.isfinite(times)) or np.any(np.diff(times) < 0):
        doc.warnings.append(f"{where}: keyframe times are empty or not increasing; channel ignored")
        return None
    keys = len(times)
    per_key = 3 if interpolation == "CUBICSPLINE" else 1
    if path == "weights":
        total = values.size
        if total % (keys * per_key):
            doc.warnings.append(f"{where}: morph weight output does not divide by its keyframes; ignored")
            return None
        width = total // (keys * per_key)
        values = values.reshape(keys * per_key, width)
    if len(values) != keys * per_key:
        doc.warnings.append(f"{where}: {len(values)} values for {keys} keyframes; channel ignored")
        return None
    if per_key == 3:
        values = values.reshape(keys, 3, values.shape[1])
    if path == "rotation":
        values = quat.normalize(values) if per_key == 1 else values
    return Channel(node, path, times, values, interpolation)


def apply_clip(clip: Clip, t: float, pose: PoseArrays, weight_slots: dict[int, np.ndarray]) -> None:
    """Overwrite the channels `clip` animates at time t (seconds into the clip)."""
    for channel in clip.channels:
        value = channel.sample(t)
        if channel.path == "translation":
            pose.translation[channel.node] = value
        elif channel.path == "rotation":
            pose.rotation[channel.node] = value
        elif channel.path == "scale":
            pose.scale[channel.node] = value
        else:
            slots = weight_slots.get(channel.node)
            if slots is not None:
                n = min(len(value), slots.shape[0])
                for k in range(n):
                    pose.morph_weights[slots[k]] = value[k]


def blend(a: PoseArrays, b: PoseArrays, w: float) -> PoseArrays:
    """(1 - w) a + w b, rotations by slerp."""
    if w <= 0.0:
        return a
    if w >= 1.0:
        return b
    return PoseArrays(
        a.translation + (b.translation - a.translation) * w,
        quat.slerp(a.rotation, b.rotation, w),
        a.scale + (b.scale - a.scale) * w,
        a.morph_weights + (b.morph_weights - a.morph_weights) * w,
    )


@dataclass
class _Playing:
    clip: Clip | None  # None: the rest pose
    start_s: float
    loop: bool


@dataclass
class ClipPlayer:
    """Which clip plays, and the cross-fade from the previous one."""

    clips: dict[str, Clip]
    current: _Playing = field(default_factory=lambda: _Playing(None, 0.0, True))
    previous: _Playing | None = None
    fade_start_s: float = 0.0
    fade_s: float = 0.0
    _pending: tuple[str | None, float, bool] | None = None

    def request(self, name: str | None, fade_s: float, loop: bool) -> None:
        """Start `name` (None: back to rest) at the next sample, fading over fade_s."""
        if name is not None and name not in self.clips:
            raise KeyError(name)
        self._pending = (name, max(fade_s, 0.0), loop)

    @property
    def active_name(self) -> str | None:
        pending = self._pending
        if pending is not None:
            return pending[0]
        return self.current.clip.name if self.current.clip else None

    def sample(self, t: float, rest: PoseArrays, weight_slots: dict[int, np.ndarray]) -> PoseArrays:
        if self._pending is not None:
            name, fade, loop = self._pending
            self._pending = None
            self.previous = self.current
            self.current = _Playing(self.clips[name] if name else None, t, loop)
            self.fade_start_s, self.fade_s = t, fade
        now = self._evaluate(self.current, t, rest, weight_slots)
        if self.previous is None:
            return now
        w = 1.0 if self.fade_s <= 0 else (t - self.fade_start_s) / self.fade_s
        if w >= 1.0 or w < 0.0:
            self.previous = None
            return now
        before = self._evaluate(self.previous, t, rest, weight_slots)
        return blend(before, now, w)

    @staticmethod
    def _evaluate(
        playing: _Playing, t: float, rest: PoseArrays, weight_slots: dict[int, np.ndarray]
    ) -> PoseArrays:
        if playing.clip is None:
            return rest
        pose = rest.copy()
        local = max(t - playing.start_s, 0.0)
        duration = playing.clip.duration_s
        if duration > 0:
            local = local % duration if playing.loop else min(local, duration)
        apply_clip(playing.clip, local, pose, weight_slots)
        return pose
