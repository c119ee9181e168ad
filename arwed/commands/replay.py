"""`arwed render --replay FOLDER`: a console recording's film made again after the day.

The recording's clean camera feed (`camera.mp4`) is tracked frame by frame (every frame, not the live
rate) and the character drawn again, with the operator's events from `events.jsonl` at their moments:
hidden, blackout, placement changes, the people clicked and the ceremony's keys. Both videos and the log
share the recording's clock, so the film comes out on the same timeline as the live `stage.mp4`: frame n
at n / fps. Each frame time shows what held at its end (the live recording shows the newest frame that
came in it), and a frame the camera held across an event (the live pipeline was slower than the
recording's rate) is drawn again from the frame time of the event, so hide and blackout start in the
very frame time the operator pressed the key, and fade over the fade time the log gives, frame time by
frame time, as the guests saw them (the console's own functions: session/veil.py, session/curtain.py).
Options replace what the log says: another `--character`, `--settings`,
`--side`/`--gap`/... (those hold for the whole film), `--calibration`.

Two threads, as in an offline render: tracking runs ahead on its own thread (each frame's placement
settings applied before it is tracked), rendering and writing on this one.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from arwed.commands.common import settings_from_args
from arwed.config import CompositeSettings, Settings
from arwed.errors import UserError
from arwed.film import folder as film_folder
from arwed.film.log import EventLog, read_event_log
from arwed.film.timeline import Timeline
from arwed.session.curtain import curtained
from arwed.session.veil import veiled, without_character
from arwed.types import CompositeFrame, CompositeMode, Frame
from arwed.writable import writable_output

QUEUE_DEPTH = 3
SLOT_END_S = 1e-6  # a frame time's state is the one at its very end
PLACEMENT_FLAGS = {
    "side": "side",
    "gap": "gap_m",
    "height": "character_height_m",
    "person_height": "person_height_m",
    "facing": "facing_deg",
}


@dataclass(frozen=True)
class Film:
    """A recording's folder, checked."""

    folder: Path
    log: EventLog
    camera: Path


