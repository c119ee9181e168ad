"""Per-frame cost of models, measured side by side: `python -m tools.groom.measure MODEL [MODEL ...]`.

For each model, in turns (so a busy machine slows every model alike): the animation (`pose`, with a
wandering look-at target, a drifting anchor and a changing expression, as `arwed bench` does) and the
render of that pose at 1280x720, the character about two thirds of the frame's height, as in the demo.
Prints the medians (ms) and each model's triangles, vertices, textures and file size. Besides the wall
clock it gives the process's CPU time per frame (every thread's, the software renderer's included): on a
machine that others load, waiting for a core inflates the wall clock, not the CPU time.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import pygltflib

from arwed.characters.base import CharacterCue
from arwed.characters.loader import load_character
from arwed.characters.preview import OrbitView, tile_intrinsics
from arwed.render.renderer import CharacterRenderer

ROUNDS, FRAMES_PER_ROUND = 4, 25
SIZE_PX = (1280, 720)


def _cue(k: int) -> CharacterCue:
    t = k / 30.0
    return CharacterCue(
        time_s=t,
        look_at_m=np.array([0.7 + 0.2 * math.sin(t * 0.7), 1.6 + 0.05 * math.sin(t * 1.3), 0.6]),
        root_motion_m=np.array([0.003 * math.sin(t * 0.9), 0.0, 0.0]),
        expressions={"happy": 0.5 + 0.5 * math.sin(t * 0.4), "aa": max(0.0, math.sin(t * 5.0))},
    )


def _facts(path: Path) -> dict:
    gltf = pygltflib.GLTF2.load(str(path))
    images = []
    for image in gltf.images or []:
        view = gltf.bufferViews[image.bufferView]
        images.append(f"{image.name} {view.byteLength // 1024} KiB")
    return {"file_MB": round(path.stat().st_size / 1e6, 3), "textures": images}


def main(argv: list[str] | None = None) -> int:
    paths = [Path(p) for p in (sys.argv[1:] if argv is None else argv)]
    characters = [load_character(p) for p in paths]
    view = OrbitView(20.0, 0.0, 3.2, (0.0, 0.95, 0.0))
    intrinsics = tile_intrinsics(*SIZE_PX)
    renderer = CharacterRenderer()  # one GL context; each model is set on it for its turn (not timed)
    pose_ms = [[] for _ in paths]
    render_ms = [[] for _ in paths]
    cpu_ms = [[] for _ in paths]
    frame = 0
    try:
        for _ in range(ROUNDS):
            for i, c in enumerate(characters):
                renderer.set_character(c)
                renderer.warm_up(c.pose(_cue(frame)))
                for k in range(FRAMES_PER_ROUND):
                    started, cpu_started = time.perf_counter(), time.process_time()
                    posed = c.pose(_cue(frame + k))
                    posed_at = time.perf_counter()
                    renderer.render(posed, view.character_to_camera(), intrinsics)
                    done = time.perf_counter()
                    cpu_ms[i].append((time.process_time() - cpu_started) * 1000.0)
                    pose_ms[i].append((posed_at - started) * 1000.0)
                    render_ms[i].append((done - posed_at) * 1000.0)
            frame += FRAMES_PER_ROUND
    finally:
        renderer.close()
    out = []
    for i, path in enumerate(paths):
        c = characters[i]
        out.append(
            {
                "model": str(path),
                "triangles": c.info.triangles,
                "vertices": sum(len(p.rest_positions_m) for p in c.parts),
                "pose_ms_median": round(float(np.median(pose_ms[i])), 2),
                "render_ms_median": round(float(np.median(render_ms[i])), 2),
                "total_ms_median": round(float(np.median(np.add(pose_ms[i], render_ms[i]))), 2),
                "total_cpu_ms_median": round(float(np.median(cpu_ms[i])), 2),
                **_facts(path),
            }
        )
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
