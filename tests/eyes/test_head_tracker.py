"""Filtering, loss and fallback rules of the head tracker, on hand-made inputs."""

from __future__ import annotations

import numpy as np

from arwed.geometry.head import HeadMeasurement, angle_between_deg, head_angles_deg, rotation_from_angles_deg
from arwed.geometry.head_tracker import HeadFilterSettings, HeadTracker

POSITION = np.array([0.1, -0.2, 2.5])


def _feed(tracker: HeadTracker, start_s: float, end_s: float, yaw_deg: float = 0.0) -> None:
    for t in np.arange(start_s, end_s, 1 / 30):
        rotation = rotation_from_angles_deg(yaw_deg, 0.0, 0.0, POSITION)
        tracker.observe(float(t), POSITION, HeadMeasurement(float(t), rotation, 1.0, "face"))


def test_angles_round_trip_and_signs() -> None:
    for angles in ((0, 0, 0), (30, 0, 0), (-70, 10, 5), (10, -20, -15)):
        rotation = rotation_from_angles_deg(*angles, POSITION)
        assert np.allclose(head_angles_deg(rotation, POSITION), angles, atol=1e-6)
    facing_right_of_image = rotation_from_angles_deg(30, 0, 0)[:, 2]
    assert facing_right_of_image[0] > 0  # yaw > 0: she turns to her left, the image's right


def test_a_slow_tracker_between_sightings_is_not_held_a_missed_sighting_is() -> None:
    tracker = HeadTracker(HeadFilterSettings(hold_s=2.0, fade_s=0.8))
    rotation = rotation_from_angles_deg(0.0, 0.0, 0.0, POSITION)
    for t in np.arange(0.0, 3.0, 1 / 3):  # a loaded machine: her head seen three times a second
        tracker.observe(float(t), POSITION, HeadMeasurement(float(t), rotation, 1.0, "face"))
    last = float(np.arange(0.0, 3.0, 1 / 3)[-1])
    assert "held" not in tracker.pose_at(last + 0.5).source  # waiting for the next sighting
    assert "held" in tracker.pose_at(last + 1.0).source  # three sightings missed


def test_hold_then_fade_never_jumps() -> None:
    settings = HeadFilterSettings(hold_s=1.0, fade_s=0.8)
    tracker = HeadTracker(settings)
    _feed(tracker, 0.0, 2.0)
    seen = tracker.pose_at(2.0)
    assert seen.opacity == 1.0 and seen.source == "face"
    held = tracker.pose_at(2.9)
    assert held.opacity == 1.0 and "held" in held.source
    assert angle_between_deg(held.forward, seen.forward) < 0.5  # held where it was: no drift
    fading = [tracker.pose_at(t).opacity for t in np.arange(3.0, 4.2, 1 / 60)]
    assert fading[-1] == 0.0 and all(b <= a for a, b in zip(fading, fading[1:], strict=False))
    assert max(a - b for a, b in zip(fading, fading[1:], strict=False)) < 0.03  # a fade, not a cut
    _feed(tracker, 5.0, 5.5, yaw_deg=40.0)  # she is back, turned: the view glides in and fades in
    back = [tracker.pose_at(t) for t in np.arange(5.5, 6.2, 1 / 60)]
    steps = [angle_between_deg(a.forward, b.forward) for a, b in zip(back, back[1:], strict=False)]
    assert max(steps) < 6.0
    assert back[-1].opacity == 1.0


def test_sensor_stream_stops_falls_back_to_camera_without_a_jump() -> None:
    tracker = HeadTracker()
    offset = rotation_from_angles_deg(25.0, 5.0, 0.0)  # the sensor's own zero, anywhere
    for t in np.arange(0.0, 3.0, 1 / 200):
        tracker.observe_sensor(float(t), offset @ rotation_from_angles_deg(0, 0, 0, POSITION))
        if abs((t * 30) - round(t * 30)) < 1e-6:
            _feed(tracker, float(t), float(t) + 1e-3)
    assert tracker.sensor_active(3.0)
    fused = tracker.pose_at(3.0)
    assert fused.source.startswith("udp+")
    later = [tracker.pose_at(t) for t in np.arange(3.0, 4.0, 1 / 60)]
    _feed(tracker, 3.0, 4.0)
    assert not tracker.sensor_active(3.6)
    assert not later[-1].source.startswith("udp")
    steps = [angle_between_deg(a.forward, b.forward) for a, b in zip(later, later[1:], strict=False)]
    assert max(steps) < 0.5