def open_film(folder: str | Path) -> Film:
    """The recording folder a user named, read as hostile input: one UserError when it is not a recording."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        what = "no such folder" if not folder.exists() else "not a folder"
        raise UserError(
            f"{folder}: {what}; --replay takes a recording's folder (stage.mp4, camera.mp4, events.jsonl)"
        )
    camera, events = film_folder.camera_video(folder), film_folder.event_log(folder)
    for needed in (camera, events):
        if not needed.exists():
            raise UserError(
                f"{needed}: missing; a recording's folder has {film_folder.CAMERA_VIDEO} and {film_folder.EVENT_LOG}"
            )
    return Film(folder, read_event_log(events), camera)


def _fixed_overrides(args: argparse.Namespace) -> dict:
    placement = {field: getattr(args, flag, None) for flag, field in PLACEMENT_FLAGS.items()}
    composite = {"mode": getattr(args, "mode", None)}
    return {"placement": {k: v for k, v in placement.items() if v is not None}, "composite": composite}


def _existing(path: str | None, what: str, notes: list[str]) -> str | None:
    if path is None:
        return None
    if not Path(path).is_file():
        notes.append(f"the recording's {what} {path} is not here: replayed without it")
        return None
    return path


@dataclass
class _Scene:
    """What the replay runs with: the log's choices, or the user's options instead."""

    timeline: Timeline
    settings: Settings  # at 0 s
    character: object
    profile: object | None
    ceremony: object | None
    credit: str | None
    notes: list[str]


def _scene(args: argparse.Namespace, film: Film) -> _Scene:
    from arwed.characters.catalog import load_character_or_default

    notes = [*film.log.notes]
    base = settings_from_args(argparse.Namespace(settings=args.settings, **dict.fromkeys(PLACEMENT_FLAGS)))
    timeline = Timeline(film.log, base if args.settings else film.log.start.settings, _fixed_overrides(args))
    settings = timeline.settings_at(0.0)
    if settings.composite.mode is CompositeMode.EYES:
        raise UserError("--replay makes the stage film (stage, camera-black or keyed), not her view (eyes)")
    profile = None
    calibration = args.calibration or _existing(film.log.start.calibration, "calibration", notes)
    if calibration:
        from arwed.calibrate.profile import load_profile

        profile = load_profile(calibration)
    character_path = args.character or _existing(film.log.start.character, "character", notes)
    placement = settings.placement
    character = load_character_or_default(
        character_path, placement.character_height_m, placement.character_height_to
    )
    notes.extend(character.info.notices)
    credit = None
    if settings.keepsakes.credit_line:
        from arwed.characters.permissions import credit_text

        credit = credit_text(character.info)
    ceremony = _ceremony_stage(timeline, character, notes)
    return _Scene(timeline, settings, character, profile, ceremony, credit, notes)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from arwed.pipeline.health import FrameErrors, Timings
    from arwed.pipeline.stages import CameraModel, Output, RenderStage, TrackingStage
    from arwed.sinks import VideoFileSink, write_file_atomically
    from arwed.video_writer import AudioFormat, open_video_frames

    film = open_film(args.replay)
    out = Path(args.out).expanduser()
    if out.suffix.lower() not in (".mp4", ".mov", ".mkv", ".avi"):
        raise UserError(f"{args.out}: a replay is a video; use .mp4, .mov, .mkv or .avi")
    if args.max_frames is not None and args.max_frames < 1:
        raise UserError("--max-frames must be at least 1")
    if args.stats:
        writable_output(args.stats, "statistics")
    scene = _scene(args, film)
    info, frames = open_video_frames(film.camera, "recording's camera feed")
    voice = AudioFormat(48000, channels=1) if scene.ceremony is not None else None  # his voice, as live
    sink = VideoFileSink(out, film.log.start.fps, info.size_px, audio=voice)
    timings, errors = Timings(), FrameErrors()
    camera = CameraModel(scene.profile, scene.settings.camera.default_hfov_deg)
    tracking = TrackingStage(scene.settings, scene.profile, camera, timings, errors)
    rendering = RenderStage(scene.character, camera, timings, errors, scene.settings.lighting)
    director = scene.ceremony.director if scene.ceremony is not None else None
    writer = _FilmWriter(sink, scene.timeline, scene.credit, director, scene.settings.composite)
    output = Output("film", scene.settings.composite, writer.deliver)
    progress = tqdm(unit="frame", disable=True if args.no_progress else None, desc="replay", leave=False)
    started = time.monotonic()
    try:
        _replay(
            frames,
            args.max_frames,
            tracking,
            rendering,
            lambda result, until_s: writer.render(rendering, result, output, scene.ceremony, until_s),
            scene.timeline,
            progress,
        )
        writer.place_voice(until_s=sink.writer.duration_s)
    finally:
        sink.close()
        progress.close()
    if writer.frames == 0:
        raise UserError(f"{film.camera}: the recording's camera feed has no readable frames")
    elapsed = time.monotonic() - started
    summary = {
        "frames": writer.frames,
        "duration_s": round(sink.writer.duration_s, 3),
        "frames_drawn_again": writer.split_frames,
        "fps": round(writer.frames / max(elapsed, 1e-9), 2),
        "stage_ms": {k: round(v, 2) for k, v in timings.medians().items()},
        "switches": writer.switches,
        "cues": director.cue_log() if director is not None else [],
        "notes": scene.notes,
    }
    if args.stats:
        write_file_atomically(Path(args.stats), json.dumps(summary, indent=1).encode("utf-8"))
    print(
        f"arwed: replayed {writer.frames} frames ({summary['duration_s']:.1f} s) of {film.folder} "
        f"to {args.out} ({summary['fps']:.1f} frames/s)"
    )
    for note in scene.notes:
        print(f"arwed: note: {note}")
    return 0


def _replay(frames, max_frames, tracking, rendering, render, timeline: Timeline, progress) -> None:
    """Tracking on a thread of its own, each frame's settings and clicks applied just before it is
    tracked; rendering here, each frame drawn once the next one's time is known (its stretch)."""
    tracked: queue.Queue = queue.Queue(QUEUE_DEPTH)
    stop = threading.Event()
    failure: list[BaseException] = []

    def track_all() -> None:
        try:
            tracking.open()
            last_t = -1.0
            for index, (image, time_s) in enumerate(frames):
                if stop.is_set() or (max_frames is not None and index >= max_frames):
                    break
                tracking.new_settings.post(timeline.settings_at(time_s))
                for point in timeline.people_clicked(last_t, time_s):
                    tracking.chosen_point.post(point)
                last_t = time_s
                _put(tracked, tracking.track(Frame(image, index, time.monotonic(), time_s)), stop)
        except BaseException as exc:  # noqa: BLE001 - handed to the render side, which stops the run
            failure.append(exc)
        finally:
            tracking.close()
            _put(tracked, None, stop)

    thread = threading.Thread(target=track_all, name="arwed replay tracking", daemon=True)
    try:
        rendering.open()
        thread.start()
        previous = None
        while not failure:
            result = tracked.get()
            if previous is not None:
                render(previous, result.frame.media_time_s if result is not None else None)
                progress.update(1)
            if result is None:
                break
            previous = result
    finally:
        stop.set()
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                tracked.get(timeout=0.1)
        rendering.close()
    if failure:
        raise failure[0]


