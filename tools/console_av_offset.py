"""Audio-to-picture offset of a real console recording, measured on the written files.

Runs `python -m arwed run --source demo` under its own Xvfb (no audio device: Qt plays his voice on no
device, silently) with a marker ceremony: after a few seconds to settle, cues that each start a short
tone and cut the character out of the picture (`fade: {to: out, duration_s: 0}`) or back in, at the same
ceremony time. It presses R (record), Page Down (the first cue), R again when the cues are over, and
Ctrl+Q twice, as an operator would (xdotool). Then, on the recording's two written files:

- picture onsets: the recording's `stage.mp4` against its clean feed `camera.mp4` (the same frames without
  him, on the same clock): the frames where the share of pixels that differ flips from him shown to gone
  or back, at their presentation time;
- sound onsets: where each tone starts in `stage.mp4`'s audio track (tools/av_offset.py).

    python tools/console_av_offset.py [--events 8] [--keep DIR]   # prints the pairs and offsets (ms)

Positive offset: the sound comes late. Needs Xvfb and xdotool (scripts/bootstrap.sh installs both).
"""

from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import av
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tools.av_offset import paired_onsets, sound_onsets  # noqa: E402

SETTLE_S = 4.0  # the first cue: tracking settles, he stands beside her
EVENT_S = 2.5  # each marker cue
TONE_S = 1.2  # long enough that a frame shown late (the voice then starts part-way) still has some


