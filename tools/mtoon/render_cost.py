"""Render cost of each character model: CharacterRenderer.render over repeated frames, median wall-clock
milliseconds and CPU milliseconds per frame (all threads: on a shared machine CPU time is the steadier figure).

Not part of the app: a measuring tool for issue 15 (MToon). `--tree PATH` imports arwed from another
checkout (e.g. an export of the commit before MToon), so "before" and "after" run with the same
Python, packages and machine; run them alternately and compare medians.

    python tools/mtoon/render_cost.py [--tree PATH] [--frames 40] [--json OUT.json] MODEL...
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help=".vrm/.glb files, or 'groom' for the shipped default")
    parser.add_argument("--tree", help="import arwed from this checkout instead of this one")
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--json", help="write the medians here")
    args = parser.parse_args()
    if args.tree:
        sys.path.insert(0, str(Path(args.tree).resolve()))
    import numpy as np

    import arwed
    from arwed.characters.base import CharacterCue
    from arwed.characters.catalog import ASSETS_DIR, DEFAULT_CHARACTER
    from arwed.characters.loader import load_character
    from arwed.geometry.camera import intrinsics_from_fov
    from arwed.render.renderer import CharacterRenderer

    print(f"arwed from {Path(arwed.__file__).parent}", file=sys.stderr)
    intrinsics = intrinsics_from_fov(1280, 720, 60.0)  # the stage camera: 720p, 60 degrees
    yaw = math.radians(30.0)  # turned 30 degrees towards the person, 3.2 m away
    character_to_camera = np.eye(4)
    character_to_camera[:3, :3] = np.array(
        [[math.cos(yaw), 0.0, math.sin(yaw)], [0.0, -1.0, 0.0], [math.sin(yaw), 0.0, -math.cos(yaw)]]
    )
    character_to_camera[:3, 3] = (0.6, 1.1, 3.2)
    renderer = CharacterRenderer()
    results = {}
    for name in args.models:
        path = ASSETS_DIR / DEFAULT_CHARACTER if name == "groom" else Path(name)
        character = load_character(path)
        renderer.set_character(character)
        posed = character.pose(CharacterCue(time_s=1.0))
        for _ in range(5):
            renderer.render(posed, character_to_camera, intrinsics)
        times = []
        cpu_start = time.process_time()
        for _ in range(args.frames):
            start = time.perf_counter()
            layer = renderer.render(posed, character_to_camera, intrinsics)
            times.append((time.perf_counter() - start) * 1000.0)
        cpu_ms = (time.process_time() - cpu_start) * 1000.0 / args.frames  # all threads (llvmpipe's too)
        region = layer.rgba.shape[1], layer.rgba.shape[0]
        results[Path(name).name] = {
            "median_ms": float(np.median(times)),
            "cpu_ms": cpu_ms,
            "region_px": region,
        }
        print(f"{Path(name).name:55s} {np.median(times):7.2f} ms wall  {cpu_ms:7.2f} ms CPU  region {region}")
    renderer.close()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
