"""How much recording costs the console's frame rate, measured in one run: the console's model with the
real pipeline (no window) on a source, alternating stretches without and with a recording (the stage
video, the clean camera feed and the event log), the stage frames per second counted over each stretch.

    python -m tools.recording_overhead [--source demo] [--rounds 4] [--seconds 6] [--json FILE]

Prints the median frames per second without and with recording and their ratio (alternating cancels a
machine's load drifting over the run). Not installed; a tool for the figures in the closing notes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time

from arwed.session.console import ConsoleSession
from arwed.session.state import ConsoleConfig


class _Counter:
    def __init__(self) -> None:
        self.frames = 0

    def __call__(self, stream: str) -> None:
        if stream == "stage":
            self.frames += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="demo")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    keep = tempfile.mkdtemp(prefix="arwed-overhead-")
    session = ConsoleSession(ConsoleConfig(source=args.source, keepsake_dir=keep), None)
    counter = _Counter()
    session.frames.frame.connect(counter)
    session.start()
    deadline = time.monotonic() + 120
    while session.tap("stage").latest() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(3.0)  # past the start's first frames
    rates: dict[str, list[float]] = {"off": [], "on": []}
    try:
        for _ in range(args.rounds):
            for state in ("off", "on"):
                if state == "on":
                    session.keepsakes.start_recording()
                time.sleep(0.5)  # the recorders' start
                before, started = counter.frames, time.monotonic()
                time.sleep(args.seconds)
                rates[state].append((counter.frames - before) / (time.monotonic() - started))
                if state == "on":
                    session.keepsakes.stop_recording()
                    time.sleep(1.0)  # the files closed
    finally:
        session.close()
    off, on = statistics.median(rates["off"]), statistics.median(rates["on"])
    summary = {
        "source": args.source,
        "fps_not_recording": [round(r, 2) for r in rates["off"]],
        "fps_recording": [round(r, 2) for r in rates["on"]],
        "median_not_recording": round(off, 2),
        "median_recording": round(on, 2),
        "ratio": round(on / off, 3) if off else None,
    }
    print(json.dumps(summary, indent=1))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(summary, file, indent=1)


if __name__ == "__main__":
    main()
