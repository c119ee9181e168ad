"""Whom the partner stands beside: chosen by prominence or a click, kept by image-space continuity."""

from __future__ import annotations

import numpy as np

from arwed.geometry.identity import PartnerPerson, most_prominent, person_at
from arwed.types import PeopleObservation
from tests.geometry.synthetic import default_scene

SCENE = default_scene()
FPS = 30.0


def _people(positions, frame=0, rng=None, world_scales=None):
    """Synthetic people standing at floor points (x, z); MediaPipe's world skeleton may be mis-sized."""
    rng = rng or np.random.default_rng(frame)
    people = tuple(
        SCENE.observe(
            x,
            z,
            time_s=frame / FPS,
            frame_index=frame,
            rng=rng,
            pixel_noise_px=1.5,
            world_scale=1.0 if world_scales is None else world_scales[i],
        )
        for i, (x, z) in enumerate(positions)
    )
    return PeopleObservation(
        frame, frame / FPS, (SCENE.intrinsics.width_px, SCENE.intrinsics.height_px), people
    )


def _x_of(seen: PeopleObservation, index: int | None) -> float | None:
    return None if index is None else float(np.mean(seen.people[index].bbox_px[0::2]))


def test_the_most_central_largest_person_is_followed_first():
    seen = _people([(-1.2, 3.0), (0.1, 3.5), (1.0, 2.5)])
    # the nearest (largest) is off to the side; the one near the centre is smaller: size times centrality
    assert most_prominent(seen) in (1, 2)
    partner = PartnerPerson(forget_after_s=1.8, settle_s=0.5)
    first = partner.follow(seen, 0.0)
    assert first.index == most_prominent(seen) and first.changed == "first"


def test_a_person_is_followed_in_every_frame_while_depth_swings_and_people_cross():
    partner = PartnerPerson(forget_after_s=1.8, settle_s=0.5)
    rng = np.random.default_rng(3)
    followed_x = []
    for frame in range(90):
        t = frame / 89.0
        a = (-1.0 + 2.0 * t, 3.0)  # walks left to right
        b = (1.0 - 2.0 * t, 3.3)  # walks right to left, behind: they cross in the image
        scales = rng.uniform(0.7, 1.3, 2)  # MediaPipe's skeleton size (so its depth) swings by 30%
        seen = _people(
            [a, b] if frame % 2 else [b, a], frame, rng, list(scales)
        )  # the tracker's order varies
        answer = partner.follow(seen, frame / FPS)
        assert answer.index is not None, frame
        followed_x.append(_x_of(seen, answer.index))
    assert np.all(
        np.diff(followed_x) > -5.0
    )  # the person walking right, all the way: no swap where they cross


def test_a_click_on_a_person_makes_them_the_partners_person():
    partner = PartnerPerson(forget_after_s=1.8, settle_s=0.5)
    seen = _people([(-1.0, 3.0), (0.0, 3.0), (1.0, 3.0)])
    assert partner.follow(seen, 0.0).index == 1
    box = seen.people[2].bbox_px
    partner.choose((0.5 * (box[0] + box[2]), 0.5 * (box[1] + box[3])))
    chosen = partner.follow(_people([(-1.0, 3.0), (0.0, 3.0), (1.0, 3.0)], 1), 1 / FPS)
    assert chosen.changed == "chosen" and chosen.index == 2
    later = _people([(1.05, 3.0), (-1.0, 3.0), (0.0, 3.0)], 2)  # listed first now, moved a little
    assert partner.follow(later, 2 / FPS).index == 0


