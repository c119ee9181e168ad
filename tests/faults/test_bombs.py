"""Bombs (image headers, YAML aliases, nesting, huge files) refused within 1 s and 100 MB, each measured
in a fresh process (tests/faults/bombs.py prints the figures)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_bomb_is_refused_within_a_second_and_100_mb():
    done = subprocess.run(
        [sys.executable, str(REPO / "tests" / "faults" / "bombs.py")],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(results) >= 13
    for result in results:
        assert result["outcome"].startswith("refused: "), result
        assert "\n" not in result["outcome"]
        assert result["seconds"] < 1.0 and result["peak_mb"] < 100.0, result
