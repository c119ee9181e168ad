"""Latency of her view, live: capture -> her view, with the camera alone and with a head sensor (OpenTrack UDP).

Runs the real pipeline on the demo source paced like a 30 fps camera (live flow), with one `eyes` output,
for DURATION_S per run; with the sensor, a sender on 127.0.0.1 sends OpenTrack datagrams at 200 Hz.
Prints the medians of: capture -> her view delivered (`latency`), drawing her view (`eyes`), and how
old the newest information about her head was when her view was drawn (`head_age`: with the camera
alone the age of the last tracked frame, with the sensor the age of the last datagram). The sensor's
time added by arwed beyond the render is `head_age`: the datagram waits for the next picture.

    .venv/bin/python scripts/measure_eyes_latency.py [DURATION_S]
"""

from __future__ import annotations

import socket
import sys
import threading
import time

from arwed.capture.demo import DemoSource
from arwed.capture.opentrack import encode_packet
from arwed.characters.catalog import load_character_or_default
from arwed.config import Settings
from arwed.pipeline import Output, Pipeline


def _free_port() -> int:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def _send(port: int, stop: threading.Event) -> None:
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    start = time.monotonic()
    while not stop.is_set():
        t = time.monotonic() - start
        sender.sendto(encode_packet((0.0, 0.0, 0.0), 5.0 * (t % 2.0), 0.0, 0.0), ("127.0.0.1", port))
        time.sleep(0.005)
    sender.close()


def run(duration_s: float, with_sensor: bool) -> dict:
    port = _free_port() if with_sensor else None
    settings = Settings().with_overrides({"composite": {"mode": "eyes"}, "eyes": {"head_udp_port": port}})
    character = load_character_or_default(None, settings.placement.character_height_m)
    source = DemoSource(realtime=True)
    frames = []
    pipeline = Pipeline(
        source, settings, character, outputs=[Output("eyes", settings.composite, frames.append)], live=True
    )
    stop = threading.Event()
    sender = threading.Thread(target=_send, args=(port, stop), daemon=True) if with_sensor else None
    started = time.monotonic()
    if sender is not None:
        sender.start()
    try:
        report = pipeline.run(stop_when=lambda: time.monotonic() - started > duration_s)
    finally:
        stop.set()
    sources = {f.head_pose.source for f in frames if f.head_pose is not None}
    return {"stage_ms": report.stage_ms, "frames": len(frames), "sources": sorted(sources)}


def main() -> None:
    duration_s = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
    for with_sensor in (False, True):
        result = run(duration_s, with_sensor)
        ms = result["stage_ms"]
        label = "with the sensor" if with_sensor else "camera alone"
        print(
            f"{label}: {result['frames']} pictures, head from {result['sources']}; medians: "
            f"capture -> her view {ms.get('latency', float('nan')):.1f} ms, drawing {ms.get('eyes', float('nan')):.1f} ms, "
            f"tracking {ms.get('tracking', float('nan')):.1f} ms, head information age at drawing "
            f"{ms.get('head_age', float('nan')):.1f} ms"
        )


if __name__ == "__main__":
    main()
