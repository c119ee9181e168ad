"""Errors a user can act on. The command line prints them on one line and exits with code 2."""

from __future__ import annotations

from pathlib import Path


class UserError(Exception):
    """Bad input from the user: a file, an option or a device. The message is the whole explanation."""

    exit_code = 2


class InputFileError(UserError):
    """A file the user handed us is missing, unreadable or malformed."""

    def __init__(self, path: str | Path, problem: str, field: str | None = None):
        self.path = str(path)
        self.problem = problem
        self.field = field
        where = f"{self.path}: field '{field}'" if field else self.path
        super().__init__(f"{where}: {problem}")


class SourceError(UserError):
    """A frame source that cannot be opened."""


def yaml_error_location(exc: Exception) -> str:
    """' at line N' for a YAML parser error that knows where it happened, else ''."""
    mark = getattr(exc, "problem_mark", None)
    return f" at line {mark.line + 1}" if mark is not None else ""
