"""Typed per-field events: each change is told once, to the listeners of that field, with the new value;
the console's labels follow them with no timer polling the session."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer

from arwed.session.state import ConsoleConfig, OutputConfig
from arwed.types import CompositeMode
from tests.ui.fakes import make_session, wait_until


class Heard:
    """Records every event of the session: (field, value) in order."""

    def __init__(self, session):
        self.events: list[tuple[str, object]] = []
        for emitter in session.events.all():
            emitter.connect(lambda value, name=emitter.name: self.events.append((name, value)))

    def of(self, name: str) -> list:
        return [value for field, value in self.events if field == name]


@pytest.fixture
def session():
    s = make_session(ConsoleConfig(source="demo"))
    yield s
    s.close()


def test_a_ceremony_change_is_one_event_of_its_own_field(session):
    heard = Heard(session)
    session.ceremony.set_hidden(True)
    session.ceremony.set_blackout(True)
    assert heard.events == [("hidden", True), ("blackout", True)]


def test_locking_emits_the_settings_and_the_lock(session):
    heard = Heard(session)
    session.ceremony.set_locked(True)
    assert heard.of("locked") == [True]
    assert [settings.placement.locked for settings in heard.of("settings")] == [True]
    assert heard.of("hidden") == [] and heard.of("outputs") == []


def test_outputs_event_carries_the_whole_list(session):
    heard = Heard(session)
    output_id = session.outputs.add(OutputConfig(mode=CompositeMode.CAMERA_BLACK, screen="DP-1"))
    assert heard.of("outputs") == [{output_id: OutputConfig(mode=CompositeMode.CAMERA_BLACK, screen="DP-1")}]


def test_the_control_thread_pushes_running_tracking_renderer_and_rate(session):
    heard = Heard(session)
    session.start()
    assert wait_until(lambda: heard.of("running") == ["demo"])
    assert wait_until(lambda: "tracking" in heard.of("tracking") and "fake renderer" in heard.of("renderer"))
    assert wait_until(lambda: any(rate.fps > 10 for rate in heard.of("rate")))
    assert heard.of("character") == ["figure"]
    assert [config.source for config in heard.of("setup")][-1] == "demo"
    busy = heard.of("busy")
    assert busy[:2] == ["Starting", None]  # the job's name while it runs, then nothing


def test_a_failing_listener_is_logged_and_the_others_still_hear(session, caplog):
    heard = Heard(session)

    def broken(value):
        raise RuntimeError("a view that cannot refresh")

    session.events.hidden.connect(broken)
    session.ceremony.set_hidden(True)
    session.events.hidden.connect(lambda value: heard.events.append(("after", value)))
    session.ceremony.set_hidden(False)
    assert ("after", False) in heard.events and "a listener of hidden failed" in caplog.text


def test_the_console_window_polls_nothing_and_follows_the_events(qtbot, qapp, tmp_path):
    from tests.ui.test_console import _open_console

    window, _ = _open_console(qtbot, qapp, ConsoleConfig(source="demo"), tmp_path)
    polling = [t for t in window.findChildren(QTimer) if t.isActive() and not t.isSingleShot()]
    assert polling == []
    qtbot.waitUntil(lambda: window.tracking_label.text() == "● tracking", timeout=5000)
    qtbot.waitUntil(lambda: window.renderer_label.text() == "fake renderer", timeout=5000)
    qtbot.waitUntil(
        lambda: window.fps_label.text().strip().endswith("fps") and "—" not in window.fps_label.text()
    )
    window.session.ceremony.set_hidden(True)  # from the test's thread: the GUI thread here
    assert window.ceremony_bar.hide_button.isChecked()
    qapp.removeEventFilter(window.dispatcher)
    window.close()
