"""A recording's folder: `<keepsakes>/<YYYY-MM-DD>/recording-<HHMMSS>/` holding

- `stage.mp4`: the stage output, with his voice when a ceremony was open (during a blackout it keeps the
  picture: the keepsake goes on while the guests see black; a replay shows the blackout);
- `camera.mp4`: the clean camera feed, the same frames before anything was drawn on them;
- `events.jsonl`: what happened, on the recording's clock (log.py);
- `.stage.mp4.unfinished` while it is being written (session/recovery.py).

Both videos are on one timeline: 0 s is the moment recording started, frame n is shown at n / 30 s.
"""

from __future__ import annotations

from pathlib import Path

STAGE_VIDEO = "stage.mp4"
CAMERA_VIDEO = "camera.mp4"
EVENT_LOG = "events.jsonl"


def stage_video(folder: Path) -> Path:
    return Path(folder) / STAGE_VIDEO


def camera_video(folder: Path) -> Path:
    return Path(folder) / CAMERA_VIDEO


def event_log(folder: Path) -> Path:
    return Path(folder) / EVENT_LOG
