#!/usr/bin/env bash
# Frames per second of the operator console on the demo source with a stage and a glasses output open,
# under a private Xvfb (1920x1080). Usage: scripts/measure_console.sh [SECONDS] [OUT_DIR]
# Prints the JSON written by `arwed run --stats` plus the load on the machine during the run.
set -euo pipefail
seconds=${1:-30}
out=${2:-/tmp/arwed-measure}
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
[ -x "$python" ] || python=/work/main/.venv/bin/python
mkdir -p "$out"
display=:$(( 300 + RANDOM % 200 ))
Xvfb "$display" -screen 0 1920x1080x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb' EXIT
sleep 1
run() {  # name, extra arguments...
  local name=$1; shift
  local before; before=$(awk '{print $14+$15}' /proc/$xvfb/stat)
  local load0; load0=$(cut -d' ' -f1 /proc/loadavg)
  env -u QT_QPA_PLATFORM DISPLAY=$display PYOPENGL_PLATFORM=egl PYTHONPATH="$root" ARWED_CONFIG_DIR="$out/config-$name" \
    "$python" -m arwed run --fresh --source demo --keepsakes "$out/keep" --quit-after "$seconds" \
    --screenshot "$out/$name.png" --stats "$out/$name.json" "$@" 2>"$out/$name.log"
  local after; after=$(awk '{print $14+$15}' /proc/$xvfb/stat)
  echo "== $name: load average $load0 -> $(cut -d' ' -f1 /proc/loadavg); Xvfb CPU $(( (after - before) ))0 ms over ${seconds} s"
  "$python" -c "import json,sys; d=json.load(open(sys.argv[1])); d.pop('preview_frame',None); print(json.dumps(d))" "$out/$name.json"
}
run windowed --output stage --output camera-black-3d
run fullscreen --fullscreen-output stage@1 --fullscreen-output camera-black-3d@1
