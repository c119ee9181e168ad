"""What the console needs of a running pipeline, as a Protocol: arwed.pipeline.Pipeline is one, the
tests' fake is another. The session talks to it only through these methods and read-only properties."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from arwed.config import Settings


@runtime_checkable
class RunningPipeline(Protocol):
    """A live loop the console controls from its control thread; every method returns at once except `stop`."""

    def start(self) -> None: ...

    def stop(self) -> None:
        """Stop the threads (waits for them) and close the source."""
        ...

    def wait(self, timeout_s: float | None = None) -> bool:
        """True once the loop has ended by itself."""
        ...

    def set_character(self, character) -> None: ...

    def update_settings(self, settings: Settings) -> None: ...

    def choose_person(self, point_px: tuple[float, float]) -> None:
        """The partner stands beside the person at this frame pixel, from the next tracked frame on."""
        ...

    def set_outputs(self, outputs: Sequence) -> None:
        """Replace the outputs (arwed.pipeline.Output) the render thread feeds from the next frame on."""
        ...

    def set_character_hidden(self, hidden: bool, fade_s: float = 0.0) -> None:
        """From the next rendered frame on, fade the character out or in over `fade_s` (0: at once)."""
        ...

    def set_ceremony(self, ceremony) -> None:
        """From the next rendered frame on, a ceremony (arwed.ceremony.stage.CeremonyStage) directs the
        character; None: the plain partner."""
        ...

    @property
    def outputs(self) -> Sequence: ...

    @property
    def error(self) -> BaseException | None: ...

    @property
    def last_state(self) -> str:
        """The placement's state on the last frame: "tracking", "held" or "lost"."""
        ...

    @property
    def renderer_name(self) -> str: ...

    @property
    def last_placement(self):
        """The last rendered frame's placement (arwed.types.Placement), or None."""
        ...


class PipelineFactory(Protocol):
    def __call__(
        self, source, settings: Settings, character, *, profile=None, outputs=None, live=None
    ) -> RunningPipeline: ...
