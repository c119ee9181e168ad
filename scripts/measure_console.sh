#!/usr/bin/env bash
# The console's speed against `arwed bench --runs live`, in the same run, on this checkout.
#
# Usage: scripts/measure_console.sh [SECONDS] [OUT_DIR]     (default: 30 s, a new temporary folder)
#        RUNS=N scripts/measure_console.sh ...               (N rounds of both, then the medians)
#
# 1. `arwed bench --runs live` on the demo at 1280x720 (a short tracking-alone run first, then the live
#    pipeline for SECONDS);
# 2. the operator console on a private X server with the demo, a stage output full screen on a 1920x1080
#    screen and a side-by-side glasses output (camera-black-3d) full screen on a GLASSES_SIZE screen
#    (default 3840x1080, the XREAL One's 3D mode): three screens on Xorg's dummy video driver (installed
#    by scripts/bootstrap.sh), or, without it, one Xvfb screen with the outputs as windows of those sizes;
# 3. the figures side by side: console frames/s over bench live frames/s, live tracking rate over the
#    rendered frame rate (both runs), the CPU each spends per frame thread by thread once frames flow,
#    the painting cost per output, and the load on the machine; with RUNS, each round's ratios and
#    their medians (the machine's load drifts: the ratios of one round are the figures to compare).
# Everything is relative to this script's checkout; PYTHON overrides its .venv's python.
set -euo pipefail
seconds=${1:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$(mktemp -d "${TMPDIR:-/tmp}/arwed-measure.XXXXXX")}
python=${PYTHON:-$root/.venv/bin/python}
glasses_size=${GLASSES_SIZE:-3840x1080}
runs=${RUNS:-1}
[ -x "$python" ] || { echo "measure_console: no python at $python (run scripts/bootstrap.sh, or set PYTHON)" >&2; exit 2; }
mkdir -p "$out"
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}" PYOPENGL_PLATFORM=egl
frames=$(( seconds * 30 ))
(( frames >= 60 )) || frames=60

echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
glasses_w=${glasses_size%x*}; glasses_h=${glasses_size#*x}
server_log="$out/xserver.log"
start_server() {  # an X server that picks a free display itself; sets $display and $server
  local fifo="$out/displayfd"; rm -f "$fifo"; mkfifo "$fifo"
  "$@" -displayfd 3 -nolisten tcp 3>"$fifo" >/dev/null 2>"$server_log" &
  server=$!
  display=:$(timeout 20 head -n1 "$fifo" || true)
  rm -f "$fifo"
  [ "$display" != ":" ]
}
if command -v Xorg >/dev/null && [ -e /usr/lib/xorg/modules/drivers/dummy_drv.so ]; then
  # three screens on Xorg's dummy driver: the console's, the projector's and the glasses'
  screens=real
  "$python" -m tools.xorg_dummy console:1920x1080 stage:1920x1080 "glasses:$glasses_size" >"$out/xorg.conf"
  start_server Xorg -config "$out/xorg.conf" -logfile "$out/xorg.log" -noreset ||
    { echo "measure_console: Xorg did not start (see $out/xorg.log)" >&2; exit 2; }
  outputs=(--output stage@2 --output camera-black-3d@3)
else
  # one Xvfb screen and no window manager: the outputs are windows sized with xdotool to their screens'
  screens=windows
  start_server Xvfb -screen 0 "$((3840 + glasses_w))x1080x24" ||
    { echo "measure_console: Xvfb did not start" >&2; exit 2; }
  outputs=(--output stage --output camera-black-3d)
fi
trap 'kill $server 2>/dev/null || true' EXIT
size_windows() {  # Xvfb only: the outputs' windows at the sizes of their screens, once they are open
  for _ in $(seq 100); do
    if DISPLAY=$display xdotool search --name "Output 2 \(camera-black 3D\)" >/dev/null 2>&1; then
      DISPLAY=$display xdotool search --name "Output 1 \(stage\)" windowmove 1920 0 windowsize 1920 1080
      DISPLAY=$display xdotool search --name "Output 2 \(camera-black 3D\)" windowmove 3840 0 \
        windowsize "$glasses_w" "$glasses_h"
      return 0
    fi
    sleep 0.2
  done
  echo "measure_console: the output windows did not open" >&2
}
echo "== screens: $screens (console 1920x1080, stage 1920x1080, glasses $glasses_size side by side) on $display"
for run in $(seq "$runs"); do
  dir="$out/run$run"; mkdir -p "$dir"
  echo "== round $run of $runs"
  "$python" -m arwed bench --runs live --frames "$frames" --tracking-frames 60 --json "$dir/bench.json" \
    >"$dir/bench.txt" 2>"$dir/bench.log"
  cat "$dir/bench.txt"
  echo "== load average after bench: $(cut -d' ' -f1-3 /proc/loadavg)"
  before=$(awk '{print $14+$15}' "/proc/$server/stat")
  sizer=
  if [ "$screens" = windows ]; then size_windows & sizer=$!; fi
  env -u QT_QPA_PLATFORM DISPLAY="$display" ARWED_CONFIG_DIR="$dir/config" \
    "$python" -m arwed run --fresh --source demo --keepsakes "$dir/keep" --quit-after "$seconds" \
    "${outputs[@]}" --screenshot "$dir/console.png" --stats "$dir/console.json" 2>"$dir/console.log"
  [ -z "$sizer" ] || wait "$sizer"
  after=$(awk '{print $14+$15}' "/proc/$server/stat")
  echo "$(( (after - before) * 10 ))" >"$dir/xserver_cpu_ms"
  echo "== load average after console: $(cut -d' ' -f1-3 /proc/loadavg); X server CPU $(( (after - before) * 10 )) ms over ${seconds} s"
done

"$python" - "$out" "$runs" "$seconds" <<'EOF'
import json
import statistics
import sys
from pathlib import Path

out, runs, seconds = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])


