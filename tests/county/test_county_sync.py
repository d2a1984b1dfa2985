"""Halls sync to the county: live figures, outages, a hostile network, restores, revoked tokens."""

from __future__ import annotations

import asyncio
import io
import time
import zipfile
from pathlib import Path

import aiohttp

from bianmin.sync import HallRow

from .conftest import PASSWORD, county_events, wait_for


async def _hall_row(county, session, hall_id):
    async with session.get("/api/halls") as r:
        assert r.status == 200
        rows = await r.json()
    return next(row for row in rows if row["id"] == hall_id)


async def test_two_halls_show_on_the_county_within_2s(county, halls):
    (id1, tok1), (id2, tok2) = county.add_hall("城关镇便民服务中心"), county.add_hall("河口乡便民服务中心")
    h1, h2 = halls(county.url, tok1), halls(county.url, tok2)
    h1.start()
    h2.start()
    session = await county.session()
    try:
        await h1.login()
        await h2.login()
        for _ in range(3):
            await h1.issue("A")
        await h2.issue("B")
        await h2.issue("B")
        await h1.serve_one(1)
        await h2.serve_one(2)
        t0 = time.monotonic()
        snap1, snap2 = await h1.snapshot(), await h2.snapshot()

        async def both_current():
            r1, r2 = await _hall_row(county, session, id1), await _hall_row(county, session, id2)
            return (r1, r2) if r1["seq"] == snap1["seq"] and r2["seq"] == snap2["seq"] else None

        r1, r2 = await wait_for(both_current, timeout=2.0, interval=0.05)
        assert time.monotonic() - t0 < 2.0
        assert (r1["waiting"], r1["served_today"], r1["windows_open"]) == (2, 1, 1)
        assert (r2["waiting"], r2["served_today"]) == (1, 1)
        assert r1["wait_p50_s"] is not None and not r1["silent"] and r1["pending"] == 0
        assert r1["satisfaction"] is None  # the slow figures come apart (test_figures_notices)
        assert HallRow.from_dict(r1).to_dict() == r1  # the typed wire row, exactly
        async with session.get(f"/api/halls/{id1}/snapshot") as r:
            county_snap = await r.json()
        assert county_snap["waiting"] == snap1["waiting"]
        assert [t["number"] for t in county_snap["queue"]] == [t["number"] for t in snap1["queue"]]
        # The county knows the windows that have acted (events carry them), exactly as the hall has them.
        by_number = {w["number"]: w for w in snap1["windows"]}
        assert county_snap["windows"] and all(w == by_number[w["number"]] for w in county_snap["windows"])
        state = await wait_for(lambda: _synced(h1))
        assert state["label"] == "已同步" and state["last_ok"]
        # The sync state is for the manager: a window clerk is refused.
        h2.cli("add-clerk", "--login", "c", "--name", "李窗口", "--password-stdin", stdin=PASSWORD + "\n")
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as clerk:
            r = await clerk.post(h2.url + "/api/login", json={"login": "c", "password": PASSWORD})
            assert r.status == 200
            async with clerk.get(h2.url + "/api/county-sync") as r:
                assert r.status == 403 and (await r.json())["error"]["code"] == "manager_only"
    finally:
        await session.close()


async def _synced(hall):
    state = await hall.sync_state()
    return state if state.get("pending") == 0 and state.get("last_ok") else None


async def _exactly_the_halls_events(county, hall_id, hall):
    stored = await county_events(county, hall_id)
    theirs = hall.events()
    return [(s, p) for _, s, _, p in stored] == theirs and all(not sup for _, _, sup, _ in stored)


async def test_county_down_halls_keep_working_and_catch_up(county, halls):
    hid, tok = county.add_hall("城关镇")
    hall = halls(county.url, tok)
    hall.start()
    await hall.login()
    await hall.issue("A")
    await wait_for(lambda: _synced(hall))
    county.kill()
    for _ in range(20):
        await hall.issue("A")  # never waits on the county
    for _ in range(5):
        await hall.serve_one(1)

    async def failing():
        state = await hall.sync_state()
        return state if state["last_error"] else None

    state = await wait_for(failing)
    assert state["pending"] == 35 and state["label"] == "待同步 35 条" and "县" in state["last_error"]
    await asyncio.sleep(2)  # a few failed tries with backoff
    county.start()
    await wait_for(lambda: _synced(hall), timeout=30)
    assert await _exactly_the_halls_events(county, hid, hall)


