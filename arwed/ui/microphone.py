"""The system's default audio input as the recordings' microphone (session/microphone.py's Protocol),
through Qt Multimedia. Opened on the GUI thread when a recording starts; Qt hands the samples over on it
as they come (a few milliseconds of work per buffer), stamped with when they were heard: now, less what
the chunk and the device's buffer hold. Untested on a real device here: this machine has no microphone
(the recording path is tested with a simulated input, tests/keepsakes/test_microphone.py)."""

from __future__ import annotations

import logging
import time

import numpy as np
from PySide6.QtMultimedia import QAudioFormat, QAudioSource, QMediaDevices

from arwed.session.microphone import RATE_HZ

log = logging.getLogger("arwed.console")

_FORMATS = {
    QAudioFormat.SampleFormat.Float: (np.float32, 1.0),
    QAudioFormat.SampleFormat.Int16: (np.int16, 32768.0),
}


class SystemMicrophone:
    def __init__(self, device) -> None:
        self.name = device.description()
        self._device = device
        self._source: QAudioSource | None = None
        self._io = None

    def start(self, deliver) -> None:
        wanted = QAudioFormat()
        wanted.setSampleRate(RATE_HZ)
        wanted.setChannelCount(1)
        for sample_format in _FORMATS:
            wanted.setSampleFormat(sample_format)
            if self._device.isFormatSupported(wanted):
                break
        else:
            raise RuntimeError(f"{self.name} cannot give mono {RATE_HZ} Hz samples")
        dtype, scale = _FORMATS[wanted.sampleFormat()]
        self._source = QAudioSource(self._device, wanted)
        self._io = self._source.start()

        def read() -> None:
            data = bytes(self._io.readAll())
            if not data:
                return
            samples = np.frombuffer(data, dtype).astype(np.float32) / scale
            buffered = (
                (self._source.bufferSize() or 0) / wanted.bytesPerFrame() if wanted.bytesPerFrame() else 0
            )
            heard_at = time.monotonic() - (len(samples) + buffered) / RATE_HZ
            deliver(samples, heard_at)

        self._io.readyRead.connect(read)

    def stop(self) -> None:
        if self._source is not None:
            self._source.stop()
            self._source = None


def open_system_microphone() -> SystemMicrophone | None:
    """The default input, or None when the system has none."""
    if not QMediaDevices.audioInputs():
        return None
    return SystemMicrophone(QMediaDevices.defaultAudioInput())
