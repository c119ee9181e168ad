"""Side by side for glasses in 3D mode: the disparity of the character's depth, and the shifted halves."""

from __future__ import annotations

import numpy as np
import pytest

from arwed.session.stereo import disparity_px, eye_offsets_px, side_by_side


def test_disparity_is_focal_length_times_eye_distance_over_depth():
    # a 1280-pixel-wide 60 degree camera: fx = 640 / tan(30 deg) = 1108.5 px
    fx = 640 / np.tan(np.radians(30))
    assert disparity_px(fx, 0.063, 2.5) == pytest.approx(fx * 0.063 / 2.5)  # 27.9 px
    assert disparity_px(fx, 0.063, 5.0) == pytest.approx(disparity_px(fx, 0.063, 2.5) / 2)
    assert disparity_px(fx, 0.063, None) == 0.0
    assert disparity_px(fx, 0.0, 2.0) == 0.0
    assert disparity_px(fx, 0.063, 0.01) == pytest.approx(fx * 0.063 / 0.3)  # clamped, not infinite


def test_each_eye_moves_half_the_disparity_towards_the_nose():
    image = np.zeros((4, 100, 3), np.uint8)
    image[:, 50] = 255  # a vertical line at x = 50
    stereo = side_by_side(image, disparity=20.0)
    assert stereo.shape == (4, 200, 3)
    left_x = np.flatnonzero(stereo[0, :100, 0])
    right_x = np.flatnonzero(stereo[0, 100:, 0])
    assert left_x.tolist() == [60] and right_x.tolist() == [
        40
    ]  # crossed: the line sits in front of the screen
    assert eye_offsets_px(20.0) == (10, -10)


def test_no_disparity_gives_two_identical_halves():
    image = np.random.default_rng(1).integers(0, 255, (8, 16, 3), dtype=np.uint8)
    stereo = side_by_side(image, 0.0)
    assert np.array_equal(stereo[:, :16], image) and np.array_equal(stereo[:, 16:], image)
