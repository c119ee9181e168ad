"""The preview window opens offscreen; its sliders drive expressions and its buttons switch poses."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from arwed.characters import catalog  # noqa: E402
from arwed.characters.base import CharacterCue  # noqa: E402
from arwed.characters.loader import load_character  # noqa: E402
from arwed.render.contact_sheet import BACKGROUND_BGR  # noqa: E402


@pytest.fixture
def window(qtbot):
    from arwed.render.contact_sheet import PreviewRenderer
    from arwed.ui.preview_window import PreviewWindow

    character = load_character(catalog.ASSETS_DIR / catalog.DEFAULT_CHARACTER)
    win = PreviewWindow(character, PreviewRenderer(character), pose="rest")
    qtbot.addWidget(win)
    win._timer.stop()  # the test drives redraws itself
    win.show()
    yield win
    win.close()


def _figure_pixels(image: np.ndarray) -> int:
    return int((np.abs(image.astype(np.int32) - np.array(BACKGROUND_BGR)).max(axis=2) > 40).sum())


def test_window_shows_the_character_and_its_facts(window):
    assert window.last_image is not None and _figure_pixels(window.last_image) > 20_000
    assert "VRM 1.0" in window.facts.text() and "humanoid: 54 bones mapped" in window.facts.text()
    assert not window.viewport.pixmap().isNull()


def test_sliders_set_expressions_that_move_the_face(window):
    slider = window.expression_sliders["blink"]
    rest = window.character.pose(CharacterCue(time_s=0.0))
    slider.setValue(100)
    assert window.expressions == {"blink": 1.0}
    cue = window.current_cue()
    assert cue.expressions == {"blink": 1.0}
    closed = window.character.pose(cue)
    moved = max(float(np.abs(a.positions_m - b.positions_m).max()) for a, b in zip(rest, closed, strict=True))
    assert moved > 0.005  # the eyelids came down
    slider.setValue(0)
    assert window.expressions == {}
    assert {"aa", "happy", "blinkLeft"} <= set(window.expression_sliders)


def test_pose_buttons_switch_the_pose(window, qtbot):
    from PySide6.QtCore import Qt

    for mode in ("tpose", "idle", "rest"):
        qtbot.mouseClick(window.pose_buttons[mode], Qt.MouseButton.LeftButton)
        assert window.character.pose_mode == mode
        assert window.pose_buttons[mode].isChecked()
        assert sum(b.isChecked() for b in window.pose_buttons.values()) == 1


def test_orbit_zoom_and_overlays_change_the_picture(window):
    before = window.last_image.copy()
    window.orbit(90.0, 0.0)
    assert not np.array_equal(before, window.last_image)
    far = _figure_pixels(window.last_image)
    window.zoom(0.6)
    assert _figure_pixels(window.last_image) > far  # closer: the figure is bigger
    window.skeleton_check.setChecked(True)
    assert window.overlays.skeleton
