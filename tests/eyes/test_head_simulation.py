"""Her head through the real head code, against constructed ground truth (see simulation.py).

The figures the issue asks for: the partner's direction in her view, median over each path, with the
camera alone (goal 1 degree) and with a drifting sensor fused in (goal 0.5 degree); asserted at the
goals (printed with -s). Over more seeds: `python -m tests.eyes.simulation 4`.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from tests.eyes.simulation import PATHS, run_path

CAMERA_ALONE_BOUND_DEG = 1.0
FUSED_BOUND_DEG = 0.5


@cache
def _run(name: str, with_sensor: bool):
    return run_path(name, with_sensor=with_sensor)  # each path once per run, whichever test asks first


@pytest.mark.parametrize("name", list(PATHS))
def test_camera_alone(name: str) -> None:
    result = _run(name, False)
    print(
        f"camera alone, {name}: median {result.median_deg:.2f} deg, p90 {np.percentile(result.errors_deg, 90):.2f}"
    )
    assert result.median_deg < CAMERA_ALONE_BOUND_DEG


@pytest.mark.parametrize("name", list(PATHS))
def test_with_drifting_sensor(name: str) -> None:
    fused = _run(name, True)
    print(
        f"with the sensor, {name}: median {fused.median_deg:.2f} deg, p90 {np.percentile(fused.errors_deg, 90):.2f}"
    )
    assert fused.median_deg < FUSED_BOUND_DEG
    assert np.percentile(fused.errors_deg, 90) < 1.5  # no long excursions either


def test_the_sensor_helps_where_the_camera_lags() -> None:
    alone = _run("turn 90 and back", False)
    fused = _run("turn 90 and back", True)
    assert np.percentile(fused.errors_deg, 90) < 0.5 * np.percentile(alone.errors_deg, 90)
