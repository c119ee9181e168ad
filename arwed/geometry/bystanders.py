"""Where everyone in view stands on the floor, how near they are, and so whom they hide the partner behind.

For a person other than the partner's (a guest, the officiant), arwed has no metric skeleton of its own
worth trusting, but it has the floor: the ray through the lowest seen foot meets the floor where they
stand. A person cut by the frame's bottom edge (a guest in front of the scene) shows no feet; they stand
nearer than where the ray through the bottom of the frame meets the floor, and their torso's size in
the image (an average adult's torso) says how much nearer.
"""

from __future__ import annotations

import numpy as np

from arwed.geometry import body
from arwed.geometry.camera import pixel_rays
from arwed.types import CameraIntrinsics, FloorPlane, Occluder, PeopleObservation, PoseObservation

MIN_VISIBILITY = 0.5
FOOT_LANDMARKS = (body.LEFT_HEEL, body.RIGHT_HEEL, body.LEFT_FOOT_INDEX, body.RIGHT_FOOT_INDEX)
ANKLES = (body.LEFT_ANKLE, body.RIGHT_ANKLE)
EDGE_MARGIN_PX = 2.0  # a foot this close to the frame's edge may be cut by it
MIN_DEPTH_M = 0.3


def _seen_inside(person: PoseObservation, indices, size_px: tuple[int, int]) -> np.ndarray:
    points = np.asarray(person.image_landmarks_px, dtype=np.float64)[list(indices)]
    seen = np.asarray(person.visibility)[list(indices)] >= MIN_VISIBILITY
    inside = (points[:, 1] < size_px[1] - EDGE_MARGIN_PX) & (points[:, 0] >= 0) & (points[:, 0] < size_px[0])
    return points[seen & inside]


def foot_pixel(person: PoseObservation, size_px: tuple[int, int]) -> np.ndarray | None:
    """The lowest seen foot landmark (heel or toe, else ankle) inside the frame, or None (feet cut off)."""
    for indices in (FOOT_LANDMARKS, ANKLES):
        points = _seen_inside(person, indices, size_px)
        if len(points):
            return points[np.argmax(points[:, 1])]
    return None


def _on_floor(intrinsics: CameraIntrinsics, floor: FloorPlane, pixel: np.ndarray) -> np.ndarray | None:
    """Where the ray through a pixel meets the floor, or None when it does not (above the horizon)."""
    ray = pixel_rays(intrinsics, pixel.reshape(1, 2))[0]
    along = float(np.dot(floor.normal, ray))
    if along >= -1e-9:  # the floor normal points up, the ray must go down to meet it
        return None
    depth = -floor.offset_m / along
    return ray * depth if depth > MIN_DEPTH_M else None


def torso_depth_m(
    person: PoseObservation, intrinsics: CameraIntrinsics, assumed_height_m: float
) -> float | None:
    """Distance from the size of the torso in the image, for an average adult."""
    pixels = np.asarray(person.image_landmarks_px, dtype=np.float64)
    shoulders = body.midpoint(pixels, body.LEFT_SHOULDER, body.RIGHT_SHOULDER)
    hips = body.midpoint(pixels, body.LEFT_HIP, body.RIGHT_HIP)
    length_px = float(np.linalg.norm(shoulders - hips))
    if length_px < 4.0:
        return None
    return intrinsics.fy_px * body.HIP_TO_SHOULDER_FRACTION * assumed_height_m / length_px


def floor_position_m(
    person: PoseObservation, floor: FloorPlane, intrinsics: CameraIntrinsics, assumed_height_m: float
) -> tuple[np.ndarray | None, float | None]:
    """(the floor point under the person or None, their distance along the optical axis or None)."""
    size = (intrinsics.width_px, intrinsics.height_px)
    foot = foot_pixel(person, size)
    if foot is not None:
        point = _on_floor(intrinsics, floor, foot)
        if point is not None:
            return point, float(point[2])
    torso = torso_depth_m(person, intrinsics, assumed_height_m)
    x0, _, x1, y1 = person.bbox_px
    bottom = _on_floor(intrinsics, floor, np.array([0.5 * (x0 + x1), min(y1, size[1] - 1.0)]))
    depths = [d for d in (torso, None if bottom is None else float(bottom[2])) if d is not None]
    if not depths:
        return None, None
    depth = min(depths)  # cut by the frame's edge: no further than where the frame's bottom meets the floor
    centre = np.array([0.5 * (x0 + x1), min(y1, size[1] - 1.0)])
    ray = pixel_rays(intrinsics, centre.reshape(1, 2))[0]
    return floor.project(ray * depth), depth


def occluders(
    seen: PeopleObservation,
    intrinsics: CameraIntrinsics,
    floor: FloorPlane,
    assumed_height_m: float,
    partner_person: int | None = None,
    partner_person_depth_m: float | None = None,
) -> tuple[Occluder, ...]:
    """Everyone with a silhouette, with how near they are: each hides the character where they are nearer."""
    found = []
    for i, person in enumerate(seen.people):
        if person.segmentation_mask is None:
            continue
        depth = partner_person_depth_m if i == partner_person else None
        if depth is None:
            depth = floor_position_m(person, floor, intrinsics, assumed_height_m)[1]
        if depth is None:
            continue
        found.append(Occluder(person.segmentation_mask, float(depth), person.bbox_px, i == partner_person))
    return tuple(sorted(found, key=lambda occluder: occluder.depth_m))
