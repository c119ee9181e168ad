"""A seeded fuzz of the three readers a user's files enter through: glTF/VRM, settings, calibration profiles.

Each area gets a fixed seed and a time budget (about a minute in all): mutants of a good file are made
by structured edits (a random field replaced by a hostile value, deleted, or duplicated) and by byte
edits (flips, cuts, insertions). Every outcome must be a success or one InputFileError line naming the
file; no other exception, each case within 2 s and 300 MB (Python and numpy allocations, traced).
`python tests/faults/test_fuzz.py` prints the figures: cases tried and handled per area.
"""

from __future__ import annotations

import copy
import io
import json
import random
import struct
import sys
import time
import tracemalloc
from contextlib import redirect_stderr
from pathlib import Path

import numpy as np

from arwed.errors import UserError

SEED = 20261201
CASE_LIMIT_S = 2.0
CASE_LIMIT_MB = 300.0
HOSTILE = [
    None,
    -1,
    0,
    2**31,
    2**64,
    10**400,
    1e308,
    -1e308,
    1e-300,
    float("nan"),
    float("inf"),
    True,
    "",
    "x" * 1000,
    "../../../etc/passwd",
    "/dev/zero",
    "pipe",
    "data:application/octet-stream;base64,!!!!",
    [],
    {},
    [None],
    [0.0] * 3,
    [1e38, 1e38, 1e38],
    [float("nan")] * 4,
    [[[[[[1]]]]]],
    {"a": {"b": {"c": None}}},
    list(range(64)),
]


def _paths(value, prefix=()):
    """Every (path, value) inside nested dicts and lists."""
    yield prefix, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value[:50]):
            yield from _paths(child, (*prefix, index))


def mutate_tree(document, rng: random.Random):
    """A copy of a JSON-like tree with one to three random structured edits."""
    document = json.loads(json.dumps(document))
    for _ in range(rng.randint(1, 3)):
        paths = [p for p, _ in _paths(document) if p]
        if not paths:
            break
        path = rng.choice(paths)
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1]
        action = rng.random()
        if action < 0.7:
            parent[key] = copy.deepcopy(rng.choice(HOSTILE))
        elif action < 0.85 and isinstance(parent, dict):
            del parent[key]
        elif isinstance(parent, list):
            parent.insert(key, json.loads(json.dumps(parent[key], allow_nan=True)))
        else:
            parent[key] = rng.randint(-5, 5)
    return document


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    action = rng.random()
    if action < 0.4:
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif action < 0.7:
        data = data[: rng.randrange(len(data))]
    else:
        at = rng.randrange(len(data))
        data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    return bytes(data)


class Tally:
    def __init__(self, area: str):
        self.area = area
        self.tried = self.succeeded = self.refused = 0
        self.slowest_s = 0.0
        self.peak_mb = 0.0
        self.failures: list[str] = []

    @property
    def handled(self) -> int:
        return self.succeeded + self.refused

    def run(self, case: str, path: Path, attempt) -> None:
        """`attempt()` must return normally or raise a one-line UserError naming `path`."""
        self.tried += 1
        tracemalloc.start()
        started = time.perf_counter()
        kind, problem = "loaded", None
        try:
            attempt()
        except UserError as exc:
            kind = "refused"
            if "\n" in str(exc) or str(path) not in str(exc):
                problem = f"not one line naming the file: {str(exc)!r}"
        except Exception as exc:  # noqa: BLE001 - the fuzz records every escape
            problem = f"{exc.__class__.__name__}: {exc}"
        finally:
            seconds = time.perf_counter() - started
            peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        self.slowest_s = max(self.slowest_s, seconds)
        self.peak_mb = max(self.peak_mb, peak_mb)
        if problem is None and (seconds > CASE_LIMIT_S or peak_mb > CASE_LIMIT_MB):
            problem = f"took {seconds:.2f} s and {peak_mb:.0f} MB"
        if problem is not None:
            self.failures.append(f"{case}: {problem}")
        elif kind == "loaded":
            self.succeeded += 1
        else:
            self.refused += 1

    def summary(self) -> str:
        return (
            f"{self.area}: {self.tried} tried, {self.handled} handled "
            f"({self.succeeded} loaded, {self.refused} refused on one line), slowest {self.slowest_s:.2f} s, "
            f"peak {self.peak_mb:.0f} MB traced"
        )


