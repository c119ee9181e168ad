"""The OpenTrack UDP receiver against a sender on 127.0.0.1: good packets, bad ones, a stream that stops."""

from __future__ import annotations

import socket
import struct
import time

import numpy as np
import pytest

from arwed.capture.opentrack import (
    OpenTrackReceiver,
    angles_to_rotation,
    encode_packet,
    parse_packet,
    rotation_to_angles,
    sensor_rotation,
)


def _wait(condition, timeout_s: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_receives_good_packets_and_counts_malformed_ones() -> None:
    samples = []
    with OpenTrackReceiver(port=0, on_sample=samples.append) as receiver:
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        address = ("127.0.0.1", receiver.port)
        sender.sendto(encode_packet((1.0, 2.0, 3.0), 10.0, -5.0, 2.5), address)
        for bad in (
            b"",
            b"x" * 47,
            b"x" * 49,
            struct.pack("<6d", 0, 0, 0, float("nan"), 0, 0),
            struct.pack("<6d", 0, 0, 0, 1e9, 0, 0),
            struct.pack("<6f", 0, 0, 0, 1, 2, 3),  # floats, not doubles: a common sender bug
        ):
            sender.sendto(bad, address)
        sender.sendto(encode_packet((0.0, 0.0, 0.0), -20.0, 0.0, 0.0), address)
        assert _wait(lambda: receiver.received == 2 and receiver.malformed == 6)
        sender.close()
    assert [round(s.yaw_deg, 3) for s in samples] == [10.0, -20.0]
    assert samples[0].position_cm == (1.0, 2.0, 3.0) and samples[0].pitch_deg == -5.0


def test_listens_on_localhost_only() -> None:
    with OpenTrackReceiver(port=0) as receiver:
        assert receiver._socket.getsockname()[0] == "127.0.0.1"


def test_port_taken_is_an_error_not_a_hang() -> None:
    with OpenTrackReceiver(port=0) as first, pytest.raises(OSError):
        OpenTrackReceiver(port=first.port).start()


def test_angles_convention_round_trip() -> None:
    for angles in ((0, 0, 0), (35, -10, 4), (-120, 30, -20)):
        assert np.allclose(rotation_to_angles(angles_to_rotation(*angles)), angles, atol=1e-9)
    sample = parse_packet(encode_packet((0, 0, 0), 30.0, 0.0, 0.0), 0.0)
    assert sensor_rotation(sample)[0, 2] > 0  # yaw > 0 turns her forward towards her left (+x)
    assert np.allclose(sensor_rotation(sample, invert=("yaw",)), angles_to_rotation(-30.0, 0.0, 0.0))
