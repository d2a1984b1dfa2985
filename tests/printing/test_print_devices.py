"""File, device-node, serial (over a pseudo-terminal), preview, CUPS and USB printers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time

import pytest
import zxingcpp
from escpos_stream import StreamDecoder, decode
from PIL import Image
from printer_fakes import HEALTHY, PAPER_OUT

from kiosk.printing import (
    PAPERS,
    PaperOut,
    PrinterOffline,
    PrinterSpecError,
    PrinterTimeout,
    PrintOptions,
    open_printer,
    print_ticket,
    render_ticket,
)
from kiosk.printing.cups import CupsQueue
from kiosk.printing.device import FilePrinter
from kiosk.printing.printer import Job

OPTIONS = PrintOptions(PAPERS[58])


async def test_file_printer_appends_jobs(tmp_path, ticket, center):
    path = tmp_path / "printer.bin"
    printer = open_printer(f"file:{path}")
    first = await print_ticket(ticket, center, printer, OPTIONS)
    second = await print_ticket(ticket, center, printer, OPTIONS)
    assert path.read_bytes() == first.data + second.data
    codes = zxingcpp.read_barcodes(decode(first.data).image())
    assert [c.text for c in codes] == [ticket.guide_url]


async def test_device_node_takes_the_whole_job(ticket, center):
    printer = open_printer("file:/dev/null")
    job = await print_ticket(ticket, center, printer, OPTIONS)
    assert len(job.data) > 1000 and job.data.startswith(b"\x1b@")  # ESC @, then the raster
    assert not printer.paper_low


async def test_stalled_device_node_times_out_while_the_loop_runs():
    """A printer that stops taking bytes (a pty nobody reads) costs a timeout, not a hung loop.

    A blocking write would freeze the loop until the watchdog drains the pty 2 s later
    and then succeed: both the tick count and the missing timeout would fail the test.
    """
    master, slave = os.openpty()
    drained = threading.Event()
    stop = threading.Event()

    def watchdog() -> None:
        if not stop.wait(2.0):
            drained.set()
            os.set_blocking(master, False)
            while not stop.is_set():
                with contextlib.suppress(BlockingIOError, OSError):
                    os.read(master, 65536)
                time.sleep(0.01)

    guard = threading.Thread(target=watchdog)
    guard.start()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    ticker = asyncio.create_task(tick())
    printer = FilePrinter(os.ttyname(slave), send_timeout=0.5)
    job = Job("stall", b"\x00" * 4_000_000, (), PAPERS[80])
    try:
        with pytest.raises(PrinterTimeout):
            await printer.send(job)
    finally:
        stop.set()
        guard.join()
        ticker.cancel()
        os.close(master)
        os.close(slave)
    assert not drained.is_set()
    assert ticks >= 10  # 0.5 s of stall: the loop kept ticking every 20 ms


async def test_missing_device_node_is_offline(ticket, center):
    with pytest.raises(PrinterOffline, match="/dev/usb/lp9"):
        await print_ticket(ticket, center, open_printer("file:/dev/usb/lp9"), OPTIONS)
    assert not os.path.exists("/dev/usb/lp9")


class PtyPrinter:
    """A serial printer on the master side of a pseudo-terminal."""

    def __init__(self, answers: dict[int, int] | None):
        self.answers = answers
        self.master, self.slave = os.openpty()  # the test keeps the slave open: no hang-up
        os.set_blocking(self.master, False)
        self.job = StreamDecoder()
        self.path = os.ttyname(self.slave)

    def _readable(self) -> None:
        with contextlib.suppress(BlockingIOError):
            for n in self.job.feed(os.read(self.master, 65536)):
                if self.answers is not None:
                    os.write(self.master, bytes((self.answers[n],)))

    def __enter__(self) -> PtyPrinter:
        asyncio.get_running_loop().add_reader(self.master, self._readable)
        return self

    def __exit__(self, *exc) -> None:
        asyncio.get_running_loop().remove_reader(self.master)
        os.close(self.master)
        os.close(self.slave)

    async def settle(self, size: int) -> None:
        """Wait until ``size`` bytes have arrived."""
        for _ in range(200):
            if len(self.job.buffer) >= size:
                return
            await asyncio.sleep(0.01)


async def test_serial_printer_over_a_pty(ticket, center):
    with PtyPrinter(HEALTHY) as pty:
        printer = open_printer(f"serial:{pty.path}:115200")
        job = await print_ticket(ticket, center, printer, OPTIONS)
        await pty.settle(len(job.data) + 6)
    assert pty.job.result.status_queries == [1, 4]
    assert bytes(pty.job.buffer).endswith(job.data)  # raw: no LF -> CRLF on the way
    codes = zxingcpp.read_barcodes(pty.job.result.image())
    assert [c.text for c in codes] == [ticket.guide_url]


async def test_serial_paper_out(ticket, center):
    with PtyPrinter(PAPER_OUT) as pty, pytest.raises(PaperOut):
        await print_ticket(ticket, center, open_printer(f"serial:{pty.path}"), OPTIONS)


async def test_serial_silent_printer_times_out(ticket, center):
    with PtyPrinter(None) as pty:
        started = time.monotonic()
        with pytest.raises(PrinterTimeout):
            await print_ticket(ticket, center, open_printer(f"serial:{pty.path}"), OPTIONS)
    assert time.monotonic() - started < 5


async def test_serial_missing_port_is_offline(ticket, center):
    with pytest.raises(PrinterOffline, match="/dev/ttyUSB97"):
        await print_ticket(ticket, center, open_printer("serial:/dev/ttyUSB97"), OPTIONS)


@pytest.mark.parametrize("mm", [58, 80])
async def test_preview_writes_a_png_with_a_readable_qr(tmp_path, ticket, center, mm):
    printer = open_printer(f"preview:{tmp_path / 'tickets'}")
    await print_ticket(ticket, center, printer, PrintOptions(PAPERS[mm]))
    assert printer.last_path.parent == tmp_path / "tickets"
    assert printer.last_path.name.endswith("-A012.png")
    with Image.open(printer.last_path) as image:
        assert image.width == PAPERS[mm].width
        assert [c.text for c in zxingcpp.read_barcodes(image)] == [ticket.guide_url]


def _fake_lp(tmp_path, exit_code: int = 0):
    """An ``lp`` stand-in that records its arguments and standard input."""
    script = tmp_path / "lp"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > "{tmp_path}/args"\n'
        f'cat > "{tmp_path}/stdin"\n'
        f"echo 'lp: The printer or class does not exist.' >&2\nexit {exit_code}\n"
    )
    script.chmod(0o755)
    return script


async def test_cups_lp_gets_an_argument_list_and_raw_bytes(tmp_path, ticket, center):
    name = 'POS80; touch "$HOME/pwned"'  # would run if a shell saw it
    queue = CupsQueue(name, lp=str(_fake_lp(tmp_path)), use_pycups=False)
    job = await print_ticket(ticket, center, queue, OPTIONS)
    args = (tmp_path / "args").read_text().splitlines()
    assert args == ["-d", name, "-o", "raw", "-t", "bianmin-A012"]
    assert (tmp_path / "stdin").read_bytes() == job.data


async def test_cups_refused_job_is_offline(tmp_path, ticket, center):
    queue = CupsQueue("nope", lp=str(_fake_lp(tmp_path, exit_code=1)), use_pycups=False)
    with pytest.raises(PrinterOffline, match="nope") as err:
        await print_ticket(ticket, center, queue, OPTIONS)
    assert "does not exist" in err.value.detail


async def test_cups_without_lp_says_so(tmp_path, ticket, center):
    queue = CupsQueue("POS80", lp=str(tmp_path / "no-lp"), use_pycups=False)
    with pytest.raises(PrinterSpecError, match="lp"):
        await print_ticket(ticket, center, queue, OPTIONS)


async def test_cups_lp_that_hangs_is_killed_at_the_timeout(tmp_path, ticket, center):
    script = tmp_path / "lp"
    script.write_text(f'#!/bin/sh\necho $$ > "{tmp_path}/pid"\nexec sleep 30\n')
    script.chmod(0o755)
    queue = CupsQueue("POS80", lp=str(script), use_pycups=False, timeout=0.5)
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
            await print_ticket(ticket, center, queue, OPTIONS)
    finally:
        ticker.cancel()
    waited = time.monotonic() - start
    assert waited < 3 and ticks >= 10  # the loop kept running while lp hung
    pid = int((tmp_path / "pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped, not left behind


def test_render_is_deterministic(ticket, center):
    assert render_ticket(ticket, center, OPTIONS).data == render_ticket(ticket, center, OPTIONS).data
