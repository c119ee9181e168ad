"""Options and set-up shared by the commands that run the pipeline (render, bench, run)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from arwed.characters.permissions import summarised_notices
from arwed.config import Settings, load_settings


def add_character_option(parser: argparse.ArgumentParser, default: str = "the shipped groom") -> None:
    parser.add_argument(
        "--character", metavar="PATH", help=f"a .vrm, .glb or .gltf model (default: {default})"
    )


def add_calibration_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--calibration", metavar="PATH", help="a camera profile from `arwed calibrate` (.yaml)"
    )


def add_scene_arguments(parser: argparse.ArgumentParser) -> None:
    add_character_option(parser)
    add_calibration_option(parser)
    parser.add_argument(
        "--settings", metavar="PATH", help="a settings file (YAML); options below override it"
    )
    parser.add_argument(
        "--side",
        choices=["left", "right", "auto"],
        help="which side of the person, as the camera sees it; auto: the side that keeps the partner in view",
    )
    parser.add_argument(
        "--gap", type=float, metavar="METRES", help="centre-to-centre distance along the floor"
    )
    parser.add_argument(
        "--height", type=float, metavar="METRES", help="the character's height (default 1.80)"
    )
    parser.add_argument(
        "--person-height", type=float, metavar="METRES", help="the person's height, when known"
    )
    parser.add_argument(
        "--facing", type=float, metavar="DEGREES", help="0 faces the camera, 90 faces the person (default 30)"
    )


def settings_from_args(args: argparse.Namespace) -> Settings:
    settings = load_settings(getattr(args, "settings", None))
    placement = {
        "side": args.side,
        "gap_m": args.gap,
        "character_height_m": args.height,
        "person_height_m": args.person_height,
        "facing_deg": args.facing,
    }
    composite = {"mode": getattr(args, "mode", None)}
    eyes = {"glasses": getattr(args, "glasses", None), "head_udp_port": getattr(args, "head_udp", None)}
    return settings.with_overrides({"placement": placement, "composite": composite, "eyes": eyes})


@dataclass
class Scene:
    source: object
    character: object
    profile: object | None
    notes: list[str] = field(default_factory=list)
    expected_frames: int | None = None

    def push_back(self, frame) -> None:
        from arwed.capture.sources import PushBackSource

        self.source = PushBackSource(self.source, frame)


def open_scene(args: argparse.Namespace, settings: Settings, still_frames: int | None = None) -> Scene:
    from arwed.capture.sources import STILL_DEFAULT_FRAMES, open_source
    from arwed.characters.catalog import load_character_or_default

    source = open_source(args.source, still_frames=still_frames or STILL_DEFAULT_FRAMES)
    notes: list[str] = []
    profile = None
    if args.calibration:
        from arwed.calibrate.profile import load_profile

        profile = load_profile(args.calibration)
    else:
        notes.append(
            f"no calibration profile: assuming a {settings.camera.default_hfov_deg:g} degree horizontal field of view"
        )
    placement = settings.placement
    character = load_character_or_default(
        args.character, placement.character_height_m, placement.character_height_to
    )
    notes.extend(summarised_notices(character.info.notices))
    return Scene(source, character, profile, notes, _expected_frames(source))


def _expected_frames(source) -> int | None:
    count = getattr(source, "frame_count", None)
    return int(count) if count else None