# ----------------------------------------------------------------------------------------------- glTF


def _glb_parts(data: bytes) -> tuple[dict, bytes]:
    (json_length,) = struct.unpack_from("<I", data, 12)
    document = json.loads(data[20 : 20 + json_length])
    binary = data[20 + json_length + 8 :]
    return document, binary


def _glb(document: dict, binary: bytes) -> bytes:
    text = json.dumps(document, allow_nan=True).encode()
    text += b" " * (-len(text) % 4)
    binary += b"\0" * (-len(binary) % 4)
    total = 12 + 8 + len(text) + 8 + len(binary)
    return (
        struct.pack("<4sII", b"glTF", 2, total)
        + struct.pack("<I4s", len(text), b"JSON")
        + text
        + struct.pack("<I4s", len(binary), b"BIN\0")
        + binary
    )


def fuzz_models(folder: Path, budget_s: float, seed: int = SEED) -> Tally:
    from arwed.characters.loader import load_character
    from tests.characters.gltf_factory import humanoid_builder

    rng = random.Random(seed)
    tally = Tally("glTF/VRM reader")
    seeds = []
    for vrm in ("1.0", "0.x", None):
        builder, _, _ = humanoid_builder(vrm)
        seeds.append(builder.write_glb(folder / f"seed-{vrm}.glb").read_bytes())
    import os

    os.mkfifo(folder / "pipe")  # a URI naming it must not hang the reader
    deadline = time.monotonic() + budget_s
    index = 0
    while time.monotonic() < deadline:
        good = rng.choice(seeds)
        if rng.random() < 0.6:
            document, binary = _glb_parts(good)
            data = _glb(mutate_tree(document, rng), binary)
        else:
            data = mutate_bytes(good, rng)
        path = folder / f"mutant-{index}.vrm"
        path.write_bytes(data)
        tally.run(
            f"model mutant {index} (seed {seed})", path, lambda p=path: _load_and_pose(load_character, p)
        )
        path.unlink()
        index += 1
    return tally


def _load_and_pose(load_character, path: Path) -> None:
    from arwed.characters.base import CharacterCue

    character = load_character(path)
    posed = character.pose(CharacterCue(time_s=0.5, look_at_m=np.array([0.3, 1.6, 0.8])))
    del posed


# ----------------------------------------------------------------------------------------------- settings

GOOD_SETTINGS = {
    "placement": {"side": "left", "gap_m": 0.8, "facing_deg": 20.0, "character_height_m": 1.75},
    "tracking": {"model_complexity": 1, "min_detection_confidence": 0.5, "min_tracking_confidence": 0.5},
    "camera": {"default_hfov_deg": 62.0},
    "composite": {"mode": "stage", "key_color_bgr": [0, 255, 0], "shadow_strength": 0.4},
}


def fuzz_settings(folder: Path, budget_s: float, seed: int = SEED) -> Tally:
    import yaml

    from arwed.config import load_settings

    rng = random.Random(seed + 1)
    tally = Tally("settings loader")
    good_text = yaml.safe_dump(GOOD_SETTINGS)
    deadline = time.monotonic() + budget_s
    index = 0
    while time.monotonic() < deadline:
        if rng.random() < 0.6:
            text = yaml.safe_dump(mutate_tree(GOOD_SETTINGS, rng), allow_unicode=True)
            data = text.encode()
        else:
            data = mutate_bytes(good_text.encode(), rng)
        path = folder / f"settings-{index}.yaml"
        path.write_bytes(data)

        def attempt(p=path):
            settings = load_settings(p)
            settings.with_overrides({"placement": {"gap_m": 0.5}})

        tally.run(f"settings mutant {index} (seed {seed})", path, attempt)
        index += 1
    return tally


