"""Fixtures: a throwaway PostgreSQL cluster (session), a county server process on a fresh
database, and real hall server processes that sync to it, each on its own SQLite file."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import aiohttp
import pytest

from bench.devserver import CountyProcess, PgCluster, ServerProcess, county_cli
from county import db

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "shots"
PASSWORD = "pass-12345"
ADMIN = ("admin", "县管理员")


@pytest.fixture(scope="session")
def pg():
    cluster = PgCluster().start()
    yield cluster
    cluster.stop()


class County(CountyProcess):
    def add_hall(self, name: str) -> tuple[int, str]:
        hid, token = county_cli(self.dsn, "add-hall", "--name", name).split()
        return int(hid), token

    async def session(self) -> aiohttp.ClientSession:
        """An HTTP session logged in as the county admin."""
        s = aiohttp.ClientSession(self.url, cookie_jar=aiohttp.CookieJar(unsafe=True))
        r = await s.post("/api/login", json={"login": ADMIN[0], "password": PASSWORD})
        assert r.status == 200, await r.text()
        return s


@pytest.fixture
async def county_db(pg):
    """A fresh county database with two halls: (pool, their ids)."""
    dsn = pg.new_database()
    hall_ids = [int(county_cli(dsn, "add-hall", "--name", f"乡镇{i}").split()[0]) for i in (1, 2)]
    pool = await db.connect(dsn)
    yield pool, hall_ids
    await pool.close()


@pytest.fixture
def county(pg, tmp_path):
    dsn = pg.new_database()
    county_cli(dsn, "add-user", "--login", ADMIN[0], "--name", ADMIN[1], "--password-stdin", stdin=PASSWORD + "\n")
    srv = County(dsn, tmp_path / "county.log")
    srv.start()
    yield srv
    srv.stop()


class Hall(ServerProcess):
    """A hall server process with a kiosk token and a clerk who may use every window."""

    def __init__(self, db: Path, county_url: str, token: str):
        super().__init__(db, "--always-open", "--county-url", county_url, "--county-token", token)
        self.kiosk = self.cli("add-device", "--kind", "kiosk", "--name", "取号机")
        self.cli(
            "add-clerk",
            "--login",
            "w",
            "--name",
            "王窗口",
            "--role",
            "manager",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        self.http: aiohttp.ClientSession | None = None

    async def _session(self) -> aiohttp.ClientSession:
        if self.http is None or self.http.closed:
            self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        return self.http

    async def login(self) -> None:
        s = await self._session()
        r = await s.post(self.url + "/api/login", json={"login": "w", "password": PASSWORD})
        assert r.status == 200, await r.text()

    async def issue(self, category: str = "A") -> dict:
        s = await self._session()
        r = await s.post(
            self.url + "/api/tickets", json={"category": category}, headers={"Authorization": f"Bearer {self.kiosk}"}
        )
        assert r.status == 201, await r.text()
        return await r.json()

    async def act(self, window: int, action: str, body: dict | None = None) -> tuple[int, dict]:
        s = await self._session()
        r = await s.post(f"{self.url}/api/windows/{window}/{action}", json=body or {})
        return r.status, await r.json()

    async def serve_one(self, window: int = 1) -> None:
        """Call, start and finish the next ticket at ``window``."""
        for action, body in (("call", None), ("start", None), ("finish", {"outcome": "instant"})):
            status, data = await self.act(window, action, body)
            assert status == 200, data

    async def snapshot(self) -> dict:
        s = await self._session()
        async with s.get(self.url + "/api/snapshot") as r:
            return await r.json()

    async def sync_state(self) -> dict:
        s = await self._session()
        async with s.get(self.url + "/api/county-sync") as r:
            return await r.json()

    def events(self) -> list[tuple[int, dict]]:
        import sqlite3

        conn = sqlite3.connect(self.db)
        try:
            return [(seq, json.loads(p)) for seq, p in conn.execute("SELECT seq, payload FROM events ORDER BY seq")]
        finally:
            conn.close()

    async def aclose(self) -> None:
        if self.http is not None:
            await self.http.close()


@pytest.fixture
async def halls(tmp_path):
    made: list[Hall] = []

    def make(county_url: str, token: str, name: str = "hall") -> Hall:
        h = Hall(tmp_path / f"{name}-{len(made)}.db", county_url, token)
        made.append(h)
        return h

    yield make
    for h in made:
        await h.aclose()
        h.stop()


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


async def open_board(pw, county_url: str):
    """Debian's Chromium on the county's ``/board``: (browser, context, page, JS errors seen)."""
    browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
    ctx = await browser.new_context(
        base_url=county_url, viewport={"width": 1600, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    ctx.set_default_timeout(8000)
    page = await ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    await page.goto("/board")
    return browser, ctx, page, errors


async def wait_for(predicate, timeout: float = 10.0, interval: float = 0.1):
    """Poll the async ``predicate`` until it returns a truthy value; that value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await predicate()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out; last value {last!r}")


async def county_events(county: County, hall_id: int) -> list[tuple[str, int, bool, dict]]:
    """The county's stored events of one hall: (epoch, seq, superseded, payload)."""
    import asyncpg

    conn = await asyncpg.connect(county.dsn)
    try:
        rows = await conn.fetch(
            "SELECT epoch, seq, superseded, payload::text FROM events WHERE hall_id = $1 ORDER BY epoch, seq", hall_id
        )
    finally:
        await conn.close()
    return [(r[0], r[1], r[2], json.loads(r[3])) for r in rows]
