"""The real server as a process on 127.0.0.1: concurrency, SIGKILL and restart."""

import asyncio
import sqlite3

import aiohttp

from .conftest import PASSWORD


async def _issue(http, srv, cat, request_id=None):
    body = {"category": cat}
    if request_id:
        body["request_id"] = request_id
    async with http.post(srv.url + "/api/tickets", json=body, headers={"Authorization": f"Bearer {srv.kiosk}"}) as r:
        assert r.status == 201, await r.text()
        return await r.json()


async def test_fifty_concurrent_requests_get_fifty_gapless_numbers(server):
    async with aiohttp.ClientSession() as http:
        got = await asyncio.gather(*(_issue(http, server, "F") for _ in range(50)))
    numbers = sorted(t["number"] for t in got)
    assert numbers == [f"F{i:03d}" for i in range(1, 51)]
    assert len({t["token"] for t in got}) == 50


async def test_concurrent_retries_of_one_request_make_one_ticket(server):
    async with aiohttp.ClientSession() as http:
        got = await asyncio.gather(*(_issue(http, server, "A", "tap-1") for _ in range(10)))
    assert {t["number"] for t in got} == {"A001"}


async def test_sigkill_keeps_committed_tickets_and_numbering(server):
    async with aiohttp.ClientSession() as http:
        before = [await _issue(http, server, "B") for _ in range(20)]
    # IP-address hosts need an "unsafe" jar to keep the session cookie.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.post(server.url + "/api/login", json={"login": "w1", "password": PASSWORD}) as r:
            assert r.status == 200
        async with http.post(server.url + "/api/windows/2/call") as r:
            body = await r.json()
            assert r.status == 200, body
            called = body["ticket"]
    server.kill()  # SIGKILL: no shutdown handlers run
    server.start()
    async with aiohttp.ClientSession() as http:
        for t in before:
            async with http.get(f"{server.url}/api/tickets/{t['token']}") as r:
                assert r.status == 200
                state = await r.json()
                assert state["number"] == t["number"]
        async with http.get(f"{server.url}/api/tickets/{before[0]['token']}") as r:
            assert (await r.json())["status"] == "called" == called["status"]
        after = await _issue(http, server, "B")
        assert after["number"] == "B021"
        async with http.get(server.url + "/api/snapshot") as r:
            snap = await r.json()
        assert snap["waiting"]["B"] == 20
        assert snap["windows"][1]["ticket"]["number"] == "B001"
        # the session survived the restart too
        async with http.post(server.url + "/api/login", json={"login": "w1", "password": PASSWORD}) as r:
            assert r.status == 200
    with sqlite3.connect(server.db) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 21


async def test_ws_client_resumes_after_restart_with_since(server):
    async with aiohttp.ClientSession() as http, http.ws_connect(server.url + "/ws") as ws:
        snap = await ws.receive_json(timeout=5)
        await _issue(http, server, "C")
        ev = await ws.receive_json(timeout=5)
        assert ev["type"] == "ticket_issued"
    server.kill()
    server.start()
    async with aiohttp.ClientSession() as http:
        await _issue(http, server, "C")
        async with http.ws_connect(f"{server.url}/ws?since={ev['seq']}") as ws:
            replay = await ws.receive_json(timeout=5)
        assert replay["type"] == "ticket_issued" and replay["seq"] == ev["seq"] + 1
        assert replay["ticket"]["number"] == "C002"
        assert snap["type"] == "snapshot"


def test_serve_names_missing_characters_from_its_forked_font_check(tmp_path):
    """The font check runs in a child forked before the server starts (fontTools and the
    parsed font never weigh on the server): its report still reaches the server's output."""
    from bench.devserver import ServerProcess
    from tests.floor.youxian import youxian_config

    config = youxian_config(tmp_path / "center.toml")
    with ServerProcess(tmp_path / "q.db", "--always-open", "--config", str(config), log=tmp_path / "server.log"):
        pass
    log = (tmp_path / "server.log").read_text(encoding="utf-8")
    assert "“塅”（U+5845）" in log


async def test_logins_give_their_hashing_memory_back(server):
    """Each scrypt takes 16 MB; without a fixed mmap threshold glibc keeps it after the hash."""
    from bench.devserver import rss_mb

    async with aiohttp.ClientSession() as http:
        for password in ("wrong-1", PASSWORD):  # the first hash also starts the hashing thread
            async with http.post(server.url + "/api/login", json={"login": "w1", "password": password}):
                pass
        before = rss_mb(server.pid)
        for password in ("wrong-2", PASSWORD, "wrong-3"):
            async with http.post(server.url + "/api/login", json={"login": "w1", "password": password}) as r:
                assert r.status in (200, 401)
    assert rss_mb(server.pid) - before < 4
    assert rss_mb(server.pid, "VmHWM") - before > 8  # the hashes did take their 16 MB meanwhile
