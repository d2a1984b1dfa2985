"""Kiosks and displays report their health; the server keeps the last report per device."""

from __future__ import annotations

import aiohttp
import pytest

from bench.devserver import ServerProcess
from queue_server.devices import device_list
from queue_server.store import Store


@pytest.fixture
def server(tmp_path):
    srv = ServerProcess(tmp_path / "queue.db", log=tmp_path / "server.log")
    srv.kiosk = srv.cli("add-device", "--kind", "kiosk", "--name", "大厅取号机").strip()
    srv.display = srv.cli("add-device", "--kind", "display", "--name", "大厅叫号屏").strip()
    srv.start()
    yield srv
    srv.stop()


async def post(http, server, token, body):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.post(f"{server.url}/api/devices/health", json=body, headers=headers) as r:
        return r.status, await r.json()


async def test_health_reports_are_stored_per_device_and_rate_limited(server, tmp_path):
    kiosk = {"version": "0.1.0", "printer": "ok", "paper": "low", "last_error": None}
    display = {"version": "0.1.0", "audio": "fault", "last_error": "aplay: cannot find card '0'"}
    async with aiohttp.ClientSession() as http:
        assert (await post(http, server, server.kiosk, kiosk))[0] == 200
        assert (await post(http, server, server.display, display))[0] == 200
        status, body = await post(http, server, server.kiosk, kiosk)  # again at once
        assert status == 429 and body["error"]["code"] == "health_too_often"
        status, body = await post(http, server, None, kiosk)
        assert status == 401 and body["error"]["code"] == "device_token_required"
        status, body = await post(http, server, "not-a-token", kiosk)
        assert status == 401 and body["error"]["code"] == "bad_device_token"
        status, body = await post(http, server, server.display, {"version": "1", "audio": "loud"})
        assert status == 400 and body["error"]["code"] == "bad_health"
        status, body = await post(http, server, server.display, {"version": "1", "last_error": "x" * 301})
        assert status == 400 and body["error"]["code"] == "bad_field"
    store = await Store.open(tmp_path / "queue.db")
    try:
        listed = {d["name"]: d for d in await device_list(store)}
    finally:
        await store.close()
    assert listed["大厅取号机"]["health"] == {**kiosk, "audio": "none"}
    assert listed["大厅叫号屏"]["health"] == {**display, "printer": "none", "paper": "none"}
    assert all(d["last_seen"] for d in listed.values())
