"""Recordings a crash left unfinished: each is marked while it is written and repaired at the next start.

A recording's stage video `<folder>/stage.mp4` has a marker `.stage.mp4.unfinished` beside it from its
first frame until the recording is closed (arwed/film/folder.py has the folder's layout). A marker still
there at the next start means the console was killed or the power went: the videos (fragmented MP4, see
arwed.video_writer), the stage's and the clean camera feed's, are cut to their last whole fragment, the
stage video measured by decoding its packets, and the marker removed, so the operator is told once what
was saved. The event log needs no repair: its whole lines are whole (arwed/film/log.py). Recordings of
older versions (`<date>/recording-HHMMSS.mp4` with `.recording-HHMMSS.mp4.unfinished`) are found too.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from arwed.film.folder import STAGE_VIDEO, camera_video
from arwed.video_writer import playable_length, repair_fragmented_video

log = logging.getLogger("arwed.console")

MARKER_SUFFIX = ".unfinished"


@dataclass(frozen=True)
class Recovered:
    path: Path
    duration_s: float  # what plays now
    frames: int

    def describe(self) -> str:
        return f"{self.path} ({self.duration_s:.1f} s, {self.frames} frames)"


def marker_path(video: Path) -> Path:
    return video.with_name(f".{video.name}{MARKER_SUFFIX}")


def mark_unfinished(video: Path, started: str) -> None:
    """Written before the first frame; a failure is logged (the recording goes on unmarked)."""
    marker = marker_path(video)
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(json.dumps({"video": video.name, "started": started}), encoding="utf-8")
    except OSError as exc:
        log.error("%s: cannot mark the recording as under way (%s)", marker, exc.strerror or exc)


def mark_finished(video: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        marker_path(video).unlink()


def recover_unfinished(root: Path) -> list[Recovered]:
    """Repair every recording under `root` (its dated folders) that a crash left unfinished."""
    recovered = []
    root = Path(root).expanduser()
    markers = [*root.glob(f"*/.*{MARKER_SUFFIX}"), *root.glob(f"*/*/.*{MARKER_SUFFIX}")]
    for marker in sorted(markers):
        video = marker.with_name(marker.name[1 : -len(MARKER_SUFFIX)])
        if video.exists():
            try:
                camera = camera_video(video.parent)
                if video.name == STAGE_VIDEO and camera.exists():
                    repair_fragmented_video(camera)
                repair_fragmented_video(video)
                frames, seconds = playable_length(video)
            except Exception:  # noqa: BLE001 - one broken file must not stop the console's start
                log.exception("%s: could not be repaired", video)
                continue
            recovered.append(Recovered(video, seconds, frames))
        with contextlib.suppress(OSError):
            marker.unlink()
    return recovered
