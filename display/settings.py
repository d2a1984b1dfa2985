"""Display settings, read once from the command line (and ``BIANMIN_SERVER``)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bianmin.assets import VOICE_DIR
from bianmin.screensize import parse_position, parse_size

N = TypeVar("N", int, float)


@dataclass(frozen=True)
class DisplaySettings:
    """How the hall display runs. Build with :func:`from_args` or directly in tests."""

    server: str = "http://127.0.0.1:8000"
    size: tuple[int, int] | None = None  # None: the screen's own size when fullscreen
    windowed: bool = False
    position: tuple[int, int] | None = None  # a window's top-left corner (make run: side by side)
    maxfps: int = 30
    marquee: str = "page"  # page: one notice at a time, still between slides | scroll
    marquee_speed: float = 12.0  # percent of the window height per second
    marquee_fps: int = 20
    marquee_hold: float = 8.0  # seconds each notice stands still (page mode)
    marquee_slide: float = 0.0  # seconds a notice slides in (page mode); 0: shown at once, no slide frames
    audio: str = "auto"  # auto | none | paplay | aplay | play
    voice: str = "auto"  # auto | espeak | clips
    voice_dir: Path = VOICE_DIR
    max_age: float = 60.0  # calls older than this (replayed after an outage) stay silent
    token: str = ""  # the display's device token: the full hall view (else the public board) and health reports
    audio_retry: float = 20.0  # while the sound fails, test it again this often (seconds)
    var_dir: Path = Path("var")  # this PC's cache: the extended font subset (bianmin.fontcover)


def _positive(kind: Callable[[str], N], zero: bool = False) -> Callable[[str], N]:
    def convert(value: str) -> N:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"“{value}”不是有效的数字") from None
        if number < 0 or (number == 0 and not zero):
            raise argparse.ArgumentTypeError(f"“{value}”不能小于 0" if zero else f"“{value}”必须大于 0")
        return number

    return convert


# The options that take a positive number: (option, settings field, int or float, help).
NUMBERS: tuple[tuple[str, str, Callable[[str], int | float], str], ...] = (
    ("--fps", "maxfps", int, "frame rate cap"),
    ("--marquee-hold", "marquee_hold", float, "seconds each notice stays still in page mode"),
    ("--marquee-fps", "marquee_fps", int, "notice scrolling steps per second"),
    ("--marquee-speed", "marquee_speed", float, "notice scrolling speed, percent of screen height per second"),
    ("--audio-retry", "audio_retry", float, "while playback fails, test the sound again every this many seconds"),
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m display", description="便民大厅叫号显示屏")
    d = DisplaySettings()
    p.add_argument(
        "--server",
        default=os.environ.get("BIANMIN_SERVER", d.server),
        help=f"queue server base URL (default: $BIANMIN_SERVER or {d.server})",
    )
    p.add_argument(
        "--size",
        type=parse_size,
        default=None,
        metavar="WxH",
        help="window size, e.g. 1280x720 (default: the whole screen)",
    )
    p.add_argument("--windowed", action="store_true", help="run in a window, not fullscreen")
    p.add_argument(
        "--position",
        type=parse_position,
        default=None,
        metavar="X,Y",
        help="with --windowed: the window's top-left corner on the screen, e.g. 0,0 (default: anywhere)",
    )
    for flag, field, kind, text in NUMBERS:
        default = getattr(d, field)
        p.add_argument(
            flag, dest=field, type=_positive(kind), default=default, metavar="N", help=f"{text} (default: {default:g})"
        )
    p.add_argument(
        "--marquee",
        choices=["page", "scroll"],
        default=d.marquee,
        help="notices: page = one at a time, each standing still (default, light on CPU); "
        "scroll = one continuously moving line (smooth, needs a GPU)",
    )
    p.add_argument(
        "--marquee-slide",
        dest="marquee_slide",
        type=_positive(float, zero=True),
        default=d.marquee_slide,
        metavar="S",
        help="page mode: seconds each notice takes to slide in; 0 shows it at once, the lightest "
        "on software GL, where every slide step redraws the whole screen (default: 0)",
    )
    p.add_argument("--audio", default=d.audio, help="sound player: auto, none, paplay, aplay or play (default: auto)")
    p.add_argument(
        "--voice",
        choices=["auto", "espeak", "clips"],
        default=d.voice,
        help="speech: recorded clips from --voice-dir when complete, else espeak-ng",
    )
    p.add_argument(
        "--voice-dir",
        type=Path,
        default=d.voice_dir,
        help=f"folder of recorded clips and chime.wav (default: {d.voice_dir})",
    )
    p.add_argument(
        "--token",
        default=os.environ.get("BIANMIN_DISPLAY_TOKEN", ""),
        help="this display's token from `add-device --kind display`: the full hall view, and its "
        "health reports (audio, version, last error) to the server (env BIANMIN_DISPLAY_TOKEN)",
    )
    p.add_argument(
        "--var",
        type=Path,
        default=d.var_dir,
        help=f"folder for this PC's caches, e.g. the extended font (default: {d.var_dir})",
    )
    return p


def from_args(argv: list[str] | None = None) -> DisplaySettings:
    ns = parser().parse_args(argv)
    if not ns.server.startswith(("http://", "https://")):
        parser().error(f"--server “{ns.server}” 必须以 http:// 或 https:// 开头")
    return DisplaySettings(
        server=ns.server,
        size=ns.size,
        windowed=ns.windowed,
        position=ns.position,
        marquee=ns.marquee,
        audio=ns.audio,
        voice=ns.voice,
        voice_dir=ns.voice_dir,
        var_dir=ns.var,
        token=ns.token.strip(),
        **{field: getattr(ns, field) for _, field, _, _ in NUMBERS},
        marquee_slide=ns.marquee_slide,
    )
