#!/usr/bin/env bash
# Renders the embedded demo (no camera needed) to out/demo.mp4 with its statistics beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
mkdir -p out
.venv/bin/arwed render --source demo --out out/demo.mp4 --stats out/demo.json "$@"
echo "demo: wrote out/demo.mp4 and out/demo.json"
