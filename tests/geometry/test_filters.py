"""The One Euro filter against its authors' reference output, and its basic behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from arwed.geometry.filters import OneEuroFilter
from tests.conftest import shared_path


def _reference() -> np.ndarray:
    return np.genfromtxt(shared_path("data", "one_euro_ground_truth.csv"), delimiter=",", names=True)


def test_matches_the_authors_reference_within_1e4_at_every_row():
    data = _reference()
    assert len(data) == 1200
    one_euro = OneEuroFilter(min_cutoff=1.0, beta=0.1, d_cutoff=1.0)
    filtered = np.array([one_euro(x, t) for x, t in zip(data["noisy"], data["timestamp"], strict=True)])
    assert np.max(np.abs(filtered - data["filtered"])) < 1e-4


def test_vector_filters_each_component_like_the_scalar_filter():
    data = _reference()
    vector_filter = OneEuroFilter(1.0, 0.1, 1.0)
    samples = np.column_stack((data["noisy"], 2.0 * data["noisy"] + 1.0))
    out = np.array([vector_filter(x, t) for x, t in zip(samples, data["timestamp"], strict=True)])
    scalar_filter = OneEuroFilter(1.0, 0.1, 1.0)
    second = np.array([scalar_filter(x, t) for x, t in zip(samples[:, 1], data["timestamp"], strict=True)])
    assert np.max(np.abs(out[:, 0] - data["filtered"])) < 1e-4
    assert np.allclose(out[:, 1], second, atol=1e-12)


def test_first_sample_passes_through_and_reset_forgets():
    one_euro = OneEuroFilter(1.0, 0.0, 1.0)
    assert one_euro(5.0, 0.0) == 5.0
    assert one_euro(6.0, 0.1) < 6.0
    one_euro.reset()
    assert one_euro.value is None
    assert one_euro(-3.0, 0.2) == -3.0


def test_smooths_noise_on_a_still_signal_and_follows_a_fast_one():
    rng = np.random.default_rng(3)
    times = np.arange(300) / 30.0
    still = OneEuroFilter(0.8, 2.0, 1.0)
    out = np.array([still(x, t) for x, t in zip(rng.normal(0.0, 0.01, 300), times, strict=True)])
    assert np.std(out[60:]) < 0.35 * 0.01
    moving = OneEuroFilter(0.8, 2.0, 1.0)
    ramp = np.array([moving(1.5 * t, t) for t in times])  # 1.5 m/s
    assert np.max(np.abs(ramp[60:] - 1.5 * times[60:])) < 0.12


def test_rejects_non_positive_cutoffs():
    with pytest.raises(ValueError):
        OneEuroFilter(min_cutoff=0.0)
