"""USB printing through pyusb, with a fake device where the USB bus would be."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
import zxingcpp
from printer_fakes import PAPER_OUT, FakeUsbPrinter

from kiosk.printing import (
    PAPERS,
    PaperOut,
    PrinterOffline,
    PrinterTimeout,
    PrintOptions,
    open_printer,
    print_ticket,
)
from kiosk.printing.usb import UsbPrinter

usb_core = pytest.importorskip("usb.core")


@pytest.fixture
def fake_usb(monkeypatch):
    devices = {}

    def find(idVendor, idProduct):
        return devices.get((idVendor, idProduct))

    monkeypatch.setattr(usb_core, "find", find)
    return devices


async def test_usb_print_with_status(fake_usb, ticket, center):
    device = fake_usb[(0x0416, 0x5011)] = FakeUsbPrinter()
    job = await print_ticket(ticket, center, open_printer("usb:0416:5011"), PrintOptions(PAPERS[80]))
    assert device.detached and device.disposed
    assert device.job.result.status_queries == [1, 4]
    assert bytes(device.job.buffer).endswith(job.data)
    codes = zxingcpp.read_barcodes(device.job.result.image())
    assert [c.text for c in codes] == [ticket.guide_url]


async def test_usb_printer_without_status_answers_still_prints(fake_usb, ticket, center):
    device = fake_usb[(0x0416, 0x5011)] = FakeUsbPrinter(answers=None)
    job = await print_ticket(ticket, center, open_printer("usb:0416:5011"), PrintOptions(PAPERS[58]))
    assert bytes(device.job.buffer).endswith(job.data)


async def test_usb_paper_out(fake_usb, ticket, center):
    fake_usb[(0x0416, 0x5011)] = FakeUsbPrinter(PAPER_OUT)
    with pytest.raises(PaperOut):
        await print_ticket(ticket, center, open_printer("usb:0416:5011"), PrintOptions(PAPERS[80]))


async def test_usb_unplugged_is_offline(fake_usb, ticket, center):
    with pytest.raises(PrinterOffline, match="0416:5011"):
        await print_ticket(ticket, center, open_printer("usb:0416:5011"), PrintOptions(PAPERS[80]))


async def test_usb_stalled_write_times_out(fake_usb, ticket, center):
    device = fake_usb[(0x0416, 0x5011)] = FakeUsbPrinter()
    device.stall_writes = True
    with pytest.raises(PrinterTimeout):
        await print_ticket(ticket, center, open_printer("usb:0416:5011"), PrintOptions(PAPERS[80]))
    assert device.disposed


async def test_usb_write_that_hangs_times_out_and_the_loop_keeps_running(fake_usb, ticket, center):
    device = fake_usb[(0x0416, 0x5011)] = FakeUsbPrinter()
    device.hang = threading.Event()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    ticker = asyncio.create_task(tick())
    start = time.monotonic()
    try:
        with pytest.raises(PrinterTimeout):
            await print_ticket(ticket, center, UsbPrinter(0x0416, 0x5011, timeout_ms=300), PrintOptions(PAPERS[80]))
    finally:
        ticker.cancel()
    waited = time.monotonic() - start
    assert 0.3 < waited < 3.5  # the write's timeout plus the grace (and the dispose wait), not the hang
    assert ticks >= 0.5 * waited / 0.02  # the loop ran all along
    assert not device.disposed  # still held by the hung write ...
    device.hang.set()
    for _ in range(100):
        if device.disposed:
            break
        await asyncio.sleep(0.02)
    assert device.disposed  # ... and released as soon as it returns
