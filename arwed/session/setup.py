"""The set-up the console remembers between runs: the chosen source, character and calibration with
their recent lists, the settings, the keepsake folder; saved with the outputs and the keys.

Thread ownership: a lock guards the config. The operator's thread writes the settings and the folder;
the control thread writes the choices once a job has succeeded. Each change is emitted on the writer's
thread."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from arwed.config import Settings
from arwed.session.events import SessionEvents
from arwed.session.state import MAX_FADE_S, ConsoleConfig, remember, save_console_config

log = logging.getLogger("arwed.console")

RECENT_FIELD = {
    "source": "recent_sources",
    "character": "recent_characters",
    "calibration": "recent_calibrations",
    "ceremony": "recent_ceremonies",
}


class SetUp:
    def __init__(self, config: ConsoleConfig, path: Path | None, events: SessionEvents) -> None:
        self.path = path
        self._events = events
        self._lock = threading.Lock()
        self._config = config

    def config(self) -> ConsoleConfig:
        """The saved choices and settings (the outputs and keys are added by the session)."""
        with self._lock:
            return self._config

    @property
    def settings(self) -> Settings:
        with self._lock:
            return self._config.settings

    def set_settings(self, settings: Settings) -> Settings:
        """The new settings; the old ones back."""
        with self._lock:
            old, self._config = self._config.settings, self._config.model_copy(update={"settings": settings})
        self._events.settings.emit(settings)
        return old

    def choose(self, kind: str, value: str | None) -> None:
        """`kind` ("source", "character", "calibration") is now `value`, first in its recent list."""
        recent = RECENT_FIELD[kind]
        with self._lock:
            config = self._config
            self._config = config.model_copy(
                update={kind: value, recent: remember(getattr(config, recent), value)}
            )
            config = self._config
        self._events.setup.emit(config)

    def set_fade_s(self, fade_s: float) -> None:
        """The blackout's and the hide's fade time (0: a cut); saved with the set-up."""
        with self._lock:
            self._config = self._config.model_copy(
                update={"fade_s": min(MAX_FADE_S, max(0.0, float(fade_s)))}
            )
            config = self._config
        self._events.setup.emit(config)

    def set_keepsake_dir(self, folder: str | None) -> None:
        with self._lock:
            self._config = self._config.model_copy(update={"keepsake_dir": folder})
            root = self._config.keepsake_root()
        self._events.keepsake_dir.emit(root)

    def keepsake_root(self) -> Path:
        return self.config().keepsake_root()

    def save(self, config: ConsoleConfig) -> None:
        """Write the whole set-up atomically; a folder that cannot be written is logged, never raised."""
        if self.path is None:
            return
        try:
            save_console_config(config, self.path)
        except OSError as exc:
            log.error("%s: the set-up cannot be saved (%s)", self.path, exc.strerror or exc)
