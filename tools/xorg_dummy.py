"""An Xorg configuration for the dummy video driver: several screens side by side, as Qt sees monitors.

The tests (tests/xvfb.py: a console screen and a projector) and scripts/measure_console.sh (the console, a
stage and a glasses screen) run the real app on such a server. Each screen is a monitor of the one dummy
device, left to right, the first primary; a mode line is made for each size at 60 Hz.

    python -m tools.xorg_dummy console:1280x720 projector:1920x1080 > xorg.conf
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

H_BLANK_PX, V_BLANK_PX = 280, 45  # blanking as in CEA-861's 1920x1080 timing (2200x1125 in all)
REFRESH_HZ = 60


@dataclass(frozen=True)
class DummyScreen:
    name: str
    width_px: int
    height_px: int

    @staticmethod
    def parse(text: str) -> DummyScreen:
        """`NAME:WIDTHxHEIGHT`, e.g. `stage:1920x1080`."""
        name, _, size = text.partition(":")
        width, _, height = size.partition("x")
        if not name or not width.isdigit() or not height.isdigit():
            raise ValueError(f"{text!r}: expected NAME:WIDTHxHEIGHT, e.g. stage:1920x1080")
        return DummyScreen(name, int(width), int(height))

    def modeline(self) -> str:
        w, h = self.width_px, self.height_px
        clock_mhz = (w + H_BLANK_PX) * (h + V_BLANK_PX) * REFRESH_HZ / 1e6
        timings = f"{w} {w + 88} {w + 132} {w + H_BLANK_PX} {h} {h + 4} {h + 9} {h + V_BLANK_PX}"
        return f'Modeline "{w}x{h}" {clock_mhz:.2f} {timings}'


def dummy_conf(screens: list[DummyScreen]) -> str:
    """The whole xorg.conf: one dummy device with a monitor per screen, left to right."""
    if not screens:
        raise ValueError("at least one screen")
    virtual_w = sum(screen.width_px for screen in screens)
    virtual_h = max(screen.height_px for screen in screens)
    video_ram_kb = max(256000, virtual_w * virtual_h * 4 * 2 // 1024)  # the framebuffer twice over
    lines = [
        'Section "ServerFlags"',
        '  Option "AutoAddDevices" "false"',
        '  Option "AutoAddGPU" "false"',
        '  Option "DontVTSwitch" "true"',
        "EndSection",
        'Section "Device"',
        '  Identifier "card0"',
        '  Driver "dummy"',
        f"  VideoRam {video_ram_kb}",
    ]
    lines += [f'  Option "Monitor-DUMMY{i}" "{screen.name}"' for i, screen in enumerate(screens)]
    lines.append("EndSection")
    for i, screen in enumerate(screens):
        size = f"{screen.width_px}x{screen.height_px}"
        lines += [
            'Section "Monitor"',
            f'  Identifier "{screen.name}"',
            "  HorizSync 5.0 - 1000.0",
            "  VertRefresh 5.0 - 200.0",
            f"  {screen.modeline()}",
            f'  Option "PreferredMode" "{size}"',
        ]
        if i == 0:
            lines.append('  Option "Primary" "true"')
        else:
            lines += ['  Option "Enable" "true"', f'  Option "RightOf" "{screens[i - 1].name}"']
        lines.append("EndSection")
    lines += [
        'Section "Screen"',
        '  Identifier "screen0"',
        '  Device "card0"',
        f'  Monitor "{screens[0].name}"',
        "  DefaultDepth 24",
        '  SubSection "Display"',
        "    Depth 24",
        f"    Virtual {virtual_w} {virtual_h}",
        "  EndSubSection",
        "EndSection",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    try:
        screens = [DummyScreen.parse(arg) for arg in argv]
        sys.stdout.write(dummy_conf(screens))
    except ValueError as exc:
        print(f"xorg_dummy: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
