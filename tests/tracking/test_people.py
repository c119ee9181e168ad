"""Several real people (photos from ../shared/data composed in a row) each get their own landmarks and mask."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from arwed.tracking.pose import PoseTracker
from arwed.types import Frame, PeopleObservation
from tests.people_photos import MAN_BASKETBALL_1, WALL_BGR, compose_row, pan


def _owner(person, pasted) -> int:
    """The index of the pasted photo that holds most of this person's confidently seen landmarks."""
    points = person.image_landmarks_px[person.visibility >= 0.5]
    counts = [
        int(
            np.sum(
                (points[:, 0] >= b[0])
                & (points[:, 0] <= b[2])
                & (points[:, 1] >= b[1])
                & (points[:, 1] <= b[3])
            )
        )
        for b in (p.box_px for p in pasted)
    ]
    return int(np.argmax(counts))


def _mask_inside(mask: np.ndarray, box, frame_size) -> float:
    """The share of a person's mask (scaled to the frame) that lies inside a box."""
    sx, sy = mask.shape[1] / frame_size[0], mask.shape[0] / frame_size[1]
    x0, y0, x1, y1 = int(box[0] * sx), int(box[1] * sy), int(np.ceil(box[2] * sx)), int(np.ceil(box[3] * sy))
    total = float(mask.sum())
    return float(mask[y0:y1, x0:x1].sum()) / total if total > 0 else 0.0


def _check_everyone(seen: PeopleObservation, pasted, shift_px: float = 0.0) -> None:
    boxes = [(b[0] + shift_px, b[1], b[2] + shift_px, b[3]) for b in (p.box_px for p in pasted)]
    moved = [type(p)(p.crop, tuple(int(v) for v in box)) for p, box in zip(pasted, boxes, strict=True)]
    owners = [_owner(person, moved) for person in seen.people]
    assert sorted(owners) == list(range(len(pasted))), owners  # one pose per person, nobody twice
    for person, owner in zip(seen.people, owners, strict=True):
        assert person.segmentation_mask is not None
        assert _mask_inside(person.segmentation_mask, boxes[owner], seen.frame_size_px) > 0.85
        assert person.segmentation_mask.sum() > 0.2 * (boxes[owner][2] - boxes[owner][0]) * (
            boxes[owner][3] - boxes[owner][1]
        ) * (person.segmentation_mask.size / (seen.frame_size_px[0] * seen.frame_size_px[1]))


@pytest.mark.shared
def test_four_people_in_a_still_photo_each_get_landmarks_and_a_mask(shared_data_dir: Path):
    image, pasted = compose_row(shared_data_dir)
    with PoseTracker(static_images=True) as tracker:
        seen = tracker.people(Frame(image, 0, 0.0, 0.0))
    assert len(seen.people) == 4
    _check_everyone(seen, pasted)


@pytest.mark.shared
@pytest.mark.slow
def test_four_people_panning_are_found_within_a_second_and_kept(shared_data_dir: Path):
    image, pasted = compose_row(shared_data_dir)
    counts = []
    with PoseTracker() as tracker:
        for i in range(40):
            shift = 1.5 * i
            seen = tracker.people(Frame(pan(image, shift), i, 0.0, i / 30.0))
            counts.append(len(seen.people))
            if i >= 30:  # everyone found within a second, then followed in every frame
                assert len(seen.people) == 4, counts
                _check_everyone(seen, pasted, shift)


@pytest.mark.shared
def test_a_person_who_leaves_and_comes_back_is_followed_by_the_landmarker_of_before(shared_data_dir: Path):
    # making a landmarker costs about ten frames of tracking: an ended link's is emptied and reused
    image, pasted = compose_row(shared_data_dir, crops=(MAN_BASKETBALL_1,))
    wall = np.full_like(image, WALL_BGR)
    box = pasted[0].box_px
    with PoseTracker() as tracker:
        pictures = [image] * 2 + [wall] * 4 + [image] * 5
        seen = [tracker.people(Frame(p, i, 0.0, i / 30.0)) for i, p in enumerate(pictures)]
        counts = [len(s.people) for s in seen]
        assert counts[:2] == [1, 1] and counts[5] == 0, counts  # gone for good: the link ended
        assert counts[-1] == 1, counts  # found again, and followed by the landmarker of before
        assert tracker.landmarkers_made == 1
    person = seen[-1].people[0]
    assert person.segmentation_mask is not None
    assert _mask_inside(person.segmentation_mask, box, seen[-1].frame_size_px) > 0.85
    x0, y0, x1, y1 = person.bbox_px
    assert box[0] - 30 < x0 < x1 < box[2] + 30 and box[1] - 60 < y0 < y1 <= box[3] + 40
