"""arwed preview: look at a character model in a viewer window, or write a contact sheet and its facts."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from arwed.errors import InputFileError, UserError
from arwed.writable import writable_output

POSES = ("rest", "idle", "tpose")
HEIGHT_TO = ("top-of-head", "eyes")  # as arwed.characters.stature.HEIGHT_TO (not imported: a fast --help)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="a .vrm (VRM 0.x or 1.0), .glb or .gltf file")
    parser.add_argument(
        "--out",
        metavar="FILE.png",
        help="write a contact sheet (front, three-quarter, side, back) instead of opening a window",
    )
    parser.add_argument(
        "--info",
        metavar="FILE.json",
        help="write the model's facts (format, triangles, bones, heights, scale, licence) as JSON",
    )
    parser.add_argument(
        "--pose",
        choices=POSES,
        default="rest",
        help="rest: standing, arms relaxed and still; idle: alive (breathing, blinking); tpose: arms out",
    )
    parser.add_argument(
        "--height", type=float, default=1.80, metavar="METRES", help="scale the character to this height"
    )
    parser.add_argument(
        "--height-to",
        choices=HEIGHT_TO,
        default="top-of-head",
        help="what --height measures: from the floor to the top of the head, or to the eyes",
    )
    parser.add_argument(
        "--expression",
        action="append",
        default=[],
        metavar="NAME=WEIGHT",
        help="hold an expression in the contact sheet, e.g. happy=1 (repeatable)",
    )
    parser.add_argument(
        "--time",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="the moment of the idle motion shown in the contact sheet",
    )
    parser.add_argument("--skeleton", action="store_true", help="draw the skeleton over the contact sheet")


def _expressions(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items:
        name, sep, weight = item.partition("=")
        try:
            value = float(weight) if sep else 1.0
        except ValueError:
            raise UserError(f"--expression {item}: the weight must be a number, e.g. happy=0.8") from None
        if not name or not 0.0 <= value <= 1.0:
            raise UserError(f"--expression {item}: expected NAME=WEIGHT with a weight from 0 to 1")
        out[name] = value
    return out


def _known_expressions(character, expressions: dict[str, float], model: str) -> dict[str, float]:
    """The user's names as the model's expressions (any case, VRM 0.x or 1.0 names); unknown ones refused
    with the valid names listed."""
    from arwed.characters.expressions import expression_choices

    find = getattr(character, "find_expression", None)
    out, unknown = {}, []
    for name, weight in expressions.items():
        found = find(name) if find is not None else None
        if found is None:
            unknown.append(name)
        else:
            out[found] = weight
    if unknown:
        info = character.info
        raise UserError(
            f"{model}: has no expression {', '.join(unknown)}; "
            f"it has: {expression_choices(info.expressions, info.expression_aliases)}"
        )
    return out


def run(args: argparse.Namespace) -> int:
    model = Path(args.model).expanduser()
    if not model.is_file():
        raise InputFileError(model, "no such model file")
    if not 0.3 <= args.height <= 3.0:
        raise UserError(f"--height {args.height}: expected a height in metres between 0.3 and 3.0")
    expressions = _expressions(args.expression)
    out = writable_output(args.out, "contact sheet") if args.out else None
    info_path = writable_output(args.info, "facts") if args.info else None

    from arwed.characters.loader import load_character

    character = load_character(model, height_m=args.height, height_to=args.height_to)
    expressions = _known_expressions(character, expressions, args.model)
    if info_path is not None:
        from arwed.characters.preview import info_dict
        from arwed.sinks import write_file_atomically

        facts = json.dumps(info_dict(character.info), indent=2) + "\n"
        write_file_atomically(info_path, facts.encode("utf-8"))  # a read-only folder: one line, exit 2
    if out is not None:
        return _write_sheet(character, args, expressions, out)
    if info_path is not None:
        return 0
    from arwed.render.contact_sheet import PreviewRenderer
    from arwed.ui.preview_window import run_preview_window

    return run_preview_window(character, PreviewRenderer(character), model, pose=args.pose)


def _write_sheet(character, args: argparse.Namespace, expressions: dict[str, float], out: Path) -> int:
    import cv2

    from arwed.characters.base import CharacterCue
    from arwed.characters.preview import Overlays
    from arwed.render.contact_sheet import contact_sheet

    if hasattr(character, "set_pose_mode"):
        character.set_pose_mode(args.pose)
    cue = CharacterCue(time_s=args.time, expressions=expressions)
    sheet = contact_sheet(character, cue, overlays=Overlays(ruler=True, skeleton=args.skeleton))
    if not cv2.imwrite(str(out), sheet):
        raise UserError(
            f"{out}: cannot write the contact sheet (use a .png or .jpg name in a writable folder)"
        )
    print(f"wrote {out}")
    for notice in character.info.notices:  # the licence and size notices, as render and the console show them
        print(f"notice: {notice}")
    return 0
