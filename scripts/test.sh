#!/usr/bin/env bash
# Runs every check: lint, architecture contracts, then the test suite (offline, headless).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export QT_QPA_PLATFORM=offscreen PYOPENGL_PLATFORM=egl
.venv/bin/ruff check arwed tests tools
.venv/bin/ruff format --check arwed tests tools
.venv/bin/lint-imports --no-cache
# one worker per core, each test file on one worker (its module fixtures are built once), the files in the
# order tests/conftest.py gives (the slowest first), not xdist's own (the files with most tests first)
.venv/bin/python -m pytest -n auto --dist loadfile --no-loadscope-reorder "$@"
