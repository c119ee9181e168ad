"""The Qt console over a fake pipeline (offscreen): preview, keys, ceremony safety, outputs, log, closing."""

from __future__ import annotations

import logging
import threading

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from arwed.session.state import ConsoleConfig, OutputConfig, load_console_config
from arwed.types import CompositeMode
from arwed.ui.console_window import ConsoleWindow
from tests.ui.fakes import CHARACTER_BOX, FRAME_SIZE, make_session

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class FakeScreens(QObject):
    """Screens a test can plug in and out."""

    changed = Signal()

    def __init__(self, names):
        super().__init__()
        self._names = list(names)

    def names(self):
        return list(self._names)

    def screen(self, name):
        return None

    def geometry(self, name):
        return QRect(1920 * self._names.index(name), 0, 640, 360) if name in self._names else None

    def describe(self, name):
        return name

    def unplug(self, name):
        self._names.remove(name)
        self.changed.emit()

    def plug(self, name):
        self._names.append(name)
        self.changed.emit()


def _open_console(qtbot, qapp, config, tmp_path, **session_options):
    screens = FakeScreens(["Laptop", "HDMI-1", "DP-1"])
    session = make_session(config, config_path=tmp_path / "console.yaml", **session_options)
    window = ConsoleWindow(session, screens, console_screen="Laptop")
    qapp.installEventFilter(window.dispatcher)
    qtbot.addWidget(window)
    window.show()
    session.start()
    return window, screens


@pytest.fixture
def console(qtbot, qapp, tmp_path):
    window, screens = _open_console(qtbot, qapp, ConsoleConfig(source="demo"), tmp_path)
    qtbot.waitUntil(lambda: window.preview.frame is not None, timeout=5000)
    window.screens = screens
    yield window
    qapp.removeEventFilter(window.dispatcher)
    window.close()


def _red_fraction(widget, x_range) -> float:
    """The share of pure-red pixels (the fake character) in a vertical band of the widget's picture."""
    image = widget.grab().toImage()
    x0, x1 = (int(image.width() * x_range[0]), int(image.width() * x_range[1]))
    red = total = 0
    for y in range(0, image.height(), 4):
        for x in range(x0, x1, 4):
            colour = image.pixelColor(x, y)
            red += colour.red() > 200 and colour.green() < 60 and colour.blue() < 60
            total += 1
    return red / max(total, 1)


def test_preview_shows_the_stage_composite_with_the_character(console):
    assert console.preview.frame.image.shape[:2] == FRAME_SIZE[::-1]
    assert _red_fraction(console.preview, (0.5, 1.0)) > 0.02
    assert _red_fraction(console.preview, (0.0, 0.4)) == 0.0
    console._refresh_status()
    assert "fps" in console.fps_label.text() and console.tracking_label.text() == "● tracking"
    assert console.renderer_label.text() == "fake renderer"


def _press(widget, key, modifier=Qt.KeyboardModifier.NoModifier, text="", repeat=False):
    QApplication.sendEvent(widget, QKeyEvent(QEvent.Type.KeyPress, key, modifier, text, repeat))


def test_clicker_keys_step_through_the_ceremony(console):
    session = console.session
    _press(console, Qt.Key.Key_PageUp)
    assert session.ceremony.hidden and not session.ceremony.blackout
    _press(console, Qt.Key.Key_PageUp)
    assert session.ceremony.blackout
    _press(console, Qt.Key.Key_PageDown)
    assert not session.ceremony.blackout and session.ceremony.hidden
    _press(console, Qt.Key.Key_PageDown)
    assert not session.ceremony.hidden
    _press(console, Qt.Key.Key_B, text="b")
    assert session.ceremony.blackout
    _press(console, Qt.Key.Key_Period, text=".")
    assert not session.ceremony.blackout
    _press(console, Qt.Key.Key_Period, Qt.KeyboardModifier.KeypadModifier, text=".")
    assert session.ceremony.blackout


