"""The `arwed` command: one subcommand per job, each in arwed/commands/<name>.py.

Every command module has `add_arguments(parser)` (cheap: no heavy imports) and `run(args) -> int`.
A UserError anywhere becomes one line on stderr and exit code 2; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
import threading
import time
import traceback
from pathlib import Path

from arwed import __version__
from arwed.commands.help import HelpFormatter
from arwed.errors import UserError

COMMANDS: dict[str, str] = {
    "run": "Open the operator console (the default when no command is given).",
    "render": "Render a source with the character beside the person into a video or image sequence.",
    "bench": "Measure per-stage and end-to-end speed.",
    "doctor": "Check this machine: packages, OpenGL renderer, cameras, pose model, calibration folder.",
    "calibrate": "Calibrate the camera (board pictures or a live window), measure the floor, print boards.",
    "preview": "Look at a character model: a viewer window, or a contact sheet and facts headless.",
    "rehearse": "Rehearse a ceremony on a video, headless: written as a video with his voice in it.",
}


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the same shape as every other arwed error), exit code 2."""

    def error(self, message: str) -> None:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="arwed",
        description="A life-sized 3D partner beside a person: camera, tracking, character, outputs.",
    )
    parser.add_argument("--version", action="version", version=f"arwed {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages to stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, summary in COMMANDS.items():
        module = importlib.import_module(f"arwed.commands.{name}")
        sub = subparsers.add_parser(name, help=summary, description=summary, formatter_class=HelpFormatter)
        module.add_arguments(sub)
        sub.set_defaults(_command_module=module)
    return parser


EXIT_WAIT_S = 10.0  # for threads still running when the command is done (the pipeline already waited)


def _leave(code: int) -> int:
    """The exit code, after waiting a little for threads still running. A thread that is still inside native
    code (a MediaPipe look, an OpenCV read) when the interpreter finalises is ended under it, and C++ then
    aborts the process ("terminate called ... FATAL: exception not rethrown", seen at exit under load): the
    user's exit code and the last lines would be lost. Such a process leaves with os._exit after flushing;
    everything it keeps (recordings, set-ups) was closed before the command returned."""
    deadline = time.monotonic() + EXIT_WAIT_S
    for thread in _other_threads():
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    running = [thread.name for thread in _other_threads() if thread.is_alive()]
    if not running:
        return code
    logging.getLogger("arwed").warning("leaving with threads still running: %s", ", ".join(running))
    logging.shutdown()
    from arwed import stderr_filter

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    stderr_filter.uninstall()
    os._exit(code)


def _other_threads() -> list[threading.Thread]:
    """arwed's own threads still alive (all named "arwed ..."): those may be inside native code. A
    library's idle helper (tqdm's monitor, the stderr filter's forwarder) is left to the interpreter."""
    return [
        thread
        for thread in threading.enumerate()
        if thread is not threading.main_thread() and thread.name.startswith("arwed") and thread.is_alive()
    ]


def _crash_log_path() -> Path:
    return Path.home() / ".cache" / "arwed" / "crash.log"


def main(argv: list[str] | None = None) -> int:
    as_command = argv is None  # the `arwed` program itself, not a test calling main([...])
    code = _run(sys.argv[1:] if argv is None else argv, as_command)
    return _leave(code) if as_command else code


def _run(argv: list[str], as_command: bool) -> int:
    parser = build_parser()
    args = parser.parse_args(argv or ["run"])
    if args.command is None:
        args = parser.parse_args(["run", *argv])
    logging.basicConfig(
        level=logging.WARNING,
        format="arwed: %(levelname)s: %(message)s",
    )
    if args.verbose:
        logging.getLogger("arwed").setLevel(logging.DEBUG)
    elif as_command:
        from arwed import stderr_filter

        stderr_filter.install()  # MediaPipe's, OpenCV's and FFmpeg's own lines stay off the terminal
    try:
        return int(args._command_module.run(args) or 0)
    except UserError as exc:
        print(f"arwed: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("arwed: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: log the details, say one line
        log = _crash_log_path()
        try:
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(traceback.format_exc(), encoding="utf-8")
            where = f" (details in {log})"
        except OSError:
            where = ""
        print(f"arwed: internal error: {exc.__class__.__name__}: {exc}{where}", file=sys.stderr)
        return 1
