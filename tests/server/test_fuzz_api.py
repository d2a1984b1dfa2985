"""Arbitrary JSON bodies and path values never get a 500: always a clear 4xx (or success)."""

import asyncio

from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queue_server.accounts import Accounts
from queue_server.app import create_app
from queue_server.settings import Settings
from queue_server.store import Store

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
FIELDS = [
    "category",
    "matter",
    "priority",
    "request_id",
    "to_window",
    "outcome",
    "reason",
    "due",
    "joint_window",
    "agency_to",
    "number",
    "login",
    "password",
]
BODIES = JSON | st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=6)
PATHS = [
    "/api/tickets",
    "/api/login",
    "/api/windows/1/call",
    "/api/windows/1/recall",
    "/api/windows/1/start",
    "/api/windows/1/no-show",
    "/api/windows/1/transfer",
    "/api/windows/1/finish",
    "/api/windows/1/requeue",
    "/api/windows/1/pause",
    "/api/windows/1/resume",
]
SEGMENTS = st.text(min_size=1, max_size=20).filter(lambda s: "/" not in s and s not in (".", ".."))


async def _client(tmp_path):
    store = await Store.open(tmp_path / "q.db")
    accounts = Accounts(store)
    _, kiosk = await accounts.add_device("kiosk", "k")
    await accounts.add_clerk("w", "窗口", [], "pass-12345")
    client = TestClient(TestServer(create_app(Settings(db=tmp_path / "q.db", always_open=True), store)))
    await client.start_server()
    await client.post("/api/login", json={"login": "w", "password": "pass-12345"})
    return store, client, {"Authorization": f"Bearer {kiosk}"}


def _check(status: int, data) -> None:
    assert status < 500, data
    if status >= 400 and "page" not in data:
        assert data["error"]["code"] and not data["error"]["message"].isascii()


def test_random_bodies_and_paths_never_500(tmp_path):
    loop = asyncio.new_event_loop()
    store, client, kiosk = loop.run_until_complete(_client(tmp_path))

    async def post(path, body):
        r = await client.post(path, json=body, headers=kiosk)
        return r.status, await r.json()

    async def get(path):
        r = await client.get(path)
        ctype = r.headers.get("Content-Type", "")
        if path.startswith("/api/"):  # every /api reply is JSON, errors included
            assert ctype.startswith("application/json"), (path, r.status, ctype, await r.text())
            return r.status, await r.json()
        text = await r.text()  # a guide page: HTML, and a friendly Chinese page on errors
        assert ctype.startswith("text/html"), (path, r.status, ctype)
        if r.status >= 400:
            assert not text.isascii(), text
        return r.status, {"page": text}

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(path=st.sampled_from(PATHS), body=BODIES)
    def bodies(path, body):
        _check(*loop.run_until_complete(post(path, body)))

    @settings(max_examples=150, deadline=None)
    @given(kind=st.sampled_from(["/api/tickets/", "/g/", "/api/windows/"]), seg=SEGMENTS)
    def paths(kind, seg):
        from urllib.parse import quote

        path = kind + quote(seg, safe="") + ("/call" if kind == "/api/windows/" else "")
        if kind == "/api/windows/":
            _check(*loop.run_until_complete(post(path, {})))
        else:
            _check(*loop.run_until_complete(get(path)))

    try:
        bodies()
        paths()
    finally:
        loop.run_until_complete(client.close())
        loop.run_until_complete(store.close())
        loop.close()
