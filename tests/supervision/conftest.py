"""Fixtures for supervision: the app in-process over a real SQLite file with the clock passed
in (for the rating period), and helpers that take a ticket through a real service."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from queue_server.accounts import Accounts
from queue_server.app import create_app
from queue_server.settings import Settings
from queue_server.store import Store
from tests.server.conftest import FakeClock

PASSWORD = "pass-12345"
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def clock():
    return FakeClock(dt.datetime(2026, 11, 16, 9, 0, tzinfo=TZ))  # a Monday


@pytest.fixture
async def hall(tmp_path, aiohttp_client, clock):
    """The app with a kiosk, a clerk at window 1 (w1), another (w2) and a manager (boss)."""
    store = await Store.open(tmp_path / "queue.db")
    accounts = Accounts(store)
    _, kiosk = await accounts.add_device("kiosk", "取号机")
    await accounts.add_clerk("w1", "张三", [1], PASSWORD)
    await accounts.add_clerk("w2", "李四", [2], PASSWORD)
    await accounts.add_clerk("boss", "刘主任", [], PASSWORD, role="manager")
    settings = Settings(db=tmp_path / "queue.db", always_open=True)
    client = await aiohttp_client(create_app(settings, store, clock=clock))
    client.kiosk = {"Authorization": f"Bearer {kiosk}"}
    client.store = store
    yield client
    await store.close()


async def login(client, who: str = "w1") -> None:
    r = await client.post("/api/login", json={"login": who, "password": PASSWORD})
    assert r.status == 200, await r.text()


async def served(client, window: int = 1, who: str = "w1", matter: str | None = None) -> dict:
    """A ticket issued, called and finished at ``window`` by ``who``; returns the issued ticket."""
    body = {"category": "A", **({"matter": matter} if matter else {})}
    r = await client.post("/api/tickets", json=body, headers=client.kiosk)
    assert r.status == 201, await r.text()
    ticket = await r.json()
    await login(client, who)
    for step, payload in (("call", {}), ("finish", {"outcome": "instant"})):
        r = await client.post(f"/api/windows/{window}/{step}", json=payload)
        assert r.status == 200, (step, await r.text())
    return ticket
