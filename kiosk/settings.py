"""Kiosk settings, read once from the command line (and ``BIANMIN_*`` environment variables)."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bianmin.screensize import parse_position, parse_size
from kiosk.printing.errors import PrinterSpecError
from kiosk.printing.spec import parse_spec

PORTRAIT = (1080, 1920)
WINDOWED = (540, 960)
AUDIO_PLAYERS = ("auto", "none", "paplay", "aplay", "play")  # portrait at half size: fits a developer's 1080p screen


class SettingsError(ValueError):
    """A setting is invalid; the message says which one and how to fix it, in Chinese."""


@dataclass(frozen=True)
class KioskSettings:
    """Everything the kiosk app needs to start. Build with :func:`from_args` or directly in tests."""

    server: str
    token: str
    printer: str = "preview:var/tickets"
    paper: int = 80  # paper width in mm: 80 (576 dots) or 58 (384 dots)
    windowed: bool = False
    size: tuple[int, int] | None = None
    position: tuple[int, int] | None = None  # a window's top-left corner (make run: side by side)
    idle_seconds: float = 60.0  # any screen but home goes home after this long untouched
    ticket_seconds: float = 15.0  # the ticket screen goes home by itself after this long
    fault_seconds: float = 90.0  # ... unless printing failed: time to find a clerk
    retry_seconds: float = 3.0  # between attempts while the server is unreachable
    poll_seconds: float = 15.0  # waiting counts refresh, only while the /ws socket is down
    maxfps: int = 30
    prompts: bool = True  # spoken prompts for residents who cannot read well
    prompt_volume: int = 80  # percent
    audio: str = "auto"  # the player: auto | none | paplay | aplay | play (as the display's --audio)
    var_dir: Path = Path("var")  # this PC's cache: the extended font subset (bianmin.fontcover)

    @property
    def window_size(self) -> tuple[int, int]:
        return self.size or (WINDOWED if self.windowed else PORTRAIT)


def check_server(url: str) -> str:
    """The server's base URL without a trailing slash; only http(s) URLs are accepted."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"服务器地址“{url}”有误，应写成 http://地址:端口，例如 http://127.0.0.1:8000")
    return url.strip().rstrip("/")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The app-mode options, with defaults and help text."""
    env = os.environ.get
    parser.add_argument(
        "--server",
        default=env("BIANMIN_SERVER"),
        help="queue server base URL, e.g. http://127.0.0.1:8000 (env BIANMIN_SERVER)",
    )
    parser.add_argument(
        "--token",
        default=env("BIANMIN_KIOSK_TOKEN"),
        help="this kiosk's device token from `add-device --kind kiosk` (env BIANMIN_KIOSK_TOKEN)",
    )
    parser.add_argument(
        "--printer",
        default=env("BIANMIN_PRINTER", "preview:var/tickets"),
        help="ticket printer: usb:VID:PID, network:HOST[:PORT], serial:DEV[:BAUD], "
        "file:PATH, cups:NAME or preview:DIR (default: preview:var/tickets)",
    )
    parser.add_argument(
        "--paper",
        type=int,
        choices=(58, 80),
        default=env("BIANMIN_PAPER", "80"),
        help="ticket paper width in mm: 80 or 58 (default 80)",
    )
    parser.add_argument("--windowed", action="store_true", help="run in a window instead of fullscreen (development)")
    parser.add_argument(
        "--size",
        default=None,
        help="window size WxH, e.g. 1080x1920 (portrait) or 1920x1080 (landscape); "
        "default: the whole screen, or 540x960 with --windowed",
    )
    parser.add_argument(
        "--position",
        default=None,
        help="with --windowed: the window's top-left corner X,Y on the screen, e.g. 960,0 (default: anywhere)",
    )
    parser.add_argument(
        "--idle-seconds",
        type=float,
        default=60.0,
        help="return to the home screen after this long untouched (default 60)",
    )
    parser.add_argument(
        "--var",
        type=Path,
        default=Path(env("BIANMIN_VAR", "var")),
        help="folder for this PC's caches, e.g. the extended font (default var, env BIANMIN_VAR)",
    )
    parser.add_argument(
        "--voice-prompts",
        choices=("on", "off"),
        default=env("BIANMIN_VOICE_PROMPTS", "on"),
        help="speak prompts for residents who cannot read well: 请点击您要办理的业务 on the home screen, "
        "the tapped category's name, and 请取走您的号票 after printing (default on, env BIANMIN_VOICE_PROMPTS)",
    )
    parser.add_argument(
        "--voice-volume",
        type=int,
        default=int(env("BIANMIN_VOICE_VOLUME", "80")),
        help="loudness of the spoken prompts, 0 to 100 percent (default 80, env BIANMIN_VOICE_VOLUME)",
    )
    parser.add_argument(
        "--audio",
        default=env("BIANMIN_AUDIO", "auto"),
        help="sound player for the prompts: auto, none, paplay, aplay or play (default auto)",
    )
    parser.add_argument(
        "--ticket-seconds", type=float, default=15.0, help="how long the issued ticket stays on screen (default 15)"
    )


def from_args(ns: argparse.Namespace) -> KioskSettings:
    """Validate parsed options; raises :class:`SettingsError` with a Chinese message."""
    if not ns.server:
        raise SettingsError("缺少服务器地址：请用 --server http://地址:端口 指定")
    if not ns.token or not ns.token.strip():
        raise SettingsError("缺少取号机令牌：请用 --token 指定（由 add-device --kind kiosk 生成）")
    try:
        parse_spec(ns.printer)
    except PrinterSpecError as exc:
        raise SettingsError(exc.message) from None
    try:
        size = parse_size(ns.size) if ns.size else None
    except argparse.ArgumentTypeError as exc:
        raise SettingsError(str(exc)) from None
    try:
        position = parse_position(ns.position) if getattr(ns, "position", None) else None
    except argparse.ArgumentTypeError as exc:
        raise SettingsError(str(exc)) from None
    for name in ("idle_seconds", "ticket_seconds"):
        if getattr(ns, name) <= 0:
            raise SettingsError(f"--{name.replace('_', '-')} 必须大于 0")
    volume = getattr(ns, "voice_volume", 80)
    if not 0 <= volume <= 100:
        raise SettingsError(f"--voice-volume {volume} 无效：语音提示音量应在 0 到 100 之间")
    audio = getattr(ns, "audio", "auto")
    if audio not in AUDIO_PLAYERS:
        raise SettingsError(f"--audio “{audio}” 无效：可选 {'、'.join(AUDIO_PLAYERS)}")
    return KioskSettings(
        server=check_server(ns.server),
        prompts=getattr(ns, "voice_prompts", "on") == "on",
        prompt_volume=volume,
        audio=audio,
        token=ns.token.strip(),
        printer=ns.printer,
        paper=ns.paper,
        windowed=ns.windowed,
        size=size,
        position=position,
        idle_seconds=ns.idle_seconds,
        ticket_seconds=ns.ticket_seconds,
        var_dir=ns.var,
    )
