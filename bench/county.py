"""Benchmark: a province of township halls syncing to one county server on this machine.

``python -m bench.county [--halls 2000] [--tickets 600] [--rate 22000] [--max-seconds 300]``

Starts a throwaway PostgreSQL cluster (fsync on) and ``python -m county serve --workers 2``
(one server process per core of this machine; ``--workers``), registers
the halls (each announces its database with an empty batch before the day starts), then
replays a compressed day per hall (about ``tickets`` tickets, each issued, called, started
and finished: real protocol events from :mod:`county.simhall`), compressed so that the day's
busy hours (every half hour with at least 90% of the busiest one's events: 08:30 to 15:30 of
the simulated day) offer ``--rate`` events/s; the quiet late afternoon offers less. Each hall "commits" its
events on the compressed clock and syncs like the hall's task does: gzip batches after the
last ack, one request in flight, at most one per ``--interval``, each hall on a keep-alive
connection of its own (or ``--connections`` shared by all) (:mod:`bench.county_wire`, a generator cheap
enough not to starve the county on the same cores; it prints its own CPU per event).

Prints the events acknowledged per second while the halls were sending (a request still in
flight at the end is answered after it, and how long that took is printed too); how many of
the machine's cores the four processes kept busy together meanwhile, and their CPU per
request; the lag from an event's commit to ``/api/halls`` showing it (p50, p99), for the
whole run and for the busy hours, beside the events/s acknowledged in each 30 s; a sync
request's answer time in the busy hours (p50, p99); the board's refresh time with every
hall (Chromium); and the PostgreSQL size per hall-year.
Stops by itself after ``--max-seconds`` of ingest.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gzip
import multiprocessing
import os
import random
import statistics
import tempfile
import time
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import aiohttp
import asyncpg
import orjson

from bench.county_wire import Bodies, Wire
from bench.devserver import CountyProcess, PgCluster, county_cli
from bianmin.sync import SYNC_PATH
from county.simhall import TZ, simulate_day

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "var" / "shots"
PASSWORD = "bench-pass-123"
VARIANTS = 12
WORKING_DAYS = 250


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


class SimHall:
    def __init__(self, hid: int, token: str, bodies: Bodies, offsets: list[float]):
        self.hid = hid
        self.headers = f"Authorization: Bearer {token}\r\nContent-Encoding: gzip\r\nContent-Type: application/json\r\n"
        self.bodies = bodies  # the day's events, seq = index + 1
        self.offsets = offsets  # compressed-clock second at which each event commits
        self.acked = 0
        self.visible = 0
        self.busy = False
        self.last_send = 0.0
        self.errors = 0

    def committed(self, t: float) -> int:
        lo, hi = self.acked, len(self.offsets)
        while lo < hi:  # events committed by compressed time t (offsets are sorted)
            mid = (lo + hi) // 2
            if self.offsets[mid] <= t:
                lo = mid + 1
            else:
                hi = mid
        return lo


async def send(wire: Wire, hall: SimHall, upto: int, batch_max: int) -> int:
    upto = min(upto, hall.acked + batch_max)
    body = hall.bodies.body(f"bench-{hall.hid}", hall.acked, upto)
    try:
        status, ack = await wire.post(SYNC_PATH, body, hall.headers)
    except (OSError, ConnectionError, asyncio.IncompleteReadError, TimeoutError, ValueError):
        hall.errors += 1
        return 0
    if status != 200 or not isinstance(ack, dict):
        hall.errors += 1
        return 0
    n = ack["acked_seq"] - hall.acked
    hall.acked = ack["acked_seq"]
    return n


async def run(ns: argparse.Namespace) -> None:
    pg = PgCluster(fast=False, settings=dict(s.split("=", 1) for s in ns.pg)).start()
    county = None
    try:
        dsn = pg.new_database()
        county_cli(dsn, "add-user", "--login", "bench", "--name", "压测", "--password-stdin", stdin=PASSWORD + "\n")
        log = Path(tempfile.gettempdir()) / "bench-county.log"
        county = CountyProcess(dsn, log, "--workers", str(ns.workers))
        if ns.profile:
            county.prefix = ("-m", "cProfile", "-o", ns.profile)
        county.start()
        url = county.url
        host, port = "127.0.0.1", county.port
        print(f"county server at {url}; log {log}", flush=True)
        today = dt.datetime.now(TZ).date()
        t = time.perf_counter()
        variants = [simulate_day(today, ns.tickets, seed=k) for k in range(VARIANTS)]
        bodies = [Bodies([orjson.dumps(e) for e in v]) for v in variants]
        opening = dt.datetime.combine(today, dt.time(8, 30), TZ)
        sim_offsets = [[(dt.datetime.fromisoformat(e["at"]) - opening).total_seconds() for e in v] for v in variants]
        total = sum(len(bodies[i % VARIANTS]) for i in range(ns.halls))
        span = max(o[-1] for o in sim_offsets)
        busy_end, busy_share = _busy_hours([sim_offsets[i % VARIANTS] for i in range(ns.halls)])
        # The busy hours' events arrive at --rate: their simulated length maps to that many seconds.
        scale = (busy_share * total / ns.rate) / busy_end
        seconds = span * scale
        print(
            f"{ns.halls} halls, {total} events ({total / ns.halls:.0f} per hall-day), "
            f"made in {time.perf_counter() - t:.1f} s; a {span / 3600:.1f} h day compressed into "
            f"{seconds:.0f} s: the busy hours (the first {busy_end / 3600:.1f} h, {busy_share:.0%} of the events) "
            f"in {busy_end * scale:.0f} s at {ns.rate} events/s, {total / seconds:,.0f} events/s over the day",
            flush=True,
        )
        jar = aiohttp.CookieJar(unsafe=True)
        conn = aiohttp.TCPConnector(limit=64)
        async with aiohttp.ClientSession(
            connector=conn, cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=60)
        ) as http:
            r = await http.post(url + "/api/login", json={"login": "bench", "password": PASSWORD})
            assert r.status == 200, await r.text()
            gate = asyncio.Semaphore(32)  # each registration is its own (fsynced) commit

            async def register(i: int) -> SimHall:
                name = f"第{i + 1:04d}号乡镇便民服务中心"
                async with gate, http.post(url + "/api/admin/halls", json={"name": name}) as r:
                    made = await r.json()
                v = i % VARIANTS
                return SimHall(made["id"], made["token"], bodies[v], [o * scale for o in sim_offsets[v]])

            halls = list(await asyncio.gather(*(register(i) for i in range(ns.halls))))
            print(f"registered {ns.halls} halls", flush=True)
            lags: list[float] = []
            lag_at: list[tuple[float, float]] = []  # (commit second of the run, lag): the tail's when
            acked_at: list[tuple[float, int]] = []  # (second of the run, events acknowledged)
            api_ms: list[float] = []
            answers: list[tuple[float, float]] = []  # (second of the run it was sent, seconds to its answer)
            stop = asyncio.Event()
            by_id = {h.hid: h for h in halls}

            # The board's view is polled from its own process, so the load generator's busy
            # event loop does not delay (and inflate) what the county already shows.
            ctx = multiprocessing.get_context("spawn")
            results: multiprocessing.Queue = ctx.Queue()
            stop_flag = ctx.Event()
            watcher = ctx.Process(target=_watch, args=(url, stop_flag, results), daemon=True)
            watcher.start()
            await asyncio.to_thread(results.get)  # logged in and polling
            # Each hall on a keep-alive connection of its own, as a hall's sync task keeps one
            # (and so mostly reaches the same county worker); or --connections shared by all.
            shared = Wire(host, port, ns.connections) if ns.connections else None
            wires = {h.hid: shared or Wire(host, port, 1) for h in halls}
            # The province's halls are connected before the day starts: each announces its
            # database (an empty batch, the hall's heartbeat) so the day does not begin with
            # 2,000 first contacts queued behind each other.
            gate = asyncio.Semaphore(64)

            async def hello(h: SimHall) -> None:
                body = gzip.compress(f'{{"epoch":"bench-{h.hid}","events":[]}}'.encode())
                async with gate:
                    status, _ = await wires[h.hid].post(SYNC_PATH, body, h.headers)
                assert status == 200, status

            await asyncio.gather(*(hello(h) for h in halls))
            cpu0 = _cpu(county, pg, watcher.pid or 0)
            t0 = time.monotonic()
            # Real halls' sync tasks started at unrelated moments: each hall's first request
            # falls somewhere in the first interval, not all 2,000 in the same instant.
            phase = random.Random(1)
            for h in halls:
                h.last_send = t0 - phase.uniform(0, ns.interval)

            async def poller() -> None:
                await stop.wait()
                stop_flag.set()
                observations, ms = await asyncio.to_thread(results.get)
                api_ms.extend(ms)
                for now, hid, seq in observations:
                    h = by_id.get(hid)
                    if h is None:
                        continue
                    seen = min(seq, len(h.offsets))
                    for i in range(h.visible, seen, 7):  # every 7th event: enough samples
                        lags.append(now - (t0 + h.offsets[i]))
                        lag_at.append((h.offsets[i], lags[-1]))
                    h.visible = max(h.visible, seen)
                watcher.join(10)

            tasks: set[asyncio.Task] = set()
            ingested = 0
            requests = 0

            async def one(h: SimHall, upto: int) -> None:
                nonlocal ingested, requests
                sent_at = time.monotonic()
                n = await send(wires[h.hid], h, upto, ns.batch)
                ingested += n
                acked_at.append((time.monotonic() - t0, n))
                answers.append((sent_at - t0, time.monotonic() - sent_at))
                requests += 1
                h.busy = False

            poll = asyncio.create_task(poller())
            while True:
                now = time.monotonic()
                elapsed = now - t0
                if elapsed > ns.max_seconds or all(h.acked >= len(h.bodies) for h in halls):
                    break
                for h in halls:
                    if h.busy or now - h.last_send < ns.interval:
                        continue
                    upto = h.committed(elapsed)
                    if upto > h.acked:
                        h.busy = True
                        h.last_send = now
                        task = asyncio.create_task(one(h, upto))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                await asyncio.sleep(0.05)
            elapsed = time.monotonic() - t0
            # While the halls were sending: after it, only the backlog drains, more slowly.
            cpu_sending, sent, acked_sending = _cpu(county, pg, watcher.pid or 0), requests, ingested
            await asyncio.gather(*tasks)
            drained = time.monotonic() - t0 - elapsed
            cpu1 = _cpu(county, pg, watcher.pid or 0)
            for w in set(wires.values()):
                await w.close()
            await asyncio.sleep(1.0)
            stop.set()
            await poll
            errors = sum(h.errors for h in halls)
            print(
                f"\ningested while the halls were sending: {acked_sending} events in {elapsed:.1f} s: "
                f"{acked_sending / elapsed:,.0f} events/s in {sent / elapsed:,.0f} requests/s "
                f"({acked_sending / max(1, sent):.1f} events each); then the requests in flight, "
                f"{ingested - acked_sending} events, took {drained:.1f} s to answer",
                flush=True,
            )
            # CPU time per event is what load on a shared machine does not change much.
            hits, misses = sum(b.hits for b in bodies), sum(b.misses for b in bodies)
            per = {k: (cpu1[k] - cpu0[k]) / max(1, ingested) * 1e6 for k in cpu0}
            per_request = (cpu1["county"] - cpu0["county"]) / max(1, requests) * 1e6
            print(
                f"CPU per event ingested: county server {per['county']:.0f} µs "
                f"({per_request:.0f} µs per request), PostgreSQL {per['postgres']:.0f} µs "
                f"(so one core each would take {1e6 / max(1.0, per['county']):,.0f} and "
                f"{1e6 / max(1.0, per['postgres']):,.0f} events/s); the benchmark's own hall simulator "
                f"{per['bench']:.0f} µs (bodies deflated on {misses / max(1, hits + misses):.0%} of requests) "
                f"and /api/halls watcher {per['watcher']:.0f} µs on the same cores",
                flush=True,
            )
            # Whether the machine itself is the limit: the four processes' CPU against its cores.
            used = sum(cpu_sending[k] - cpu0[k] for k in cpu0)
            print(
                f"while the halls were sending, all four processes together kept {used / elapsed:.2f} of this "
                f"machine's {os.cpu_count()} cores busy, {used / max(1, sent) * 1e6:.0f} µs of CPU per request",
                flush=True,
            )
            print(
                f"commit -> /api/halls lag: p50 {quantile(lags, 0.5):.2f} s, p99 {quantile(lags, 0.99):.2f} s "
                f"({len(lags)} samples); sync interval {ns.interval} s; failed requests {errors}"
            )
            busy_s = busy_end * scale
            busy = [lag for at, lag in lag_at if at < busy_s]
            busy_acked = sum(n for at, n in acked_at if at < busy_s)
            print(
                f"in the busy hours (the first {busy_s:.0f} s, offered {ns.rate:,} events/s): ingested "
                f"{busy_acked / busy_s:,.0f} events/s; lag p50 {quantile(busy, 0.5):.2f} s, "
                f"p99 {quantile(busy, 0.99):.2f} s"
            )
            busy_answers = [a for at, a in answers if at < busy_s]
            print(
                f"a sync request's answer in the busy hours: p50 {quantile(busy_answers, 0.5) * 1000:.0f} ms, "
                f"p99 {quantile(busy_answers, 0.99) * 1000:.0f} ms ({len(busy_answers)} requests)"
            )
            print("each 30 s of the run (events/s acknowledged; lag p50/p99 of the events committed in it):")
            print(_by_window(lag_at, acked_at, 30.0))
            print(
                f"GET /api/halls with {ns.halls} halls: p50 {quantile(api_ms, 0.5):.0f} ms, "
                f"p99 {quantile(api_ms, 0.99):.0f} ms (while ingesting)"
            )
            sizes = await _sizes(dsn)
            per_event = sizes["events"] / max(1, ingested)
            per_day = total / ns.halls
            print(
                f"PostgreSQL: events {sizes['events'] / 2**20:.0f} MiB, database {sizes['db'] / 2**20:.0f} MiB; "
                f"{per_event:.0f} B/event; per hall-year ({per_day:.0f} events/day x {WORKING_DAYS} days): "
                f"{per_event * per_day * WORKING_DAYS / 2**20:.0f} MiB",
                flush=True,
            )
        if not ns.no_browser:
            await _board_refresh(url, ns.halls)
    finally:
        if county is not None:
            county.stop()
        pg.stop()


def _busy_hours(days: list[list[float]]) -> tuple[float, float]:
    """The simulated seconds from opening that the busy hours end at, and their share of
    the events: the half hours up to the last with at least 90% of the busiest one's events."""
    bins: dict[int, int] = {}
    for offsets in days:
        for o in offsets:
            bins[int(o // 1800)] = bins.get(int(o // 1800), 0) + 1
    peak = max(bins.values())
    last = max(k for k, n in bins.items() if n >= 0.9 * peak)
    busy = sum(n for k, n in bins.items() if k <= last)
    return (last + 1) * 1800.0, busy / sum(bins.values())


def _by_window(lags: list[tuple[float, float]], acked: list[tuple[float, int]], width: float) -> str:
    """Each ``width`` seconds: events/s acknowledged in it, and the lag p50/p99 of the events
    committed in it (a steady lag, or spikes)."""
    windows: dict[int, list[float]] = {}
    for at, lag in lags:
        windows.setdefault(int(at // width), []).append(lag)
    done: dict[int, int] = {}
    for at, n in acked:
        done[int(at // width)] = done.get(int(at // width), 0) + n
    return "\n".join(
        f"  {k * width:4.0f}-{(k + 1) * width:.0f} s: {done.get(k, 0) / width:7,.0f}/s  "
        f"{quantile(windows.get(k, []), 0.5):.2f}/{quantile(windows.get(k, []), 0.99):.2f} s"
        for k in sorted(set(windows) | set(done))
    )


def _ticks(pid: int) -> int:
    """utime + stime of ``pid`` in clock ticks (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _family(parent: int) -> list[int]:
    """``parent`` and its child processes."""
    found = [parent]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _cpu(county: CountyProcess, pg: PgCluster, watcher: int) -> dict[str, float]:
    """CPU seconds used so far by the county server (with its workers), the cluster's
    processes, this process (the simulated halls) and the ``/api/halls`` watcher process."""
    hz = os.sysconf("SC_CLK_TCK")
    master = int((pg.data / "postmaster.pid").read_text().split()[0])
    own = os.times()
    return {
        "county": sum(_ticks(p) for p in _family(county.pid)) / hz,
        "postgres": sum(_ticks(p) for p in _family(master)) / hz,
        "bench": own.user + own.system,
        "watcher": _ticks(watcher) / hz,
    }


async def _sizes(dsn: str) -> dict[str, int]:
    conn = await asyncpg.connect(dsn)
    try:
        events = await conn.fetchval(
            "SELECT COALESCE(sum(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits "
            "WHERE inhparent = 'events'::regclass"
        )
        db = await conn.fetchval("SELECT pg_database_size(current_database())")
    finally:
        await conn.close()
    return {"events": int(events), "db": int(db)}


async def _board_refresh(url: str, halls: int) -> None:
    from playwright.async_api import async_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = await browser.new_page(viewport={"width": 1600, "height": 900}, locale="zh-CN", bypass_csp=True)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(url + "/board")
        await page.fill("input[name=login]", "bench")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("#login-form button[type=submit]")
        await page.wait_for_function(f"window.boardState && window.boardState.rows === {halls}", timeout=30000)
        samples = []
        for _ in range(6):
            n = await page.evaluate("window.boardState.refreshes")
            await page.wait_for_function(f"window.boardState.refreshes > {n}", timeout=30000)
            samples.append(await page.evaluate("window.boardState.refreshMs"))
        await page.screenshot(path=str(SHOTS / "county-board-2000.png"))
        await browser.close()
    print(
        f"board refresh in Chromium with {halls} halls (fetch + render): median {statistics.median(samples):.0f} ms, "
        f"max {max(samples):.0f} ms; JS errors: {len(errors)}; screenshot var/shots/county-board-2000.png"
    )


def _watch(url: str, stop: EventType, results: multiprocessing.Queue) -> None:
    """In its own process: poll /api/halls; report (monotonic time, hall, seq) when a seq moves."""

    async def go() -> None:
        observations: list[tuple[float, int, int]] = []
        ms: list[float] = []
        last: dict[int, int] = {}
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            r = await http.post(url + "/api/login", json={"login": "bench", "password": PASSWORD})
            assert r.status == 200
            results.put("ready")
            while not stop.is_set():
                a = time.monotonic()
                async with http.get(url + "/api/halls") as r:
                    rows = orjson.loads(await r.read())  # orjson: the watcher's own parsing adds little to the lag
                now = time.monotonic()
                ms.append((now - a) * 1000)
                for row in rows:
                    if row["seq"] != last.get(row["id"]):
                        last[row["id"]] = row["seq"]
                        observations.append((now, row["id"], row["seq"]))
                await asyncio.sleep(0.1)  # the lag's sampling error: the sleep and one fetch
        results.put((observations, ms))

    asyncio.run(go())


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.county", description=__doc__.split("\n\n")[0])
    p.add_argument("--halls", type=int, default=2000)
    p.add_argument("--tickets", type=int, default=600, help="tickets per hall-day")
    p.add_argument(
        "--rate", type=int, default=22000, help="offered events/s in the busy hours (how hard the day is compressed)"
    )
    p.add_argument("--interval", type=float, default=1.0, help="seconds between one hall's sync requests")
    p.add_argument("--batch", type=int, default=1000, help="events per request at most")
    p.add_argument(
        "--connections",
        type=int,
        default=0,
        help="keep-alive connections shared by the halls (default 0: each hall its own, as real halls)",
    )
    p.add_argument("--max-seconds", type=float, default=300.0, help="stop ingesting after this long")
    p.add_argument("--workers", type=int, default=2, help="county server processes (serve --workers)")
    p.add_argument("--profile", help="write a cProfile of the county server to this file (with --workers 1)")
    p.add_argument("--pg", action="append", default=[], metavar="NAME=VALUE", help="a postgresql.conf setting")
    p.add_argument("--no-browser", action="store_true", help="skip the Chromium board timing")
    ns = p.parse_args(argv)
    asyncio.run(run(ns))


if __name__ == "__main__":
    main()
