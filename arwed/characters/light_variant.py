"""When a live run swaps its character for the model's light variant: the one rule, in one place.

A model may ship a lighter version of itself beside it, named `<name>_light<suffix>` (the groom does:
`groom.glb` and `groom_light.glb`, made by `python -m tools.groom`). When drawing the character keeps
rendering from keeping up with the camera, the run switches to that file once and stays with it (a
second swap back and forth would show as a jump): the character's own cost per frame (animation and
drawing, the `animation` and `render` timings) must fit in a share of the frame interval, judged on the median
of the last 300 frames drawn, so a hiccup of the machine decides nothing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path

import numpy as np

log = logging.getLogger("arwed.characters")

LIGHT_SUFFIX = "_light"
WINDOW_FRAMES = 300  # ten seconds at 30 frames a second, longer on a slow machine: the swap itself stalls
# the render thread a few seconds (meshes and shaders uploaded), so it is made once and on firm evidence
CHARACTER_SHARE = 0.6  # of the frame interval the character may take; the rest is tracking's, the composite's
CHARACTER_STAGES = ("animation", "render")


SLOWEST_OUTPUT_FPS = 30.0  # the outputs need this rate even from a faster camera


def frame_interval_ms(source_fps: float | None) -> float:
    """The time a live frame may take: the camera's interval, or 30 frames a second's if that is longer."""
    fps = source_fps if source_fps and source_fps > 0 else SLOWEST_OUTPUT_FPS
    return 1000.0 / min(fps, SLOWEST_OUTPUT_FPS)


def light_variant_of(path: str | Path | None) -> Path | None:
    """The light variant shipped beside a model file, or None (none there, or it is one already)."""
    if path is None:
        return None
    path = Path(path)
    if path.stem.endswith(LIGHT_SUFFIX):
        return None
    light = path.with_name(f"{path.stem}{LIGHT_SUFFIX}{path.suffix}")
    return light if light.is_file() else None


class LightVariantRule:
    """Fed each frame's stage times (ms); says once, with the file to load, when to switch."""

    def __init__(self, light_path: Path | None, frame_interval_ms: float) -> None:
        self.light_path = light_path
        self.budget_ms = CHARACTER_SHARE * frame_interval_ms
        self._costs: deque[float] = deque(maxlen=WINDOW_FRAMES)
        self.switched = False

    def observe(self, stage_ms: dict[str, float]) -> Path | None:
        """The light file to switch to now, or None (keep the character)."""
        if self.switched or self.light_path is None:
            return None
        if not all(stage in stage_ms for stage in CHARACTER_STAGES):
            return None  # no character drawn this frame: nothing to judge
        self._costs.append(sum(stage_ms[stage] for stage in CHARACTER_STAGES))
        if len(self._costs) < WINDOW_FRAMES or float(np.median(self._costs)) <= self.budget_ms:
            return None
        self.switched = True
        return self.light_path

    @property
    def median_ms(self) -> float | None:
        return float(np.median(self._costs)) if self._costs else None


class LightVariantSwitch:
    """The rule at work in a live run: fed each frame's times on the render thread; when it fires, the
    light file is loaded in a child process, at the lowest priority, and handed to `deliver` (the render
    stage's character mailbox) from a helper thread. The render thread never waits for a load, and the
    load never holds this process's interpreter lock: loaded on a thread here, it slowed every frame
    about threefold for the six seconds it took (each of the renderer's hundreds of OpenGL calls a frame
    waited for the lock), one frame by five seconds."""

    def __init__(self, character, frame_interval_ms: float, deliver: Callable[[object], None]) -> None:
        self._deliver = deliver
        self._frame_interval_ms = frame_interval_ms
        self._loading: threading.Thread | None = None
        self.rule = LightVariantRule(None, frame_interval_ms)
        self.retarget(character)

    def retarget(self, character) -> None:
        """A new character is on stage: judge it afresh (a light variant has none of its own)."""
        info = getattr(character, "info", None)
        self._info = info
        self.rule = LightVariantRule(
            light_variant_of(getattr(info, "source_path", None)), self._frame_interval_ms
        )

    def observe(self, stage_ms: dict[str, float]) -> None:
        light = self.rule.observe(stage_ms)
        if light is None:
            return
        log.warning(
            "drawing the character takes %.0f ms a frame (median), more than the %.0f ms it may: "
            "switching to its light variant %s",
            self.rule.median_ms,
            self.rule.budget_ms,
            light.name,
        )
        info = self._info
        self._loading = threading.Thread(target=self._load, args=(light, info), name="arwed light variant")
        self._loading.start()

    def close(self, timeout_s: float = 10.0) -> None:
        """Wait for a load in progress (the run is ending): a thread killed inside a load aborts the process."""
        if self._loading is not None:
            self._loading.join(timeout_s)

    def _load(self, path: Path, info) -> None:
        # a fresh interpreter (this module run as a program): no threads, locks or GL state copied
        command = [sys.executable, "-m", __name__, str(path), repr(info.height_m), str(info.height_to)]
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=LOAD_TIMEOUT_S, check=False, env=_child_environment()
            )
            if done.returncode != 0:
                raise RuntimeError(done.stderr.decode(errors="replace").strip().splitlines()[-1:])
            character = pickle.loads(done.stdout)  # its arrays copied in: milliseconds with the lock held
        except Exception:  # a broken light file, or a child that died: keep the full model, say so once
            log.exception("could not load the light variant %s; keeping the full model", path)
            return
        self._deliver(character)


LOAD_TIMEOUT_S = 300.0
CHILD_NICENESS = 10  # about a tenth of a core's share beside the show's own busy threads


def _child_environment() -> dict[str, str]:
    """This process's environment, with this very copy of arwed first on the child's path."""
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    return env


def _load_in_child(argv: list[str]) -> int:
    """`python -m arwed.characters.light_variant PATH HEIGHT_M HEIGHT_TO`: the character loaded as the
    live run would, pickled to stdout for the trip back. At a low priority: the load must not take the
    cores from tracking and the window while the show goes on, yet arrive while it does (the machine is
    busy: that is why he is swapped; at the lowest, a three-second load took minutes on a loaded one)."""
    with contextlib.suppress(AttributeError, OSError):  # elsewhere the load runs at normal priority
        os.nice(CHILD_NICENESS)
    from arwed.characters.loader import load_character

    path, height_m, height_to = argv
    character = load_character(path, height_m=float(height_m), height_to=height_to)
    sys.stdout.buffer.write(pickle.dumps(character, pickle.HIGHEST_PROTOCOL))
    return 0


if __name__ == "__main__":
    raise SystemExit(_load_in_child(sys.argv[1:]))