async def test_revoked_hall_token_is_refused(county, halls):
    hid, tok = county.add_hall("城关镇")
    session = await county.session()
    try:
        async with session.post(f"/api/admin/halls/{hid}/revoke") as r:
            assert r.status == 200
        async with session.post(
            "/api/sync", json={"epoch": "e", "events": []}, headers={"Authorization": f"Bearer {tok}"}
        ) as r:
            assert r.status == 401
            assert (await r.json())["error"]["code"] == "bad_hall_token"
        hall = halls(county.url, tok)
        hall.start()
        await hall.login()
        await hall.issue("A")
        await asyncio.sleep(1.5)
        state = await hall.sync_state()
        assert state["last_ok"] is None and "401" in state["last_error"]
        assert await county_events(county, hid) == []
        async with session.get("/api/halls") as r:
            assert hid not in [row["id"] for row in await r.json()]
    finally:
        await session.close()


async def test_token_revoked_elsewhere_is_refused_within_the_cache_time(county):
    """Another county process (here: SQL) revokes a token this server has cached: refused
    within ``TOKEN_CACHE_S`` (one query for every hall's revocations), accepted before."""
    import asyncpg

    from county.accounts import TOKEN_CACHE_S

    hid, tok = county.add_hall("城关镇")
    auth = {"Authorization": f"Bearer {tok}"}
    async with aiohttp.ClientSession(county.url) as s:
        async with s.post("/api/sync", json={"epoch": "e", "events": []}, headers=auth) as r:
            assert r.status == 200  # now cached
        conn = await asyncpg.connect(county.dsn)
        try:
            await conn.execute("UPDATE halls SET revoked_at = now() WHERE id = $1", hid)
        finally:
            await conn.close()
        start = time.monotonic()

        async def refused():
            async with s.post("/api/sync", json={"epoch": "e", "events": []}, headers=auth) as r:
                return r.status == 401

        await wait_for(refused, timeout=TOKEN_CACHE_S + 3)
        assert time.monotonic() - start <= TOKEN_CACHE_S + 3


