"""Each bomb in a fresh process: how long until it is refused, and how much memory that took.

Run as a script it prints one JSON line per bomb: name, outcome (the one-line message), seconds,
peak_mb (the growth of the process's peak resident memory while it ran). The test suite runs it and
checks every bomb against 1 s and 100 MB; the figures go into the issue's closing note.
"""

from __future__ import annotations

import json
import resource
import struct
import sys
import time
import zlib
from pathlib import Path


def _png(width: int, height: int, idat_length: int | None = None) -> bytes:
    def chunk(kind: bytes, payload: bytes, length: int | None = None) -> bytes:
        body = kind + payload
        return (
            struct.pack(">I", len(payload) if length is None else length)
            + body
            + struct.pack(">I", zlib.crc32(body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 4096)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels, idat_length)
        + chunk(b"IEND", b"")
    )


def _jpeg(width: int, height: int, progressive: bool) -> bytes:
    import cv2
    import numpy as np

    ok, data = cv2.imencode(
        ".jpg", np.zeros((16, 16, 3), np.uint8), [cv2.IMWRITE_JPEG_PROGRESSIVE, int(progressive)]
    )
    data = bytearray(data.tobytes())
    sof = next(i for i in range(2, len(data) - 1) if data[i] == 0xFF and data[i + 1] in (0xC0, 0xC2))
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as file:
        file.truncate(size)
    return path


LAUGHS = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(8)]
)


def bombs(folder: Path) -> dict:
    """name -> a function that feeds the bomb to the real reader and returns what came back."""
    from arwed.calibrate.profile import load_profile
    from arwed.capture.sources import read_source_image
    from arwed.characters.gltf_io import MAX_TEXTURE_DECODE_PIXELS, read_gltf
    from arwed.config import load_settings
    from arwed.image_header import decode_bounded

    def write(name: str, data) -> Path:
        path = folder / name
        path.write_bytes(data) if isinstance(data, bytes) else path.write_text(data)
        return path

    deep = "[" * 5000 + "]" * 5000
    gltf = '{"asset": {"version": "2.0"}, "extras": ' + deep + "}"
    return {
        "texture PNG declaring 30000x30000": lambda: decode_bounded(
            _png(30000, 30000), MAX_TEXTURE_DECODE_PIXELS
        ),
        "texture PNG chunk claiming 2 GB": lambda: decode_bounded(
            _png(64, 64, 0x7FFFFFF0), MAX_TEXTURE_DECODE_PIXELS
        ),
        "texture progressive JPEG declaring 30000x30000": lambda: decode_bounded(
            _jpeg(30000, 30000, True), MAX_TEXTURE_DECODE_PIXELS
        ),
        "texture baseline JPEG declaring 30000x30000": lambda: decode_bounded(
            _jpeg(30000, 30000, False), MAX_TEXTURE_DECODE_PIXELS
        ),
        "texture baseline JPEG declaring 60000x60000": lambda: decode_bounded(
            _jpeg(60000, 60000, False), MAX_TEXTURE_DECODE_PIXELS
        ),
        "source PNG declaring 20000x20000": lambda: read_source_image(write("big.png", _png(20000, 20000))),
        "settings: billion laughs": lambda: load_settings(write("laughs.yaml", LAUGHS)),
        "settings: nested 5000 deep": lambda: load_settings(write("deep.yaml", "placement: " + deep)),
        "settings: 1 GiB file": lambda: load_settings(_sparse(folder / "huge.yaml", 1 << 30)),
        "profile: billion laughs": lambda: load_profile(write("laughs-cam.yaml", LAUGHS)),
        "profile: nested 5000 deep": lambda: load_profile(write("deep-cam.yaml", "camera_matrix: " + deep)),
        "profile: 1 GiB file": lambda: load_profile(_sparse(folder / "huge-cam.yaml", 1 << 30)),
        "model: JSON nested 5000 deep": lambda: read_gltf(write("deep.gltf", gltf)),
        "model: 2 GiB file": lambda: read_gltf(_sparse(folder / "huge.glb", 2 << 30)),
    }


def run_one(name: str, folder: Path) -> dict:
    from arwed.errors import UserError
    from arwed.image_header import ImageHeaderError

    bomb = bombs(folder)[name]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:
        bomb()
        outcome = "accepted"
    except (UserError, ImageHeaderError) as exc:
        outcome = f"refused: {exc}"
    seconds = time.perf_counter() - started
    peak_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    return {"name": name, "outcome": outcome, "seconds": round(seconds, 3), "peak_mb": round(peak_mb, 1)}


if __name__ == "__main__":
    import tempfile

    names = sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        import cv2  # noqa: F401 - loaded before measuring, as in the app

        import arwed.calibrate.profile  # noqa: F401
        import arwed.capture.sources  # noqa: F401
        import arwed.characters.gltf_io  # noqa: F401

        for name in names or list(bombs(Path(tmp))):
            print(json.dumps(run_one(name, Path(tmp))), flush=True)
