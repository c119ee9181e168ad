"""arwed's MToon against three-vrm's: the same model, views and light, rendered by both; SSIM per view.

Not part of the app. three-vrm (npm @pixiv/three-vrm + three, pinned in tools/mtoon/reference) runs in
headless Debian `chromium` on a page this script serves on 127.0.0.1; arwed renders the same views with
its own renderer. Both show the model as authored (T-pose, no spring bones, no expressions), placed in
arwed's character space by arwed's own normalisation, lit by arwed's default light.

    (cd tools/mtoon/reference && npm ci)      # once
    python tools/mtoon/compare.py --out out/mtoon MODEL...

Per model it writes NAME.png (rows: views; columns: arwed, three-vrm, difference x3) and NAME.json,
and prints the SSIM of each view on the character's box (the union of both silhouettes' boxes).
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
REFERENCE_DIR = HERE / "reference"
TILE_PX = (480, 720)
TIMEOUT_S = 240.0
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-unsafe-swiftshader",  # WebGL on the CPU: there is no GPU
    "--use-angle=swiftshader",
]


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean structural similarity of two greyscale images (Wang et al. 2004: Gaussian window 1.5)."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(x):
        return cv2.GaussianBlur(x, (11, 11), 1.5)

    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a**2
    var_b = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    num = (2 * mu_a * mu_b + c1) * (2 * cov + c2)
    den = (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
    return float(np.mean(num / den))


def over_background(rgba_premultiplied: np.ndarray, background_bgr: tuple[int, int, int]) -> np.ndarray:
    """BGR picture of a premultiplied RGBA image over a flat colour."""
    rgba = rgba_premultiplied.astype(np.float32)
    alpha = rgba[:, :, 3:4] / 255.0
    bg = np.empty(rgba.shape[:2] + (3,), np.float32)
    bg[:] = background_bgr
    return np.clip(rgba[:, :, 2::-1] + bg * (1.0 - alpha) + 0.5, 0, 255).astype(np.uint8)


def character_box(*alphas: np.ndarray, margin_px: int = 8) -> tuple[int, int, int, int] | None:
    mask = np.zeros_like(alphas[0], dtype=bool)
    for alpha in alphas:
        mask |= alpha > 8
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    h, w = mask.shape
    return (
        max(0, cols[0] - margin_px),
        max(0, rows[0] - margin_px),
        min(w, cols[-1] + 1 + margin_px),
        min(h, rows[-1] + 1 + margin_px),
    )


class _Exchange:
    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.results: dict[int, np.ndarray] = {}
        self.error: str | None = None
        self.done = threading.Event()


def _handler(exchange: _Exchange):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):
            path = self.path.split("?")[0]
            body = exchange.files.get(path)
            if body is None and path.startswith("/node_modules/"):
                file = (REFERENCE_DIR / path.lstrip("/")).resolve()
                if REFERENCE_DIR in file.parents and file.is_file():
                    body = file.read_bytes()
            if body is None:
                self.send_error(404)
                return
            kind = (
                "text/javascript" if path.endswith(".js") else "text/html" if path.endswith(".html") else None
            )
            self.send_response(200)
            self.send_header("Content-Type", kind or "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path.startswith("/result/"):
                png = base64.b64decode(data.split(b",", 1)[1])
                image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
                rgba = cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA).astype(np.float32)
                rgba[:, :, :3] *= rgba[:, :, 3:4] / 255.0  # the canvas's PNG has straight alpha
                exchange.results[int(self.path.rsplit("/", 1)[1])] = (rgba + 0.5).astype(np.uint8)
            elif self.path == "/error":
                exchange.error = data.decode(errors="replace")
                exchange.done.set()
            elif self.path == "/done":
                exchange.done.set()
            self.send_response(204)
            self.end_headers()

    return Handler


def three_vrm_render(model: Path, config: dict) -> list[np.ndarray]:
    """RGBA pictures (premultiplied, as arwed's layers are) of the model from config's views."""
    if not (REFERENCE_DIR / "node_modules" / "@pixiv" / "three-vrm").is_dir():
        raise SystemExit("three-vrm is not installed: run (cd tools/mtoon/reference && npm ci)")
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("chromium is not installed: apt-get install chromium")
    exchange = _Exchange(
        {
            "/page.html": (REFERENCE_DIR / "page.html").read_bytes(),
            "/page.js": (REFERENCE_DIR / "page.js").read_bytes(),
            "/model": model.read_bytes(),
            "/scene.json": json.dumps(config).encode(),
        }
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(exchange))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory(prefix="arwed-chromium-") as profile:
        url = f"http://127.0.0.1:{server.server_address[1]}/page.html"
        size = f"--window-size={config['width']},{config['height']}"
        process = subprocess.Popen(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", size, url],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            finished = exchange.done.wait(TIMEOUT_S)
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
            server.shutdown()
    if exchange.error:
        raise RuntimeError(f"three-vrm failed on {model.name}: {exchange.error}")
    if not finished:
        raise RuntimeError(f"three-vrm did not finish {model.name} within {TIMEOUT_S:.0f} s")
    return [exchange.results[i] for i in range(len(config["views"]))]


def compare_model(model: Path, out_dir: Path) -> dict:
    from arwed.characters.base import CharacterCue
    from arwed.characters.loader import load_character
    from arwed.characters.preview import SHEET_VIEWS, framing_view, posed_bounds, tile_intrinsics
    from arwed.render.contact_sheet import BACKGROUND_BGR
    from arwed.render.renderer import OPENCV_TO_OPENGL, Z_FAR_M, Z_NEAR_M, CharacterRenderer
    from arwed.types import SceneLight

    character = load_character(model)
    if hasattr(character, "pose_mode"):
        character.pose_mode = "tpose"  # as authored: what three-vrm shows without an animation
    posed = character.pose(CharacterCue(time_s=0.0))
    low, high = posed_bounds(posed)
    intrinsics = tile_intrinsics(*TILE_PX)
    light = SceneLight()
    renderer = CharacterRenderer(light)
    renderer.set_character(character)
    import pyrender

    camera = pyrender.IntrinsicsCamera(
        intrinsics.fx_px, intrinsics.fy_px, intrinsics.cx_px, intrinsics.cy_px, znear=Z_NEAR_M, zfar=Z_FAR_M
    )
    projection = camera.get_projection_matrix(*TILE_PX)
    views, ours = [], []
    for label, yaw in SHEET_VIEWS:
        view = framing_view(low, high, intrinsics, yaw)
        to_camera = view.character_to_camera()
        layer = renderer.render(posed, to_camera, intrinsics)
        full = np.zeros((TILE_PX[1], TILE_PX[0], 4), np.uint8)
        x0, y0 = layer.origin_px
        h, w = layer.rgba.shape[:2]
        full[y0 : y0 + h, x0 : x0 + w] = layer.rgba[: TILE_PX[1] - y0, : TILE_PX[0] - x0]
        ours.append(full)
        camera_to_world = np.linalg.inv(OPENCV_TO_OPENGL @ to_camera)
        world_from_cv = camera_to_world[:3, :3] @ OPENCV_TO_OPENGL[:3, :3]
        views.append(
            {
                "label": label,
                "camera_to_world": camera_to_world.T.reshape(-1).tolist(),  # column-major for three
                "projection": projection.T.reshape(-1).tolist(),
                "lights": [
                    {
                        "towards_world": (world_from_cv @ np.asarray(d.towards_light)).tolist(),
                        "rgb": list(d.rgb),
                    }
                    for d in light.lights
                ],
            }
        )
    renderer.close()
    config = {
        "width": TILE_PX[0],
        "height": TILE_PX[1],
        "root": character.rig.normalisation.root.T.reshape(-1).tolist(),
        "ambient": list(light.ambient_rgb),
        "lights": [0] * len(light.lights),
        "views": views,
    }
    theirs = three_vrm_render(model, config)
    rows, scores = [], []
    for (label, _), mine, ref in zip(SHEET_VIEWS, ours, theirs, strict=True):
        a, b = over_background(mine, BACKGROUND_BGR), over_background(ref, BACKGROUND_BGR)
        box = character_box(mine[:, :, 3], ref[:, :, 3])
        score = None
        if box is not None:
            x0, y0, x1, y1 = box
            grey = [cv2.cvtColor(img[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY) for img in (a, b)]
            score = ssim(*grey)
        scores.append({"view": label, "ssim": score, "box_px": [int(v) for v in box] if box else None})
        diff = np.clip(np.abs(a.astype(int) - b.astype(int)) * 3, 0, 255).astype(np.uint8)
        tiles = [a, b, diff]
        for tile, name in zip(
            tiles, ("arwed", "three-vrm", f"diff x3  SSIM {score:.3f}" if score else "diff"), strict=True
        ):
            cv2.putText(
                tile,
                f"{label}: {name}",
                (10, 24),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.6,
                (235, 235, 235),
                1,
                cv2.LINE_AA,
            )
            if box is not None:
                cv2.rectangle(tile, box[:2], (box[2] - 1, box[3] - 1), (80, 200, 255), 1)
        rows.append(np.hstack(tiles))
    out_dir.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out_dir / f"{model.stem}.png"), np.vstack(rows))
    result = {"model": model.name, "views": scores}
    (out_dir / f"{model.stem}.json").write_text(json.dumps(result, indent=1))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("out/mtoon"))
    args = parser.parse_args()
    summary = []
    for model in args.models:
        start = time.monotonic()
        result = compare_model(model, args.out)
        summary.append(result)
        views = "  ".join(
            f"{v['view']} {v['ssim']:.3f}" if v["ssim"] is not None else f"{v['view']} -"
            for v in result["views"]
        )
        print(f"{model.name:50s} {views}   ({time.monotonic() - start:.0f} s)", flush=True)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
