"""Turn ticket blocks into ESC/POS bytes through python-escpos' ``Dummy`` printer.

Text is printed as a raster image drawn with our font (default), or as GB18030 text
for printers set to Chinese mode. The QR code is an image (default) or the printer's
own ``GS ( k`` QR command.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from typing import Any

from escpos.capabilities import get_profile
from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy

from bianmin.qr import qr_matrix

from .layout import Block, Paper, Qr, Rule, Text
from .raster import draw_blocks

TEXT_MODES = ("raster", "gb18030")
QR_MODES = ("image", "native")
FS = b"\x1c"
CHINESE_ON, CHINESE_OFF = FS + b"&", FS + b"."
FONT_A_WIDTH = 12  # dots per half-width character of font A (12x24)


@dataclass(frozen=True)
class PrintOptions:
    """How to print: paper, text as ``raster`` or ``gb18030``, QR as ``image`` or ``native``."""

    paper: Paper
    text_mode: str = "raster"
    qr_mode: str = "image"
    cut: bool = True


@functools.lru_cache(maxsize=4)
def _profile(width: int) -> Any:  # an escpos profile (escpos is untyped)
    # The image code needs the paper width, or it prints warnings and cannot center.
    profile = get_profile()
    profile.profile_data = copy.deepcopy(profile.profile_data)
    profile.profile_data["media"]["width"]["pixels"] = width
    profile.profile_data["media"]["dpi"] = 203
    return profile


def new_printer(paper: Paper) -> Dummy:
    """A ``Dummy`` printer whose profile knows the paper width; ``.output`` has the bytes."""
    printer = Dummy()
    printer.profile = _profile(paper.width)
    return printer


def _columns(text: str) -> int:
    # In Chinese mode every multi-byte GB18030 character prints double width.
    return sum(min(2, len(c.encode("gb18030", errors="replace"))) for c in text)


def _wrap_columns(text: str, columns: int) -> list[str]:
    lines, line = [], ""
    for char in text:
        if line and _columns(line + char) > columns:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line]


def _native_text(p: Dummy, block: Text, paper: Paper) -> None:
    mag = max(1, min(8, block.mag))
    p.set_with_default(
        align=block.align, bold=block.bold, invert=block.invert, custom_size=mag > 1, width=mag, height=mag
    )
    columns = paper.width // (FONT_A_WIDTH * mag)
    for line in _wrap_columns(block.text, columns):
        p._raw(line.encode("gb18030", errors="replace") + b"\n")
    p.set_with_default()


def _native_qr(p: Dummy, block: Qr) -> None:
    modules = len(qr_matrix(block.data))
    p.set(align="center")
    p.qr(block.data, ec=QR_ECLEVEL_M, size=max(3, min(8, block.size // modules)), native=True)
    p._raw(b"\n")  # not p.ln(): its text encoder would also select a code page
    p.set(align="left")


def _native(p: Dummy, block: Block, paper: Paper) -> None:
    if isinstance(block, Text):
        _native_text(p, block, paper)
    elif isinstance(block, Qr):
        _native_qr(p, block)
    elif isinstance(block, Rule):
        p._raw(b"-" * (paper.width // FONT_A_WIDTH) + b"\n")
    elif block.dots >= 8:
        p._raw(b"\x1bJ" + bytes([min(255, block.dots)]))  # ESC J n: feed n dots


def ticket_bytes(blocks: list[Block], options: PrintOptions) -> bytes:
    """The ESC/POS job for ``blocks``: init, content, feed and cut."""
    if options.text_mode not in TEXT_MODES or options.qr_mode not in QR_MODES:
        raise ValueError(f"unknown mode {options.text_mode!r}/{options.qr_mode!r}")
    paper = options.paper
    p = new_printer(paper)
    p.hw("INIT")
    if options.text_mode == "gb18030":
        p._raw(CHINESE_ON)  # python-escpos never switches a printer to Chinese mode itself
    pending: list[Block] = []
    for block in blocks:
        native = options.qr_mode == "native" if isinstance(block, Qr) else options.text_mode == "gb18030"
        if not native:
            pending.append(block)
            continue
        if pending:
            p.image(draw_blocks(pending, paper))
            pending = []
        _native(p, block, paper)
    if pending:
        p.image(draw_blocks(pending, paper))
    if options.text_mode == "gb18030":
        p._raw(CHINESE_OFF)
    if options.cut:
        p.cut()
    else:
        p.print_and_feed(6)
    return p.output
