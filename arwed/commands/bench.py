"""arwed bench (work in progress)."""

from __future__ import annotations

import argparse

from arwed.errors import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    raise UserError("'arwed bench' is not available yet")