class FlakyProxy:
    """An HTTP proxy in front of the county that drops, delays and duplicates requests.

    Deterministic (seeded): per request it drops it before forwarding, forwards but drops
    the answer, forwards it twice (a duplicate), or delays it, then answers normally."""

    def __init__(self, target: str, seed: int = 17):
        import random

        self.target = target
        self.rng = random.Random(seed)
        self.counts = {"drop": 0, "lose_answer": 0, "duplicate": 0, "delay": 0, "pass": 0}
        self.fates: list[str] = []
        self.runner = None
        self.port = 0

    async def handle(self, request):
        import aiohttp
        from aiohttp import web

        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("authorization", "content-type")}
        # Forward the body inflated: aiohttp already inflated the hall's gzip.
        if not self.fates:  # every kind of trouble in each run of six requests, in a seeded order
            self.fates = ["drop", "lose_answer", "duplicate", "delay", "pass", "pass"]
            self.rng.shuffle(self.fates)
        fate = self.fates.pop()
        self.counts[fate] += 1
        if fate == "drop":
            raise web.HTTPBadGateway()
        if fate == "delay":
            await asyncio.sleep(self.rng.uniform(0.05, 0.6))
        async with aiohttp.ClientSession() as s:

            async def forward():
                async with s.post(self.target + request.path, data=body, headers=headers) as r:
                    return r.status, await r.read()

            if fate == "duplicate":
                _, second = await asyncio.gather(forward(), forward())
                status, data = second
            else:
                status, data = await forward()
        if fate == "lose_answer":
            raise web.HTTPGatewayTimeout()
        return web.Response(status=status, body=data, content_type="application/json")

    async def start(self) -> str:
        from aiohttp import web

        from bench.devserver import free_port

        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_post("/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        self.port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


async def test_dropping_delaying_duplicating_proxy_loses_nothing_and_doubles_nothing(county, halls):
    hid, tok = county.add_hall("城关镇")
    proxy = FlakyProxy(county.url)
    url = await proxy.start()
    try:
        hall = halls(url, tok)
        await asyncio.to_thread(hall.start)
        await hall.login()
        for i in range(30):
            await hall.issue("A" if i % 2 else "C")
            if i % 3 == 2:
                await hall.serve_one(1)
            await asyncio.sleep(0.03)
        await wait_for(lambda: _synced(hall), timeout=60, interval=0.2)
        assert await _exactly_the_halls_events(county, hid, hall)
        assert all(proxy.counts[k] > 0 for k in ("drop", "lose_answer", "duplicate", "delay")), proxy.counts
    finally:
        await proxy.stop()


async def test_restored_hall_is_reconciled_not_double_counted(county, halls, tmp_path):
    import shutil
    import sqlite3

    from queue_server.epoch import new_epoch_after_restore

    hid, tok = county.add_hall("城关镇")
    hall = halls(county.url, tok)
    hall.start()
    await hall.login()
    for _ in range(6):
        await hall.issue("A")
    await hall.serve_one(1)
    await wait_for(lambda: _synced(hall))
    backup = tmp_path / "backup.db"
    src, dst = sqlite3.connect(hall.db), sqlite3.connect(backup)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    fork_seq = len(hall.events())
    for _ in range(4):
        await hall.issue("A")
    await hall.serve_one(1)
    await hall.serve_one(1)
    await wait_for(lambda: _synced(hall))
    lost = len(hall.events()) - fork_seq
    await hall.aclose()  # its keep-alive connections die with the process
    hall.stop()
    # Restore the older copy, as the restore command will: copy it over, then a new epoch.
    for suffix in ("-wal", "-shm"):
        Path(str(hall.db) + suffix).unlink(missing_ok=True)
    shutil.copy(backup, hall.db)
    identity = new_epoch_after_restore(hall.db)
    assert identity.parent_epoch and identity.fork_seq == fork_seq
    hall.start()
    await hall.login()
    await hall.issue("C")
    await hall.serve_one(1)
    await wait_for(lambda: _synced(hall))
    stored = await county_events(county, hid)
    counted = sorted((s, p) for _, s, sup, p in stored if not sup)
    assert counted == hall.events()  # the restored line, once
    superseded = [(e, s) for e, s, sup, _ in stored if sup]
    assert len(superseded) == lost and {e for e, _ in superseded} == {identity.parent_epoch}
    session = await county.session()
    try:
        snap = await hall.snapshot()
        row = await _hall_row(county, session, hid)
        served = sum(w["served_today"] for w in snap["windows"])
        assert (row["seq"], row["waiting"], row["served_today"]) == (snap["seq"], sum(snap["waiting"].values()), served)
        async with session.get(f"/api/halls/{hid}/day") as r:
            day = await r.json()
        issued = sum(1 for _, p in hall.events() if p["type"] == "ticket_issued")
        assert day["issued"] == issued
        assert day["served"] == served
        month = day["day"][:7]
        async with session.get(f"/api/stats?month={month}") as r:
            stats = {h["id"]: h for h in (await r.json())["halls"]}
        assert (stats[hid]["issued"], stats[hid]["served"]) == (issued, served)
        async with session.get(f"/api/stats.xlsx?month={month}") as r:
            assert r.status == 200
            book = zipfile.ZipFile(io.BytesIO(await r.read()))
        strings = book.read("xl/sharedStrings.xml").decode()
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        assert "城关镇" in strings and f"<v>{issued}</v>" in sheet
        async with session.get("/api/stats?month=2026-13") as r:
            assert r.status == 400 and (await r.json())["error"]["code"] == "bad_month"
    finally:
        await session.close()
