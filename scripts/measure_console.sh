#!/usr/bin/env bash
# The console's speed against `arwed bench --runs live`, in the same run, on this checkout.
#
# Usage: scripts/measure_console.sh [SECONDS] [OUT_DIR]     (default: 30 s, a new temporary folder)
#
# 1. `arwed bench --runs live` on the demo at 1280x720 (tracking alone first, then the live pipeline);
# 2. the operator console under a private Xvfb with the demo, a stage output in a 1920x1080 window and a
#    side-by-side glasses output (camera-black-3d) in a GLASSES_SIZE window (default 3840x1080, the XREAL
#    One's 3D mode): Xvfb has one screen and no window manager, so the outputs are windows sized with
#    xdotool, the same pixels to paint as on their own screens;
# 3. the figures side by side: console frames/s over bench live frames/s, live tracking rate over the
#    rendered frame rate (both runs), the painting cost per output, and the load on the machine.
# Everything is relative to this script's checkout; PYTHON overrides its .venv's python.
set -euo pipefail
seconds=${1:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$(mktemp -d "${TMPDIR:-/tmp}/arwed-measure.XXXXXX")}
python=${PYTHON:-$root/.venv/bin/python}
glasses_size=${GLASSES_SIZE:-3840x1080}
[ -x "$python" ] || { echo "measure_console: no python at $python (run scripts/bootstrap.sh, or set PYTHON)" >&2; exit 2; }
mkdir -p "$out"
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}" PYOPENGL_PLATFORM=egl
frames=$(( seconds * 30 ))
(( frames >= 60 )) || frames=60

echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
"$python" -m arwed bench --runs live --frames "$frames" --json "$out/bench.json" >"$out/bench.txt" 2>"$out/bench.log"
cat "$out/bench.txt"
echo "== load average after bench: $(cut -d' ' -f1-3 /proc/loadavg)"

display=:$(( 300 + RANDOM % 300 ))
Xvfb "$display" -screen 0 7680x1080x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
for _ in $(seq 100); do DISPLAY=$display xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done
size_windows() {  # the outputs' windows at the sizes of their screens, once they are open
  for _ in $(seq 50); do
    if DISPLAY=$display xdotool search --name "Output 1 \(stage\)" >/dev/null 2>&1 &&
      DISPLAY=$display xdotool search --name "Output 2 \(camera-black 3D\)" >/dev/null 2>&1; then
      DISPLAY=$display xdotool search --name "Output 1 \(stage\)" windowmove 1920 0 windowsize 1920 1080
      DISPLAY=$display xdotool search --name "Output 2 \(camera-black 3D\)" windowmove 3840 0 \
        windowsize "${glasses_size%x*}" "${glasses_size#*x}"
      return 0
    fi
    sleep 0.2
  done
  echo "measure_console: the output windows did not open" >&2
}
before=$(awk '{print $14+$15}' "/proc/$xvfb/stat")
size_windows &
env -u QT_QPA_PLATFORM DISPLAY="$display" ARWED_CONFIG_DIR="$out/config" \
  "$python" -m arwed run --fresh --source demo --keepsakes "$out/keep" --quit-after "$seconds" \
  --output stage --output camera-black-3d --screenshot "$out/console.png" --stats "$out/console.json" \
  2>"$out/console.log"
wait
after=$(awk '{print $14+$15}' "/proc/$xvfb/stat")
echo "== load average after console: $(cut -d' ' -f1-3 /proc/loadavg); Xvfb CPU $(( (after - before) * 10 )) ms over ${seconds} s"

"$python" - "$out" <<'EOF'
import json
import sys
from pathlib import Path

out = Path(sys.argv[1])
bench = json.loads((out / "bench.json").read_text())["runs"]["live"]
console = json.loads((out / "console.json").read_text())
console.pop("preview_frame", None)
pipeline_fps = console["pipeline_stage_fps"]
print("console:", json.dumps({k: console.get(k) for k in (
    "pipeline_stage_fps", "console_painted_fps", "tracking_hz", "latency_ms", "gui_thread_cpu_ms_per_frame",
    "process_cpu_ms_per_frame", "gui_thread_cpu_share", "paint_ms", "outputs", "stage_ms")}))
print(f"console frames/s {pipeline_fps:.1f} / bench live frames/s {bench['fps']:.1f} = "
      f"{pipeline_fps / max(bench['fps'], 1e-9):.2f} (goal >= 0.8)")
if console.get("tracking_hz") is not None:
    print(f"console tracking {console['tracking_hz']:.1f} Hz / rendered {pipeline_fps:.1f} frames/s = "
          f"{console['tracking_hz'] / max(pipeline_fps, 1e-9):.2f} (goal >= 0.8)")
print(f"bench live tracking {bench['tracking_hz']:.1f} Hz / rendered {bench['fps']:.1f} frames/s = "
      f"{bench['tracking_hz'] / max(bench['fps'], 1e-9):.2f} (goal >= 0.8)")
EOF
echo "== files in $out"
