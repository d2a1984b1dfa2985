"""Print to a loopback TCP printer, decode the bytes back into an image, read the QR."""

from __future__ import annotations

import asyncio
import time

import pytest
import zxingcpp
from escpos_stream import decode
from PIL import ImageChops
from printer_fakes import HEALTHY, PAPER_LOW, PAPER_OUT, PAPER_OUT_ONLINE, FakeNetworkPrinter

from bench.devserver import free_port
from kiosk.printing import (
    PAPERS,
    PaperOut,
    PrinterOffline,
    PrinterTimeout,
    PrintOptions,
    open_printer,
    print_ticket,
)


async def _print(fake, ticket, center, **options):
    printer = open_printer(fake.spec)
    job = await print_ticket(ticket, center, printer, PrintOptions(**options))
    await asyncio.wait_for(fake.closed.wait(), 5)
    return printer, job, fake.jobs[0]


@pytest.mark.parametrize("mm", [58, 80])
async def test_printed_bytes_decode_to_the_ticket_with_a_readable_qr(ticket, center, mm):
    async with FakeNetworkPrinter(HEALTHY) as fake:
        printer, job, received = await _print(fake, ticket, center, paper=PAPERS[mm])
    assert received.done == len(received.buffer), "job ends in the middle of a command"
    assert received.result.status_queries == [1, 4]
    assert bytes(received.buffer).endswith(job.data)
    assert received.result.cuts == 1
    image = received.result.image()
    assert image.width == PAPERS[mm].width
    # What the printer got is exactly the ticket we drew.
    assert ImageChops.difference(image, job.image().convert("L")).getbbox() is None
    codes = zxingcpp.read_barcodes(image)
    assert [c.text for c in codes] == [ticket.guide_url]
    assert codes[0].format == zxingcpp.BarcodeFormat.QRCode
    assert printer.paper_low is False


async def test_printer_qr_command_and_chinese_text_mode(ticket, center):
    options = {"paper": PAPERS[80], "text_mode": "gb18030", "qr_mode": "native"}
    async with FakeNetworkPrinter(HEALTHY) as fake:
        _, job, received = await _print(fake, ticket, center, **options)
    result = received.result
    assert result.qr_data == [ticket.guide_url.encode()]
    assert result.qr_printed == 1
    assert result.rasters == []  # nothing left to draw: the printer renders it all
    assert b"\x1c&" in result.commands  # FS &: Chinese mode on, before any hanzi
    assert job.data.index(b"\x1c&") < job.data.index("前面".encode("gb18030"))
    text = result.text.decode("gb18030")
    for words in (center.name, "前面还有 4 人", "绿色通道", ticket.number, "扫码查看办事指南"):
        assert words in text


async def test_native_qr_with_raster_text(ticket, center):
    async with FakeNetworkPrinter(HEALTHY) as fake:
        _, _, received = await _print(fake, ticket, center, paper=PAPERS[58], qr_mode="native")
    assert received.result.qr_data == [ticket.guide_url.encode()]
    assert len(received.result.rasters) == 2  # the text above and below the QR
    assert zxingcpp.read_barcodes(received.result.image()) == []


async def test_paper_low_is_reported_but_prints(ticket, center):
    async with FakeNetworkPrinter(PAPER_LOW) as fake:
        printer, job, received = await _print(fake, ticket, center, paper=PAPERS[80])
    assert printer.paper_low is True
    assert bytes(received.buffer).endswith(job.data)


@pytest.mark.parametrize("answers", [PAPER_OUT, PAPER_OUT_ONLINE], ids=["offline", "online"])
async def test_paper_out_raises_and_prints_nothing(ticket, center, answers):
    async with FakeNetworkPrinter(answers) as fake:
        with pytest.raises(PaperOut) as err:
            await print_ticket(ticket, center, open_printer(fake.spec), PrintOptions(PAPERS[80]))
        await asyncio.wait_for(fake.closed.wait(), 5)
    assert "缺纸" in err.value.message
    assert decode(bytes(fake.jobs[0].buffer)).rasters == []


async def test_cover_open_is_offline(ticket, center):
    async with FakeNetworkPrinter({1: 0x1A, 2: 0x16, 4: 0x12}) as fake:
        with pytest.raises(PrinterOffline, match="盖"):
            await print_ticket(ticket, center, open_printer(fake.spec), PrintOptions(PAPERS[80]))


async def test_connection_refused_is_offline(ticket, center):
    port = free_port()  # free a moment ago: nobody listens there
    with pytest.raises(PrinterOffline) as err:
        await print_ticket(ticket, center, open_printer(f"network:127.0.0.1:{port}"), PrintOptions(PAPERS[80]))
    assert err.value.fault == "printer_offline"
    assert "无法连接" in err.value.message


async def test_silent_printer_times_out_within_seconds(ticket, center):
    async with FakeNetworkPrinter(None) as fake:
        started = time.monotonic()
        with pytest.raises(PrinterTimeout) as err:
            await print_ticket(ticket, center, open_printer(fake.spec), PrintOptions(PAPERS[80]))
        elapsed = time.monotonic() - started
    assert elapsed < 5, f"took {elapsed:.1f} s"
    assert err.value.fault == "printer_timeout"
    assert "没有响应" in err.value.message


async def test_status_check_can_be_skipped(ticket, center):
    async with FakeNetworkPrinter(None) as fake:  # never answers, yet gets the job
        printer = open_printer(fake.spec, check_status=False)
        job = await print_ticket(ticket, center, printer, PrintOptions(PAPERS[80]))
        await asyncio.wait_for(fake.closed.wait(), 5)
    assert bytes(fake.jobs[0].buffer) == job.data