def test_a_held_key_acts_once(console):
    _press(console, Qt.Key.Key_H, text="h")
    for _ in range(5):
        _press(console, Qt.Key.Key_H, text="h", repeat=True)
    assert console.session.ceremony.hidden


def test_typing_in_a_field_is_typing_but_page_keys_still_work_in_spin_boxes(console, qtbot):
    field = console.shortcut_editor.fields["snapshot"]
    console.tabs.setCurrentIndex(3)
    field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)
    field.clear()
    _press(field, Qt.Key.Key_B, text="b")
    assert not console.session.ceremony.blackout and field.text() == "b"
    console.tabs.setCurrentIndex(0)
    gap = console.scene_panel.gap
    gap.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is gap)
    before = gap.value()
    _press(gap, Qt.Key.Key_PageUp)
    assert (
        console.session.ceremony.hidden and gap.value() == before
    )  # the clicker hid the character, not the gap


def test_in_a_number_field_a_number_types_and_action_letters_act_and_esc_leaves(console, qtbot):
    gap, ceremony = console.scene_panel.gap, console.session.ceremony
    gap.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is gap)
    gap.lineEdit().selectAll()
    for key, text in ((Qt.Key.Key_1, "1"), (Qt.Key.Key_Period, "."), (Qt.Key.Key_2, "2")):
        _press(gap, key, text=text)
    assert gap.cleanText() == "1.2" and not ceremony.blackout  # '.' is the blackout key, but types here
    _press(gap, Qt.Key.Key_B, text="b")
    _press(gap, Qt.Key.Key_B, text="b", repeat=True)
    assert ceremony.blackout and gap.cleanText() == "1.2"  # B acted once and typed nothing
    _press(gap, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is console.preview
    gap.setReadOnly(True)
    gap.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is gap)
    _press(gap, Qt.Key.Key_Period, text=".")
    assert not ceremony.blackout  # a read-only field types nothing: its '.' is the blackout key again


def test_shortcuts_are_configurable(console):
    console.session.set_shortcut("toggle_blackout", ("F9",))
    _press(console, Qt.Key.Key_B, text="b")
    assert not console.session.ceremony.blackout
    _press(console, Qt.Key.Key_F9)
    assert console.session.ceremony.blackout
    console.shortcut_editor.refresh()
    assert console.shortcut_editor.fields["toggle_blackout"].text() == "F9"


