"""A microphone for recordings, when the operator chooses one (`keepsakes.microphone` in the settings).

The console's model knows a microphone only as this Protocol: started when a recording starts, it hands
each chunk of samples (mono float PCM at RATE_HZ) with the time its first sample was heard, on
time.monotonic's clock (the clock recordings place frames and his voice by), from any thread; stopped
when the recording stops. The desktop app gives the system's default input (arwed/ui/microphone.py);
tests give a simulated one. With none to be had the recording goes on without it and the log says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

RATE_HZ = 48000  # as the recording's audio track (session/keepsakes.py VOICE_FORMAT)


class MicrophoneInput(Protocol):
    name: str

    def start(self, deliver: Callable[[np.ndarray, float], None]) -> None:
        """Start hearing; `deliver(samples, heard_at_s)` for each chunk, from any thread."""
        ...

    def stop(self) -> None: ...


MicrophoneSource = Callable[[], "MicrophoneInput | None"]  # opens the chosen input; None: there is none
