"""arwed calibrate: the camera's intrinsics from a board (images, or a live window), the floor, printable boards."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from arwed.commands.display import require_display
from arwed.commands.help import HelpFormatter
from arwed.errors import UserError

DEFAULT_PROFILE = "calibration/camera.yaml"

EPILOG = """\
boards:
  chessboard:COLSxROWS  COLS x ROWS counts INNER corners, as OpenCV does (a board of 10x7 squares is 9x6).
                        The whole board must be in every picture.
  charuco:COLSxROWS     COLS x ROWS counts SQUARES. Needs --marker and --dict. Works with a partly visible
                        board, which makes capture much easier.
  Print one with: arwed calibrate board --type charuco --out board.pdf

examples:
  arwed calibrate --images "shots/*.jpg" --board chessboard:9x6 --square 0.025 --out calibration/cam.yaml
  arwed calibrate --images "shots/*.png" --board charuco:11x8 --square 0.020 --marker 0.014 \\
      --dict DICT_5X5_100 --out calibration/cam.yaml --format ros
  arwed calibrate --camera 0 --board charuco:11x8 --square 0.020 --marker 0.014 --out calibration/cam.yaml
  arwed calibrate floor --image stage.jpg --profile calibration/cam.yaml
  arwed calibrate board --type charuco --paper a4 --out board.pdf

