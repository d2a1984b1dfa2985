"""The hall under attack from its own Wi-Fi: ``python -m bench.abuse``.

Against the real server process on 127.0.0.1, in one run, it prints:

1. how many of 300 concurrent wrong logins were checked (401) rather than refused (429),
   and ``/healthz`` p99 during that flood;
2. ``/healthz`` p99 while 1,100 sockets from another loopback address (127.0.0.2, "a phone")
   each send one header byte every 5 s, with the server held to ``ulimit -n 1024``;
3. ticket-issue p50 while 8 clients poll ``GET /api/snapshot``, with 3,000 waiting;
4. the server's RSS with 200 WebSocket clients that never read (10 each from 20 addresses)
   and 20,000 waiting, while events keep coming.

Targets (issue 10): ≤ 10 logins checked; ``/healthz`` p99 ≤ 100 ms; issue p50 ≤ 5 ms; RSS ≤ 150 MB.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import multiprocessing
import os
import resource
import socket
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp

from .devserver import ServerProcess, rss_mb

PASSWORD = "abuse-password"


def _p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


async def _probe(http: aiohttp.ClientSession, url: str, stop: asyncio.Event, out: list[float]) -> None:
    """``/healthz`` every 20 ms on a fresh connection each time (as a new phone would)."""
    while not stop.is_set():
        t0 = time.perf_counter()
        try:
            async with http.get(url + "/healthz", timeout=aiohttp.ClientTimeout(total=10)) as r:
                await r.read()
            out.append(time.perf_counter() - t0)
        except (aiohttp.ClientError, TimeoutError):
            out.append(10.0)
        await asyncio.sleep(0.02)


async def login_flood(url: str) -> tuple[int, int, int, float]:
    """300 concurrent wrong logins from one address (127.0.0.3); ``/healthz`` from another."""
    probes: list[float] = []
    stop = asyncio.Event()
    flood = aiohttp.TCPConnector(limit=400, force_close=True, local_addr=("127.0.0.3", 0))
    async with aiohttp.ClientSession() as http, aiohttp.ClientSession(connector=flood) as attacker:
        probe = asyncio.create_task(_probe(http, url, stop, probes))
        await asyncio.sleep(0.2)

        async def attempt() -> int:
            try:
                async with attacker.post(url + "/api/login", json={"login": "w1", "password": "wrong"}) as r:
                    return r.status
            except aiohttp.ClientError:
                return 0  # connection refused by the per-address cap

        statuses = await asyncio.gather(*(attempt() for _ in range(300)))
        await asyncio.sleep(0.5)
        stop.set()
        await probe
    return statuses.count(401), statuses.count(429), statuses.count(0), _p(probes, 0.99)


async def slow_sockets(url: str, port: int, pid: int, count: int = 1100, seconds: float = 25.0) -> tuple[float, int]:
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (1024, 1024))  # Debian's default ulimit -n
    socks: list[socket.socket] = []
    probes: list[float] = []
    stop = asyncio.Event()
    reset = 0

    async def dribble() -> None:
        nonlocal reset
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            for i in range(count):
                if i >= len(socks):
                    s = socket.socket()
                    s.setblocking(False)
                    s.bind(("127.0.0.2", 0))
                    with contextlib.suppress(BlockingIOError):
                        s.connect(("127.0.0.1", port))
                    socks.append(s)
                try:
                    socks[i].send(b"G")
                except OSError:  # refused or timed out by the server: reconnect, as an attacker would
                    reset += 1
                    socks[i].close()
                    s = socket.socket()
                    s.setblocking(False)
                    s.bind(("127.0.0.2", 0))
                    with contextlib.suppress(BlockingIOError):
                        s.connect(("127.0.0.1", port))
                    socks[i] = s
                if i % 100 == 0:
                    await asyncio.sleep(0)
            await asyncio.wait([loop.create_task(stop.wait())], timeout=5)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        attacker = asyncio.create_task(dribble())
        await asyncio.sleep(1)
        probe = asyncio.create_task(_probe(http, url, stop, probes))
        await asyncio.sleep(seconds)
        stop.set()
        await asyncio.gather(attacker, probe)
    for s in socks:
        s.close()
    return _p(probes, 0.99), reset


async def issue(http: aiohttp.ClientSession, url: str, headers: dict, n: int, concurrency: int = 16) -> list[float]:
    times: list[float] = []
    counter = iter(range(n))

    async def worker() -> None:
        for i in counter:
            t0 = time.perf_counter()
            async with http.post(url + "/api/tickets", json={"category": "ABCDEFGH"[i % 8]}, headers=headers) as r:
                assert r.status == 201, await r.text()
            times.append(time.perf_counter() - t0)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return times


def _poll_forever(url: str, clients: int) -> None:
    """``clients`` loops of ``GET /api/snapshot`` (in their own process, so the clock of the
    kiosk being measured is not the pollers' event loop)."""

    async def run() -> None:
        async with aiohttp.ClientSession() as http:

            async def poll() -> None:
                while True:
                    async with http.get(url + "/api/snapshot") as r:
                        await r.read()

            await asyncio.gather(*(poll() for _ in range(clients)))

    asyncio.run(run())


async def polling(url: str, headers: dict) -> tuple[float, float, int]:
    """Issue p50 with no pollers, then with 8; and how many polls the server answered."""
    async with aiohttp.ClientSession() as http:
        await issue(http, url, headers, 3000)
        quiet = await issue(http, url, headers, 100, concurrency=1)
        pollers = multiprocessing.get_context("spawn").Process(target=_poll_forever, args=(url, 8), daemon=True)
        pollers.start()
        try:
            await asyncio.sleep(2)
            times = await issue(http, url, headers, 200, concurrency=1)
        finally:
            pollers.terminate()
            pollers.join()
    return statistics.median(quiet) * 1000, statistics.median(times) * 1000, len(times)


def _ws_open(port: int, source: str) -> socket.socket:
    """A WebSocket client that completes the handshake and then never reads."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(
        (
            f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    return s


async def websockets(url: str, port: int, pid: int, headers: dict) -> tuple[float, float, float]:
    async with aiohttp.ClientSession() as http:
        await issue(http, url, headers, 20_000 - 3300, concurrency=16)
        before = rss_mb(pid)
        socks = [_ws_open(port, f"127.0.0.{10 + i // 10}") for i in range(200)]
        await issue(http, url, headers, 500, concurrency=4)  # events keep coming
        await asyncio.sleep(1)
        during = rss_mb(pid)
        for s in socks:
            s.close()
        await asyncio.sleep(1)
        after = rss_mb(pid)
    return before, during, after


async def main() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # this process opens 1,100 sockets
    with tempfile.TemporaryDirectory() as tmp:
        srv = ServerProcess(Path(tmp) / "abuse.db")
        kiosk = srv.cli("add-device", "--kind", "kiosk", "--name", "bench")
        srv.cli("add-clerk", "--login", "w1", "--name", "一", "--password-stdin", stdin=PASSWORD + "\n")
        headers = {"Authorization": f"Bearer {kiosk}"}
        with srv:
            checked, refused, door, p99 = await login_flood(srv.url)
            print(
                f"login flood: {checked} of 300 concurrent wrong logins checked "
                f"({refused} refused unchecked with 429, {door} refused at the connection cap)"
            )
            print(f"  /healthz p99 during the login flood: {p99:.1f} ms")
            p99, reset = await slow_sockets(srv.url, srv.port, srv.pid)
            print(f"slow sockets: /healthz p99 with 1,100 slow sockets under ulimit -n 1024: {p99:.1f} ms")
            print(f"  attacker sockets refused or timed out by the server: {reset}")
            quiet, p50, _ = await polling(srv.url, headers)
            print(
                f"issue p50 with 8 clients polling /api/snapshot, 3,000 waiting: {p50:.2f} ms (alone: {quiet:.2f} ms)"
            )
            before, during, after = await websockets(srv.url, srv.port, srv.pid, headers)
            print(
                f"RSS with 20,000 waiting: {before:.0f} MB; with 200 non-reading WebSocket clients: "
                f"{during:.0f} MB; after they left: {after:.0f} MB"
            )
            log = srv.log.read_text(encoding="utf-8", errors="replace")
            emfile = log.count("Too many open files")
            print(f"server log: {len(log.encode()) / 1024:.0f} KB, {emfile} 'Too many open files'")


if __name__ == "__main__":
    asyncio.run(main())