def test_a_click_on_the_person_already_followed_changes_nothing():
    partner = PartnerPerson(forget_after_s=1.8, settle_s=0.5)
    seen = _people([(-1.0, 3.0), (0.0, 3.0), (1.0, 3.0)])
    assert partner.follow(seen, 0.0).index == 1
    box = seen.people[1].bbox_px
    partner.choose((0.5 * (box[0] + box[2]), 0.5 * (box[1] + box[3])))
    again = partner.follow(_people([(0.0, 3.0), (-1.0, 3.0), (1.0, 3.0)], 1), 1 / FPS)  # listed first now
    assert again.index == 0 and again.changed == ""  # no new choice: her view does not fade in again
    assert partner._pending_point_px is None  # the click was taken


def test_a_click_on_nobody_changes_nothing():
    partner = PartnerPerson(forget_after_s=1.8, settle_s=0.5)
    seen = _people([(0.0, 3.0)])
    partner.follow(seen, 0.0)
    partner.choose((2.0, 2.0))  # the top-left corner: nobody there
    assert person_at(seen, (2.0, 2.0)) is None
    answer = partner.follow(_people([(0.0, 3.0)], 1), 1 / FPS)
    assert answer.index == 0 and answer.changed == ""


def test_while_the_person_is_away_others_are_not_taken_until_forgotten():
    partner = PartnerPerson(forget_after_s=1.0, settle_s=0.5)
    for frame in range(10):
        partner.follow(_people([(0.0, 3.0), (1.5, 3.0)], frame), frame / FPS)
    answers = [partner.follow(_people([(1.5, 3.0)], frame), frame / FPS) for frame in range(10, 50)]
    waiting = [a for a in answers if a.index is None]
    assert len(waiting) == 30  # 1.0 s without the person followed: nobody else yet
    replaced = answers[30]
    assert replaced.index == 0 and replaced.changed == "replaced"


def test_a_click_waits_for_the_person_under_it_when_the_next_look_missed_them():
    partner = PartnerPerson(forget_after_s=1.8, settle_s=0.5)
    row = [(-1.0, 3.0), (0.0, 3.0), (1.0, 3.0)]
    seen = _people(row)
    assert partner.follow(seen, 0.0).index == 1
    box = seen.people[0].bbox_px
    partner.choose((0.5 * (box[0] + box[2]), 0.5 * (box[1] + box[3])))
    missed = partner.follow(_people(row[1:], 1), 0.5)  # a slow look (2 Hz) that did not find the leftmost
    assert missed.changed == "" and missed.index == 0  # still beside the middle one (first in this list)
    chosen = partner.follow(_people(row, 2), 1.0)
    assert chosen.changed == "chosen" and chosen.index == 0


def test_a_click_where_nobody_comes_is_dropped_after_a_second_and_three_looks():
    partner = PartnerPerson(forget_after_s=1.8, settle_s=0.5)
    partner.follow(_people([(0.0, 3.0)]), 0.0)
    partner.choose((2.0, 2.0))  # nobody there, then or later
    times = [0.1, 0.2, 0.3, 1.2]
    for frame, time_s in enumerate(times, 1):
        assert partner.follow(_people([(0.0, 3.0)], frame), time_s).changed == ""
    assert partner._pending_point_px is None  # dropped: 1.1 s and four looks later


def test_on_slow_looks_one_miss_longer_than_the_forget_time_keeps_the_person():
    # a loaded machine: one look a second; the person followed is missed by one look, 1.0 s > forget_after_s
    partner = PartnerPerson(forget_after_s=0.9, settle_s=0.5)
    both = [(0.0, 3.0), (1.5, 3.0)]
    for frame in range(3):
        followed = partner.follow(_people(both, frame), float(frame))
    assert followed.index == 0
    away = partner.follow(_people([(1.5, 3.0)], 3), 3.0)
    assert away.index is None and away.changed == ""  # held, not replaced by the other person
    back = partner.follow(_people(both, 4), 4.0)
    assert back.index == 0 and back.changed == ""
    for frame in range(5, 9):  # gone for good: three looks and the forget time later, the other is taken
        answer = partner.follow(_people([(1.5, 3.0)], frame), float(frame))
    assert answer.index == 0 and answer.changed == "replaced"
