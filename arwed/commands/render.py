"""arwed render: a source in, the composited video (or image sequence) out, with optional statistics."""

from __future__ import annotations

import argparse
import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from arwed.commands.common import add_scene_arguments, open_scene, settings_from_args
from arwed.errors import UserError
from arwed.glasses import DEFAULT_PRESET, load_glasses_profile, preset_names
from arwed.types import RENAMED_MODES, CompositeFrame, CompositeMode
from arwed.writable import writable_output

if TYPE_CHECKING:
    from arwed.pipeline import RunReport


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source",
        help="demo, camera:N, a video file, an image, a folder or glob of images, or a URL",
    )
    parser.add_argument(
        "--replay",
        metavar="FOLDER",
        help="instead of --source: a console recording's folder, its film made again from its clean camera "
        "feed and event log",
    )
    parser.add_argument(
        "--out",
        required=True,
        help="a video (.mp4 .avi .mkv .mov) or a folder for PNG frames (keyed RGBA: a folder)",
    )
    add_scene_arguments(parser)
    parser.add_argument(
        "--mode",
        type=_mode,
        metavar="MODE",
        help="stage (default), eyes (her view, for her glasses), camera-black (the camera's view on black) "
        "or keyed",
    )
    parser.add_argument(
        "--glasses",
        metavar="PROFILE",
        help=f"eyes: a glasses preset ({', '.join(preset_names())}; default {DEFAULT_PRESET}) or a profile file",
    )
    parser.add_argument(
        "--head-udp",
        type=int,
        metavar="PORT",
        help="eyes: fuse her glasses' head sensor, OpenTrack UDP on 127.0.0.1:PORT (OpenTrack's default is 4242)",
    )
    parser.add_argument(
        "--max-frames", type=int, metavar="N", help="stop after N frames (a still image: N copies)"
    )
    parser.add_argument(
        "--stats", metavar="FILE.json", help="write frame counts, speed and per-frame placement here"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


class _StatsRecorder:
    """Counts frames with a person and, for --stats only, collects each frame's placement (a long run
    without --stats keeps no per-frame list: its memory stays flat)."""

    def __init__(self, per_frame: bool = True) -> None:
        self.per_frame: list[dict] = []
        self.frames_with_person = 0
        self._keep_per_frame = per_frame
        self.placement_notes: tuple[str, ...] = ()  # the last placement's
        self._lock = threading.Lock()

    def record(self, composite: CompositeFrame) -> None:
        placement = composite.placement
        person = placement is not None and placement.state.value == "tracking"
        with self._lock:
            self.frames_with_person += int(person)
        if not self._keep_per_frame:
            return
        entry = {
            "t": round(composite.media_time_s, 4),
            "person": person,
            "person_bbox_px": _rounded(placement.person_bbox_px)
            if placement and placement.person_bbox_px
            else None,
            "person_height_m": round(placement.person_height_m, 4) if placement else None,
            "person_height_source": placement.person_height_source if placement else None,
            "anchor_m": _rounded(placement.anchor_m) if placement else None,
            "side": placement.side if placement else None,
            "in_view": placement.in_view if placement else None,
            "spot_taken": placement.spot_taken if placement else None,
            "character_bbox_px": _rounded(composite.character_bbox_px)
            if composite.character_bbox_px
            else None,
        }
        if composite.mode is CompositeMode.EYES:
            entry["head_pose"] = _head_entry(composite.head_pose)
        with self._lock:
            self.per_frame.append(entry)
            if placement is not None:
                self.placement_notes = placement.notes


class _Delivery:
    """Hands each composited frame to the sink; a sink that fails (a full disk) stops the run, once."""

    def __init__(self, sink, recorder: _StatsRecorder, progress, credit: str | None = None) -> None:
        self._sink, self._recorder, self._progress = sink, recorder, progress
        self._credit = credit  # the avatar's credit line, drawn on every frame (keepsakes.credit_line)
        self.failure: UserError | None = None

    def __call__(self, composite: CompositeFrame) -> None:
        if self.failure is not None:
            return
        if self._credit:
            draw_credit_line(composite.image, self._credit)
        try:
            self._sink.write(composite.image)
        except UserError as exc:  # what was written stays playable; the run ends with this one line
            self.failure = exc
            return
        self._recorder.record(composite)
        self._progress.update(1)


def _head_entry(head) -> dict | None:
    if head is None:
        return None
    from arwed.geometry.head import head_angles_deg

    yaw, pitch, roll = head_angles_deg(head.rotation, head.position_m)
    return {
        "position_m": _rounded(head.position_m),
        "yaw_deg": round(yaw, 2),
        "pitch_deg": round(pitch, 2),
        "roll_deg": round(roll, 2),
        "source": head.source,
        "confidence": round(head.confidence, 3),
        "opacity": round(head.opacity, 3),
    }


def _mode(text: str) -> str:
    """A composite mode's name; the names from before the rename are read as the new ones, with a note."""
    name = text.strip().lower()
    if name in RENAMED_MODES:
        print(f"arwed: note: --mode {name} is now called {RENAMED_MODES[name]} (her own view is --mode eyes)")
        return RENAMED_MODES[name]
    if name not in {m.value for m in CompositeMode}:
        raise argparse.ArgumentTypeError(
            f"{text!r}: the mode is one of {', '.join(m.value for m in CompositeMode)}"
        )
    return name


def _rounded(values) -> list[float]:
    return [round(float(v), 4) for v in values]


def draw_credit_line(image, text: str) -> None:
    from arwed.characters.permissions import draw_credit_line as draw

    draw(image, text)


def _credit(settings, character) -> str | None:
    """The credit line every frame carries, when the settings ask for one (keepsakes.credit_line)."""
    if not settings.keepsakes.credit_line:
        return None
    from arwed.characters.permissions import credit_text

    return credit_text(character.info)


def run(args: argparse.Namespace) -> int:
    if (args.source is None) == (args.replay is None):
        raise UserError("give --source SRC, or --replay FOLDER (a console recording) instead")
    if args.replay is not None:
        from arwed.commands import replay

        return replay.run(args)
    return _render(args)


def _render(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from arwed.pipeline import Output, Pipeline
    from arwed.sinks import open_sink, write_file_atomically

    if args.max_frames is not None and args.max_frames < 1:
        raise UserError("--max-frames must be at least 1")
    settings = settings_from_args(args)
    if args.stats:
        writable_output(args.stats, "statistics")
    scene = open_scene(args, settings, still_frames=args.max_frames)
    first = scene.source.read()
    if first is None:
        raise UserError(f"{args.source}: the source has no frames")
    scene.push_back(first)
    if scene.profile is not None:
        scene.profile.intrinsics_for(*first.size_px)  # another aspect ratio is refused now, not mid-run
    needs_alpha = settings.composite.mode is CompositeMode.KEYED and settings.composite.keyed_alpha_png
    size_px = first.size_px
    if settings.composite.mode is CompositeMode.EYES:  # her view has the glasses' size, not the camera's
        size_px = load_glasses_profile(settings.eyes.glasses).output_size_px
    sink = open_sink(args.out, scene.source.fps, size_px, needs_alpha=needs_alpha)
    recorder = _StatsRecorder(per_frame=bool(args.stats))
    total = args.max_frames or scene.expected_frames
    progress = tqdm(
        total=total, unit="frame", disable=True if args.no_progress else None, desc="render", leave=False
    )

    deliver = _Delivery(sink, recorder, progress, _credit(settings, scene.character))

    pipeline = Pipeline(
        scene.source,
        settings,
        scene.character,
        profile=scene.profile,
        outputs=[Output("file", settings.composite, deliver)],
        live=False,
        max_frames=args.max_frames,
    )
    try:
        report = pipeline.run(stop_when=lambda: deliver.failure is not None)
    finally:
        progress.close()
        sink.close()
    if deliver.failure is not None:
        raise deliver.failure
    notes = [*scene.notes, *_source_fault_notes(scene.source)]
    summary = _summary(report, recorder, notes)
    if settings.composite.mode is CompositeMode.EYES:
        summary["glasses"] = pipeline.glasses.name if pipeline.glasses is not None else None
        sensor = pipeline.head_sensor
        if sensor is not None:
            summary["head_sensor"] = {
                "port": sensor.port,
                "received": sensor.received,
                "malformed": sensor.malformed,
            }
    if args.stats:
        write_file_atomically(Path(args.stats), json.dumps(summary, indent=1).encode("utf-8"))
    print(
        f"arwed: wrote {summary['frames']} frames to {args.out} "
        f"({summary['frames_with_person']} with a person, {summary['fps']:.1f} frames/s)"
    )
    for note in notes:
        print(f"arwed: note: {note}")
    return 0


def _source_fault_notes(source) -> list[str]:
    notes = []
    skipped = getattr(source, "frames_skipped", 0)
    if skipped:
        notes.append(f"{skipped} unreadable frame(s) of the source skipped")
    fitted = getattr(source, "frames_fitted", 0)
    if fitted:
        notes.append(f"{fitted} frame(s) of another size fitted into the first frame's size")
    return notes


def _summary(report: RunReport, recorder: _StatsRecorder, notes: list[str]) -> dict:
    per_frame = sorted(recorder.per_frame, key=lambda entry: entry["t"])
    sources = [entry["person_height_source"] for entry in per_frame if entry["person_height_source"]]
    return {
        "frames": report.frames_rendered,
        "person_height_source": sources[-1] if sources else None,
        "frames_with_person": recorder.frames_with_person,
        "fps": round(report.fps, 2),
        "stage_ms": {k: round(v, 2) for k, v in report.stage_ms.items()},
        "renderer": report.renderer,
        "notes": notes,
        "placement_notes": list(recorder.placement_notes),
        "per_frame": per_frame,
    }
