"""Command line of the kiosk: ``python -m kiosk print-sample --printer SPEC [--paper 58|80]``.

Without a subcommand the kiosk app will run (added by the kiosk app's own module).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys

from bianmin.center import SAMPLE_CENTER, Center, ConfigError, center_info, load_center
from bianmin.protocol import IssuedTicket

from .printing import (
    PAPERS,
    QR_MODES,
    TEXT_MODES,
    PrinterError,
    PrintOptions,
    open_printer,
    print_ticket,
)
from .settings import add_arguments as add_app_arguments

DEFAULT_PRINTER = "preview:var/tickets"


def add_printing_options(parser: argparse.ArgumentParser) -> None:
    """The printer options shared by every command that prints."""
    parser.add_argument(
        "--printer",
        default=DEFAULT_PRINTER,
        metavar="SPEC",
        help="usb:VID:PID, network:HOST[:PORT], serial:DEV[:BAUD], file:PATH, "
        f"cups:NAME or preview:DIR (default {DEFAULT_PRINTER})",
    )
    parser.add_argument("--paper", type=int, choices=sorted(PAPERS), default=80, help="paper width in mm (default 80)")
    parser.add_argument(
        "--text",
        choices=TEXT_MODES,
        default="raster",
        help="raster: Chinese drawn with our font (any printer); "
        "gb18030: the printer's own Chinese font (Chinese mode)",
    )
    parser.add_argument(
        "--qr", choices=QR_MODES, default="image", help="image: QR drawn by us; native: the printer's GS ( k command"
    )
    parser.add_argument("--no-status", action="store_true", help="do not ask the printer for its status (DLE EOT)")


def print_options(args: argparse.Namespace) -> PrintOptions:
    """PrintOptions from the parsed printer options."""
    return PrintOptions(PAPERS[args.paper], text_mode=args.text, qr_mode=args.qr)


def sample_ticket(center: Center, priority: bool = False) -> IssuedTicket:
    """A realistic ticket for the first matter of the center's first category."""
    category = center.categories[0]
    matter = category.matters[0]
    now = dt.datetime.now(center.tz).replace(microsecond=0)
    return IssuedTicket(
        token="sample-0123456789abcdef",
        number=f"{category.code}001",
        category=category.code,
        matter=matter.code,
        priority=priority,
        ahead=3,
        issued_at=now.isoformat(),
        guide_url=f"http://127.0.0.1:8000/g/{matter.code}?t=sample-0123456789abcdef",
        category_name=category.name,
        matter_name=matter.name,
    )


async def _print_sample(args: argparse.Namespace) -> int:
    center = load_center(args.config)
    printer = open_printer(args.printer, check_status=not args.no_status)
    ticket = sample_ticket(center, args.priority)
    info = center_info(center, open_now=center.office.is_open(dt.datetime.now(center.tz)))
    await print_ticket(ticket, info, printer, print_options(args))
    where = getattr(printer, "last_path", None) or args.printer
    print(f"已打印样票 {ticket.number}：{where}")
    if printer.paper_low:
        print("提示：打印机纸卷快用完了，请及时更换。")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The kiosk's argument parser; subcommands are optional (none = run the app)."""
    parser = argparse.ArgumentParser(prog="python -m kiosk", description="便民叫号机")
    add_app_arguments(parser)  # no subcommand: run the kiosk app (kiosk.launch)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sample = sub.add_parser("print-sample", help="print a sample ticket")
    add_printing_options(sample)
    sample.add_argument("--config", default=str(SAMPLE_CENTER), help="center TOML file (default: the sample center)")
    sample.add_argument("--priority", action="store_true", help="mark it 绿色通道")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from .launch import run

        return run(args)
    try:
        return asyncio.run(_print_sample(args))
    except (PrinterError, ConfigError) as exc:
        print(f"错误：{getattr(exc, 'message', exc)}", file=sys.stderr)
        return 1