def _put(channel: queue.Queue, item, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            channel.put(item, timeout=0.1)
            return
        except queue.Full:
            continue


class _FilmWriter:
    """Draws each tracked frame for its stretch of the timeline, split where hidden or blackout changed,
    and writes it shown for as many frame times as the live recording showed it: each frame time under
    the hide's veil and the blackout's curtain at its end, fading as they faded live (the same functions
    as the console's outputs: session/veil.py, session/curtain.py)."""

    def __init__(self, sink, timeline: Timeline, credit: str | None, director=None, composite=None):
        self._sink, self._timeline, self._credit = sink, timeline, credit
        self._composite = composite or CompositeSettings()  # the film's: what the picture without him is
        self._director = director  # a ceremony's: his voice goes on the film's audio track
        self._voice_until_s = 0.0
        self._fps = sink.writer.fps
        self._runs: list[list] = []  # [frame times, visibility, curtain] for the frame being drawn
        self.frames = 0
        self.split_frames = 0
        self.switches: list[dict] = []  # when hidden or blackout changed in the film: the slot and the state
        self._state: tuple[bool, bool] | None = None

    def deliver(self, composite: CompositeFrame) -> None:
        try:
            bare = without_character(self._composite, composite.image, composite.camera_image)
        except ValueError:
            bare = None  # no picture without him: black rather than him
        for slots, visibility, curtain in self._runs:
            image = veiled(composite.image, bare, visibility)
            if self._credit and curtain > 0.0:
                from arwed.characters.permissions import draw_credit_line

                image = image.copy() if image is composite.image or image is bare else image
                draw_credit_line(image, self._credit)
            self._sink.writer.write(curtained(image, curtain), slots=slots)

    def render(self, rendering, result, output, ceremony, until_s: float | None) -> None:
        """The frame of `result` from its slot up to the next frame's (`until_s`; None: one slot)."""
        fps = self._fps
        begin = max(round(result.frame.media_time_s * fps), self._sink.writer.frames_written)
        end = max(begin + 1, round(until_s * fps)) if until_s is not None else begin + 1
        # a frame time shows what held at its end, as the live recording shows the newest frame of it
        cuts = [math.floor(t * fps + 1e-6) for t in self._timeline.changes_within(begin / fps, end / fps)]
        edges = sorted({begin, *(c for c in cuts if begin < c < end), end})
        if begin > self._sink.writer.frames_written:  # a gap before the first frame: the first slots
            edges[0] = self._sink.writer.frames_written
        self.split_frames += len(edges) - 2
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            t = (lo + 1) / fps - SLOT_END_S
            hidden, blackout = self._timeline.hidden_at(t), self._timeline.blackout_at(t)
            if (hidden, blackout) != self._state:
                self._state = (hidden, blackout)
                self.switches.append({"slot": lo, "t": round(t, 4), "hidden": hidden, "blackout": blackout})
            self._runs = self._level_runs(lo, hi)
            drawn = 1.0 if any(visibility > 0.0 for _, visibility, _ in self._runs) else 0.0
            frame = result.frame if lo == edges[0] else _at(result.frame, t)
            rendering.render(frame, result, (output,), drawn, ceremony)  # the veil hides him, as live
        self.frames += 1
        self.place_voice(until_s=self._sink.writer.duration_s)

    def _level_runs(self, lo: int, hi: int) -> list[list]:
        """The veil's and the curtain's levels at the end of each frame time in [lo, hi), equal ones
        together: [frame times, visibility, curtain]."""
        runs: list[list] = []
        for slot in range(lo, hi):
            t = (slot + 1) / self._fps - SLOT_END_S
            levels = [self._timeline.visibility_at(t), self._timeline.curtain_at(t)]
            if runs and runs[-1][1:] == levels:
                runs[-1][0] += 1
            else:
                runs.append([1, *levels])
        return runs

    def place_voice(self, until_s: float) -> None:
        if self._director is None:
            return
        from arwed.ceremony.audio import place_voices

        start_s, self._voice_until_s = self._voice_until_s, max(self._voice_until_s, until_s)
        place_voices(self._sink.writer, self._director.audio, start_s, until_s)


def _at(frame: Frame, time_s: float) -> Frame:
    return Frame(frame.image_bgr, frame.index, frame.capture_time_s, time_s)


def _ceremony_stage(timeline: Timeline, character, notes: list[str]):
    """The ceremony the recording ran, driven by its logged keys; None without one."""
    keys = timeline.ceremony
    if keys.file is None:
        return None
    if not Path(keys.file).is_file():
        notes.append(f"the recording's ceremony {keys.file} is not here: replayed without it")
        return None
    from arwed.ceremony.director import CeremonyDirector
    from arwed.ceremony.script import load_ceremony
    from arwed.ceremony.stage import CeremonyStage

    durations: dict = {}
    ceremony = load_ceremony(keys.file, durations)
    director = CeremonyDirector(ceremony, durations, character.height_m)
    director.schedule_keys(list(keys.times_s), list(keys.keys))
    for at_s, index in keys.starts:
        if not 0 <= index < len(ceremony.cues):
            raise UserError(
                f"{timeline.log.path}: cue_start at {at_s} s names cue {index + 1}; the ceremony has {len(ceremony.cues)}"
            )
    if keys.starts:
        at_s, index = keys.starts[-1]
        director.start_at(index, at_s)
    return CeremonyStage(director)
