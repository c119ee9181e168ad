"""The OpenTrack UDP protocol in: head orientation from the glasses' own sensor (or any head tracker).

Each datagram is six little-endian IEEE doubles, 48 bytes: x, y, z in centimetres, then yaw, pitch and
roll in degrees (OpenTrack's "UDP over network"; many glasses drivers and phone apps send it, to port
4242 by default). arwed listens on 127.0.0.1 only: a driver on the same machine sends to it; nothing
from the network can reach it. Anything that is not exactly 48 bytes of six finite numbers within range
is ignored and counted. The position is kept but not used: sensors in glasses measure orientation, and
her position comes from the camera.

Angles (OpenTrack's order, yaw then pitch then roll, in the sensor's own frame, whose zero is wherever
it was re-centred): yaw positive turning to her left, pitch positive looking up, roll positive tilting
towards her right shoulder. A sender with other signs is matched by `invert` (e.g. ("yaw",)).
"""

from __future__ import annotations

import logging
import math
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

log = logging.getLogger(__name__)

DEFAULT_PORT = 4242
PACKET = struct.Struct("<6d")
MAX_ANGLE_DEG = 360.0
MAX_POSITION_CM = 10_000.0
RECEIVE_TIMEOUT_S = 0.2


@dataclass(frozen=True)
class SensorSample:
    time_s: float  # time.monotonic() when the datagram arrived
    position_cm: tuple[float, float, float]
    yaw_deg: float
    pitch_deg: float
    roll_deg: float


def parse_packet(data: bytes, time_s: float) -> SensorSample | None:
    """One datagram, or None when it is not a valid OpenTrack pose."""
    if len(data) != PACKET.size:
        return None
    x, y, z, yaw, pitch, roll = PACKET.unpack(data)
    values = (x, y, z, yaw, pitch, roll)
    if not all(math.isfinite(v) for v in values):
        return None
    if max(abs(x), abs(y), abs(z)) > MAX_POSITION_CM or max(abs(yaw), abs(pitch), abs(roll)) > MAX_ANGLE_DEG:
        return None
    return SensorSample(time_s, (x, y, z), yaw, pitch, roll)


def encode_packet(position_cm, yaw_deg: float, pitch_deg: float, roll_deg: float) -> bytes:
    """The datagram a sender writes (for simulated senders and tests)."""
    return PACKET.pack(*(float(v) for v in position_cm), float(yaw_deg), float(pitch_deg), float(roll_deg))


def sensor_rotation(sample: SensorSample, invert: tuple[str, ...] = ()) -> np.ndarray:
    """The sensor's orientation as a rotation of head axes (x her left, y up, z forward) into the sensor's
    own world axes: yaw about up, then pitch about her right, then roll about forward."""
    yaw = -sample.yaw_deg if "yaw" in invert else sample.yaw_deg
    pitch = -sample.pitch_deg if "pitch" in invert else sample.pitch_deg
    roll = -sample.roll_deg if "roll" in invert else sample.roll_deg
    return angles_to_rotation(yaw, pitch, roll)


def angles_to_rotation(yaw_deg: float, pitch_deg: float, roll_deg: float) -> np.ndarray:
    about_up = cv2.Rodrigues(np.array([0.0, math.radians(yaw_deg), 0.0]))[0]
    about_left = cv2.Rodrigues(np.array([-math.radians(pitch_deg), 0.0, 0.0]))[0]
    about_forward = cv2.Rodrigues(np.array([0.0, 0.0, math.radians(roll_deg)]))[0]
    return about_up @ about_left @ about_forward


def rotation_to_angles(rotation: np.ndarray) -> tuple[float, float, float]:
    """The inverse of `angles_to_rotation` (for simulated senders)."""
    r = np.asarray(rotation, dtype=np.float64)
    forward = r[:, 2]
    yaw = math.degrees(math.atan2(forward[0], forward[2]))
    pitch = math.degrees(math.asin(float(np.clip(forward[1], -1.0, 1.0))))
    unrolled = angles_to_rotation(yaw, pitch, 0.0)
    left = unrolled.T @ r[:, 0]
    roll = math.degrees(math.atan2(left[1], left[0]))
    return yaw, pitch, roll


class OpenTrackReceiver:
    """A thread that receives datagrams on 127.0.0.1:port and hands each valid sample to `on_sample`.

    `malformed` counts ignored datagrams; `received` the good ones; `last_sample` is the newest."""

    def __init__(self, port: int = DEFAULT_PORT, on_sample: Callable[[SensorSample], None] | None = None):
        if not 0 <= int(port) <= 65535:  # 0: any free port (tests)
            raise ValueError(f"UDP port {port} is not between 1 and 65535")
        self.port = int(port)
        self.on_sample = on_sample
        self.received = 0
        self.malformed = 0
        self.last_sample: SensorSample | None = None
        self._stop = threading.Event()
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind (raises OSError when the port is taken) and start receiving."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind(("127.0.0.1", self.port))
        except OSError:
            sock.close()
            raise
        sock.settimeout(RECEIVE_TIMEOUT_S)
        self.port = sock.getsockname()[1]  # port 0 asks the system for a free one (tests)
        self._socket = sock
        self._thread = threading.Thread(target=self._loop, name="arwed opentrack", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        assert self._socket is not None
        while not self._stop.is_set():
            try:
                data, _ = self._socket.recvfrom(256)
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                log.warning("head sensor: receive failed; going on", exc_info=True)
                time.sleep(RECEIVE_TIMEOUT_S)
                continue
            sample = parse_packet(data, time.monotonic())
            if sample is None:
                self.malformed += 1
                if self.malformed in (1, 10, 100, 1000) or self.malformed % 10000 == 0:
                    log.warning(
                        "head sensor: %d malformed datagram(s) ignored on port %d", self.malformed, self.port
                    )
                continue
            self.received += 1
            self.last_sample = sample
            if self.on_sample is not None:
                try:
                    self.on_sample(sample)
                except Exception:
                    log.exception("head sensor: a sample could not be used; going on")

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> OpenTrackReceiver:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
