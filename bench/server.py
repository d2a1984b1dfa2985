"""Benchmark the real server process: ``python -m bench.server``.

Prints tickets issued per second, the latency from a clerk's call to its WebSocket event
with 100 WebSocket clients connected (p50/p99), and the server's peak resident memory. Wall
time suffers from whatever else the machine runs; the server's CPU time per ticket (all its
threads, and its event loop's thread alone) compares two commits on a busy machine too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp

from .devserver import ServerProcess, cli, rss_mb

PASSWORD = "bench-password"


def cpu_seconds(pid: int, tid: int | None = None) -> float:
    """User + system CPU time of a process (or of one of its threads), from /proc."""
    path = f"/proc/{pid}/stat" if tid is None else f"/proc/{pid}/task/{tid}/stat"
    fields = Path(path).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def issue_tickets(url: str, token: str, count: int, concurrency: int) -> float:
    """Issue ``count`` tickets from ``concurrency`` parallel kiosks; returns tickets/s."""
    headers = {"Authorization": f"Bearer {token}"}
    cats = "ABCDEFGH"
    counter = iter(range(count))
    conn = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=conn) as http:

        async def worker():
            for i in counter:
                body = {"category": cats[i % 8], "request_id": f"bench-{i}"}
                async with http.post(url + "/api/tickets", json=body, headers=headers) as r:
                    if r.status != 201:
                        raise SystemExit(f"issue failed: {r.status} {await r.text()}")
                    await r.read()

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return count / (time.perf_counter() - start)


async def call_latency(url: str, clients: int, calls: int) -> list[float]:
    """Call ``calls`` tickets at window 1; time from the request to each client's event (ms)."""
    received: dict[str, list[float]] = {}
    samples: list[float] = []
    async with (
        aiohttp.ClientSession() as ws_http,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as clerk,
    ):
        sockets = [await ws_http.ws_connect(url + "/ws") for _ in range(clients)]
        for ws in sockets:
            await ws.receive_json()  # the snapshot
        arrived = asyncio.Event()

        async def reader(ws):
            async for msg in ws:
                data = msg.json()
                if data["type"] == "ticket_called":
                    received.setdefault(data["ticket"]["number"], []).append(time.perf_counter())
                    arrived.set()

        readers = [asyncio.create_task(reader(ws)) for ws in sockets]
        async with clerk.post(url + "/api/login", json={"login": "bench", "password": PASSWORD}):
            pass
        for _ in range(calls):
            t0 = time.perf_counter()
            async with clerk.post(url + "/api/windows/1/call") as r:
                number = (await r.json())["ticket"]["number"]
            deadline = time.perf_counter() + 10
            while len(received.get(number, ())) < clients:
                arrived.clear()
                await asyncio.wait_for(arrived.wait(), max(0.01, deadline - time.perf_counter()))
            samples.extend((t - t0) * 1000 for t in received[number])
            async with clerk.post(url + "/api/windows/1/finish", json={"outcome": "instant"}):
                pass
        for task in readers:
            task.cancel()
        for ws in sockets:
            await ws.close()
    return samples


async def run(ns: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        token = cli(db, "add-device", "--kind", "kiosk", "--name", "bench")
        cli(db, "add-clerk", "--login", "bench", "--name", "压测", "--password-stdin", stdin=PASSWORD + "\n")
        with ServerProcess(db) as server:
            cpu0, loop0 = cpu_seconds(server.pid), cpu_seconds(server.pid, server.pid)
            rate = await issue_tickets(server.url, token, ns.tickets, ns.concurrency)
            cpu = (cpu_seconds(server.pid) - cpu0) / ns.tickets * 1e6
            loop = (cpu_seconds(server.pid, server.pid) - loop0) / ns.tickets * 1e6
            print(f"tickets issued:        {ns.tickets} with {ns.concurrency} parallel kiosks")
            print(f"tickets per second:    {rate:.0f}")
            print(f"server CPU per ticket: {cpu:.0f} us ({loop:.0f} us on the event loop's thread)")
            # Window 1 serves A and C: a quarter of the tickets, enough for every call.
            lat = sorted(await call_latency(server.url, ns.clients, ns.calls))
            p50 = statistics.median(lat)
            p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
            print(f"call -> ws event:      {ns.calls} calls x {ns.clients} clients = {len(lat)} samples")
            print(f"latency p50 / p99:     {p50:.1f} ms / {p99:.1f} ms (max {lat[-1]:.1f} ms)")
            print(f"server peak RSS:       {rss_mb(server.pid, 'VmHWM'):.1f} MB")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--tickets", type=int, default=4000)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--clients", type=int, default=100)
    p.add_argument("--calls", type=int, default=200)
    ns = p.parse_args()
    if ns.calls > ns.tickets // 4:
        raise SystemExit("--calls must be at most a quarter of --tickets (window 1 serves A and C)")
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    asyncio.run(run(ns))


if __name__ == "__main__":
    main()
