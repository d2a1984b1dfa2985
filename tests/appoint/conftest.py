"""Fixtures: the real app in-process over a real SQLite file, with a clock the test sets
and the sample center's real calendar (no always-open)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from bianmin.center import load_center
from queue_server.accounts import Accounts
from queue_server.app import create_app
from queue_server.settings import Settings
from queue_server.store import Store
from tests.server.conftest import PASSWORD, FakeClock

TZ = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=TZ)


@pytest.fixture
def clock():
    return FakeClock(at(2026, 11, 27, 9, 0))  # a Friday: an office day


@pytest.fixture
def capacity():
    return 2


@pytest.fixture
async def hall(tmp_path, aiohttp_client, clock, capacity):
    """The app on the sample center (appointment capacity from the ``capacity`` fixture)."""
    store = await Store.open(tmp_path / "queue.db")
    accounts = Accounts(store)
    _, kiosk = await accounts.add_device("kiosk", "取号机")
    await accounts.add_clerk("w1", "窗口一", [1], PASSWORD)
    await accounts.add_clerk("w4", "综合窗口", [4], PASSWORD)
    await accounts.add_clerk("cun", "东村代办员", [], PASSWORD, role="agent")
    center = load_center()
    center = replace(center, appointments=replace(center.appointments, capacity=capacity))
    settings = Settings(db=tmp_path / "queue.db")
    client = await aiohttp_client(create_app(settings, store, clock=clock, center=center))
    client.kiosk = {"Authorization": f"Bearer {kiosk}"}
    client.clock = clock
    yield client
    await store.close()


async def login(client, who="w1"):
    r = await client.post("/api/login", json={"login": who, "password": PASSWORD})
    assert r.status == 200, await r.text()


async def logout(client):
    await client.post("/api/logout")
