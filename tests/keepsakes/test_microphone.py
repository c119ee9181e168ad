"""The microphone in recordings when chosen (keepsakes.microphone), with a simulated input (there is no
microphone on this machine): its chunks land on the recording's audio track at the time they were heard;
with no input to be had the recording goes on without it, saying so."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pytest

from arwed.config import Settings
from arwed.film import folder as film_folder
from arwed.film.log import read_event_log
from arwed.session.microphone import RATE_HZ
from arwed.session.state import ConsoleConfig
from tests.ui.fakes import make_session, wait_until

CHUNK_S = 0.02
CLICK_AFTER_S = 0.6  # a loud click this long after the input starts, on time.monotonic's clock


class SimulatedMicrophone:
    """A quiet hum, then one loud click, in 20 ms chunks stamped when they were 'heard'; each chunk is
    handed over a little late, as a sound card's buffer does."""

    name = "simulated microphone"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self.click_at_s: float | None = None

    def start(self, deliver) -> None:
        self._thread = threading.Thread(target=self._run, args=(deliver,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self, deliver) -> None:
        started = time.monotonic()
        heard = started
        n = int(CHUNK_S * RATE_HZ)
        while not self._stop.is_set():
            chunk = 0.01 * np.sin(np.arange(n) * 2 * np.pi * 220 / RATE_HZ).astype(np.float32)
            if self.click_at_s is None and heard - started >= CLICK_AFTER_S:
                self.click_at_s = heard
                chunk[:48] = 0.9
            time.sleep(max(0.0, heard + CHUNK_S + 0.03 - time.monotonic()))  # 30 ms late
            deliver(chunk, heard)
            heard += CHUNK_S


def _record(tmp_path, source):
    settings = Settings().with_overrides({"keepsakes": {"microphone": True}})
    session = make_session(ConsoleConfig(source="demo", keepsake_dir=str(tmp_path), settings=settings))
    session.keepsakes.microphone_source = source
    try:
        session.start()
        assert wait_until(lambda: session.tap("stage").latest() is not None)
        assert session.keepsakes.start_recording()
        stage = session.status().recording
        time.sleep(1.4)
        session.keepsakes.stop_recording()
        assert wait_until(lambda: not (stage.parent / f".{stage.name}.unfinished").exists(), timeout_s=10)
    finally:
        session.close()
    return stage


def test_the_microphone_is_recorded_at_the_time_it_was_heard(tmp_path):
    import av

    microphone = SimulatedMicrophone()
    stage = _record(tmp_path, lambda: microphone)
    origin = read_event_log(film_folder.event_log(stage.parent)).start.monotonic_origin_s
    with av.open(str(stage)) as container:
        assert container.streams.audio, "no audio track"
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
    click_s = int(np.argmax(np.abs(samples) > 0.5)) / RATE_HZ
    expected_s = microphone.click_at_s - origin
    print(f"\nclick heard {expected_s:.3f} s into the recording, on its audio track at {click_s:.3f} s")
    assert click_s == pytest.approx(expected_s, abs=0.04)  # AAC's own delay is compensated by the muxer
    hum = samples[int(0.1 * RATE_HZ) : int(0.5 * RATE_HZ)]
    assert 0.003 < np.sqrt(np.mean(hum**2)) < 0.02  # the hum is there before the click, not lost or doubled


def test_without_a_microphone_the_recording_goes_on_and_says_so(tmp_path, caplog):
    import av

    with caplog.at_level(logging.WARNING, logger="arwed.console"):
        stage = _record(tmp_path, lambda: None)
    assert "no microphone found: recording without it" in caplog.text
    with av.open(str(stage)) as container:
        assert container.streams.video and not container.streams.audio
