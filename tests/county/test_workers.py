"""``serve --workers 2``: two real server processes on one port, one real PostgreSQL. A
hall's batches land on either worker, yet every event is stored once, in order, and the
live state equals a fresh replay; a worker that dies is replaced; SIGTERM stops them all."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from pathlib import Path

import aiohttp
import orjson
import pytest

from bench.devserver import CountyProcess, county_cli
from bianmin.sync import NOTICES_PATH, SYNC_PATH
from county import live
from county.events import decode_event
from county.simhall import simulate_day

from .conftest import ADMIN, PASSWORD


def workers_of(pid: int) -> list[int]:
    """The server processes the supervisor ``pid`` started (its children running spawn_main)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) != pid:
                continue
            if b"spawn_main" in (stat.parent / "cmdline").read_bytes():
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return sorted(found)


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


async def push(url: str, token: str, events: list[dict], step: int, acked: int = 0) -> None:
    """A hall's sync, one request at a time, each on a new connection (so either worker may
    take it), with every other request resending the last few events it already sent."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        n = 0
        while acked < len(events):
            start = max(0, acked - 5) if n % 2 else acked
            body = {"epoch": "db-1", "events": events[start : acked + step], "hall_seq": len(events)}
            async with http.post(url + SYNC_PATH, data=orjson.dumps(body), headers=headers) as r:
                assert r.status == 200, await r.text()
                ack = await r.json()
            assert ack["acked_seq"] == min(acked + step, len(events))
            acked, n = ack["acked_seq"], n + 1


def replayed(events: list[dict]) -> live.Live:
    state = live.empty()
    for ev in events:
        live.apply(state, decode_event(orjson.dumps(ev)))
    return state


async def check(county: CountyProcess, halls: dict[int, list[dict]]) -> None:
    async with aiohttp.ClientSession(county.url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        r = await http.post("/api/login", json={"login": ADMIN[0], "password": PASSWORD})
        assert r.status == 200
        rows = {row["id"]: row for row in await (await http.get("/api/halls")).json()}
        for hid, events in halls.items():
            expect = replayed(events)
            figures = live.figures(expect)
            assert rows[hid]["seq"] == len(events)
            assert {k: rows[hid][k] for k in ("waiting", "served_today", "wait_p50_s")} == {
                k: figures[k] for k in ("waiting", "served_today", "wait_p50_s")
            }
            snap = await (await http.get(f"/api/halls/{hid}/snapshot")).json()
            assert {k: v for k, v in snap.items() if k != "hall"} == live.snapshot(expect)


async def stored_seqs(county: CountyProcess, hid: int) -> list[int]:
    import asyncpg

    conn = await asyncpg.connect(county.dsn)
    try:
        return [r[0] for r in await conn.fetch("SELECT seq FROM events WHERE hall_id = $1 ORDER BY seq", hid)]
    finally:
        await conn.close()


@pytest.fixture
def two_workers(pg, tmp_path):
    dsn = pg.new_database()
    county_cli(dsn, "add-user", "--login", ADMIN[0], "--name", ADMIN[1], "--password-stdin", stdin=PASSWORD + "\n")
    srv = CountyProcess(dsn, tmp_path / "county.log", "--workers", "2")
    srv.start()
    yield srv
    srv.stop()


async def test_two_workers_store_every_event_once_and_replace_a_dead_one(two_workers):
    county = two_workers
    tokens = {}
    for i in range(3):
        hid, token = county_cli(county.dsn, "add-hall", "--name", f"乡镇{i}").split()
        tokens[int(hid)] = token
    days = {hid: simulate_day(dt_day(), 150, seed=hid) for hid in tokens}
    first = {hid: evs[: len(evs) // 2] for hid, evs in days.items()}
    deadline = time.monotonic() + 20
    while len(workers_of(county.pid)) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    pids = workers_of(county.pid)
    assert len(pids) == 2, pids
    before = {p: cpu_ticks(p) for p in pids}
    await asyncio.gather(*(push(county.url, tokens[h], evs, 25) for h, evs in first.items()))
    # Both workers took requests (each parsed and committed some of the batches).
    assert all(cpu_ticks(p) > before[p] for p in pids), (before, {p: cpu_ticks(p) for p in pids})
    for hid, evs in first.items():
        assert await stored_seqs(county, hid) == list(range(1, len(evs) + 1))
    await check(county, first)

    os.kill(pids[0], signal.SIGKILL)
    deadline = time.monotonic() + 20
    while (len(workers_of(county.pid)) < 2 or pids[0] in workers_of(county.pid)) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert len(workers_of(county.pid)) == 2 and pids[0] not in workers_of(county.pid)
    await asyncio.sleep(1.0)  # the new worker listens once its pool is open
    await asyncio.gather(*(push(county.url, tokens[h], evs, 40, len(first[h])) for h, evs in days.items()))
    for hid, evs in days.items():
        assert await stored_seqs(county, hid) == list(range(1, len(evs) + 1))
    await check(county, days)

    everyone = [county.pid, *workers_of(county.pid)]
    county.proc.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(county.proc.wait, 20) == 0
    assert not [p for p in everyone if Path(f"/proc/{p}").exists()]


def dt_day():
    import datetime as dt

    return dt.date(2026, 12, 2)


def test_workers_need_a_free_port_and_a_sane_count(two_workers):
    out = county_cli_fails(two_workers.dsn, "--port", str(two_workers.port), "--workers", "2")
    assert "已被占用" in out
    assert "--workers 0 无效" in county_cli_fails(two_workers.dsn, "--workers", "0")
    assert "--pool-size 3 无效" in county_cli_fails(two_workers.dsn, "--pool-size", "3")
    # 16 workers of 21 connections each do not fit the test cluster's max_connections (200).
    out = county_cli_fails(two_workers.dsn, "--port", "1", "--workers", "16", "--pool-size", "20")
    assert "共需 336 个连接" in out and "max_connections" in out


def county_cli_fails(dsn: str, *args: str) -> str:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "county", "serve", "--dsn", dsn, *args], capture_output=True, text=True, timeout=60
    )
    assert out.returncode != 0
    return out.stderr


def sockets(pid: int) -> int:
    fds = Path(f"/proc/{pid}/fd")
    count = 0
    for fd in fds.iterdir():
        with contextlib.suppress(OSError):
            count += os.readlink(fd).startswith("socket:")
    return count


async def test_a_notice_wakes_the_halls_waiting_on_every_worker(two_workers):
    """A post on one worker answers the long-polls held by the other at once (LISTEN/NOTIFY),
    not when their wait runs out."""
    county = two_workers
    _, token = county_cli(county.dsn, "add-hall", "--name", "河口乡").split()
    deadline = time.monotonic() + 20
    while len(workers_of(county.pid)) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    pids = workers_of(county.pid)
    await asyncio.sleep(1.0)  # each worker's LISTEN connection is up
    base = {p: sockets(p) for p in pids}
    headers = {"Authorization": f"Bearer {token}"}
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))

    async def poll() -> tuple[float, dict]:
        start = time.monotonic()
        async with http.get(county.url + NOTICES_PATH, params={"after": "0", "wait": "25"}, headers=headers) as r:
            assert r.status == 200, await r.text()
            return time.monotonic() - start, await r.json()

    polls: list[asyncio.Task] = []
    try:
        # Open long-polls until both workers hold some (the kernel spreads connections by hash).
        while len(polls) < 40 and not all(sockets(p) > base[p] for p in pids):
            polls.append(asyncio.create_task(poll()))
            await asyncio.sleep(0.2)
        assert all(sockets(p) > base[p] for p in pids), "the polls all went to one worker"
        await asyncio.sleep(0.5)
        assert not any(p.done() for p in polls)
        async with aiohttp.ClientSession(county.url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as admin:
            r = await admin.post("/api/login", json={"login": ADMIN[0], "password": PASSWORD})
            assert r.status == 200
            r = await admin.post("/api/notices", json={"title": "停电通知", "text": "周六停电", "halls": "all"})
            assert r.status == 201, await r.text()
        answers = await asyncio.wait_for(asyncio.gather(*polls), 10)
    finally:
        for p in polls:
            p.cancel()
        await http.close()
    assert all([n["title"] for n in body["notices"]] == ["停电通知"] for _, body in answers)
    assert max(took for took, _ in answers) < 20


async def test_workers_stop_when_their_supervisor_is_killed(two_workers):
    county = two_workers
    deadline = time.monotonic() + 20
    while len(workers_of(county.pid)) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    pids = workers_of(county.pid)
    assert len(pids) == 2
    county.proc.kill()  # SIGKILL: the supervisor cannot stop them itself
    await asyncio.to_thread(county.proc.wait, 10)
    deadline = time.monotonic() + 15
    while any(map(running, pids)) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    assert not [p for p in pids if running(p)], "workers outlived their supervisor"


def running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's exit is reaped by whoever adopted it, maybe late)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
