"""The console's side of the alignment wizard (offscreen, fake pipeline): the eyes output's card names its
glasses profile, a broken profile is one line there and in the wizard's window, never a traceback."""

from __future__ import annotations

import pytest

from arwed.session.state import ConsoleConfig, OutputConfig
from arwed.types import CompositeMode
from tests.ui.test_console import _open_console

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_the_eyes_card_names_the_profile_and_a_broken_one_is_one_line(qtbot, qapp, tmp_path) -> None:
    broken = tmp_path / "mine.yaml"
    broken.write_text("name: Mine\nmode: mono\neye_resolution_px: [1920, 1080]\ndiagonal_fov_deg: 500\n")
    config = ConsoleConfig(source="demo", outputs=(OutputConfig(mode=CompositeMode.EYES),))
    config = config.model_copy(
        update={"settings": config.settings.with_overrides({"eyes": {"glasses": str(broken)}})}
    )
    window, _ = _open_console(qtbot, qapp, config, tmp_path)
    try:
        editor = next(iter(window.outputs_panel.editors.values()))
        qtbot.waitUntil(lambda: "refused" in editor.glasses.text(), timeout=5000)
        text = editor.glasses.text()
        assert str(broken) in text and "diagonal_fov_deg" in text and "\n" not in text
        editor.align.click()
        wizard = window.alignment_window
        qtbot.waitUntil(lambda: wizard.isVisible(), timeout=2000)
        assert str(broken) in wizard.notice.text() and not wizard.buttons["confirm"].isEnabled()
        wizard.close()

        settings = window.session.settings
        eyes = settings.eyes.model_copy(update={"glasses": "xreal-one-3d"})
        window.session.update_settings(settings.model_copy(update={"eyes": eyes}))
        window.outputs_panel.refresh()
        qtbot.waitUntil(lambda: "not aligned yet" in editor.glasses.text(), timeout=5000)
        assert "XREAL One (3D mode): side-by-side, 1920×1080 per eye" in editor.glasses.text()
        editor.align.click()
        qtbot.waitUntil(lambda: wizard.eye.count() == 2, timeout=2000)
        assert wizard.buttons["confirm"].isEnabled() is False and wizard.start.isEnabled()
    finally:
        window.close()
