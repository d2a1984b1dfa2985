"""ESC/POS real-time status (``DLE EOT n``): ask, then turn the answer into an error.

Every answer byte has bits 1 and 4 set and bits 0 and 7 clear (0x12 when all is well).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from .errors import PaperOut, PrinterOffline

log = logging.getLogger(__name__)

PRINTER, OFFLINE_CAUSE, PAPER = 1, 2, 4
OFFLINE = 0x08  # n=1: the printer is offline
COVER_OPEN, PAPER_STOP = 0x04, 0x20  # n=2: why it is offline
PAPER_NEAR_END, PAPER_END = 0x0C, 0x60  # n=4: roll sensor bits


def query(n: int) -> bytes:
    """The bytes that ask for status ``n``."""
    return b"\x10\x04" + bytes((n,))


def is_status_byte(value: int) -> bool:
    """True when ``value`` has the fixed bits of a ``DLE EOT`` answer."""
    return value & 0x93 == 0x12


Ask = Callable[[int], Awaitable[int | None]]


async def check_printer(ask: Ask) -> bool:
    """Ask the printer how it is; raise PaperOut or PrinterOffline, return True if paper is low.

    ``ask(n)`` sends ``DLE EOT n`` and returns the answer byte, or None when the
    transport cannot read answers. Invalid answers are logged and treated as unknown.
    """
    printer = await ask(PRINTER)
    if printer is not None and is_status_byte(printer) and printer & OFFLINE:
        cause = await ask(OFFLINE_CAUSE)
        if cause is not None and is_status_byte(cause):
            if cause & PAPER_STOP:
                raise PaperOut(detail=f"DLE EOT 2 = {cause:#04x}")
            if cause & COVER_OPEN:
                raise PrinterOffline("打印机盖没有合上，请联系工作人员。", detail=f"DLE EOT 2 = {cause:#04x}")
        raise PrinterOffline("打印机处于离线状态，请联系工作人员。", detail=f"DLE EOT 1 = {printer:#04x}")
    paper = await ask(PAPER)
    if paper is None or not is_status_byte(paper):
        if paper is not None or printer is not None:
            log.warning("printer gave no valid status: %r %r", printer, paper)
        return False
    if paper & PAPER_END == PAPER_END:
        raise PaperOut(detail=f"DLE EOT 4 = {paper:#04x}")
    return paper & PAPER_NEAR_END == PAPER_NEAR_END