def marker_ceremony(folder: Path, events: int) -> Path:
    """tone.wav and ceremony.yaml in `folder`: `events` cues alternately cutting him out and back in,
    each starting the tone."""
    rate = 48000
    t = np.arange(int(TONE_S * rate)) / rate
    pcm = (0.5 * np.sin(2 * np.pi * 1000.0 * t) * 32767).astype("<i2")
    with wave.open(str(folder / "tone.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    lines = ["name: audio-to-picture marker", "cues:", "  - name: settle", "    actions: [{look: camera}]"]
    lines.append(f"    end: {SETTLE_S}")
    for k in range(events):
        to = "out" if k % 2 == 0 else "in"
        lines += [
            f"  - name: marker {k + 1} ({to})",
            f"    actions: [{{say: tone.wav}}, {{fade: {{to: {to}, duration_s: 0}}}}]",
            f"    end: {EVENT_S}",
        ]
    path = folder / "ceremony.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _start_xvfb() -> tuple[subprocess.Popen, str]:
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-screen", "0", "1600x900x24", "-displayfd", str(write_end), "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    text = b""
    while not text.endswith(b"\n"):
        ready, _, _ = select.select([read_end], [], [], 30)
        if not ready:
            server.kill()
            raise SystemExit("Xvfb did not start")
        text += os.read(read_end, 16)
    os.close(read_end)
    return server, f":{int(text.strip())}"


def _keys(display: str, *names: str) -> None:
    subprocess.run(
        ["xdotool", "key", "--delay", "150", *names], env={**os.environ, "DISPLAY": display}, check=True
    )


def record(folder: Path, events: int) -> tuple[Path, str]:
    """The console run; the recording's folder and the app's log."""
    ceremony = marker_ceremony(folder, events)
    config = folder / "config"
    config.mkdir()
    (config / "console.yaml").write_text(f"source: demo\nceremony: {ceremony}\n", encoding="utf-8")
    keep, stats = folder / "keep", folder / "stats.json"
    server, display = _start_xvfb()
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(DISPLAY=display, PYOPENGL_PLATFORM="egl", PYTHONPATH=str(REPO), ARWED_CONFIG_DIR=str(config))
    log = folder / "app.log"
    with open(log, "w") as log_file:
        app = subprocess.Popen(
            [sys.executable, "-m", "arwed", "run", "--keepsakes", str(keep), "--stats", str(stats)],
            env=env,
            cwd=REPO,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 180
            while not stats.exists():  # written once the console shows frames
                if app.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the console did not start: {log.read_text()[-2000:]}")
                time.sleep(0.3)
            while "Page Down starts the first" not in log.read_text():  # the ceremony is loaded
                if app.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the console did not load the ceremony: {log.read_text()[-2000:]}")
                time.sleep(0.3)
            time.sleep(3.0)  # tracking finds her
            _keys(display, "r")
            time.sleep(1.0)
            _keys(display, "Next")
            time.sleep(SETTLE_S + events * EVENT_S + 2.0)
            _keys(display, "r")
            time.sleep(2.0)
            _keys(display, "ctrl+q", "ctrl+q")
            app.wait(timeout=60)
        finally:
            if app.poll() is None:
                app.kill()
                app.wait(timeout=10)
            server.terminate()
            server.wait(timeout=10)
    recordings = sorted(keep.glob("*/recording-*"))
    if not recordings:
        raise SystemExit(f"no recording was written: {log.read_text()[-2000:]}")
    return recordings[-1], log.read_text()


def _frames(path: Path) -> dict[float, np.ndarray]:
    out = {}
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            out[round(float(frame.pts * stream.time_base), 4)] = frame.to_ndarray(format="gray")
    return out


def picture_onsets(stage_mp4: Path, camera_mp4: Path) -> tuple[list[float], list[tuple[float, float]]]:
    """Presentation times where he is cut out of the picture or comes back (both directions), and the
    share of pixels that differ from the clean feed per frame."""
    stage, camera = _frames(stage_mp4), _frames(camera_mp4)
    # the same frames on the same clock, but the stage file's picture starts later by its audio track's
    # encoder priming (about 21 ms): pair each stage frame with the clean frame nearest after that shift
    clean_t = np.array(sorted(camera))
    nearest = lambda t: float(clean_t[np.argmin(np.abs(clean_t - t))])  # noqa: E731
    shift = float(np.median([t - nearest(t) for t in sorted(stage)[1:]]))
    shares = []
    for t in sorted(stage):
        match = nearest(t - shift)
        if abs(match - (t - shift)) < 0.004:
            differs = np.abs(stage[t].astype(np.int16) - camera[match].astype(np.int16)) > 25
            shares.append((t, float(differs.mean())))
    values = np.array([s for _, s in shares])
    threshold = (np.percentile(values, 5) + np.percentile(values, 95)) / 2
    onsets, shown = [], None
    for t, share in shares:
        now = share > threshold
        if shown is not None and now != shown:
            onsets.append(t)
        shown = now
    return onsets, shares


def measure(recording: Path) -> dict:
    pictures, shares = picture_onsets(recording / "stage.mp4", recording / "camera.mp4")
    sounds = sound_onsets(str(recording / "stage.mp4"))
    pairs = paired_onsets(pictures, sounds, within_s=0.9)
    offsets = [o for _, _, o in pairs]
    steps = np.diff([t for t, _ in shares])
    return {
        "recording": str(recording),
        "pairs": pairs,
        "picture_onsets": len(pictures),
        "sound_onsets": len(sounds),
        "offset_ms": {
            "median": float(np.median(offsets)),
            "min": float(np.min(offsets)),
            "max": float(np.max(offsets)),
            "max_abs": float(np.max(np.abs(offsets))),
        }
        if offsets
        else None,
        "frame_step_ms": {"median": float(np.median(steps) * 1000), "max": float(np.max(steps) * 1000)}
        if len(steps)
        else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=8, help="marker cues (each a tone and a cut)")
    parser.add_argument(
        "--keep", metavar="DIR", help="work here and keep the files (default: a temporary folder)"
    )
    parser.add_argument("--measure", metavar="RECORDING", help="only measure this recording folder")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure)), indent=1))
        return 0
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="arwed-av-"))
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    recording, _ = record(folder, args.events)
    result = measure(recording)
    result["load_average"] = os.getloadavg()
    result["wall_s"] = round(time.monotonic() - started, 1)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
