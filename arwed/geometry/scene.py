"""One frame's people into where the character stands and who hides it: the tracking stage's geometry.

    everyone in view -> whom the partner stands beside (identity.py) -> placement (placement.py)
                     -> everyone's silhouette with their distance (bystanders.py), for occlusion

One owner thread (tracking) calls `update`; `choose` (an operator's click) may come from any thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from arwed.config import PlacementSettings
from arwed.geometry.bystanders import occluders
from arwed.geometry.floor import default_floor
from arwed.geometry.identity import PartnerPerson
from arwed.geometry.placement import Placer
from arwed.types import Occluder, PeopleObservation, Placement, TrackingState


@dataclass(frozen=True)
class SceneResult:
    placement: Placement | None
    partner_person: int | None  # index into this frame's people of the person followed (None: not seen)
    occluders: tuple[Occluder, ...]  # everyone with a silhouette, nearest first
    people_in_view: int
    changed: str = ""  # "first", "chosen" (by the operator) or "replaced": the person followed changed


class ScenePlacer:
    """Whom the partner stands beside among everyone seen (PartnerPerson), and where (the Placer given)."""

    def __init__(self, placer: Placer) -> None:
        self.intrinsics = placer.intrinsics
        self.placer = placer
        tracking = placer.tracking
        self.partner = PartnerPerson(tracking.hold_s + tracking.fade_s, tracking.switch_person_s)

    @property
    def last_body_pose(self):
        """The followed person's body in camera coordinates on the last tracked frame (for her view)."""
        return self.placer.last_body_pose

    def choose(self, point_px: tuple[float, float]) -> None:
        """The operator clicked at this frame pixel: the person there is followed from the next frame."""
        self.partner.choose(point_px)

    def update_settings(self, placement: PlacementSettings) -> None:
        self.placer.update_settings(placement)

    def reset(self) -> None:
        self.partner.reset()
        self.placer.reset()

    def update(self, seen: PeopleObservation | None, media_time_s: float) -> SceneResult:
        if seen is None:
            seen = PeopleObservation(-1, media_time_s, (self.intrinsics.width_px, self.intrinsics.height_px))
        followed = self.partner.follow(seen, media_time_s)
        if followed.changed in ("chosen", "replaced"):
            self.placer.new_person()
        person = None if followed.index is None else seen.people[followed.index]
        others = tuple(p for i, p in enumerate(seen.people) if i != followed.index)
        placement = self.placer.update(person, media_time_s, others)
        tracked = placement is not None and placement.state is TrackingState.TRACKING and person is not None
        floor = placement.floor if placement is not None else default_floor()
        hidden_by = occluders(
            seen,
            self.intrinsics,
            floor,
            self.placer.settings.assumed_person_height_m,
            followed.index if tracked else None,
            placement.person_depth_m if tracked else None,
        )
        return SceneResult(placement, followed.index, hidden_by, len(seen.people), followed.changed)
