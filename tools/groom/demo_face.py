"""Which way his face turns in the demo: `python -m tools.groom.demo_face [--frames N] [--save 20,80,140 DIR]`.

Runs the embedded demo through the pipeline as `arwed render --source demo` does (default settings, the
shipped groom or `--character PATH`) and, for every frame, measures on the floor plane the angle between
his face (the line square to his eyes) and the camera (what the guests and the photos see), and between
his face and her head. Prints those angles at chosen frames and their medians from frame 60 on (after
the placement has settled) as JSON. `--save` writes the chosen frames, and a close-up of his head, as
PNGs. A build aid, not part of the installed package.
"""

from __future__ import annotations

import argparse
import json
import math
import threading
from pathlib import Path

import cv2
import numpy as np

from arwed.capture.sources import open_source
from arwed.characters.catalog import load_character_or_default
from arwed.config import Settings
from arwed.pipeline import Output, Pipeline

SETTLED_FROM_FRAME = 60


class _FaceRecorder:
    """The character, recording where his eyes are and which way his face points after each pose."""

    def __init__(self, character) -> None:
        self._character = character
        self._lock = threading.Lock()
        self.faces: dict[float, tuple[np.ndarray, np.ndarray]] = {}  # time -> (eyes centre, face forward)

    def __getattr__(self, name):
        return getattr(self._character, name)

    def pose(self, cue):
        posed = self._character.pose(cue)
        sk = self._character.skeleton()
        left = sk.positions_m[sk.humanoid["leftEye"]].astype(np.float64)
        right = sk.positions_m[sk.humanoid["rightEye"]].astype(np.float64)
        forward = np.cross(left - right, np.array([0.0, 1.0, 0.0]))  # his left is +x, up +y, forward +z
        with self._lock:
            self.faces[round(cue.time_s, 4)] = ((left + right) / 2.0, forward / np.linalg.norm(forward))
        return posed


def _floor_angle_deg(a: np.ndarray, b: np.ndarray, up: np.ndarray) -> float:
    a = a - np.dot(a, up) * up
    b = b - np.dot(b, up) * up
    cosine = np.dot(a, b) / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12)
    return math.degrees(math.acos(float(np.clip(cosine, -1.0, 1.0))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.groom.demo_face")
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--character", default=None)
    parser.add_argument("--at", default="20,80,140", help="frames to report (and save)")
    parser.add_argument("--save", metavar="DIR", default=None, help="write those frames as PNGs here")
    args = parser.parse_args(argv)
    at = {int(k) for k in args.at.split(",")}
    settings = Settings()
    source = open_source("demo", still_frames=args.frames)
    placement = settings.placement
    character = _FaceRecorder(
        load_character_or_default(args.character, placement.character_height_m, placement.character_height_to)
    )
    rows: list[dict] = []
    save = Path(args.save) if args.save else None
    if save:
        save.mkdir(parents=True, exist_ok=True)

    def deliver(composite) -> None:
        p = composite.placement
        face = character.faces.get(round(composite.media_time_s, 4))
        if p is None or face is None:
            return
        eyes, forward = face
        rotation, translation = p.character_to_camera[:3, :3], p.character_to_camera[:3, 3]
        eyes_cam = rotation @ eyes + translation
        forward_cam = rotation @ forward
        up_cam = rotation @ np.array([0.0, 1.0, 0.0])
        row = {
            "frame": composite.frame_index,
            "face_to_camera_deg": round(_floor_angle_deg(forward_cam, -eyes_cam, up_cam), 1),
            "face_to_her_deg": round(_floor_angle_deg(forward_cam, p.person_head_m - eyes_cam, up_cam), 1),
            "body_to_camera_deg": round(_floor_angle_deg(rotation[:, 2], -translation, up_cam), 1),
        }
        rows.append(row)
        if save and composite.frame_index in at:
            cv2.imwrite(str(save / f"demo_{composite.frame_index:03d}.png"), composite.image)
            bbox = composite.character_bbox_px
            if bbox:
                x0, y0, x1, _ = (int(v) for v in bbox)
                w = x1 - x0
                crop = composite.image[max(y0 - w // 8, 0) : y0 + w, max(x0, 0) : x1]
                cv2.imwrite(str(save / f"demo_{composite.frame_index:03d}_head.png"), crop)

    pipeline = Pipeline(
        source,
        settings,
        character,
        outputs=[Output("file", settings.composite, deliver)],
        live=False,
        max_frames=args.frames,
    )
    pipeline.run()
    settled = [r for r in rows if r["frame"] >= SETTLED_FROM_FRAME]
    summary = {
        "frames": len(rows),
        "at": [r for r in rows if r["frame"] in at],
        "settled_median": {
            key: round(float(np.median([r[key] for r in settled])), 1) if settled else None
            for key in ("face_to_camera_deg", "face_to_her_deg", "body_to_camera_deg")
        },
        "settled_max_face_to_camera_deg": max((r["face_to_camera_deg"] for r in settled), default=None),
    }
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
