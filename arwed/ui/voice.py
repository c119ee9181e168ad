"""His voice on the system's audio output (Qt Multimedia), in step with the ceremony's cues.

The session reports each start and stop of a voice clip (session.cue_desk.VoiceCue, moved onto the GUI
thread by the bridge); a clip starts at the offset the ceremony has reached, so a rehearsal started
mid-vows is still in step. With no audio output device the console says so once and goes on silently:
the lip-sync does not depend on the sound being heard."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QUrl
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer

log = logging.getLogger("arwed.console")


class VoicePlayer(QObject):
    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._output = QAudioOutput(self)
        self._player = QMediaPlayer(self)
        self._player.setAudioOutput(self._output)
        self._volume = 1.0  # the operator's volume
        self._clip_volume = 1.0  # the ceremony's `say: {volume: ...}`
        self._told_no_device = False
        self._player.errorOccurred.connect(self._error)
        self.playing: str | None = None

    @staticmethod
    def has_device() -> bool:
        return bool(QMediaDevices.audioOutputs())

    def set_volume(self, volume: float) -> None:
        """0..1 of the clip's own volume."""
        self._volume = min(max(float(volume), 0.0), 1.0)
        self._output.setVolume(self._volume * self._clip_volume)

    def cue(self, voice) -> None:
        """Start or stop a clip as the ceremony says (a session.cue_desk.VoiceCue)."""
        if not voice.playing:
            if self.playing == str(voice.path):
                self._player.stop()
                self.playing = None
            return
        if not self.has_device() and not self._told_no_device:
            self._told_no_device = True
            log.warning("no audio output device: his voice plays silently; the lip-sync goes on")
        self._clip_volume = min(max(float(voice.volume), 0.0), 1.0)
        self._output.setVolume(self._volume * self._clip_volume)
        self._player.setSource(QUrl.fromLocalFile(str(voice.path)))
        self._player.setPosition(int(voice.offset_s * 1000.0))
        self._player.play()
        self.playing = str(voice.path)

    def stop(self) -> None:
        self._player.stop()
        self.playing = None

    def _error(self, error, message: str = "") -> None:
        if error != QMediaPlayer.Error.NoError:
            log.error("his voice cannot be played (%s)", message or error)
