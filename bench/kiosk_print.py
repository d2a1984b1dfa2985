"""Benchmark: time to render a ticket and send it to a loopback network printer.

``python -m bench.kiosk_print [--count N]`` prints milliseconds (median, p95, max) for
rendering alone and for render + send, at both paper widths and in each print mode.
Target: render + send <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from bianmin.center import center_info, load_center
from kiosk.cli import sample_ticket
from kiosk.printing import PAPERS, PrintOptions, open_printer, print_ticket, render_ticket

HEALTHY = b"\x12"


async def _printer_server() -> tuple[asyncio.Server, int]:
    """A loopback raw-TCP printer that answers every DLE EOT query as a healthy printer."""

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # The client waits for each answer, so a query always arrives on its own.
        while chunk := await reader.read(65536):
            if len(chunk) == 3 and chunk.startswith(b"\x10\x04"):
                writer.write(HEALTHY)
        writer.close()

    server = await asyncio.start_server(client, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def _summary(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"median {statistics.median(ms):6.1f}  p95 {p95:6.1f}  max {ms[-1]:6.1f} ms"


async def run(count: int) -> None:
    """Print the timings, ``count`` tickets per case."""
    center = load_center()
    info = center_info(center, open_now=True)
    ticket = sample_ticket(center, priority=True)
    started = time.perf_counter()
    render_ticket(ticket, info, PrintOptions(PAPERS[80]))
    print(f"first render (loads the fonts): {(time.perf_counter() - started) * 1000:.1f} ms")
    server, port = await _printer_server()
    printer = open_printer(f"network:127.0.0.1:{port}")
    cases = [
        (mm, text, qr)
        for mm in (80, 58)
        for text, qr in (("raster", "image"), ("raster", "native"), ("gb18030", "native"))
    ]
    print(f"{count} tickets per case; network printer on 127.0.0.1 with DLE EOT status checks")
    for mm, text, qr in cases:
        options = PrintOptions(PAPERS[mm], text_mode=text, qr_mode=qr)
        render, total = [], []
        for _ in range(count):
            t0 = time.perf_counter()
            job = render_ticket(ticket, info, options)
            render.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await print_ticket(ticket, info, printer, options)
            total.append(time.perf_counter() - t0)
        label = f"{mm} mm {text:7} qr={qr:6} {len(job.data) // 1024:3d} KiB"
        print(f"{label}  render        {_summary(render)}")
        print(f"{' ' * len(label)}  render + send {_summary(total)}")
    server.close()
    await server.wait_closed()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30, help="tickets per case (default 30)")
    asyncio.run(run(max(1, parser.parse_args().count)))


if __name__ == "__main__":
    main()
