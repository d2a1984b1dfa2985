"""The printing entry points: render a ticket to a job, pick a printer, print.

Render (device-independent bytes from python-escpos' ``Dummy``) -> send (one transport
per printer kind). The kiosk calls :func:`print_ticket` from its asyncio loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from bianmin.protocol import CenterInfo, IssuedTicket

from .commands import PrintOptions, ticket_bytes
from .cups import CupsQueue
from .device import FilePrinter, SerialPrinter
from .layout import Block, Paper, ticket_blocks
from .net import NetworkPrinter
from .preview import PreviewPrinter
from .raster import draw_blocks
from .spec import PrinterSpec, parse_spec
from .usb import UsbPrinter


@dataclass(frozen=True)
class Job:
    """One rendered ticket: its ESC/POS bytes and the blocks they came from."""

    name: str
    data: bytes
    blocks: tuple[Block, ...]
    paper: Paper

    def image(self) -> Image.Image:
        """The ticket as a 1-bit image, as a raster printer prints it."""
        return draw_blocks(list(self.blocks), self.paper)


class Printer(Protocol):
    """A transport: ``await send(job)`` or a :class:`PrinterError`."""

    paper_low: bool  # the last status said the roll is nearly empty

    async def send(self, job: Job) -> None: ...


def render_ticket(ticket: IssuedTicket, center: CenterInfo, options: PrintOptions) -> Job:
    """Lay out and encode ``ticket``; pure CPU, no device."""
    blocks = ticket_blocks(ticket, center, options.paper)
    return Job(ticket.number, ticket_bytes(blocks, options), tuple(blocks), options.paper)


def open_printer(spec: str | PrinterSpec, *, check_status: bool = True) -> Printer:
    """The transport for a printer setting such as ``network:192.168.1.50``.

    ``check_status=False`` skips ``DLE EOT`` queries, for printers that never answer them.
    Raises :class:`PrinterSpecError` for a setting it cannot understand.
    """
    spec = parse_spec(spec) if isinstance(spec, str) else spec
    if spec.kind == "network":
        return NetworkPrinter(spec.target, spec.port, check_status=check_status)
    if spec.kind == "serial":
        return SerialPrinter(spec.target, spec.baud, check_status=check_status)
    if spec.kind == "usb":
        return UsbPrinter(spec.vendor_id, spec.product_id, check_status=check_status)
    if spec.kind == "file":
        return FilePrinter(spec.target)
    if spec.kind == "cups":
        return CupsQueue(spec.target)
    return PreviewPrinter(spec.target)


async def print_ticket(ticket: IssuedTicket, center: CenterInfo, printer: Printer, options: PrintOptions) -> Job:
    """Render and print ``ticket``; raises a :class:`PrinterError` the kiosk can show."""
    job = render_ticket(ticket, center, options)
    await printer.send(job)
    return job
