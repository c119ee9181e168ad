#!/usr/bin/env bash
# The build step for the example ceremony's voice: his vows spoken by espeak-ng (a Debian package;
# nothing is downloaded). Writes arwed/assets/ceremonies/vows.wav (package data: a wheel
# built afterwards carries it) when it is missing or older than this script.
set -euo pipefail
cd "$(dirname "$0")/.."
out=arwed/assets/ceremonies/vows.wav
[ -f "$out" ] && [ "$out" -nt "$0" ] && exit 0
command -v espeak-ng >/dev/null || { echo "make_vows: espeak-ng is missing (scripts/bootstrap.sh installs it)" >&2; exit 1; }
espeak-ng -v en-gb+m3 -s 140 -p 40 -g 6 -w "$out.tmp" \
  "I take you as my partner, today and every day. I promise to stand beside you, to listen, and to laugh with you. With this ring, I give you my heart."
mv "$out.tmp" "$out"
echo "make_vows: wrote $out"
