"""Who is who from frame to frame, and whom the partner stands beside: by image-space continuity only.

MediaPipe's depth is no identity: it swings 0.4-0.8 m a frame while a skeleton settles and 2 m in a
crowd, while the same person's image position moves smoothly. So people are told apart in the image:
- `PeopleTracks` gives everyone in view a track id. A person in the new frame continues the track whose
  last landmarks they are nearest to (the mean distance of landmarks seen in both, in units of the
  track's box height, plus how little their boxes overlap); an assignment that minimises the total
  (scipy's linear_sum_assignment) stops two people trading ids where they cross. A person further than
  MATCH_LIMIT from every track (allowing for walking speed over the time unseen) starts a new track.
- `PartnerPerson` follows one track id. At the start it takes the most prominent person (the most
  central, largest); the operator may choose another with a click in the preview. While their track
  is in view it is followed in every frame; when it has been gone for `forget_after_s` (the character has
  faded out), the most prominent person who has been in view for `settle_s` is followed instead.
- Gone means unseen for `forget_after_s` *and* missing from MIN_MISSED_TO_FORGET looks in a row: on a loaded
  machine tracking may look only once a second, and one look that misses someone is no departure.
- A click waits for someone under it for up to CLICK_WAITS_S (and CLICK_WAITS_LOOKS looks): the look after
  the click may not have found the person clicked (a slow look, a person at the edge of the frame).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from arwed.types import BBox, PeopleObservation, PoseObservation

MIN_VISIBILITY = 0.5
MATCH_LIMIT = 0.6  # box heights: further than this from a track's last landmarks is someone else
SPEED_BOX_HEIGHTS_PER_S = 1.5  # how far a person may move in the image per second unseen (a brisk walk)
OVERLAP_WEIGHT = 0.5  # cost of boxes that do not overlap at all, in box heights
MIN_MISSED_TO_FORGET = 3  # looks in a row without a person before their track may be forgotten
CLICK_WAITS_S = 1.0  # a click with nobody under it yet is kept this long (frame time) ...
CLICK_WAITS_LOOKS = 3  # ... and for at least this many looks
CENTRALITY_WEIGHT = 0.75  # at the frame's edge a person counts this much smaller than at its centre


def box_area(box: BBox) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def box_iou(a: BBox, b: BBox) -> float:
    inter = box_area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))
    union = box_area(a) + box_area(b) - inter
    return inter / union if union > 0.0 else 0.0


def box_overlap_of_smaller(a: BBox, b: BBox) -> float:
    """The share of the smaller box that lies inside the other (1: one box within the other)."""
    inter = box_area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))
    smaller = min(box_area(a), box_area(b))
    return inter / smaller if smaller > 0.0 else 0.0


def prominence(person: PoseObservation, frame_size_px: tuple[int, int]) -> float:
    """How much a person is the subject of the picture: box area, less towards the frame's sides."""
    width, height = frame_size_px
    x0, _, x1, _ = person.bbox_px
    off_centre = min(1.0, abs(0.5 * (x0 + x1) - 0.5 * width) / (0.5 * width))
    return box_area(person.bbox_px) / float(width * height) * (1.0 - CENTRALITY_WEIGHT * off_centre)


def most_prominent(seen: PeopleObservation, among: list[int] | None = None) -> int | None:
    """The index of the most central, largest person in view (among the given indices), or None."""
    candidates = range(len(seen.people)) if among is None else among
    scored = [(prominence(seen.people[i], seen.frame_size_px), i) for i in candidates]
    return max(scored)[1] if scored else None


def person_at(seen: PeopleObservation, point_px: tuple[float, float]) -> int | None:
    """The person under an image point: inside their silhouette, else inside their box (the smallest)."""
    x, y = point_px
    under_mask = []
    for i, person in enumerate(seen.people):
        mask = person.segmentation_mask
        if mask is not None:
            mx = int(x * mask.shape[1] / seen.frame_size_px[0])
            my = int(y * mask.shape[0] / seen.frame_size_px[1])
            if 0 <= mx < mask.shape[1] and 0 <= my < mask.shape[0] and mask[my, mx] >= 0.5:
                under_mask.append((float(mask[my, mx]), i))
    if under_mask:
        return max(under_mask)[1]
    inside = [
        (box_area(p.bbox_px), i)
        for i, p in enumerate(seen.people)
        if p.bbox_px[0] <= x <= p.bbox_px[2] and p.bbox_px[1] <= y <= p.bbox_px[3]
    ]
    return min(inside)[1] if inside else None


@dataclass
class _Track:
    track_id: int
    landmarks_px: np.ndarray  # (33, 2)
    seen: np.ndarray  # (33,) bool
    bbox_px: BBox
    first_seen_s: float
    last_seen_s: float
    missed_looks: int = 0  # looks in a row that did not find this person

    @property
    def box_height_px(self) -> float:
        return max(1.0, self.bbox_px[3] - self.bbox_px[1])


