"""The rendered head's yaw through MediaPipe, the bare mask beside the whole head, in one run.

    python -m tests.eyes.face_yaw_measure [--pictures DIR]

For each background photo in ../shared/data and two distances, the head turns from -60 to +60 degrees
of yaw in steps of 10 (pitch wobbling by up to 5 degrees, as in the test); Face Mesh on the crop, then
the canonical-face PnP, give the yaw compared with the rendered one. Prints each yaw and the median
|error|; with --pictures, writes the frames at -60, -30, 0, 30 and 60 degrees there.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from arwed.geometry.head import FaceOrientationSolver, head_angles_deg
from tests.eyes.face_render import FaceScene, hopper_texture_uv

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
BACKGROUNDS = ("basketball1.png", "zidane.jpg", "messi5.jpg")
DISTANCES_M = (0.9, 1.5)
YAWS_DEG = tuple(range(-60, 61, 10))
PICTURED_DEG = (-60, -30, 0, 30, 60)


def yaw_errors(
    tracker, scene: FaceScene, pictures: Path | None = None, name: str = ""
) -> tuple[dict[int, float], list[int]]:
    """(|error| at each yaw where a face was found, the yaws where none was)."""
    errors, missed = {}, []
    solver = FaceOrientationSolver(scene.intrinsics)
    for yaw in YAWS_DEG:
        frame, truth = scene.render(float(yaw), pitch_deg=5.0 * np.sin(yaw))
        crop = scene.head_crop_px()
        if pictures is not None and yaw in PICTURED_DEG:
            x, y, side = crop
            cv2.imwrite(
                str(pictures / f"{name}_{yaw:+03d}.png"),
                frame.image_bgr[max(y, 0) : y + side, max(x, 0) : x + side],
            )
        face = tracker.process_crop(frame, crop)
        solver.reset()  # each frame on its own, as the test does
        solved = None if face is None else solver.solve(face.landmarks_px)
        if solved is None:
            missed.append(yaw)
            continue
        estimated = head_angles_deg(solved[0], scene.position_m)[0]
        errors[yaw] = abs(estimated - head_angles_deg(truth, scene.position_m)[0])
    return errors, missed


def main() -> None:
    from arwed.tracking.face import FaceTracker

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pictures", type=Path, help="write the frames at -60, -30, 0, 30, 60 degrees here")
    args = parser.parse_args()
    if args.pictures is not None:
        args.pictures.mkdir(parents=True, exist_ok=True)
    with FaceTracker() as tracker:
        texture, uv = hopper_texture_uv(tracker)
        totals: dict[str, list] = {"mask": [], "head": []}
        for background_name in BACKGROUNDS:
            background = cv2.imread(str(SHARED / background_name))
            if background is None:
                print(f"{SHARED / background_name}: absent, skipped")
                continue
            for distance in DISTANCES_M:
                for kind in ("mask", "head"):
                    scene = FaceScene(texture, uv, background, head=kind == "head", distance_m=distance)
                    try:
                        name = f"{kind}_{Path(background_name).stem}_{distance:.1f}m"
                        errors, missed = yaw_errors(tracker, scene, args.pictures, name)
                    finally:
                        scene.close()
                    totals[kind] += list(errors.values())
                    extremes = [e for yaw, e in errors.items() if abs(yaw) >= 50]
                    print(
                        f"{background_name:16s} {distance:.1f} m {kind}: median |yaw error| "
                        f"{np.median(list(errors.values())):4.1f} deg ({np.median(extremes):4.1f} at 50-60), "
                        f"no face at {missed}; " + " ".join(f"{yaw:+d}:{e:.1f}" for yaw, e in errors.items())
                    )
        for kind, errors in totals.items():
            print(f"all {kind}: median |yaw error| {np.median(errors):.2f} deg over {len(errors)} frames")


if __name__ == "__main__":
    main()