def test_blackout_and_hide_act_at_once_on_every_output(console, qtbot):
    console.session.outputs.add(OutputConfig(mode=CompositeMode.STAGE, screen="HDMI-1"))
    console.session.outputs.add(
        OutputConfig(mode=CompositeMode.CAMERA_BLACK, screen="DP-1", side_by_side=True)
    )
    windows = console.outputs.windows()
    assert len(windows) == 2 and all(w.isVisible() for w in windows)
    qtbot.waitUntil(lambda: all(w.view.frame is not None for w in windows), timeout=3000)
    console.ceremony_bar.fade.setValue(0.0)  # a cut: the fade's frames are proven in tests/ui/test_fades.py
    _press(console, Qt.Key.Key_B, text="b")
    for stream in ("stage", "camera-black"):  # published black at once, not at the pipeline's next frame
        assert console.session.tap(stream).latest().curtain == 0.0
        assert not console.session.tap(stream).latest().image.any()
    qtbot.waitUntil(lambda: all(w.view.frame.curtain == 0.0 for w in windows), timeout=1000)
    for window in windows:
        image = window.view.grab().toImage()
        assert image.pixelColor(image.width() * 3 // 4, image.height() // 2).value() == 0
    assert console.preview.dimmed_label.startswith("BLACKOUT")
    assert "BLACKOUT" in console.on_air.texts
    _press(console, Qt.Key.Key_B, text="b")
    qtbot.waitUntil(lambda: all(w.view.frame.curtain == 1.0 for w in windows), timeout=1000)
    _press(console, Qt.Key.Key_H, text="h")
    assert "HIDDEN" in console.on_air.texts
    qtbot.waitUntil(lambda: not console.preview.frame.has_character, timeout=2000)
    assert _red_fraction(console.preview, (0.5, 1.0)) == 0.0


def test_output_windows_are_frameless_full_screen_and_have_thumbnails(console):
    output_id = console.session.outputs.add(OutputConfig(mode=CompositeMode.CAMERA_BLACK, screen="HDMI-1"))
    window = console.outputs.states[output_id].window
    assert window.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert window.isFullScreen()
    assert output_id in console.thumbnails and "camera-black" in console.thumbnails[output_id].caption.text()
    windowed = console.session.outputs.add(OutputConfig(mode=CompositeMode.STAGE, screen=None))
    assert not console.outputs.states[windowed].window.isFullScreen()  # the console's screen stays usable
    console.session.outputs.remove(output_id)
    assert output_id not in console.outputs.states and output_id not in console.thumbnails


def test_unplugged_screen_closes_its_window_only_and_comes_back(console, qtbot):
    stage = console.session.outputs.add(OutputConfig(mode=CompositeMode.STAGE, screen="HDMI-1"))
    glasses = console.session.outputs.add(OutputConfig(mode=CompositeMode.CAMERA_BLACK, screen="DP-1"))
    console.screens.unplug("HDMI-1")
    assert console.outputs.states[stage].window is None
    assert console.outputs.states[stage].waiting_for == "HDMI-1"
    other = console.outputs.states[glasses].window
    assert other is not None and other.isVisible()
    qtbot.waitUntil(
        lambda: any("HDMI-1 was unplugged" in line for _, line in console.log_panel.lines), timeout=2000
    )
    shown = other.view.frames_painted
    qtbot.waitUntil(lambda: other.view.frames_painted > shown + 2, timeout=3000)  # the others go on
    assert "unplugged" in console.thumbnails[stage].caption.text()
    console.screens.plug("HDMI-1")
    assert console.outputs.states[stage].window is not None
    qtbot.waitUntil(
        lambda: any("HDMI-1 is back" in line for _, line in console.log_panel.lines), timeout=2000
    )


def test_log_panel_never_takes_the_focus(console, qtbot):
    gap = console.scene_panel.gap
    gap.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is gap)
    worker = threading.Thread(
        target=lambda: [
            logging.getLogger("arwed.capture").warning("camera:0: camera lost %d", i) for i in range(30)
        ]
    )
    worker.start()
    worker.join()
    qtbot.waitUntil(
        lambda: sum("camera lost" in line for _, line in console.log_panel.lines) == 30, timeout=2000
    )
    assert QApplication.focusWidget() is gap
    assert console.log_panel.focusPolicy() == Qt.FocusPolicy.NoFocus


def test_no_camera_says_so_and_offers_demo_and_files(qtbot, qapp, tmp_path):
    window, _ = _open_console(qtbot, qapp, ConsoleConfig(), tmp_path)
    qtbot.waitUntil(lambda: "No camera found" in window.preview.message, timeout=15000)
    combo = window.scene_panel.source_combo
    items = [combo.itemText(i) for i in range(combo.count())]
    assert "Demo (built-in)" in items and "Open a video or image…" in items
    assert not any(item.startswith("Camera") for item in items)
    # the preview can say it first: a refresh for another field reads the problem the control thread has
    # just set, before that thread logs it; under load the log line can come seconds later
    qtbot.waitUntil(
        lambda: any("No camera found" in line for _, line in window.log_panel.lines), timeout=15000
    )
    combo.setCurrentIndex(items.index("Demo (built-in)"))
    combo.activated.emit(items.index("Demo (built-in)"))
    qtbot.waitUntil(lambda: window.preview.frame is not None, timeout=15000)
    qapp.removeEventFilter(window.dispatcher)
    window.close()


def test_bad_character_shows_the_loader_message_and_keeps_the_previous(console, qtbot):
    console.session.scene.set_character("/models/bad.vrm")
    qtbot.waitUntil(lambda: any("bad.vrm" in line for _, line in console.log_panel.lines), timeout=3000)
    line = next(line for _, line in console.log_panel.lines if "bad.vrm" in line)
    assert "not a glTF or VRM file (no glTF header)" in line and "keeping figure" in line
    assert console.session.status().character == "figure"


