"""The rendered head's geometry (head_model.py): joined to the face, the size of a head, ears in place."""

from __future__ import annotations

import numpy as np

from arwed.geometry.head import canonical_face_m
from tests.eyes.face_render import canonical_triangles
from tests.eyes.head_model import EDGE_SUBDIVISION, LOFT_RINGS, build_head


def test_the_head_is_joined_to_the_face_and_sized_like_one() -> None:
    face = canonical_face_m()
    uv = np.tile([0.5, 0.5], (len(face), 1))
    head = build_head(canonical_triangles(), uv, np.zeros((8, 8, 3), np.uint8))
    skull = head.head_parts[0]
    rings = skull.vertices_m.reshape(-1, LOFT_RINGS + 1, 3)
    # the first ring is the face's outer edge itself: its corners are the mask's vertices, no gap
    corners = rings[::EDGE_SUBDIVISION, 0]
    assert np.min(np.linalg.norm(corners[:, None] - face[None], axis=2), axis=1).max() < 1e-9
    every = np.concatenate([part.vertices_m for part in head.head_parts[:3]])  # skull and ears
    breadth, height, length = np.ptp(every, axis=0) * 100.0
    crown_above_chin = (every[:, 1].max() - face[152, 1]) * 100.0
    print(f"breadth {breadth:.1f} cm, length {length:.1f} cm, chin to crown {crown_above_chin:.1f} cm")
    assert 16.0 < breadth < 20.0  # the head with hair 16-17, the ears standing out
    assert 19.0 < length < 22.0
    assert 21.0 < crown_above_chin < 25.0
    # the ears: behind the face's side landmarks, on the skull's surface, her left one on her left
    for tragion, side_landmark in zip(head.ears_m, face[[454, 234]], strict=True):
        assert np.sign(tragion[0]) == np.sign(side_landmark[0])
        assert 0.01 < side_landmark[2] - tragion[2] < 0.03 and abs(tragion[1] - side_landmark[1]) < 0.01