def _distance(track: _Track, person: PoseObservation, time_s: float) -> float:
    """The cost of continuing the track with this person, in track box heights; inf beyond the limit."""
    seen = person.visibility >= MIN_VISIBILITY
    both = seen & track.seen
    if int(both.sum()) < 3:
        both = np.ones_like(seen)
    offsets = np.linalg.norm(person.image_landmarks_px[both] - track.landmarks_px[both], axis=1)
    distance = float(np.median(offsets)) / track.box_height_px
    allowance = MATCH_LIMIT + SPEED_BOX_HEIGHTS_PER_S * max(0.0, time_s - track.last_seen_s - 0.1)
    if distance > allowance:
        return float("inf")
    return distance + OVERLAP_WEIGHT * (1.0 - box_iou(track.bbox_px, person.bbox_px))


class PeopleTracks:
    """Track ids for everyone in view; one instance per video, fed every frame in time order."""

    def __init__(self, forget_after_s: float) -> None:
        self.forget_after_s = forget_after_s
        self._tracks: dict[int, _Track] = {}
        self._ids = itertools.count(1)

    def reset(self) -> None:
        self._tracks.clear()

    def first_seen_s(self, track_id: int) -> float | None:
        track = self._tracks.get(track_id)
        return None if track is None else track.first_seen_s

    def update(self, seen: PeopleObservation, time_s: float) -> list[int]:
        """The track id of each person in `seen.people`, in the same order."""
        for track_id in [
            t
            for t, track in self._tracks.items()
            if time_s - track.last_seen_s > self.forget_after_s and track.missed_looks >= MIN_MISSED_TO_FORGET
        ]:
            del self._tracks[track_id]
        tracks = list(self._tracks.values())
        ids: list[int | None] = [None] * len(seen.people)
        if tracks and seen.people:
            cost = np.array([[_distance(t, p, time_s) for p in seen.people] for t in tracks])
            finite = np.where(np.isfinite(cost), cost, 1e6)
            for row, col in zip(*linear_sum_assignment(finite), strict=True):
                if np.isfinite(cost[row, col]):
                    ids[col] = tracks[row].track_id
        for i, person in enumerate(seen.people):
            track_id = ids[i] if ids[i] is not None else next(self._ids)
            first = self._tracks[track_id].first_seen_s if track_id in self._tracks else time_s
            self._tracks[track_id] = _Track(
                track_id,
                np.asarray(person.image_landmarks_px, dtype=np.float64).copy(),
                np.asarray(person.visibility) >= MIN_VISIBILITY,
                person.bbox_px,
                first,
                time_s,
            )
            ids[i] = track_id
        for track_id, track in self._tracks.items():
            if track_id not in ids:
                track.missed_looks += 1
        return [int(i) for i in ids if i is not None]

    def known(self, track_id: int) -> bool:
        """Still remembered: seen lately, or not yet missed by enough looks to be forgotten."""
        return track_id in self._tracks


@dataclass(frozen=True)
class Followed:
    """This frame's answer: the index in `seen.people` of the partner's person (None: not in view)."""

    index: int | None
    track_ids: tuple[int, ...]
    changed: str = ""  # "", "first", "chosen" (operator), "replaced" (the person followed was gone)


class PartnerPerson:
    """Whom the partner stands beside. One owner thread (tracking) calls `follow`; `choose` from any."""

    def __init__(self, forget_after_s: float, settle_s: float) -> None:
        self.tracks = PeopleTracks(forget_after_s)
        self.forget_after_s = forget_after_s
        self.settle_s = settle_s
        self._followed: int | None = None
        self._pending_point_px: tuple[float, float] | None = None
        self._click_looks: list[float] = []  # the frame times of the looks a pending click has waited

    def reset(self) -> None:
        self.tracks.reset()
        self._followed = None

    def choose(self, point_px: tuple[float, float]) -> None:
        """The operator clicked here (frame pixels): the person under it is followed from the next frame in
        which someone stands there (for up to CLICK_WAITS_S)."""
        self._click_looks = []
        self._pending_point_px = (float(point_px[0]), float(point_px[1]))

    def _seen_for_s(self, track_id: int, time_s: float) -> float:
        first = self.tracks.first_seen_s(track_id)
        return 0.0 if first is None else time_s - first

    @property
    def followed_track(self) -> int | None:
        return self._followed

    def follow(self, seen: PeopleObservation, time_s: float) -> Followed:
        ids = self.tracks.update(seen, time_s)
        point = self._pending_point_px
        if point is not None:
            clicked = person_at(seen, point)
            self._click_looks.append(time_s)
            waited_s = time_s - self._click_looks[0]
            if clicked is not None or (
                waited_s >= CLICK_WAITS_S and len(self._click_looks) >= CLICK_WAITS_LOOKS
            ):
                self._pending_point_px = None  # taken, or nobody came there: the click changes nothing
            if clicked is not None and ids[clicked] != self._followed:
                self._followed = ids[clicked]
                return Followed(clicked, tuple(ids), "chosen")
            # a click on the person already followed is no new choice: nothing restarts (her view's
            # fade-in, the partner's placement)
        if self._followed in ids:
            return Followed(ids.index(self._followed), tuple(ids))
        if self._followed is not None and self.tracks.known(self._followed):
            return Followed(None, tuple(ids))  # the person followed is out of sight for now: hold
        first_time = self._followed is None
        settled = [i for i, t in enumerate(ids) if first_time or self._seen_for_s(t, time_s) >= self.settle_s]
        index = most_prominent(seen, settled)
        if index is None:
            return Followed(None, tuple(ids))
        self._followed = ids[index]
        return Followed(index, tuple(ids), "first" if first_time else "replaced")
