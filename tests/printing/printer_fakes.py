"""Fake printers for the tests, at the hardware edge: status answers, a TCP printer, a USB device."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import threading
from typing import Any

from escpos_stream import StreamDecoder

HEALTHY = {1: 0x12, 2: 0x12, 4: 0x12}
PAPER_OUT = {1: 0x1A, 2: 0x32, 4: 0x72}  # offline, stopped for paper end, roll empty
PAPER_OUT_ONLINE = {1: 0x12, 2: 0x12, 4: 0x72}  # some printers stay online without paper
PAPER_LOW = {1: 0x12, 2: 0x12, 4: 0x1E}


class FakeNetworkPrinter:
    """A raw TCP printer on 127.0.0.1: answers DLE EOT from ``answers`` (or never, if None)."""

    def __init__(self, answers: dict[int, int] | None):
        self.answers = answers
        self.jobs: list[StreamDecoder] = []
        self.closed = asyncio.Event()
        self.error: BaseException | None = None
        self.server: asyncio.Server | None = None
        self.port = 0

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        job = StreamDecoder()
        self.jobs.append(job)
        try:
            while chunk := await reader.read(65536):
                for n in job.feed(chunk):
                    if self.answers is not None:
                        writer.write(bytes((self.answers[n],)))
                        await writer.drain()
        except ConnectionError:
            pass
        except Exception as exc:  # surfaced by __aexit__: a decoder error must fail the test
            self.error = exc
        finally:
            writer.close()
            self.closed.set()

    async def __aenter__(self) -> FakeNetworkPrinter:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        self.server.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.server.wait_closed(), 2)
        if self.error is not None:
            raise self.error

    @property
    def spec(self) -> str:
        return f"network:127.0.0.1:{self.port}"


def _usb_timeout() -> Exception:
    import usb.core

    return usb.core.USBTimeoutError("Operation timed out", errno.ETIMEDOUT, errno.ETIMEDOUT)


class Endpoint:
    def __init__(self, device: FakeUsbPrinter, address: int):
        self.device = device
        self.bEndpointAddress = address
        self.bmAttributes = 0x02  # bulk
        self.wMaxPacketSize = 64

    def write(self, data, timeout=None):
        assert timeout, "every USB write needs a timeout"
        if self.device.hang is not None and len(data) > 3:  # a job, not a status query
            self.device.hanging.set()
            if not self.device.hang.wait(30):  # libusb stuck far past its own timeout
                raise _usb_timeout()
        if self.device.stall_writes:
            raise _usb_timeout()
        for n in self.device.job.feed(bytes(data)):
            if self.device.answers is not None:
                self.device.pending.append(self.device.answers[n])
        return len(data)

    def read(self, size, timeout=None):
        assert timeout, "every USB read needs a timeout"
        if not self.device.pending:
            raise _usb_timeout()
        return [self.device.pending.pop(0)]


class FakeUsbPrinter:
    """A USB printer with bulk OUT 0x02 and bulk IN 0x81, as ``usb.core.find`` returns it.

    Install it with :func:`install_fake_usb` (or monkeypatch ``usb.core.find``).
    """

    def __init__(self, answers=HEALTHY):
        self.answers = answers
        self.pending: list[int] = []
        self.job = StreamDecoder()
        self.stall_writes = False
        self.hang: threading.Event | None = None  # if given, the job write blocks until it is set
        self.hanging = threading.Event()  # set once a job write has started to hang
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


def install_fake_usb(devices: dict[tuple[int, int], Any]) -> None:
    """Make ``usb.core.find`` return ``devices[(vid, pid)]``: the USB bus, replaced (harness use)."""
    import usb.core

    usb.core.find = lambda idVendor, idProduct: devices.get((idVendor, idProduct))  # type: ignore[assignment]