def cpu_line(cpu: dict) -> str:
    if not cpu:
        return "(not measured)"
    threads = ", ".join(f"{name} {ms:.1f}" for name, ms in list(cpu.items())[1:9])
    return f"{cpu['total']:.1f} ms per frame: {threads}"


rounds = []
for run in range(1, runs + 1):
    folder = out / f"run{run}"
    bench = json.loads((folder / "bench.json").read_text())["runs"]["live"]
    console = json.loads((folder / "console.json").read_text())
    console.pop("preview_frame", None)
    fps = console["pipeline_stage_fps"]
    figures = {
        "console / bench live": fps / max(bench["fps"], 1e-9),
        "console tracking / rendered": (console.get("tracking_hz") or 0.0) / max(fps, 1e-9),
        "bench live tracking / rendered": bench["tracking_hz"] / max(bench["fps"], 1e-9),
    }
    rounds.append(figures)
    print(f"-- round {run}")
    print("console:", json.dumps({k: console.get(k) for k in (
        "pipeline_stage_fps", "console_painted_fps", "tracking_hz", "latency_ms", "gui_thread_cpu_share",
        "paint_ms")}), "outputs:", json.dumps([
        {k: o.get(k) for k in ("mode", "side_by_side", "size", "painted_fps", "paint_ms")}
        for o in console.get("outputs", [])]))
    print(f"console frames/s {fps:.1f} / bench live frames/s {bench['fps']:.1f} = "
          f"{figures['console / bench live']:.2f} (goal >= 0.8)")
    print(f"console tracking {console.get('tracking_hz') or 0.0:.1f} Hz / rendered {fps:.1f} frames/s = "
          f"{figures['console tracking / rendered']:.2f} (goal >= 0.8)")
    print(f"bench live tracking {bench['tracking_hz']:.1f} Hz / rendered {bench['fps']:.1f} frames/s = "
          f"{figures['bench live tracking / rendered']:.2f} (goal >= 0.8)")
    print("CPU, bench live:", cpu_line(bench.get("cpu_ms_per_frame", {})))
    print("CPU, console:   ", cpu_line(console.get("steady_cpu_ms_per_frame", {})))
    xserver_ms = float((folder / "xserver_cpu_ms").read_text())
    print(f"CPU, X server:   {xserver_ms / seconds:.0f} ms per second of the console's run")
if runs > 1:
    print(f"-- medians over {runs} rounds")
    for name in rounds[0]:
        values = [r[name] for r in rounds]
        print(f"{name}: {statistics.median(values):.2f} (rounds: {', '.join(f'{v:.2f}' for v in values)})")
EOF
echo "== load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== files in $out"
