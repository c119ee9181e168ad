"""The one way arwed reads a file a user handed it: bounded, never blocking, one InputFileError when wrong.

Every user file (settings, calibration profiles, the console's set-up, models and their buffers and
textures, ceremonies, glasses profiles) may be broken or hostile. What this module guarantees:

- **Regular files only.** The file is opened without blocking (`O_NONBLOCK`) and checked with `fstat`
  before a byte is read: a FIFO, a device (`/dev/zero`), a socket or a folder is refused at once.
- **A size limit before work:** the caller's limit is checked against the file's size, and reading
  stops one byte past it, so a file that grows while it is read cannot get past it either.
- **A read timeout:** reading happens on a helper thread; a read that hangs (a network drive that went
  away) is given up after `READ_TIMEOUT_S` with a one-line error, and the app goes on.
- **YAML without surprises:** `load_yaml`/`parse_yaml` refuse aliases (`*name`: the "billion laughs"
  bomb is made of them) and nesting deeper than `MAX_NESTING` from the parser's events, before anything
  is built, then load with LibYAML; `1e-300` is the number it is (YAML 1.2), not text. `dump_yaml`
  writes what they read back (no aliases). `parse_json` refuses nesting deeper than `MAX_NESTING` and
  the non-JSON NaN/Infinity.

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
SETTINGS_MAX_BYTES = (
    128 << 10
)  # a settings file, a profile, the console set-up: a few KiB (parsing 128 KiB: 0.2 s)
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
            return f"{size / (1 << shift):.3g} {unit}"
    return f"{size} bytes"


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


class SafeYamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """PyYAML's SafeLoader (LibYAML's, when there) with YAML 1.2's `1e-300` floats; parse_yaml checks
    the events for aliases and nesting before this composes anything."""


SafeYamlLoader.add_implicit_resolver("tag:yaml.org,2002:float", _YAML12_FLOAT, list("-+0123456789."))

_OPENING = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSING = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _check_events(text: str, path: str | Path, loader: type[SafeYamlLoader]) -> None:
    """Refuse aliases and deep nesting from the parser's events: they need no recursion and no
    memory, where composing a "billion laughs" or 5,000 nested lists would take both."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, _OPENING):
            depth += 1
            if depth > MAX_NESTING:
                raise InputFileError(path, f"nests deeper than {MAX_NESTING} levels{_line_of(event)}")
        elif isinstance(event, _CLOSING):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            raise InputFileError(
                path,
                f"uses the YAML alias *{event.anchor}, which arwed does not read (write the values out)"
                f"{_line_of(event)}",
            )


def _line_of(event) -> str:
    mark = getattr(event, "start_mark", None)
    return f" at line {mark.line + 1}" if mark is not None else ""


def parse_yaml(
    text: str,
    path: str | Path,
    loader: type[SafeYamlLoader] = SafeYamlLoader,
    broken: str = "not valid YAML",
) -> Any:
    """YAML text from `path` as Python data; InputFileError (`broken`, the line, why) for anything broken."""
    try:
        _check_events(text, path, loader)
        return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        problem = " ".join(str(getattr(exc, "problem", None) or "").split())
        detail = f" ({problem})" if problem else ""
        raise InputFileError(path, f"{broken}{yaml_error_location(exc)}{detail}") from None
    except RecursionError:
        raise InputFileError(path, f"nests deeper than {MAX_NESTING} levels") from None


class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data) -> bool:
        return True


def dump_yaml(data: Any) -> str:
    """YAML text that load_yaml reads back: values written out, never as aliases (which it refuses)."""
    return yaml.dump(data, Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True)


def load_yaml(path: str | Path, max_bytes: int = SETTINGS_MAX_BYTES, what: str = "settings file") -> Any:
    """A user's YAML file: read safely (see the module docstring), then parsed without aliases."""
    return parse_yaml(read_user_text(path, max_bytes, what), path)


# ----------------------------------------------------------------------------------------------- JSON


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(text: str, path: str | Path, max_nesting: int = MAX_NESTING, allow_nan: bool = False) -> Any:
    """JSON text as Python data, refusing nesting deeper than `max_nesting` and (unless `allow_nan`)
    the non-JSON NaN/Infinity."""
    try:
        document = json.loads(text, parse_constant=None if allow_nan else _refuse_constant)
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
