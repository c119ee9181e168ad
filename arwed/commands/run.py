"""arwed run: the operator console (the default command).

The last set-up comes back on start (source, character, calibration, placement, outputs, keys), from
console.yaml in the configuration folder; options given here replace it for this run and are saved.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from arwed.commands.common import add_calibration_option, add_character_option
from arwed.commands.display import require_display
from arwed.errors import UserError

OUTPUT_MODES = ("stage", "eyes", "camera-black", "camera-black-3d", "keyed")
OLD_OUTPUT_MODES = {"glasses": "camera-black", "glasses-3d": "camera-black-3d"}  # read with a note


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source",
        metavar="SRC",
        help="demo, camera:N, a video file, an image or a URL (default: the last one used, "
        "else the first camera)",
    )
    add_character_option(parser, default="the last one used")
    add_calibration_option(parser)
    parser.add_argument(
        "--settings",
        metavar="PATH",
        help="placement, tracking, camera and composite settings (YAML, as for "
        "`arwed render`); replaces the saved ones",
    )
    parser.add_argument(
        "--output",
        action="append",
        default=[],
        metavar="MODE[@SCREEN]",
        help="open an output window: MODE is stage, eyes (her view, for her glasses), camera-black (the "
        "camera's view on black), camera-black-3d (side by side) or keyed; @SCREEN puts it "
        "full screen on that screen (a name or a number from --list-screens), else it is a window. "
        "Repeat for more; replaces the saved outputs",
    )
    parser.add_argument(
        "--fullscreen-output",
        action="append",
        default=[],
        metavar="[MODE@]SCREEN",
        help="like --output, but full screen even on the console's own screen (MODE defaults to stage)",
    )
    parser.add_argument(
        "--list-screens", action="store_true", help="print the screens (names and sizes) and exit"
    )
    parser.add_argument(
        "--keepsakes", metavar="FOLDER", help="where snapshots and recordings go (a folder per day)"
    )
    parser.add_argument(
        "--config-dir",
        metavar="FOLDER",
        help="where the console keeps its set-up (default $ARWED_CONFIG_DIR, "
        "else $XDG_CONFIG_HOME/arwed, else ~/.config/arwed)",
    )
    parser.add_argument("--fresh", action="store_true", help="start from the defaults, not the saved set-up")
    parser.add_argument("--quit-after", type=float, metavar="SECONDS", help="quit by itself after this long")
    parser.add_argument(
        "--screenshot", metavar="FILE.png", help="with --quit-after: save the console window first"
    )
    parser.add_argument(
        "--stats",
        metavar="FILE.json",
        help="2 s after start and on quitting: the console's figures (frames per second, keys, states)",
    )


def parse_output(text: str):
    from arwed.session.state import OutputConfig
    from arwed.types import CompositeMode

    mode, _, screen = text.partition("@")
    mode = mode.strip().lower()
    if mode in OLD_OUTPUT_MODES:
        print(f"arwed: note: the output {mode} is now called {OLD_OUTPUT_MODES[mode]} (her own view is eyes)")
        mode = OLD_OUTPUT_MODES[mode]
    if mode not in OUTPUT_MODES:
        raise UserError(f"--output {text}: the mode is one of {', '.join(OUTPUT_MODES)}")
    composite = CompositeMode.CAMERA_BLACK if mode.startswith("camera-black") else CompositeMode(mode)
    return OutputConfig(
        mode=composite,
        screen=screen.strip() or None,
        side_by_side=mode == "camera-black-3d",
        full_screen=True,
    )


def _config_path(args: argparse.Namespace) -> Path:
    from arwed.session.state import CONFIG_FILE_NAME, default_config_path

    return Path(args.config_dir).expanduser() / CONFIG_FILE_NAME if args.config_dir else default_config_path()


def _console_config(args: argparse.Namespace, config_path: Path):
    from arwed.config import load_settings
    from arwed.session.state import ConsoleConfig, load_console_config

    notice = None
    config = ConsoleConfig() if args.fresh else None
    if config is None:
        config, notice = load_console_config(config_path)
    updates: dict = {}
    if args.source:
        updates["source"] = args.source
    if args.character:
        updates["character"] = _existing(args.character, "character file")
    if args.calibration:
        updates["calibration"] = _existing(args.calibration, "calibration profile")
    if args.settings:
        updates["settings"] = load_settings(args.settings)
    if args.keepsakes:
        updates["keepsake_dir"] = str(Path(args.keepsakes).expanduser().resolve())
    outputs = [parse_output(text) for text in args.output]
    outputs += [parse_output(text if "@" in text else f"stage@{text}") for text in args.fullscreen_output]
    if outputs:
        updates["outputs"] = tuple(outputs)
    return config.model_copy(update=updates), notice


def _existing(path: str, what: str) -> str:
    resolved = Path(path).expanduser()
    if not resolved.is_file():
        raise UserError(f"{path}: no such {what}")
    return str(resolved.resolve())


def _resolve_screens(
    config, names: list[str], args: argparse.Namespace | None = None, console: str | None = None
):
    """Screen numbers from the command line become names; unknown screens stay (they may be plugged in later).
    An `--output MODE@SCREEN` on the console's own screen is a window there (`--fullscreen-output` covers
    the console); two outputs given for one screen are refused (one line, exit code 2)."""
    from arwed.ui.outputs import resolve_screen_name

    given = len(args.output) if args is not None and (args.output or args.fullscreen_output) else 0
    outputs, screens = [], {}
    for number, output in enumerate(config.outputs):
        if output.screen is not None:
            resolved = resolve_screen_name(output.screen, names) or output.screen
            windowed = number < given and resolved == console
            output = output.model_copy(
                update={"screen": resolved, "full_screen": output.full_screen and not windowed}
            )
            if args is not None and (args.output or args.fullscreen_output) and resolved in screens:
                raise UserError(
                    f"screen {resolved} is given two outputs ({screens[resolved]} and {output.mode.value}): "
                    "one output per screen (the second would cover the first)"
                )
            screens[resolved] = output.mode.value
        outputs.append(output)
    return config.model_copy(update={"outputs": tuple(outputs)})


def run(args: argparse.Namespace) -> int:
    if args.screenshot and args.quit_after is None:
        raise UserError("--screenshot needs --quit-after SECONDS")
    if args.quit_after is not None and args.quit_after <= 0:
        raise UserError("--quit-after must be more than 0 seconds")
    config_path = _config_path(args)
    config, notice = _console_config(args, config_path)
    require_display("the console", "for files without a screen use `arwed render`, or run under xvfb-run")
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    from arwed.session.console import ConsoleSession
    from arwed.ui.app import AppOptions, console_screen_name, run_console, screen_names

    names = screen_names()
    if args.list_screens:
        from arwed.ui.outputs import ScreenList

        screens = ScreenList()
        for number, name in enumerate(names, start=1):
            print(f"{number}: {screens.describe(name)}")
        return 0
    config = _resolve_screens(config, names, args, console_screen_name())
    session = ConsoleSession(config, config_path)
    options = AppOptions(
        quit_after_s=args.quit_after,
        screenshot=Path(args.screenshot) if args.screenshot else None,
        stats=Path(args.stats) if args.stats else None,
        notices=[notice] if notice else [],
    )
    return run_console(session, options)
