"""arwed rehearse: a whole ceremony on a video, headless, written as a video with his voice in it."""

from __future__ import annotations

import argparse
import json
import math
import threading
from pathlib import Path

import numpy as np

from arwed.characters.permissions import summarised_notices
from arwed.commands.common import add_scene_arguments, settings_from_args
from arwed.errors import UserError
from arwed.types import CompositeFrame

FPS_GUESS = 30.0  # demo and stills run at 30 frames/s
TAIL_S = 1.0  # the picture goes on this long after the last cue ends
KEY_WAIT_S = 3.0  # a cue that waits for a key nobody gives: the rehearsal stops this long after it starts


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ceremony",
        required=True,
        metavar="FILE",
        help="the ceremony file (YAML), or example (the shipped one)",
    )
    parser.add_argument(
        "--source", required=True, help="demo, a video file, an image, a folder or glob of images"
    )
    parser.add_argument(
        "--out", required=True, metavar="OUT.mp4", help="the rehearsal video (.mp4 .mov .mkv), with his voice"
    )
    parser.add_argument(
        "--stats",
        metavar="FILE.json",
        help="per cue its start and end; for reach, his hand to her wrist per frame",
    )
    parser.add_argument(
        "--keys",
        metavar="SECONDS",
        help='Page Down at these seconds, e.g. "12.0,20.5" (for cues that end at a key)',
    )
    parser.add_argument(
        "--start-cue", type=int, default=1, metavar="N", help="start from cue N (1 = the first)"
    )
    add_scene_arguments(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def parse_keys(text: str | None) -> list[float]:
    if not text:
        return []
    try:
        keys = [float(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise UserError(f'--keys: {text!r} is not a list of seconds such as "12.0,20.5"') from None
    if any(not math.isfinite(k) or k < 0 for k in keys):
        raise UserError("--keys: the seconds must be finite and not negative")
    return sorted(keys)


def planned_end_s(runner, keys: list[float], start_index: int) -> tuple[float, list[str]]:
    """When the rehearsal can stop: the ceremony simulated with the given keys (timed cues, audio lengths)."""
    notes: list[str] = []
    runner.start(0.0, start_index)
    for key in keys:
        runner.page_down(key)
    runner.update(1e9)
    if runner.finished:
        return runner.log[-1].end_s + TAIL_S if runner.log else TAIL_S, notes
    waiting = runner.current
    notes.append(
        f"cue '{waiting.name}' waits for a key and none was given (--keys): the rehearsal stops there"
    )
    return max(runner.started_s, keys[-1] if keys else 0.0) + KEY_WAIT_S, notes


class _Recorder:
    """On the render thread: frames to the writer, his voice to its audio track, statistics."""

    def __init__(self, sink, stage, director, intrinsics_of, progress):
        self.sink, self.stage, self.director = sink, stage, director
        self._intrinsics_of = intrinsics_of
        self._progress = progress
        self._lock = threading.Lock()
        self.per_frame: list[dict] = []
        self._first_t: float | None = None
        self._audio_until_s = 0.0
        self._fps = sink.writer.fps
        self.error: BaseException | None = None

    def deliver(self, composite: CompositeFrame) -> None:
        if self.error is not None:
            return
        try:
            self._deliver(composite)
        except BaseException as exc:  # a full disk: keep what is written, stop after this frame
            self.error = exc

    def _deliver(self, composite: CompositeFrame) -> None:
        t = composite.media_time_s
        if self._first_t is None:
            self._first_t = t
        self.sink.write(composite.image)
        self._place_audio(t - self._first_t + 1.0 / self._fps)
        staged = self.stage.last
        entry = {"t": round(t, 4), "cue": staged.direction.cue_index if staged and staged.direction else None}
        intrinsics = self._intrinsics_of(composite.image)
        reach = self.stage.reach_distance(intrinsics) if intrinsics is not None else None
        if reach is not None:
            entry["reach"] = reach
        with self._lock:
            self.per_frame.append(entry)
        self._progress.update(1)

    def finish(self) -> None:
        """The voice up to the last frame written (a clip still playing at the end is cut there)."""
        if self.error is None and self._first_t is not None:
            self._place_audio(self.sink.writer.duration_s)

    def _place_audio(self, until_video_s: float) -> None:
        """The voice for [last placed, until) on the video's timeline, from the plays the director logged."""
        from arwed.ceremony.audio import place_voices

        start_v, self._audio_until_s = self._audio_until_s, max(self._audio_until_s, until_video_s)
        place_voices(self.sink.writer, self.director.audio, start_v, until_video_s, self._first_t or 0.0)


def _video_path(out: str) -> Path:
    from arwed.video_writer import VIDEO_SUFFIXES

    path = Path(out).expanduser()
    if path.suffix.lower() not in VIDEO_SUFFIXES or path.suffix.lower() == ".avi":
        raise UserError(f"{out}: a rehearsal is a video with sound; use .mp4, .mov or .mkv")
    return path


def _open_scene(args, settings, end_s: float, notes: list[str]):
    """The source (demo and stills as long as the ceremony), the camera profile and the character."""
    from arwed.capture.demo import DemoSource
    from arwed.capture.sources import open_source
    from arwed.characters.catalog import load_character_or_default

    frames = int(math.ceil(end_s * FPS_GUESS))
    if args.source.strip() == "demo":
        source = DemoSource(frames=frames)
    else:
        source = open_source(args.source, still_frames=frames)
    profile = None
    if args.calibration:
        from arwed.calibrate.profile import load_profile

        profile = load_profile(args.calibration)
    else:
        notes.append(
            f"no calibration profile: assuming a {settings.camera.default_hfov_deg:g} degree horizontal field of view"
        )
    character = load_character_or_default(args.character, settings.placement.character_height_m)
    notes.extend(summarised_notices(character.info.notices))
    return source, profile, character


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from arwed.ceremony.cues import CueRunner
    from arwed.ceremony.director import CeremonyDirector
    from arwed.ceremony.script import load_ceremony
    from arwed.ceremony.stage import CeremonyStage
    from arwed.geometry.camera import intrinsics_from_fov
    from arwed.pipeline import Output, Pipeline
    from arwed.sinks import VideoFileSink
    from arwed.video_writer import AudioFormat

    out = _video_path(args.out)
    keys = parse_keys(args.keys)
    durations: dict = {}
    ceremony = load_ceremony(args.ceremony, durations)
    if not 1 <= args.start_cue <= len(ceremony.cues):
        raise UserError(f"--start-cue: {args.ceremony} has cues 1 to {len(ceremony.cues)}")
    start_index = args.start_cue - 1
    end_s, notes = planned_end_s(CueRunner(ceremony, durations), keys, start_index)
    settings = settings_from_args(args)
    if args.stats:
        _check_writable(Path(args.stats))
    source, profile, character = _open_scene(args, settings, end_s, notes)
    first = source.read()
    if first is None:
        raise UserError(f"{args.source}: the source has no frames")
    from arwed.capture.sources import PushBackSource

    source = PushBackSource(source, first)
    fps = float(getattr(source, "fps", None) or FPS_GUESS)
    max_frames = int(math.ceil(end_s * fps))
    director = CeremonyDirector(ceremony, durations, character.height_m)
    director.start_at(start_index, first.media_time_s)
    director.schedule_keys([first.media_time_s + k for k in keys])
    stage = CeremonyStage(director)
    sink = VideoFileSink(out, fps, first.size_px, audio=AudioFormat(48000, channels=1))

    def intrinsics_of(image):
        height, width = image.shape[:2]
        if profile is not None:
            return profile.intrinsics_for(width, height)
        return intrinsics_from_fov(width, height, settings.camera.default_hfov_deg)

    progress = tqdm(
        total=max_frames,
        unit="frame",
        disable=True if args.no_progress else None,
        desc="rehearse",
        leave=False,
    )
    recorder = _Recorder(sink, stage, director, intrinsics_of, progress)
    pipeline = Pipeline(
        source,
        settings,
        character,
        profile=profile,
        outputs=[Output("file", settings.composite, recorder.deliver)],
        live=False,
        max_frames=max_frames,
        ceremony=stage,
    )
    try:
        report = pipeline.run(stop_when=lambda: recorder.error is not None)
    finally:
        recorder.finish()
        sink.close()
        progress.close()
    if recorder.error is not None:
        raise recorder.error
    summary = _summary(report, recorder, director, notes, end_s)
    if args.stats:
        Path(args.stats).write_text(json.dumps(summary, indent=1), encoding="utf-8")
    cues = summary["cues"]
    print(
        f"arwed: wrote {summary['frames']} frames ({summary['duration_s']:.1f} s) with his voice to {args.out}: {len(cues)} cues run"
    )
    for note in notes:
        print(f"arwed: note: {note}")
    return 0


def _summary(report, recorder: _Recorder, director, notes: list[str], end_s: float) -> dict:
    per_frame = sorted(recorder.per_frame, key=lambda e: e["t"])
    reach = [
        e["reach"]
        for e in per_frame
        if "distance_m" in e.get("reach", {}) and e["reach"]["weight"] >= 0.999 and not e["reach"]["offering"]
    ]
    offset = recorder._first_t or 0.0
    return {
        "frames": report.frames_rendered,
        "duration_s": round(recorder.sink.writer.duration_s, 3),
        "planned_end_s": round(end_s, 3),
        "fps": round(report.fps, 2),
        "frames_with_person": report.frames_with_person,
        "cues": director.cue_log(),
        "audio": [
            {
                "file": str(p.path),
                "start_s": round(p.start_s - offset, 4),
                "stop_s": None if p.stop_s is None else round(p.stop_s - offset, 4),
            }
            for p in director.audio
        ],
        "reach_held": {
            "frames": len(reach),
            "median_distance_m": round(float(np.median([r["distance_m"] for r in reach])), 4)
            if reach
            else None,
            "median_distance_px": round(float(np.median([r["distance_px"] for r in reach])), 2)
            if reach
            else None,
        },
        "renderer": report.renderer,
        "notes": notes,
        "per_frame": per_frame,
    }


def _check_writable(path: Path) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"{path}: the folder {folder} does not exist")
    try:
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise UserError(f"{path}: cannot be written ({exc.strerror})") from None
