"""The one safe reader: regular files only, size limits, a read timeout, YAML/JSON without bombs."""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from arwed import user_files
from arwed.errors import InputFileError
from arwed.user_files import load_yaml, parse_json, parse_yaml, read_user_bytes


def test_fifo_device_socket_and_folder_are_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    sock_path = tmp_path / "sock.yaml"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    try:
        for path, words in [
            (fifo, "FIFO"),
            ("/dev/zero", "device"),
            (sock_path, "cannot be opened"),
            (tmp_path, "folder"),
            (tmp_path / "absent.yaml", "no such file"),
        ]:
            started = time.monotonic()
            with pytest.raises(InputFileError, match=words) as caught:
                read_user_bytes(path, 1 << 20, "settings file")
            assert time.monotonic() - started < 1.0
            assert "\n" not in str(caught.value) and str(path) in str(caught.value)
    finally:
        server.close()


def test_size_limit_is_checked_before_reading(tmp_path):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as file:
        file.truncate(1 << 30)  # a sparse gigabyte
    started = time.monotonic()
    with pytest.raises(InputFileError, match="is 1 GiB, over the 128 KiB limit for a settings file"):
        load_yaml(big)
    assert time.monotonic() - started < 1.0


def test_a_read_that_hangs_is_given_up(tmp_path, monkeypatch):
    path = tmp_path / "slow.yaml"
    path.write_text("a: 1\n")
    release = threading.Event()
    real_read = os.read

    def hanging_read(fd, size):
        release.wait(5.0)  # a network drive that went away
        return real_read(fd, size)

    monkeypatch.setattr(user_files.os, "read", hanging_read)
    started = time.monotonic()
    with pytest.raises(InputFileError, match="reading took over 0.3 s"):
        read_user_bytes(path, 1 << 20, timeout_s=0.3)
    assert time.monotonic() - started < 1.0
    release.set()


BILLION_LAUGHS = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(8)]
)


def test_yaml_aliases_nesting_and_yaml12_floats():
    with pytest.raises(InputFileError, match=r"alias \*a.*at line 2"):
        parse_yaml(BILLION_LAUGHS, "bomb.yaml")
    with pytest.raises(InputFileError, match="deeper than 64"):
        parse_yaml("a: " + "[" * 5000 + "]" * 5000, "deep.yaml")
    with pytest.raises(InputFileError, match="deeper than 64"):
        parse_yaml("".join(f"{' ' * i}k{i}:\n" for i in range(200)), "deep-block.yaml")
    data = parse_yaml("tiny: 1e-300\nhuge: 1E+300\nplain: 2.5\nint: 7\nword: e5\n", "numbers.yaml")
    assert data == {"tiny": 1e-300, "huge": 1e300, "plain": 2.5, "int": 7, "word": "e5"}
    with pytest.raises(InputFileError, match="not valid YAML at line 1"):
        parse_yaml("a: !!python/object/apply:os.system [echo]", "evil.yaml")


def test_json_nesting_and_non_json_numbers():
    with pytest.raises(InputFileError, match="deeper than 64"):
        parse_json("[" * 100000 + "]" * 100000, "deep.json")
    with pytest.raises(InputFileError, match="deeper than 10"):
        parse_json("[" * 11 + "]" * 11, "deep.json", max_nesting=10)
    for constant in ("NaN", "Infinity", "-Infinity"):
        with pytest.raises(InputFileError, match=f"{constant} is not a JSON number"):
            parse_json(f'{{"a": [{constant}]}}', "nan.json")
    assert parse_json('{"a": [[1]]}', "ok.json") == {"a": [[1]]}
