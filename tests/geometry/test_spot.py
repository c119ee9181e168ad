"""The partner never stands on someone, and says when their spot is outside the picture."""

from __future__ import annotations

import numpy as np

from arwed.config import PlacementSettings, TrackingSettings
from arwed.geometry.placement import Placer
from arwed.geometry.spot import PERSONAL_SPACE_M
from tests.geometry.synthetic import default_scene

FPS = 30.0


def _run(scene, placement, person, others=(), frames=60):
    placer = Placer(scene.intrinsics, placement, TrackingSettings())
    out = []
    for i in range(frames):
        t = i / FPS
        seen = scene.observe(*person, time_s=t, frame_index=i)
        bystanders = tuple(scene.observe(*other, time_s=t, frame_index=i) for other in others)
        out.append(placer.update(seen, t, bystanders))
    return out


def _lateral_m(scene, placement, person_x_m) -> float:
    return float(np.dot(placement.anchor_m - placement.person_feet_m, scene.side_direction()))


def test_a_guest_on_the_chosen_spot_moves_the_partner_to_the_nearest_free_one_and_says_so():
    scene = default_scene()
    placement = PlacementSettings(person_height_m=1.75, side="right", gap_m=0.7)
    alone = _run(scene, placement, (0.0, 3.0))[-1]
    assert not alone.spot_taken and abs(_lateral_m(scene, alone, 0.0) - 0.7) < 0.05
    crowded = _run(scene, placement, (0.0, 3.0), others=[(0.7, 3.0)])[-1]  # a guest exactly there
    lateral = _lateral_m(scene, crowded, 0.0)
    print(f"guest at +0.70 m: the partner stands at {lateral:+.2f} m")
    assert crowded.spot_taken and any("someone stands at the partner's spot" in n for n in crowded.notes)
    assert lateral >= 0.7 + PERSONAL_SPACE_M - 0.1  # still on the right, beyond the guest's personal space
    assert lateral < 0.7 + PERSONAL_SPACE_M + 0.3  # and no further than needed
    # the right side full for 1.5 m: the left side
    packed = _run(scene, placement, (0.0, 3.0), others=[(x, 3.0) for x in (0.6, 1.1, 1.6, 2.1)])[-1]
    assert _lateral_m(scene, packed, 0.0) < -0.5


def test_out_of_view_is_said_and_side_auto_keeps_the_partner_in_view():
    scene = default_scene(camera_height_m=1.5, tilt_down_deg=0.0)  # a webcam at a desk: upper body
    person = (0.35, 1.2)  # a little right of centre, close: 0.7 m further right is outside the picture
    right = _run(scene, PlacementSettings(side="right"), person)[-1]
    assert not right.in_view
    assert any("outside the picture" in note for note in right.notes)
    auto = _run(scene, PlacementSettings(side="auto"), person)[-1]
    assert auto.in_view and auto.side == "left"
    assert not any("outside the picture" in note for note in auto.notes)
