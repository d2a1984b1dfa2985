"""Ticket printing for the kiosk: layout, ESC/POS encoding, printer transports, errors.

Typical use from the kiosk's asyncio loop::

    printer = open_printer("network:192.168.1.50:9100")
    options = PrintOptions(PAPERS[80])
    await print_ticket(issued_ticket, CenterInfo.from_dict(center_json), printer, options)

(``CenterInfo`` is :class:`bianmin.protocol.CenterInfo`.)
"""

from .commands import QR_MODES, TEXT_MODES, PrintOptions, ticket_bytes
from .errors import PaperOut, PrinterError, PrinterOffline, PrinterSpecError, PrinterTimeout
from .layout import PAPERS, Paper, ticket_blocks
from .printer import Job, Printer, open_printer, print_ticket, render_ticket
from .spec import PrinterSpec, parse_spec

__all__ = [
    "PAPERS",
    "QR_MODES",
    "TEXT_MODES",
    "Job",
    "Paper",
    "PaperOut",
    "PrintOptions",
    "Printer",
    "PrinterError",
    "PrinterOffline",
    "PrinterSpec",
    "PrinterSpecError",
    "PrinterTimeout",
    "open_printer",
    "parse_spec",
    "print_ticket",
    "render_ticket",
    "ticket_blocks",
    "ticket_bytes",
]
