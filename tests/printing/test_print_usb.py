"""USB printing through pyusb, with a fake device where the USB bus would be."""

from __future__ import annotations

import asyncio
import errno
import threading
import time

import pytest
import zxingcpp
from escpos_stream import StreamDecoder
from printer_fakes import HEALTHY, PAPER_OUT

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


class Endpoint:
    def __init__(self, device: FakeUsbPrinter, address: int):
        self.device = device
        self.bEndpointAddress = address
        self.bmAttributes = 0x02  # bulk
        self.wMaxPacketSize = 64

    def write(self, data, timeout=None):
        assert timeout, "every USB write needs a timeout"
        if self.device.hang is not None and len(data) > 3:  # a job, not a status query
            self.device.hang.wait(10)  # libusb stuck past its own timeout
        if self.device.stall_writes:
            raise usb_core.USBTimeoutError("Operation timed out", errno.ETIMEDOUT, errno.ETIMEDOUT)
        for n in self.device.job.feed(bytes(data)):
            if self.device.answers is not None:
                self.device.pending.append(self.device.answers[n])
        return len(data)

    def read(self, size, timeout=None):
        assert timeout, "every USB read needs a timeout"
        if not self.device.pending:
            raise usb_core.USBTimeoutError("Operation timed out", errno.ETIMEDOUT, errno.ETIMEDOUT)
        return [self.device.pending.pop(0)]


class FakeUsbPrinter:
    """A USB printer with bulk OUT 0x02 and bulk IN 0x81, as usb.core.find returns it."""

    def __init__(self, answers=HEALTHY):
        self.answers = answers
        self.pending: list[int] = []
        self.job = StreamDecoder()
        self.stall_writes = False
        self.hang: threading.Event | None = None  # set: the job write blocks until it is set
        self.detached = False
        self.disposed = False
        self.interface = [Endpoint(self, 0x02), Endpoint(self, 0x81)]
        self._ctx = self

    def is_kernel_driver_active(self, interface):
        return not self.detached

    def detach_kernel_driver(self, interface):
        self.detached = True

    def set_configuration(self):
        pass

    def get_active_configuration(self):
        return {(0, 0): self.interface}

    def dispose(self, device):
        self.disposed = True


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
