"""arwed bench: per-stage median milliseconds, end-to-end frames per second and latency.

Two runs over the same source: `live` paces the source like a camera and lets the newest frame win
(what the app does on the day); `offline` tracks and renders every frame as fast as it can (what
`arwed render` does). Timings are medians over the run, after a short warm-up.
Before them, the same frames go through the tracker alone (no placement, rendering or output), so the
end-to-end rate can be read against what tracking by itself allows on this machine, in the same run.
Each run also says the CPU it spent per frame after the warm-up, thread by thread (arwed.cpu_meter):
unlike frames per second, that holds on a machine others are using.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path
from typing import TYPE_CHECKING

from arwed.cpu_meter import CpuSnapshot, cpu_ms_by_thread
from arwed.errors import UserError

if TYPE_CHECKING:
    from arwed.config import Settings

WARMUP_FRAMES = 10
CPU_EVERY = 10  # frames between two looks at the CPU spent, in a run through the pipeline
CPU_THREADS_PRINTED = 8  # the threads that spent the most, by name; the JSON has them all


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source", default="demo", help="demo (default), or any source `arwed render` accepts"
    )
    parser.add_argument("--frames", type=int, default=300, metavar="N", help="frames per run")
    parser.add_argument(
        "--tracking-frames",
        type=int,
        metavar="N",
        help="frames for the tracking-alone run (default: --frames; the first N of the same frames)",
    )
    parser.add_argument(
        "--size", default="1280x720", metavar="WxH", help="frame size (frames are resized to it)"
    )
    parser.add_argument(
        "--runs", default="live,offline", help="which runs: live, offline, or both (comma-separated)"
    )
    parser.add_argument(
        "--settings",
        metavar="PATH",
        help="a settings file (YAML) as `arwed render` takes: the tracking model, placement, compositing",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")


def _parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise UserError(f"--size {text}: expected WIDTHxHEIGHT, e.g. 1280x720") from None
    if not (64 <= width <= 7680 and 64 <= height <= 4320):
        raise UserError(f"--size {text}: width and height must be between 64 and 7680x4320")
    return width, height


def run(args: argparse.Namespace) -> int:
    size = _parse_size(args.size)
    runs = [r.strip() for r in args.runs.split(",") if r.strip()]
    if not runs or any(r not in ("live", "offline") for r in runs):
        raise UserError(f"--runs {args.runs}: use live, offline or live,offline")
    tracking_frames = args.frames if args.tracking_frames is None else args.tracking_frames
    if min(args.frames, tracking_frames) < WARMUP_FRAMES + 10:
        raise UserError(f"--frames and --tracking-frames must be at least {WARMUP_FRAMES + 10}")
    from arwed.config import load_settings

    settings = load_settings(args.settings)  # a broken file: one line naming it, exit 2
    results = {
        "machine": _machine(),
        "source": args.source,
        "size": list(size),
        "frames": args.frames,
        "settings": args.settings,
        "tracking_model_complexity": settings.tracking.model_complexity,
        "runs": {},
    }
    results["tracking_alone"] = _track_alone(args.source, size, tracking_frames, settings)
    _print_tracking_alone(results["tracking_alone"])
    for mode in runs:
        results["runs"][mode] = _bench_once(args.source, size, args.frames, settings, live=(mode == "live"))
        tracking_fps = results["tracking_alone"]["fps"]
        ratio = results["runs"][mode]["fps"] / tracking_fps if tracking_fps > 0 else 0.0
        results["runs"][mode]["ratio_to_tracking_alone"] = round(ratio, 3)
        _print_run(mode, results["runs"][mode])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


def _open(source_spec: str, size: tuple[int, int], frames: int, live: bool):
    from arwed.capture.sources import ResizingSource, open_source

    if source_spec == "demo":
        from arwed.capture.demo import DemoSource

        return DemoSource(frames=frames, size_px=size, realtime=live)
    source = ResizingSource(open_source(source_spec, still_frames=frames), size)
    if live and not source.is_live:
        from arwed.capture.pacing import PacedSource

        return PacedSource(source)  # a video or an image, read like a camera at its own frame rate
    return source


def _track_alone(source_spec: str, size: tuple[int, int], frames: int, settings: Settings) -> dict:
    """The same frames through the tracker only: frames/s and median ms, after the same warm-up."""
    from arwed.tracking.pose import PoseTracker

    source = _open(source_spec, size, frames, live=False)
    images = []
    try:
        while len(images) < frames and (frame := source.read()) is not None:
            images.append(frame)
    finally:
        source.close()
    durations_s, people = [], []
    cpu_from = cpu_to = None
    with PoseTracker(settings.tracking) as tracker:
        tracker.warm_up()
        for frame in images:
            if len(durations_s) == WARMUP_FRAMES:
                cpu_from = CpuSnapshot.now()
            started = time.perf_counter()
            seen = tracker.people(frame)
            durations_s.append(time.perf_counter() - started)
            people.append(len(seen.people))
        cpu_to = CpuSnapshot.now()
        landmarkers_made = tracker.landmarkers_made
    steady = durations_s[WARMUP_FRAMES:] or durations_s
    total_s = sum(steady)
    return {
        "frames": len(images),
        "cpu_ms_per_frame": cpu_ms_by_thread(cpu_from, cpu_to, len(steady)) if cpu_from else {},
        "landmarkers_made": landmarkers_made,
        "fps": round(len(steady) / total_s, 2) if total_s > 0 else 0.0,
        "median_ms": round(1000.0 * sorted(steady)[len(steady) // 2], 2) if steady else 0.0,
        "people_median": sorted(people)[len(people) // 2] if people else 0,
    }


def _print_tracking_alone(result: dict) -> None:
    print(
        f"tracking alone: {result['fps']:.1f} frames/s, {result['median_ms']:.1f} ms per frame (median), "
        f"{result['people_median']} people in view (median), {result['frames']} frames"
    )
    _print_cpu(result["cpu_ms_per_frame"])


def _print_cpu(cpu: dict) -> None:
    if not cpu:
        return
    threads = [f"{name} {ms:.1f}" for name, ms in list(cpu.items())[1 : 1 + CPU_THREADS_PRINTED]]
    print(f"  CPU {cpu['total']:.1f} ms per frame: " + ", ".join(threads))


def _bench_once(source_spec: str, size: tuple[int, int], frames: int, settings: Settings, live: bool) -> dict:
    from arwed.characters.catalog import load_character_or_default
    from arwed.pipeline import Output, Pipeline

    source = _open(source_spec, size, frames, live)
    character = load_character_or_default(None, settings.placement.character_height_m)
    delivered: list[float] = []
    with_character: list[bool] = []
    tracked: list[int | None] = []
    # (snapshot, frames delivered) after the warm-up, then every CPU_EVERY frames (a millisecond each)
    cpu: list[tuple[CpuSnapshot, int]] = []

    def deliver(composite) -> None:
        delivered.append(time.monotonic())
        with_character.append(composite.character_bbox_px is not None)
        tracked.append(composite.tracked_frame_index)
        if len(delivered) >= WARMUP_FRAMES and (len(delivered) - WARMUP_FRAMES) % CPU_EVERY == 0:
            cpu.append((CpuSnapshot.now(), len(delivered)))

    pipeline = Pipeline(
        source,
        settings,
        character,
        outputs=[Output("bench", settings.composite, deliver)],
        live=live,
        max_frames=frames,
    )
    report = pipeline.run(poll_s=0.5)
    steady = delivered[WARMUP_FRAMES:]
    span_s = steady[-1] - steady[0] if len(steady) > 1 else 0.0
    fps = (len(steady) - 1) / span_s if span_s > 0 else 0.0
    # the tracking rate as the output sees it: frames placed by a newer tracking result than the one before
    steady_tracked = tracked[WARMUP_FRAMES:]
    fresh = sum(
        1 for a, b in zip(steady_tracked, steady_tracked[1:], strict=False) if b is not None and b != a
    )
    medians = dict(report.stage_ms)
    # up to the one before the newest: the tracking thread ends a few frames before rendering does
    cpu_end = cpu[-2] if len(cpu) > 2 else cpu[-1] if len(cpu) > 1 else None
    cpu_frames = cpu_end[1] - cpu[0][1] if cpu_end else 0
    return {
        "cpu_ms_per_frame": cpu_ms_by_thread(cpu[0][0], cpu_end[0], cpu_frames) if cpu_frames else {},
        "frames_out": report.frames_rendered,
        "frames_with_person": report.frames_with_person,
        "frames_with_character": sum(with_character[WARMUP_FRAMES:]),
        "fps": round(fps, 2),
        "latency_ms": round(medians.pop("latency", 0.0), 2),
        "tracking_hz": round(fresh / span_s, 2) if span_s > 0 else 0.0,
        "tracking_to_rendered": round(fresh / max(1, len(steady) - 1), 3),
        "stage_ms": {k: round(v, 2) for k, v in medians.items()},
        "renderer": report.renderer,
    }


def _print_run(mode: str, result: dict) -> None:
    print(
        f"{mode}: {result['fps']:.1f} frames/s end to end, latency {result['latency_ms']:.1f} ms (median), "
        f"tracking {result['tracking_hz']:.1f} Hz ({result['tracking_to_rendered']:.2f} of the frames rendered), {result['frames_out']} frames out ({result['frames_with_character']} with the character after warm-up), renderer {result['renderer']}"
    )
    print(
        f"  {result['ratio_to_tracking_alone']:.2f} of tracking alone (end-to-end frames/s over tracking-alone frames/s)"
    )
    _print_cpu(result["cpu_ms_per_frame"])
    for stage, ms in result["stage_ms"].items():
        print(f"  {stage:<10} {ms:7.2f} ms")


def _machine() -> dict:
    import os

    return {
        "cpu_count": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
    }
