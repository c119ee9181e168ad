"""Shared pieces for ceremony tests: the shipped groom, posed through a body layer."""

from __future__ import annotations

import numpy as np
import pytest

from arwed.characters.base import CharacterCue
from arwed.characters.catalog import default_character_path
from arwed.characters.loader import load_character

GROOM = default_character_path()


@pytest.fixture(scope="module")
def groom():
    return load_character(GROOM, height_m=1.80)


class OneLayer:
    """A body layer that runs a callable with the pose editor (and keeps what it returns)."""

    def __init__(self, fn):
        self.fn = fn
        self.result = None

    def apply(self, editor, time_s):
        self.result = self.fn(editor, time_s)


def pose_with(character, fn, time_s: float = 10.0):
    """Pose the character once with `fn(editor, t)` as its body layer; (joint positions by VRM name, result)."""
    layer = OneLayer(fn)
    character.pose(CharacterCue(time_s=time_s, body=layer))
    skeleton = character.skeleton()
    joints = {
        name: np.asarray(skeleton.positions_m[i], dtype=np.float64) for name, i in skeleton.humanoid.items()
    }
    return joints, layer.result
