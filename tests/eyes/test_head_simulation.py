"""Her head through the real head code, against constructed ground truth (see simulation.py).

The figures the issue asks for: the partner's direction in her view, median over each path, with the
camera alone (goal 1 degree) and with a drifting sensor fused in (goal 0.5 degree). The asserted bounds
are what this code measures today (printed with -s); where they are above the goal, the README says so.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.eyes.simulation import PATHS, run_path

CAMERA_ALONE_BOUND_DEG = {"still": 1.0, "turn 90 and back": 1.3, "nod": 1.0, "walk": 1.7}
FUSED_BOUND_DEG = 0.5


@pytest.mark.parametrize("name", list(PATHS))
def test_camera_alone(name: str) -> None:
    result = run_path(name, with_sensor=False)
    print(
        f"camera alone, {name}: median {result.median_deg:.2f} deg, p90 {np.percentile(result.errors_deg, 90):.2f}"
    )
    assert result.median_deg < CAMERA_ALONE_BOUND_DEG[name]


@pytest.mark.parametrize("name", list(PATHS))
def test_with_drifting_sensor(name: str) -> None:
    fused = run_path(name, with_sensor=True)
    print(
        f"with the sensor, {name}: median {fused.median_deg:.2f} deg, p90 {np.percentile(fused.errors_deg, 90):.2f}"
    )
    assert fused.median_deg < FUSED_BOUND_DEG
    assert np.percentile(fused.errors_deg, 90) < 1.5  # no long excursions either


def test_the_sensor_helps_where_the_camera_lags() -> None:
    alone = run_path("turn 90 and back", with_sensor=False)
    fused = run_path("turn 90 and back", with_sensor=True)
    assert np.percentile(fused.errors_deg, 90) < 0.5 * np.percentile(alone.errors_deg, 90)
