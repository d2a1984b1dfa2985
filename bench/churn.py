"""A long day's churn against the real server, printing its RSS: ``python -m bench.churn``.

Issue 10 asks for RSS flat over a long run. Round after round, until ``--minutes`` pass:
tickets issued from two kiosks, called and finished at two windows, WebSocket clients that
connect, read the snapshot and leave, a clerk logging in and out, wrong logins under new
names from ever new addresses (each one a rate-limiter key), and phones reading the public
snapshot and their ticket's page. Every ``--every`` seconds it prints the server's RSS
(VmRSS), the tickets so far and the load average; the last line compares the RSS of the
second half with the first.

``--speed X`` runs the server's wall clock X times as fast (Debian's libfaketime, from an
evening at 23:00), so a few minutes cover several service days: the day's state (its
tickets, the request ids of its kiosks) is dropped when the next day starts, and RSS must
level off across the days rather than grow with them. Each line then names the service
day the server reports.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import tempfile
import time
from pathlib import Path

import aiohttp

from .devserver import FAKETIME_LIB, ServerProcess, faked, rss_mb

PASSWORD = "churn-password"
START = "2026-11-26 23:00:00"  # China time; the first midnight comes after an hour of the fast clock


class Churn:
    def __init__(self, url: str, kiosks: list[str]):
        self.url = url
        self.kiosks = [{"Authorization": f"Bearer {k}"} for k in kiosks]
        self.issued = 0
        self.day = ""  # the service day of the last snapshot read
        self.tokens: list[str] = []
        self._ids = itertools.count()
        self._addresses = (f"127.{a}.{b}.{c}" for a in range(1, 255) for b in range(256) for c in range(1, 255))

    async def round(self, http: aiohttp.ClientSession, clerk: aiohttp.ClientSession) -> None:
        for i in range(20):
            body = {"category": "ABCD"[i % 4], "request_id": f"churn-{next(self._ids)}"}
            async with http.post(self.url + "/api/tickets", json=body, headers=self.kiosks[i % 2]) as r:
                assert r.status == 201, await r.text()
                self.tokens.append((await r.json())["token"])
                self.issued += 1
        self.tokens = self.tokens[-50:]
        for window in (1, 2):
            for _ in range(10):
                async with clerk.post(f"{self.url}/api/windows/{window}/call") as r:
                    if r.status != 200:
                        break
                async with clerk.post(f"{self.url}/api/windows/{window}/finish", json={"outcome": "instant"}):
                    pass
        for _ in range(5):
            async with http.ws_connect(self.url + "/ws") as ws:
                await ws.receive_json()
        for token in self.tokens[-5:]:
            async with http.get(f"{self.url}/api/tickets/{token}") as r:
                await r.read()
        for _ in range(5):
            async with http.get(self.url + "/api/snapshot") as r:
                self.day = (await r.json()).get("day", "")
        await self._wrong_logins()

    async def _wrong_logins(self, n: int = 1) -> None:
        """Wrong logins under new names, each from a new address: new limiter keys each time."""
        for _ in range(n):
            conn = aiohttp.TCPConnector(local_addr=(next(self._addresses), 0), force_close=True)
            async with aiohttp.ClientSession(connector=conn) as guesser:
                body = {"login": f"guess-{next(self._ids)}", "password": "wrong-password"}
                async with guesser.post(self.url + "/api/login", json=body) as r:
                    assert r.status in (401, 429), r.status

    async def login_cycle(self, clerk: aiohttp.ClientSession) -> None:
        async with clerk.post(self.url + "/api/logout"):
            pass
        async with clerk.post(self.url + "/api/login", json={"login": "churn", "password": PASSWORD}) as r:
            assert r.status == 200, await r.text()


async def run(ns: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = None
        if ns.speed != 1:
            if not FAKETIME_LIB.exists():
                raise SystemExit(f"--speed needs libfaketime ({FAKETIME_LIB}): apt install faketime")
            env = faked(START, ns.speed)
        srv = ServerProcess(Path(tmp) / "churn.db", env=env)
        kiosks = [srv.cli("add-device", "--kind", "kiosk", "--name", f"取号机{i}") for i in (1, 2)]
        srv.cli("add-clerk", "--login", "churn", "--name", "压测", "--password-stdin", stdin=PASSWORD + "\n")
        with srv:
            churn = Churn(srv.url, kiosks)
            samples: list[float] = []
            start = time.monotonic()
            next_print = start
            jar = aiohttp.CookieJar(unsafe=True)
            async with aiohttp.ClientSession() as http, aiohttp.ClientSession(cookie_jar=jar) as clerk:
                await churn.login_cycle(clerk)
                rounds = 0
                while (now := time.monotonic()) - start < ns.minutes * 60:
                    if now >= next_print:
                        rss = rss_mb(srv.pid)
                        samples.append(rss)
                        print(
                            f"{now - start:6.0f} s  {churn.issued:7d} tickets  RSS {rss:6.1f} MB  "
                            f"day {churn.day or '?'}  load {os.getloadavg()[0]:.2f}",
                            flush=True,
                        )
                        next_print += ns.every
                    await churn.round(http, clerk)
                    rounds += 1
                    if rounds % 10 == 0:
                        await churn.login_cycle(clerk)
            half = len(samples) // 2
            if half:
                first, second = max(samples[:half]), max(samples[half:])
                print(f"peak RSS, first half {first:.1f} MB, second half {second:.1f} MB ({second - first:+.1f} MB)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument("--every", type=float, default=30.0, help="seconds between two RSS lines")
    p.add_argument(
        "--speed", type=float, default=1.0, help="run the server's wall clock this many times as fast (libfaketime)"
    )
    asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    main()
