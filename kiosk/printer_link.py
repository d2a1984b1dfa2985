"""The kiosk's side of printing: one printer from the settings, one ticket at a time."""

from __future__ import annotations

import asyncio

from bianmin.protocol import CenterInfo, GuideInfo, IssuedTicket
from kiosk.printing import PAPERS, PrintOptions, open_printer, print_ticket
from kiosk.printing.guide_slip import print_guide


class KioskPrinter:
    """Prints tickets to the printer named by ``spec`` (see :mod:`kiosk.printing.spec`)."""

    def __init__(self, spec: str, paper_mm: int = 80):
        self.printer = open_printer(spec)
        self.options = PrintOptions(PAPERS[paper_mm])
        self.lock = asyncio.Lock()  # a reprint waits for the print before it

    @property
    def paper_low(self) -> bool:
        """The printer's last status said the roll is nearly empty (never when it cannot say)."""
        return bool(getattr(self.printer, "paper_low", False))

    async def print_ticket(self, ticket: IssuedTicket, center: CenterInfo) -> None:
        """Render and send ``ticket``; raises :class:`PrinterError` with a Chinese message."""
        async with self.lock:
            await print_ticket(ticket, center, self.printer, self.options)

    async def print_guide(self, guide: GuideInfo, center: CenterInfo) -> None:
        """Print a matter's guide (no ticket); raises :class:`PrinterError` with a Chinese message."""
        async with self.lock:
            await print_guide(guide, center, self.printer, self.options)
