"""The one way arwed reads a file a user handed it: bounded, never blocking, one InputFileError when wrong.

Every user file (settings, calibration profiles, the console's set-up, models and their buffers and
textures, ceremonies, glasses profiles) may be broken or hostile. What this module guarantees:

- **Regular files only.** The file is opened without blocking (`O_NONBLOCK`) and checked with `fstat`
  before a byte is read: a FIFO, a device (`/dev/zero`), a socket or a folder is refused at once.
- **A size limit before work:** the caller's limit is checked against the file's size, and reading
  stops one byte past it, so a file that grows while it is read cannot get past it either.
- **A read timeout:** reading happens on a helper thread; a read that hangs (a network drive that went
  away) is given up after `READ_TIMEOUT_S` with a one-line error, and the app goes on.
- **YAML without surprises:** `load_yaml` refuses aliases (`*name`: the "billion laughs" bomb is made
  of them), nesting deeper than `MAX_NESTING`, and reads `1e-300` as the number it is (YAML 1.2), not as
  text. `load_json` refuses nesting deeper than `MAX_NESTING` and the non-JSON NaN/Infinity.

Each problem is an `InputFileError` naming the file (and what it is) on one line.
"""

from __future__ import annotations

import json
import os
import re
import stat
import threading
from pathlib import Path
from typing import Any

import yaml

from arwed.errors import InputFileError, yaml_error_location

READ_TIMEOUT_S = 10.0
MAX_NESTING = 64  # settings and profiles are 3 deep, a glTF about 10; nobody writes 64 by hand
SETTINGS_MAX_BYTES = 1 << 20  # 1 MiB: a settings file, a profile, the console's set-up are a few KiB
_CHUNK_BYTES = 1 << 20


def _kind_of(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _size_words(size: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if size >= 1 << shift:
            return f"{size / (1 << shift):.1f} {unit}"
    return f"{size} bytes"


def check_regular_file(path: str | Path, what: str = "file") -> int:
    """The size of `path` when it is a regular file (following symlinks); InputFileError otherwise."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputFileError(path, "no such file") from None
    except OSError as exc:
        raise InputFileError(path, f"cannot be read ({exc.strerror or exc.__class__.__name__})") from None
    kind = _kind_of(info.st_mode)
    if kind is not None:
        raise InputFileError(path, f"is {kind}, not a {what}")
    return info.st_size


def read_user_bytes(
    path: str | Path, max_bytes: int, what: str = "file", timeout_s: float = READ_TIMEOUT_S
) -> bytes:
    """The whole content of a regular file of at most `max_bytes`, read within `timeout_s`."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputFileError(path, "no such file") from None
    except IsADirectoryError:
        raise InputFileError(path, f"is a folder, not a {what}") from None
    except OSError as exc:  # ENXIO: a socket; EACCES; ELOOP ...
        raise InputFileError(path, f"cannot be opened ({exc.strerror or exc.__class__.__name__})") from None
    try:
        info = os.fstat(fd)
        kind = _kind_of(info.st_mode)
        if kind is not None:
            raise InputFileError(path, f"is {kind}, not a {what}: refused")
        if info.st_size > max_bytes:
            raise InputFileError(
                path, f"is {_size_words(info.st_size)}, over the {_size_words(max_bytes)} limit for a {what}"
            )
    except BaseException:
        os.close(fd)
        raise
    return _read_with_timeout(fd, Path(path), max_bytes, what, timeout_s)


def _read_with_timeout(fd: int, path: Path, max_bytes: int, what: str, timeout_s: float) -> bytes:
    result: dict[str, Any] = {}

    def read_all() -> None:
        chunks, total = [], 0
        try:
            while total <= max_bytes:
                chunk = os.read(fd, min(_CHUNK_BYTES, max_bytes + 1 - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
            result["data"] = b"".join(chunks)
        except OSError as exc:
            result["error"] = exc
        finally:
            os.close(fd)

    reader = threading.Thread(target=read_all, name=f"read {path.name}", daemon=True)
    reader.start()
    reader.join(timeout_s)
    if reader.is_alive():
        raise InputFileError(
            path, f"reading took over {timeout_s:g} s (a network drive that hangs?): given up"
        )
    if "error" in result:
        exc = result["error"]
        raise InputFileError(path, f"cannot be read ({exc.strerror or exc.__class__.__name__})")
    data = result["data"]
    if len(data) > max_bytes:
        raise InputFileError(path, f"grew past the {_size_words(max_bytes)} limit for a {what} while read")
    return data


def read_user_text(path: str | Path, max_bytes: int, what: str = "file") -> str:
    data = read_user_bytes(path, max_bytes, what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(path, f"cannot be read: not UTF-8 text (byte {exc.start})") from None


# ----------------------------------------------------------------------------------------------- YAML

_YAML12_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)
        |[-+]?(?:[0-9][0-9_]*)\.[0-9_]*
        |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
    re.X,
)


class SafeYamlLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader without aliases, with a nesting limit, and with YAML 1.2's `1e-300` floats."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                f"uses the YAML alias *{event.anchor}, which arwed does not read (write the values out)",
                event.start_mark,
            )
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_NESTING:
                raise yaml.composer.ComposerError(
                    None, None, f"nests deeper than {MAX_NESTING} levels", self.peek_event().start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


SafeYamlLoader.add_implicit_resolver("tag:yaml.org,2002:float", _YAML12_FLOAT, list("-+0123456789."))


def parse_yaml(
    text: str,
    path: str | Path,
    loader: type[SafeYamlLoader] = SafeYamlLoader,
    broken: str = "not valid YAML",
) -> Any:
    """YAML text from `path` as Python data; InputFileError (`broken`, the line, why) for anything broken."""
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        problem = " ".join(str(getattr(exc, "problem", None) or "").split())
        if "alias" in problem or "nests deeper" in problem:
            raise InputFileError(path, f"{problem}{yaml_error_location(exc)}") from None
        detail = f" ({problem})" if problem else ""
        raise InputFileError(path, f"{broken}{yaml_error_location(exc)}{detail}") from None
    except RecursionError:
        raise InputFileError(path, f"nests deeper than {MAX_NESTING} levels") from None


def load_yaml(path: str | Path, max_bytes: int = SETTINGS_MAX_BYTES, what: str = "settings file") -> Any:
    """A user's YAML file: read safely (see the module docstring), then parsed without aliases."""
    return parse_yaml(read_user_text(path, max_bytes, what), path)


# ----------------------------------------------------------------------------------------------- JSON


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(text: str, path: str | Path, max_nesting: int = MAX_NESTING) -> Any:
    """JSON text as Python data, refusing NaN/Infinity and nesting deeper than `max_nesting`."""
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            path, f"broken JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except ValueError as exc:
        raise InputFileError(path, f"broken JSON: {exc}") from None
    except RecursionError:
        raise InputFileError(path, f"JSON nests deeper than {max_nesting} levels") from None
    if nesting_depth(document) > max_nesting:
        raise InputFileError(path, f"JSON nests deeper than {max_nesting} levels")
    return document


def nesting_depth(value: Any) -> int:
    """How deeply lists and dicts nest in `value` (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest
