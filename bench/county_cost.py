"""Benchmark: the county server's CPU per sync request, by events per request.

``python -m bench.county_cost [--halls 200] [--seconds 12] [--sizes 0,1,5,10,20]``

Starts a throwaway PostgreSQL cluster (fsync on) and one county server process, registers
``--halls`` halls, and for each batch size lets every hall send back-to-back requests of that
many events (0: a heartbeat) for ``--seconds``, one request in flight per hall on its own
keep-alive connection. Prints, per size, the requests and events answered and the CPU time
per request of the county server, PostgreSQL and this load generator; then the county's
fixed cost per request and its cost per event, from a least-squares line through the sizes.

Why: in ``bench.county`` the halls' batches grow or shrink with the county's answer time, so
its CPU per event mixes the two costs. Split, they tell whether a cheaper request (HTTP, the
per-hall rows of each group commit) or a cheaper event (decoding, ``COPY``) pays more.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import tempfile
import time
from pathlib import Path

import aiohttp
import orjson

from bench.county import PASSWORD, _cpu
from bench.county_wire import Bodies, Wire
from bench.devserver import CountyProcess, PgCluster, county_cli
from bianmin.sync import SYNC_PATH
from county.simhall import TZ, simulate_day


class _Hall:
    def __init__(self, hid: int, token: str):
        self.hid = hid
        self.headers = f"Authorization: Bearer {token}\r\nContent-Encoding: gzip\r\nContent-Type: application/json\r\n"
        self.acked = 0


async def _register(url: str, halls: int) -> list[_Hall]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        r = await http.post(url + "/api/login", json={"login": "bench", "password": PASSWORD})
        assert r.status == 200, await r.text()
        out = []
        for i in range(halls):
            async with http.post(url + "/api/admin/halls", json={"name": f"第{i + 1:03d}号乡镇便民服务中心"}) as r:
                made = await r.json()
            out.append(_Hall(made["id"], made["token"]))
        return out


async def run(ns: argparse.Namespace) -> None:
    pg = PgCluster(fast=False).start()
    county = None
    try:
        dsn = pg.new_database()
        county_cli(dsn, "add-user", "--login", "bench", "--name", "压测", "--password-stdin", stdin=PASSWORD + "\n")
        county = CountyProcess(dsn, Path(tempfile.gettempdir()) / "bench-county-cost.log", "--workers", "1")
        county.start()
        day = simulate_day(dt.datetime.now(TZ).date(), 600, seed=1)
        bodies = Bodies([orjson.dumps(e) for e in day])
        halls = await _register(county.url, ns.halls)
        wires = [Wire("127.0.0.1", county.port, 1) for _ in halls]
        points: list[tuple[int, float]] = []
        print(f"{ns.halls} halls, one county server process, {ns.seconds:.0f} s per batch size", flush=True)
        for size in ns.sizes:
            stop = time.monotonic() + ns.seconds
            requests = events = 0

            async def loop(h: _Hall, wire: Wire, size: int = size, stop: float = stop) -> None:
                nonlocal requests, events
                while time.monotonic() < stop:
                    if size and h.acked + size > len(bodies):
                        return  # the day is sent
                    # Each size on an epoch of its own: its events start at seq 1.
                    body = bodies.body(f"cost{size}-{h.hid}", h.acked, h.acked + size)
                    status, ack = await wire.post(SYNC_PATH, body, h.headers)
                    if status != 200 or not isinstance(ack, dict):
                        raise RuntimeError(f"the county answered {status}: {ack}")
                    events += ack["acked_seq"] - h.acked
                    h.acked = ack["acked_seq"]
                    requests += 1

            for h in halls:
                h.acked = 0
            before = _cpu(county, pg, 0)
            await asyncio.gather(*(loop(h, w) for h, w in zip(halls, wires, strict=True)))
            after = _cpu(county, pg, 0)
            used = {k: (after[k] - before[k]) * 1e6 / max(requests, 1) for k in ("county", "postgres", "bench")}
            points.append((size, used["county"]))
            print(
                f"{size:3d} events/request: {requests:,} requests, {events:,} events; CPU per request: "
                f"county {used['county']:.0f} µs, PostgreSQL {used['postgres']:.0f} µs, "
                f"load generator {used['bench']:.0f} µs",
                flush=True,
            )
        for w in wires:
            await w.close()
        if len(points) > 1:
            fixed, per_event = _line(points)
            print(f"county server: {fixed:.0f} µs per request + {per_event:.1f} µs per event (least squares)")
    finally:
        if county is not None:
            county.stop()
        pg.stop()


def _line(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Intercept and slope of the least-squares line through ``points``."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0
    return my - slope * mx, slope


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError("--sizes: comma-separated whole numbers, e.g. 0,1,5,10,20") from None
    if not sizes or any(s < 0 or s > 200 for s in sizes):
        raise argparse.ArgumentTypeError("--sizes: each between 0 and 200")
    return sizes


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.county_cost", description=__doc__.split("\n\n")[0])
    p.add_argument("--halls", type=int, default=200, help="simulated halls, each with one request in flight")
    p.add_argument("--seconds", type=float, default=12.0, help="how long each batch size is sent")
    p.add_argument("--sizes", type=_sizes, default=[0, 1, 5, 10, 20], help="events per request, comma-separated")
    ns = p.parse_args(argv)
    asyncio.run(run(ns))


if __name__ == "__main__":
    main()
