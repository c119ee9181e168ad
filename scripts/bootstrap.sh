#!/usr/bin/env bash
# Prepares a fresh Debian machine for arwed: system libraries, then .venv with the pinned packages.
# Idempotent and quick when nothing changed (a stamp keyed on the dependency files).
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(
  python3 python3-venv python3-dev
  libegl1 libegl-mesa0 libgl1-mesa-dri libgl1 libgles2
  libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0
  libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libx11-xcb1 libxrender1 libxi6 libsm6 libice6
  xvfb xauth xdotool x11-apps
  espeak-ng  # speaks the example ceremony's vows (scripts/make_vows.sh)
)

missing_system_packages() {
  local pkg
  for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
  done
}

install_system_packages() {
  command -v dpkg-query >/dev/null || { echo "bootstrap: not a Debian system; install EGL/Mesa and Qt runtime libraries by hand" >&2; return 0; }
  local missing
  missing=$(missing_system_packages | tr '\n' ' ')
  [ -z "${missing// /}" ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "bootstrap: installing system packages: $missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
  else
    echo "bootstrap: these system packages are missing: $missing" >&2
    echo "bootstrap: run this, then try again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends $missing" >&2
    exit 1
  fi
}

pick_python() {
  local candidate
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      echo "$candidate"; return 0
    fi
  done
  echo "bootstrap: arwed needs Python 3.11 (mediapipe 0.10.21 ships no wheel for other versions)" >&2
  exit 1
}

install_python_packages() {
  local stamp=.venv/.setup-stamp
  local want
  want=$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/arwed ]; then
    return 0
  fi
  [ -x .venv/bin/python ] || "$(pick_python)" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -c requirements.lock -e ".[dev]"
  echo "$want" > "$stamp"
}

install_system_packages
install_python_packages
bash scripts/make_vows.sh  # the example ceremony's voice (espeak-ng), made here, never downloaded