def test_placement_controls_reach_the_session_and_persist(qtbot, qapp, tmp_path):
    window, _ = _open_console(qtbot, qapp, ConsoleConfig(source="demo"), tmp_path)
    panel = window.scene_panel
    panel.gap.setValue(1.25)
    panel.person_known.setChecked(True)
    panel.person_height.setValue(1.58)
    window.scene_panel.side_buttons.buttons()[0].click()  # left
    qtbot.waitUntil(lambda: window.session.settings.placement.gap_m == 1.25, timeout=2000)
    placement = window.session.settings.placement
    assert placement.person_height_m == 1.58 and placement.side == "left"
    qapp.removeEventFilter(window.dispatcher)
    window.close()
    saved, notice = load_console_config(tmp_path / "console.yaml")
    assert (
        notice is None and saved.settings.placement.gap_m == 1.25 and saved.settings.placement.side == "left"
    )
    again, _ = _open_console(qtbot, qapp, saved, tmp_path)
    assert again.scene_panel.gap.value() == 1.25 and again.scene_panel.person_known.isChecked()
    qapp.removeEventFilter(again.dispatcher)
    again.close()


def test_quit_needs_a_second_press_and_closing_leaves_no_threads(qtbot, qapp, tmp_path):
    window, _ = _open_console(qtbot, qapp, ConsoleConfig(source="demo"), tmp_path)
    window.session.outputs.add(OutputConfig(mode=CompositeMode.STAGE, screen="HDMI-1"))
    qtbot.waitUntil(lambda: window.preview.frame is not None, timeout=3000)
    _press(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert window.isVisible() and "again" in window.statusBar().currentMessage()
    _press(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()
    qapp.removeEventFilter(window.dispatcher)
    assert not window.outputs.windows()
    assert not any(t.name.startswith("arwed") and t.is_alive() for t in threading.enumerate())
    assert (tmp_path / "console.yaml").exists()


def test_stereo_output_draws_each_eye_shifted(console, qtbot):
    output_id = console.session.outputs.add(
        OutputConfig(mode=CompositeMode.CAMERA_BLACK, screen="DP-1", side_by_side=True, eye_distance_m=0.063)
    )
    window = console.outputs.states[output_id].window
    window.resize(1280, 360)
    window.view.setFixedSize(1280, 360)  # two 640x360 eyes: scale 2 from the 320x180 frame
    qtbot.waitUntil(lambda: window.view.frame is not None, timeout=3000)
    image = window.view.grab().toImage()
    row = image.height() // 2

    def red_columns(x0, x1):
        return [x for x in range(x0, x1) if image.pixelColor(x, row).red() > 200]

    left, right = red_columns(0, 640), red_columns(640, 1280)
    frame = window.view.frame
    disparity = frame.fx_px * 0.063 / frame.character_depth_m  # 277 * 0.063 / 2.5 = 7 frame pixels
    x0 = CHARACTER_BOX[0] * 2
    assert left[0] == pytest.approx(x0 + round(disparity / 2) * 2, abs=2)
    assert right[0] - 640 == pytest.approx(x0 - round(disparity / 2) * 2, abs=2)


def test_a_flood_of_the_same_warning_is_shown_once(console, qtbot):
    for _ in range(200):
        logging.getLogger("arwed.pipeline").warning(
            "camera:0: no new frame (device gone?); repeating the last one"
        )
    logging.getLogger("arwed.pipeline").warning("camera:0: camera back")
    qtbot.waitUntil(lambda: any("camera back" in line for _, line in console.log_panel.lines), timeout=2000)
    assert sum("no new frame" in line for _, line in console.log_panel.lines) == 1


def test_preview_button_opens_the_character_preview_in_its_own_process(console, monkeypatch, qtbot):
    from arwed.ui import panels

    launched = []

    class FakeProcess:
        @staticmethod
        def startDetached(program, arguments):  # noqa: N802 - Qt's name
            launched.append((program, arguments))
            return True

    monkeypatch.setattr(panels, "QProcess", FakeProcess)
    monkeypatch.setattr(panels, "preview_window_available", lambda: True)
    console.session.scene.set_character("/models/partner.vrm")
    qtbot.waitUntil(lambda: console.session.config.character == "/models/partner.vrm", timeout=3000)
    console.scene_panel.refresh()
    assert console.scene_panel.preview_button.isEnabled()
    console.scene_panel.preview_button.click()
    assert launched and launched[0][1] == ["-m", "arwed", "preview", "/models/partner.vrm", "--height", "1.8"]


def test_the_operator_lock_makes_every_field_read_only_with_a_badge_and_unlocks_the_same_way(console):
    gap, keys_field = console.scene_panel.gap, console.shortcut_editor.fields["snapshot"]
    _press(console, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert console.operator_locked and gap.isReadOnly() and keys_field.isReadOnly()
    assert "OPERATOR LOCK (Ctrl+L unlocks)" in console.on_air.texts
    assert not console.session.settings.placement.locked  # L's spot lock is another switch
    _press(keys_field, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # from a field, too
    assert not console.operator_locked and not gap.isReadOnly() and not keys_field.isReadOnly()
    assert not any("OPERATOR LOCK" in text for text in console.on_air.texts)


def test_a_click_on_the_preview_picture_chooses_the_person_at_that_frame_pixel(console, qtbot):
    from tests.ui.fakes import FakePipeline

    pipeline = FakePipeline.instances[-1]
    drawn = console.preview.drawn_rect()
    # the frame's pixel (80, 90): a quarter across, half down
    x = drawn.x() + 80 * drawn.width() / FRAME_SIZE[0]
    y = drawn.y() + 90 * drawn.height() / FRAME_SIZE[1]
    qtbot.mouseClick(console.preview, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
    assert len(pipeline.people_chosen) == 1
    chosen = pipeline.people_chosen[0]
    assert abs(chosen[0] - 80) <= 1.5 and abs(chosen[1] - 90) <= 1.5
    assert console.preview.frame_point(drawn.x() - 1, drawn.y() - 1) is None  # outside the picture: nobody


def test_on_air_lights_on_the_preview_and_the_status_bar_say_what_the_guests_do_not_see(console, qtbot):
    from types import SimpleNamespace

    from arwed.types import HeadPose, TrackingState
    from tests.ui.fakes import FakePipeline

    pipeline = FakePipeline.instances[-1]
    pipeline.last_placement = SimpleNamespace(
        state=TrackingState.TRACKING, in_view=False, person_bbox_px=None, notes=(), anchor_m=None
    )
    qtbot.waitUntil(lambda: "PARTNER OUT OF FRAME" in console.on_air.texts, timeout=3000)
    assert console.tracking_label.text() == "● tracking · partner out of frame"  # never plain "tracking"
    assert console.head_label.text() == ""  # no eyes output: nothing to say about her head
    console.session.outputs.add(OutputConfig(mode=CompositeMode.EYES, screen="DP-1"))
    qtbot.waitUntil(lambda: "HEAD: lost" in console.on_air.texts, timeout=3000)  # never seen yet
    pipeline.head_pose = HeadPose(0.0, np.zeros(3), np.eye(3), 0.9, "udp+face", 1.0)
    qtbot.waitUntil(lambda: "HEAD: camera + glasses sensors" in console.on_air.texts, timeout=3000)
    assert console.head_label.text() == "● head: camera + glasses sensors"
    pipeline.head_pose = HeadPose(0.0, np.zeros(3), np.eye(3), 0.4, "face, held", 0.5)
    qtbot.waitUntil(lambda: "HEAD: held" in console.on_air.texts, timeout=3000)
    _press(console, Qt.Key.Key_H, text="h")
    _press(console, Qt.Key.Key_B, text="b")
    assert console.on_air.texts[:3] == ["BLACKOUT", "HIDDEN", "PARTNER OUT OF FRAME"]
    pipeline.last_placement = None
    qtbot.waitUntil(lambda: "PARTNER OUT OF FRAME" not in console.on_air.texts, timeout=3000)
    outputs = [w for w in console.outputs.windows()]
    assert outputs and all(w.view.overlay is None for w in outputs)  # the guests never see the lights


def test_the_log_panel_counts_repeats_on_one_line_and_tells_info_from_warnings(console, qtbot):
    panel = console.log_panel
    for _ in range(3):
        logging.getLogger("arwed.console").info("snapshot saved: /tmp/a.png")
    logging.getLogger("arwed.console").warning("camera:0: camera lost")
    logging.getLogger("arwed.console").info("snapshot saved: /tmp/a.png")
    qtbot.waitUntil(lambda: (logging.INFO, "snapshot saved: /tmp/a.png  ×4") in panel.lines, timeout=2000)
    assert panel.lines[-2:] == [
        (logging.WARNING, "camera:0: camera lost"),
        (logging.INFO, "snapshot saved: /tmp/a.png  ×4"),
    ]
    text = panel.toPlainText().splitlines()
    assert text[-1].endswith("• snapshot saved: /tmp/a.png  ×4") and text[-2].endswith(
        "▲ camera:0: camera lost"
    )
    assert sum("snapshot saved" in line for line in text) == 1


def test_a_second_output_on_a_screen_that_has_one_is_refused_with_a_message(console, qtbot):
    outputs = console.session.outputs
    projector = outputs.add(OutputConfig(mode=CompositeMode.STAGE, screen="HDMI-1"))
    assert outputs.add(OutputConfig(mode=CompositeMode.EYES, screen="HDMI-1")) is None
    qtbot.waitUntil(
        lambda: any("screen HDMI-1 already shows output" in line for _, line in console.log_panel.lines),
        timeout=2000,
    )
    glasses = outputs.add(OutputConfig(mode=CompositeMode.EYES, screen="DP-1"))
    editor = console.outputs_panel.editors[glasses]
    editor.screen.setCurrentIndex(editor.screen.findData("HDMI-1"))
    editor.screen.activated.emit(editor.screen.currentIndex())  # the operator picks the projector's screen
    assert outputs.current()[glasses].screen == "DP-1" and outputs.current()[projector].screen == "HDMI-1"
    assert editor.screen.currentData() == "DP-1"  # the editor shows what still is
    windowed = outputs.add(OutputConfig(mode=CompositeMode.KEYED, screen=None))
    assert outputs.add(OutputConfig(mode=CompositeMode.KEYED, screen=None)) not in (None, windowed)  # windows


def test_full_screen_is_what_the_outputs_tab_says_on_the_consoles_own_screen_and_esc_or_f11_leave_it(console):
    outputs = console.session.outputs
    output_id = outputs.add(OutputConfig(mode=CompositeMode.STAGE, screen="Laptop"))  # the console's screen
    window = console.outputs.states[output_id].window
    editor = console.outputs_panel.editors[output_id]
    assert window.isFullScreen() and editor.full_screen.isChecked()
    assert editor.state.text() == "Full screen on Laptop."
    _press(console, Qt.Key.Key_Escape)
    window = console.outputs.states[output_id].window
    assert not window.isFullScreen() and not outputs.current()[output_id].full_screen
    assert not editor.full_screen.isChecked() and editor.state.text() == "A window on Laptop."
    assert console.session.config.outputs[0].full_screen is False  # saved so
    editor.full_screen.setChecked(True)  # ticked again in the tab
    assert console.outputs.states[output_id].window.isFullScreen()
    projector = outputs.add(OutputConfig(mode=CompositeMode.CAMERA_BLACK, screen="HDMI-1"))
    _press(console, Qt.Key.Key_F11)
    assert not console.outputs.states[output_id].window.isFullScreen()
    assert console.outputs.states[projector].window.isFullScreen()  # the projector stays full screen