# ----------------------------------------------------------------------------------------------- profiles


def fuzz_profiles(folder: Path, budget_s: float, seed: int = SEED) -> Tally:
    import yaml

    from arwed.calibrate.profile import CalibrationProfile, load_profile, ros_camera_info_yaml, save_profile
    from arwed.types import CameraIntrinsics, FloorPlane

    rng = random.Random(seed + 2)
    tally = Tally("profile reader")
    intrinsics = CameraIntrinsics(1280, 720, 1000.0, 1002.0, 641.0, 359.0, (-0.1, 0.05, 0.001, 0.0, -0.01))
    saved = folder / "seed-cam.yaml"
    normal = np.array([0.0, -0.95, -0.31])
    save_profile(
        CalibrationProfile(str(saved), intrinsics).with_floor(
            FloorPlane(normal / np.linalg.norm(normal), 1.4, "calibration"), "board"
        )
    )
    opencv_text = saved.read_text()
    plain = yaml.safe_load(opencv_text.replace("%YAML:1.0", "").replace("!!opencv-matrix", ""))
    seeds_text = [opencv_text, ros_camera_info_yaml(intrinsics, "cam")]
    deadline = time.monotonic() + budget_s
    index = 0
    while time.monotonic() < deadline:
        choice = rng.random()
        if choice < 0.5:
            data = yaml.safe_dump(mutate_tree(plain, rng)).encode()
        elif choice < 0.7:
            data = _mutate_numbers(rng.choice(seeds_text), rng).encode()
        else:
            data = mutate_bytes(rng.choice(seeds_text).encode(), rng)
        path = folder / f"cam-{index}.yaml"
        path.write_bytes(data)

        def attempt(p=path):
            profile = load_profile(p)
            intrinsics_now = profile.intrinsics
            profile.intrinsics_for(intrinsics_now.width_px, intrinsics_now.height_px)
            if intrinsics_now.width_px % 2 == 0 and intrinsics_now.height_px % 2 == 0:
                profile.intrinsics_for(intrinsics_now.width_px // 2, intrinsics_now.height_px // 2)

        tally.run(f"profile mutant {index} (seed {seed})", path, attempt)
        index += 1
    return tally


def _mutate_numbers(text: str, rng: random.Random) -> str:
    """The text with a few of its numbers replaced by hostile ones (as a person editing by hand might)."""
    import re

    numbers = list(re.finditer(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", text))
    for match in sorted(rng.sample(numbers, min(len(numbers), rng.randint(1, 3))), key=lambda m: -m.start()):
        value = rng.choice(
            ["0", "-0", "1e-300", "1e300", "-1", ".nan", ".inf", "1e10", "99999999999999999999", "3"]
        )
        text = text[: match.start()] + value + text[match.end() :]
    return text


# ----------------------------------------------------------------------------------------------- the test


def _assert_clean(tally: Tally) -> None:
    assert tally.tried >= 20, tally.summary()
    assert not tally.failures, f"{tally.summary()}\n" + "\n".join(tally.failures[:10])


def test_fuzz_models(tmp_path):
    _assert_clean(fuzz_models(tmp_path, budget_s=15.0))


def test_fuzz_settings(tmp_path):
    _assert_clean(fuzz_settings(tmp_path, budget_s=6.0))


def test_fuzz_profiles(tmp_path):
    _assert_clean(fuzz_profiles(tmp_path, budget_s=8.0))


if __name__ == "__main__":
    import tempfile

    budget = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    with tempfile.TemporaryDirectory() as tmp, redirect_stderr(io.StringIO()):
        tallies = []
        for fuzz in (fuzz_models, fuzz_settings, fuzz_profiles):
            folder = Path(tmp) / fuzz.__name__
            folder.mkdir()
            tallies.append(fuzz(folder, budget))
    for tally in tallies:
        print(tally.summary())
        for failure in tally.failures[:20]:
            print("  ", failure)
    sys.exit(1 if any(t.failures for t in tallies) else 0)