Trusted: RMS reprojection error under 0.5 px and 1.96 standard deviations of fx, fy, cx and cy each under
1% of its value. Exit status 2 on bad input (e.g. fewer usable views than needed).
"""


def _add_board_options(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument(
        "--board",
        default=None if not required else "charuco:11x8",
        metavar="KIND:COLSxROWS",
        help="chessboard:COLSxROWS (inner corners) or charuco:COLSxROWS (squares)"
        + ("" if required else "; without it, the board recorded in the profile"),
    )
    parser.add_argument(
        "--square",
        type=float,
        metavar="METRES",
        help="side of one printed square, measured on the print, in metres",
    )
    parser.add_argument(
        "--marker", type=float, metavar="METRES", help="ChArUco: side of one ArUco marker, metres"
    )
    parser.add_argument(
        "--dict",
        dest="dictionary",
        default="DICT_5X5_100",
        metavar="DICT",
        help="ChArUco: the ArUco dictionary (e.g. DICT_4X4_50, DICT_5X5_100, DICT_6X6_250)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = HelpFormatter
    parser.epilog = EPILOG
    source = parser.add_argument_group("where the views come from (default: a live window on camera 0)")
    source.add_argument(
        "--images",
        nargs="+",
        metavar="GLOB",
        help='image files or patterns, e.g. "shots/*.jpg" (quote the pattern)',
    )
    source.add_argument("--camera", type=int, default=0, metavar="INDEX", help="live: the camera to open")
    source.add_argument("--video", metavar="FILE", help="live: play a recorded video instead of a camera")
    source.add_argument(
        "--size", metavar="WxH", help="live: ask the camera for this resolution, e.g. 1280x720"
    )
    _add_board_options(parser, required=True)
    parser.add_argument("--out", default=DEFAULT_PROFILE, metavar="FILE.yaml", help="the profile to write")
    parser.add_argument(
        "--format",
        choices=("opencv", "ros"),
        default="opencv",
        help="ros: also write FILE.ros.yaml (ROS camera_info) beside the OpenCV YAML",
    )
    outliers = parser.add_mutually_exclusive_group()
    outliers.add_argument(
        "--drop-outliers",
        action="store_true",
        help="drop views whose error stands out and calibrate again, without asking",
    )
    outliers.add_argument("--keep-outliers", action="store_true", help="never drop views, without asking")

    actions = parser.add_subparsers(dest="calibrate_action", metavar="[board|floor]")
    board = actions.add_parser(
        "board",
        help="write a printable board (PDF or PNG) at true size",
        description="Write a printable board at true physical size, its dimensions printed on the sheet.",
        formatter_class=HelpFormatter,
    )
    board.add_argument("--type", dest="kind", choices=("chessboard", "charuco"), default="charuco")
    board.add_argument("--out", required=True, metavar="FILE.pdf|FILE.png")
    board.add_argument("--paper", choices=("a4", "letter", "a3"), default="a4", help="landscape")
    board.add_argument(
        "--size",
        metavar="COLSxROWS",
        help="inner corners (chessboard, default 9x6) or squares (charuco, default 11x8)",
    )
    board.add_argument(
        "--square",
        type=float,
        metavar="METRES",
        help="square side (default: the largest whole millimetre that fits the paper)",
    )
    board.add_argument(
        "--marker", type=float, metavar="METRES", help="ChArUco marker side (default 0.7 x square)"
    )
    board.add_argument("--dict", dest="dictionary", default="DICT_5X5_100", metavar="DICT")
    board.add_argument("--dpi", type=int, default=300, help="PNG resolution (written into the file)")

    floor = actions.add_parser(
        "floor",
        help="measure the floor and the camera's height and tilt (a board on the"
        " floor, or a person of known height)",
        formatter_class=HelpFormatter,
        description="Lay the board flat on the floor where the ceremony happens, take a"
        " picture with the calibrated camera, and store the floor plane, the camera's"
        " height and tilt in the profile (the character's feet then stand on it). With no"
        " board: a person whose height is given stands still in view (less exact: a few"
        " centimetres and about a degree).",
    )
    method = floor.add_mutually_exclusive_group(required=True)
    method.add_argument(
        "--image",
        nargs="+",
        metavar="FILE",
        help="picture(s) of the board on the floor (several: the plane through all of them)",
    )
    method.add_argument(
        "--person-height",
        type=float,
        metavar="METRES",
        help="no board: a person of this height stands still, whole body in view, in --source",
    )
    floor.add_argument(
        "--source",
        default="camera:0",
        metavar="SPEC",
        help="with --person-height: camera:N, a video file or a picture of the person",
    )
    floor.add_argument(
        "--frames",
        type=int,
        default=60,
        metavar="N",
        help="with --person-height: how many frames of the person to use",
    )
    floor.add_argument(
        "--profile",
        default=DEFAULT_PROFILE,
        metavar="FILE.yaml",
        help="the camera's profile (from arwed calibrate); the floor is added to it",
    )
    _add_board_options(floor, required=False)
    floor.set_defaults(board=None)
    floor.add_argument(
        "--force",
        action="store_true",
        help="save the floor from a board even when the camera's height, tilt or roll above it is implausible"
        " (the board seems to be on a wall or held up, not lying on the floor)",
    )
    floor.add_argument(
        "--thickness",
        type=float,
        default=0.0,
        metavar="METRES",
        help="thickness of the board lying on the floor (its surface is that much above it)",
    )


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "calibrate_action", None)
    if action == "board":
        return _print_board(args)
    if action == "floor":
        return _measure_floor(args)
    if args.images:
        return _calibrate_images(args)
    return _calibrate_live(args)


def _board_from(args: argparse.Namespace):
    from arwed.calibrate.boards import parse_board

    return parse_board(args.board, args.square, args.marker, args.dictionary)


# ----------------------------------------------------------------------------------------------- images


def _calibrate_images(args: argparse.Namespace) -> int:
    from arwed.calibrate.calibration import calibrate_camera
    from arwed.calibrate.images import collect_views, expand_patterns

    board = _board_from(args)
    paths = expand_patterns(args.images)
    collected = collect_views(paths, board)
    print(collected.report(board), file=sys.stderr if collected.skipped else sys.stdout)
    result = calibrate_camera(collected.views, board, source=str(args.out))
    result = _maybe_drop_outliers(result, args)
    return _report_and_save(result, args)


def _maybe_drop_outliers(result, args: argparse.Namespace):
    from arwed.calibrate.calibration import MIN_VIEWS, without_outliers
    from arwed.calibrate.report import outlier_text, result_text

    if not result.outlier_views or args.keep_outliers:
        return result
    remaining = len(result.views) - len(result.outlier_views)
    if remaining < MIN_VIEWS:
        print(f"{outlier_text(result)} (not dropped: {remaining} views would remain, {MIN_VIEWS} needed)")
        return result
    drop = args.drop_outliers
    if not drop:
        print(result_text(result))
        if sys.stdin.isatty():
            answer = input(f"Drop {len(result.outlier_views)} outlier view(s) and calibrate again? [y/N] ")
            drop = answer.strip().lower() in ("y", "yes")
        else:
            print("(run with --drop-outliers to calibrate again without them)")
    if not drop:
        return result
    print(f"Dropped: {', '.join(result.view_names[i] for i in result.outlier_views)}; calibrating again.\n")
    return without_outliers(result)


def _report_and_save(result, args: argparse.Namespace) -> int:
    from arwed.calibrate.profile import profile_from_calibration, save_profile
    from arwed.calibrate.report import result_text
    from arwed.calibrate.verdict import judge

    print(result_text(result))
    print()
    print(judge(result).text())
    profile = profile_from_calibration(result, args.out)
    written = save_profile(profile, ros=args.format == "ros")
    print(f"\nSaved {' and '.join(str(p) for p in written)}")
    return 0


# ----------------------------------------------------------------------------------------------- floor


def _measure_floor(args: argparse.Namespace) -> int:
    from arwed.calibrate.floor import check_board_on_floor, floor_from_board
    from arwed.calibrate.images import collect_views, expand_patterns
    from arwed.calibrate.profile import load_profile

    profile = load_profile(args.profile, floor_checked=False)  # its floor is about to be replaced
    if args.person_height is not None:
        return _save_stage(profile, _floor_from_person(args, profile))
    if args.board is None:
        if profile.board is None:
            raise UserError(f"{args.profile} does not say which board was used: give --board and --square")
        board = profile.board
    else:
        board = _board_from(args)
    collected = collect_views(expand_patterns(args.image), board, min_corners=4)
    if collected.skipped:
        print(collected.report(board), file=sys.stderr)
    if not collected.views:
        raise UserError(
            f"no {board.describe()} found in {len(collected.paths)} picture(s): the floor cannot be measured"
        )
    width, height = collected.views[0].detection.image_size_px
    intrinsics = profile.intrinsics_for(width, height)
    stage = floor_from_board([view.detection for view in collected.views], intrinsics, args.thickness)
    if args.force:
        stage = dataclasses.replace(stage, warnings=(*stage.warnings, *_implausible_warnings(stage)))
    else:
        check_board_on_floor(stage)
    return _save_stage(profile, stage)


def _implausible_warnings(stage) -> list[str]:
    from arwed.calibrate.floor import implausible_figures

    problems = implausible_figures(stage)
    return [f"saved with --force although the camera would be {', '.join(problems)}"] if problems else []


def _save_stage(profile, stage) -> int:
    from arwed.calibrate.profile import save_profile

    print(stage.summary())
    for warning in stage.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    save_profile(profile.with_stage(stage), keep_other_fields=True)
    print(f"Saved the floor into {profile.path}")
    return 0


def _floor_from_person(args: argparse.Namespace, profile):
    from arwed.calibrate.floor import floor_from_person
    from arwed.capture.sources import open_source
    from arwed.tracking.pose import PoseTracker

    if args.frames < 1:
        raise UserError("--frames must be at least 1")
    source = open_source(args.source, still_frames=args.frames)
    observations, size = [], None
    try:
        with PoseTracker() as tracker:
            for _ in range(args.frames):
                frame = source.read()
                if frame is None:
                    break
                size = frame.size_px
                observation = tracker.process(frame)
                if observation is not None:
                    observations.append(observation)
    finally:
        source.close()
    if size is None:
        raise UserError(f"{args.source} gave no frames")
    print(f"The person was found in {len(observations)} of the frames read from {args.source}.")
    return floor_from_person(observations, args.person_height, profile.intrinsics_for(*size))


# ----------------------------------------------------------------------------------------------- board


def _print_board(args: argparse.Namespace) -> int:
    from arwed.calibrate.printable import fitting_board, write_board

    cols = rows = None
    if args.size:
        try:
            cols, rows = (int(v) for v in args.size.lower().split("x"))
        except ValueError:
            raise UserError(f"--size '{args.size}' is not understood: write COLSxROWS, e.g. 9x6") from None
    board = fitting_board(args.kind, cols, rows, args.paper, args.square, args.marker, args.dictionary)
    printed = write_board(board, args.out, args.paper, args.dpi)
    print(f"Wrote {printed.path}: {board.describe()} on {args.paper} (landscape).")
    print("Print at 100% and measure a square; then calibrate with:")
    print(f"  arwed calibrate {board.cli_text()}")
    return 0


# ----------------------------------------------------------------------------------------------- live


def _calibrate_live(args: argparse.Namespace) -> int:
    from arwed.calibrate.live import LiveCalibrator
    from arwed.calibrate.video import open_frame_source

    board = _board_from(args)
    require_display("the calibration window", "calibrate from pictures with --images")
    source = open_frame_source(args.camera, args.video, args.size)
    try:
        from arwed.ui.calibrate_window import run_calibrate_window

        return run_calibrate_window(LiveCalibrator(board), source, Path(args.out), ros=args.format == "ros")
    finally:
        source.close()
