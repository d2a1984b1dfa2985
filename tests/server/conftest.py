"""Fixtures: the real app in-process over a real SQLite file, and the real server as a process."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bench.devserver import ServerProcess
from queue_server.accounts import Accounts
from queue_server.app import create_app
from queue_server.settings import Settings
from queue_server.store import Store

PASSWORD = "pass-12345"


class FakeClock:
    """A settable clock for day-boundary tests (the rules take ``now``; so does the service)."""

    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock():
    return FakeClock(dt.datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))


@pytest.fixture
async def hall(tmp_path, aiohttp_client, clock):
    """An in-process app on a real database file, with a kiosk token and two clerks."""
    store = await Store.open(tmp_path / "queue.db")
    accounts = Accounts(store)
    _, kiosk = await accounts.add_device("kiosk", "取号机")
    await accounts.add_clerk("w1", "窗口一", [1], PASSWORD)
    await accounts.add_clerk("w3", "窗口三", [3], PASSWORD)
    settings = Settings(db=tmp_path / "queue.db", always_open=True)
    client = await aiohttp_client(create_app(settings, store, clock=clock))
    client.kiosk = {"Authorization": f"Bearer {kiosk}"}
    yield client
    await store.close()


async def login(client, who="w1"):
    r = await client.post("/api/login", json={"login": who, "password": PASSWORD})
    assert r.status == 200, await r.text()


@pytest.fixture
def server(tmp_path):
    srv = ServerProcess(tmp_path / "queue.db")
    srv.kiosk = srv.cli("add-device", "--kind", "kiosk", "--name", "取号机")
    srv.cli("add-clerk", "--login", "w1", "--name", "窗口一", "--password-stdin", stdin=PASSWORD + "\n")
    srv.start()
    yield srv
    srv.stop()
