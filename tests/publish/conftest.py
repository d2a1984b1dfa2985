"""An in-process app on a real database file, with a manager and a clerk."""

from __future__ import annotations

import pytest

from queue_server.accounts import Accounts
from queue_server.app import create_app
from queue_server.settings import Settings
from queue_server.store import Store

PASSWORD = "pass-12345"


@pytest.fixture
async def app_client(tmp_path, aiohttp_client):
    store = await Store.open(tmp_path / "queue.db")
    accounts = Accounts(store)
    await accounts.add_clerk("boss", "主任", [], PASSWORD, "manager")
    await accounts.add_clerk("w1", "窗口一", [1], PASSWORD)
    client = await aiohttp_client(
        create_app(Settings(db=tmp_path / "queue.db", public_url="http://10.1.1.1:8000"), store)
    )
    client.store = store
    yield client
    await store.close()


async def login(client, who: str) -> None:
    r = await client.post("/api/login", json={"login": who, "password": PASSWORD})
    assert r.status == 200, await r.text()
