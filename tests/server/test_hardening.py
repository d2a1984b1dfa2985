"""Issue 10: each way a phone on the hall's Wi-Fi (or bad luck) took the hall down."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import aiohttp
import pytest

from bench.devserver import ROOT, free_port
from queue_server.accounts import ADDRESS_TRIES, LOGIN_TRIES, Accounts
from queue_server.errors import TooManyRequests, Unauthorized
from queue_server.store import Store

from .conftest import PASSWORD, login


@pytest.fixture
async def accounts(tmp_path):
    store = await Store.open(tmp_path / "acc.db")
    acc = Accounts(store)
    await acc.add_clerk("w1", "窗口一", [1], PASSWORD)
    await acc.add_clerk("w2", "窗口二", [2], PASSWORD)
    yield acc
    await store.close()


async def _outcomes(coros) -> list[str]:
    out = []
    for r in await asyncio.gather(*coros, return_exceptions=True):
        out.append(type(r).__name__ if isinstance(r, BaseException) else "ok")
    return out


async def test_concurrent_wrong_logins_are_counted_before_any_is_checked(hall):
    rs = await asyncio.gather(*(hall.post("/api/login", json={"login": "w1", "password": "wrong"}) for _ in range(40)))
    statuses = sorted(r.status for r in rs)
    assert statuses.count(401) == LOGIN_TRIES  # checked
    assert statuses.count(429) == 40 - LOGIN_TRIES  # refused unchecked


async def test_a_flood_against_one_login_leaves_colleagues_at_that_pc(accounts):
    got = await _outcomes(accounts.login("w1", "wrong", "10.0.0.5") for _ in range(30))
    assert got.count("Unauthorized") == LOGIN_TRIES
    with pytest.raises(TooManyRequests):
        await accounts.login("w1", PASSWORD, "10.0.0.5")  # that login at that PC waits
    clerk, _ = await accounts.login("w2", PASSWORD, "10.0.0.5")  # a colleague at the same PC
    assert clerk.login == "w2"
    clerk, _ = await accounts.login("w1", PASSWORD, "10.0.0.6")  # the clerk from another PC
    assert clerk.login == "w1"


async def test_the_address_cap_stops_guessing_many_logins(accounts):
    for i in range(ADDRESS_TRIES):
        with pytest.raises(Unauthorized):
            await accounts.login(f"guess{i}", "wrong", "10.0.0.7")
    with pytest.raises(TooManyRequests):
        await accounts.login("w1", PASSWORD, "10.0.0.7")
    assert (await accounts.login("w1", PASSWORD, "10.0.0.8"))[0].login == "w1"


async def test_limiter_memory_stays_bounded_by_recent_keys():
    from bianmin.passwords import RateLimiter

    rl = RateLimiter(limit=5, window=300, max_keys=100)
    for i in range(5000):
        rl.take(f"k{i}", float(i))
    assert len(rl) <= 100
    rl.take("late", 10_000.0)
    assert len(rl) == 1


async def test_limiter_forgets_keys_past_the_window_long_before_the_cap():
    """A guesser from ever new addresses over a long day: the limiter holds only the
    last window's keys (5 minutes at one a second), not every key up to ``max_keys``."""
    from bianmin.passwords import RateLimiter

    rl = RateLimiter(limit=5, window=300, max_keys=10_000)
    for second in range(8 * 3600):
        rl.take(f"10.{second // 65536}.{second // 256 % 256}.{second % 256}", float(second))
        assert len(rl) <= 300
    assert len(rl) == 300


async def test_disabling_a_clerk_ends_the_open_session_on_the_next_request(hall):
    await login(hall)
    assert (await hall.get("/api/me")).status == 200
    from queue_server.keys import STORE

    store = hall.server.app[STORE]
    await store.write(lambda db: db.execute("UPDATE clerks SET windows = '[3]' WHERE login = 'w1'"))
    me = await (await hall.get("/api/me")).json()
    assert me["windows"] == [3]  # changed windows count at once
    await store.write(lambda db: db.execute("UPDATE clerks SET active = 0 WHERE login = 'w1'"))
    assert (await hall.post("/api/windows/1/call")).status == 401


async def test_a_revoked_kiosk_stops_issuing_on_the_next_request(hall):
    from queue_server.keys import STORE

    r = await hall.post("/api/tickets", json={"category": "A"}, headers=hall.kiosk)
    assert r.status == 201
    await hall.server.app[STORE].write(lambda db: db.execute("UPDATE devices SET revoked = 1"))
    r = await hall.post("/api/tickets", json={"category": "A"}, headers=hall.kiosk)
    assert r.status == 401


# ---- 500s and invalid text ------------------------------------------------------------


@pytest.mark.parametrize(
    "method,path,body,headers",
    [
        ("post", "/api/login", b"[" * 30000 + b"]" * 30000, {"Content-Type": "application/json"}),
        ("post", "/api/login", b'{"login": "\\ud800", "password": "x"}', {"Content-Type": "application/json"}),
        ("post", "/api/tickets", b"{}", {"Authorization": b"Bearer \xff\xfe".decode("latin-1")}),
        ("get", "/api/me", None, {"Cookie": "bianmin_session=\xff\xfe"}),
        ("get", "/clerk/notice/rejection/99999999999999999999", None, {}),
        ("post", "/api/cases/99999999999999999999/complete", None, {}),
        ("post", "/api/windows/99999999999999999999/call", None, {}),
    ],
)
async def test_inputs_that_gave_a_500_get_a_4xx(hall, method, path, body, headers):
    if "Cookie" not in headers:
        await login(hall)
    r = await getattr(hall, method)(path, data=body, headers=headers)
    assert 400 <= r.status < 500, await r.text()


@pytest.mark.parametrize("field", ["request_id"])
async def test_a_lone_surrogate_is_refused_at_the_edge(hall, field):
    body = '{"category": "A", "' + field + '": "\\ud800"}'
    r = await hall.post("/api/tickets", data=body, headers={**hall.kiosk, "Content-Type": "application/json"})
    assert r.status == 400
    assert (await r.json())["error"]["code"] == "bad_text"


async def test_requeue_with_a_surrogate_number_is_a_400(hall):
    await login(hall)
    r = await hall.post(
        "/api/windows/1/requeue", data='{"number": "\\ud800"}', headers={"Content-Type": "application/json"}
    )
    assert r.status == 400


# ---- CSRF -------------------------------------------------------------------------------


async def test_cookie_writes_need_json_and_our_origin(hall):
    await login(hall)
    form = await hall.post("/api/windows/1/pause", data="x=1", headers={"Content-Type": "text/plain"})
    assert form.status == 415
    other = await hall.post("/api/windows/1/pause", headers={"Origin": "http://127.0.0.1:18200"})
    assert other.status == 403
    site = await hall.post("/api/windows/1/pause", json={}, headers={"Sec-Fetch-Site": "same-site"})
    assert site.status == 403
    own = f"http://{hall.server.host}:{hall.server.port}"
    ok = await hall.post("/api/windows/1/pause", json={}, headers={"Origin": own, "Sec-Fetch-Site": "same-origin"})
    assert ok.status == 200, await ok.text()


async def test_rejection_notice_only_for_the_deciding_window(hall):
    r = await hall.post("/api/tickets", json={"category": "A"}, headers=hall.kiosk)
    assert r.status == 201
    await login(hall, "w1")
    assert (await hall.post("/api/windows/1/call")).status == 200
    assert (await hall.post("/api/windows/1/start")).status == 200
    r = await hall.post("/api/windows/1/finish", json={"outcome": "rejected", "reason": "材料不全"})
    assert r.status == 200, await r.text()
    tid = (await r.json())["ticket"]["id"]
    assert (await hall.get(f"/clerk/notice/rejection/{tid}")).status == 200
    await login(hall, "w3")
    assert (await hall.get(f"/clerk/notice/rejection/{tid}")).status == 404


# ---- failure isolation, full disk -------------------------------------------------------


async def test_one_bad_change_fails_alone_in_its_group(tmp_path, caplog):
    store = await Store.open(tmp_path / "g.db")
    try:
        await store.write(lambda db: db.execute("CREATE TABLE t (x TEXT)"))

        def put(text):
            return lambda db: db.execute("INSERT INTO t VALUES (?)", (text,))

        failed = []
        store.on_failure.append(lambda: failed.append(1))
        futs = [store.write(put(f"ok{i}")) for i in range(10)]
        futs.insert(5, store.write(put("\ud800")))
        got = await asyncio.gather(*futs, return_exceptions=True)
        errors = [g for g in got if isinstance(g, BaseException)]
        assert len(errors) == 1 and errors[0].code == "database_error"
        rows = await store.fetchall("SELECT COUNT(*) FROM t")
        assert rows[0][0] == 10
        assert failed  # the service is told to reload
        assert "rolled back alone" in caplog.text and "UnicodeEncodeError" in caplog.text
    finally:
        await store.close()


async def test_full_disk_says_so_and_healthz_is_degraded(hall):
    from queue_server.keys import STORE

    store = hall.server.app[STORE]
    await store.write(lambda db: db.execute("CREATE TABLE IF NOT EXISTS filler (b BLOB)"))
    pages = (await store.fetchone("PRAGMA page_count"))[0]
    # A real SQLITE_FULL: the writer may not grow the file past its size now.
    await store.write(lambda db: db.execute(f"PRAGMA max_page_count = {pages + 2}"))
    r = None
    for _ in range(50):
        with contextlib.suppress(Exception):
            await store.write(lambda db: db.execute("INSERT INTO filler VALUES (zeroblob(3000))"))
        r = await hall.post("/api/tickets", json={"category": "A"}, headers=hall.kiosk)
        if r.status != 201:
            break
    assert r is not None and r.status == 503
    assert "磁盘已满" in (await r.json())["error"]["message"]
    h = await hall.get("/healthz")
    assert h.status == 503 and (await h.json())["error"]["message"] == "磁盘已满"
    await store.write(lambda db: db.execute("PRAGMA max_page_count = 1000000"))
    assert (await hall.post("/api/tickets", json={"category": "A"}, headers=hall.kiosk)).status == 201
    assert (await hall.get("/healthz")).status == 200


# ---- the serve process: one per database, a busy port, slow and many connections --------


def _serve(db, port) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "queue_server", "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30, cwd=ROOT)


def test_a_second_server_on_the_same_database_refuses_to_start(server):
    out = _serve(server.db, free_port())
    assert out.returncode != 0
    assert "另一个便民服务器正在使用数据库" in out.stderr
    assert "Traceback" not in out.stderr


def test_serve_on_a_busy_port_exits_with_a_clear_message(server, tmp_path):
    out = _serve(tmp_path / "other.db", server.port)
    assert out.returncode != 0
    assert f"端口 {server.port} 已被占用" in out.stderr
    assert "Traceback" not in out.stderr


def _healthz(url: str) -> int:
    with urllib.request.urlopen(url + "/healthz", timeout=5) as r:
        return r.status


def test_one_address_cannot_take_every_connection_and_slow_heads_time_out(server):
    from queue_server.guard import KEEPALIVE_TIMEOUT, PER_ADDRESS

    socks = []
    try:
        for _ in range(PER_ADDRESS + 20):
            s = socket.socket()
            s.bind(("127.0.0.2", 0))  # another address on the loopback: the "phone"
            s.connect(("127.0.0.1", server.port))
            s.sendall(b"G")  # a request head that never completes
            socks.append(s)
        time.sleep(0.5)
        closed = 0
        for s in socks:
            s.settimeout(0.05)
            try:
                closed += s.recv(1) == b""
            except ConnectionResetError:
                closed += 1
            except TimeoutError:
                pass
        assert closed >= 20  # those past the cap were refused at once
        assert _healthz(server.url) == 200  # and the hall still answers others
        time.sleep(KEEPALIVE_TIMEOUT + 1.5)
        for s in socks[:PER_ADDRESS]:
            s.settimeout(1)
            with contextlib.suppress(ConnectionResetError):
                assert s.recv(1) == b""
    finally:
        for s in socks:
            s.close()


def test_malformed_requests_log_one_line_not_a_traceback(server):
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert s.recv(100)[9:10] == b"4"
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(200)) + b"\r\n")
        assert s.recv(100)[9:10] == b"4"
    time.sleep(0.3)
    assert "Traceback" not in server.log.read_text(encoding="utf-8")


def _launcher(cwd, port) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(BIANMIN_PORT=str(port), PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "queue_server.launcher"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_launcher_on_a_busy_port_says_so_and_stops(server, tmp_path):
    proc = _launcher(tmp_path, server.port)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "已被占用" in out and "服务器没有启动" in out
    assert "/clerk" not in out  # no URLs as if it had started


def test_launcher_says_when_the_server_dies(tmp_path):
    proc = _launcher(tmp_path, free_port())
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "没有检测到显示器" in line:
            break
    pid = int((tmp_path / "var" / "queue.db.lock").read_text().strip())
    os.kill(pid, signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    assert "服务器已停止运行" in out, "".join(lines) + out


# ---- the clock steps back across midnight -----------------------------------------------


async def test_a_closed_day_never_reopens_when_the_clock_steps_back(hall, clock):
    import datetime as dt

    clock.now = clock.now.replace(hour=23, minute=59)
    assert (await hall.post("/api/tickets", json={"category": "A"}, headers=hall.kiosk)).status == 201
    clock.now += dt.timedelta(minutes=2)  # past midnight: a new day
    r = await hall.post("/api/tickets", json={"category": "A"}, headers=hall.kiosk)
    today = await r.json()
    assert today["number"] == "A001"
    clock.now -= dt.timedelta(minutes=5)  # NTP steps the clock back to yesterday
    r = await hall.post("/api/tickets", json={"category": "A"}, headers=hall.kiosk)
    again = await r.json()
    assert again["number"] == "A002"
    assert again["issued_at"][:10] == today["issued_at"][:10]
    snap = await (await hall.get("/api/snapshot")).json()
    assert snap["day"] == today["issued_at"][:10]


# ---- what anonymous clients read; reads off the writer's lock; WebSocket caps -----------


async def test_anonymous_clients_get_numbers_windows_and_counts_only(hall):
    r = await hall.post("/api/tickets", json={"category": "A", "matter": "A1"}, headers=hall.kiosk)
    assert r.status == 201, await r.text()
    public = await (await hall.get("/api/snapshot")).json()
    assert public["queue"] == [] and public["waiting"]["A"] == 1
    ws = await hall.ws_connect("/ws")
    assert (await ws.receive_json(timeout=5))["queue"] == []
    await login(hall)
    assert (await hall.post("/api/windows/1/call")).status == 200
    ev = await ws.receive_json(timeout=5)
    assert ev["ticket"]["number"] == "A001"
    assert ev["ticket"]["matter"] is None and ev["ticket"]["issued_at"] == "" and ev["ticket"]["id"] == 0
    assert ev["window"]["clerk"] is None
    await ws.close()
    full = await (await hall.get("/api/snapshot")).json()  # with the session
    assert full["windows"][0]["ticket"]["matter"] == "A1"


async def test_the_display_token_gets_the_full_view(hall):
    from queue_server.keys import ACCOUNTS

    _, token = await hall.server.app[ACCOUNTS].add_device("display", "显示屏")
    await issue_one(hall)
    snap = await (await hall.get("/api/snapshot", headers={"Authorization": f"Bearer {token}"})).json()
    assert [t["number"] for t in snap["queue"]] == ["A001"]
    bad = await hall.get("/api/snapshot", headers={"Authorization": "Bearer nope"})
    assert bad.status == 401


async def issue_one(hall):
    r = await hall.post("/api/tickets", json={"category": "A"}, headers=hall.kiosk)
    assert r.status == 201


async def test_public_reads_do_not_wait_for_the_writer_lock(hall):
    from queue_server.keys import SERVICE

    await issue_one(hall)
    async with hall.server.app[SERVICE]._lock:  # a long change in progress
        r = await asyncio.wait_for(hall.get("/api/snapshot"), 5)
        assert (await r.json())["waiting"]["A"] == 1


async def test_websocket_clients_are_capped_per_address(hall):
    from queue_server.hub import PER_ADDRESS

    url = str(hall.make_url("/ws"))
    phone = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))  # not the hall PC itself
    async with aiohttp.ClientSession(connector=phone) as http:
        conns = [await http.ws_connect(url) for _ in range(PER_ADDRESS)]
        with pytest.raises(aiohttp.WSServerHandshakeError, match="429"):
            await http.ws_connect(url)
        for ws in conns:
            await ws.close()
    local = [await hall.ws_connect("/ws") for _ in range(PER_ADDRESS + 4)]  # the hall PC: no cap
    for ws in local:
        await ws.close()


async def test_old_events_are_pruned_at_a_new_day_but_not_past_the_bound(hall, clock):
    import datetime as dt

    from queue_server.keys import SERVICE, STORE

    for _ in range(3):
        await issue_one(hall)
    store, svc = hall.server.app[STORE], hall.server.app[SERVICE]
    (kept,) = await store.fetchone("SELECT MAX(seq) FROM events")
    clock.now += dt.timedelta(days=8)
    await svc.prune_events(clock.now, keep_from_seq=kept)  # the county has not pushed the last one
    assert [r[0] for r in await store.fetchall("SELECT seq FROM events WHERE at < '2026-11-28'")] == [kept]
    await issue_one(hall)  # a new day: prunes with no bound
    await store.drain()
    assert (await store.fetchone("SELECT COUNT(*) FROM events WHERE at < '2026-11-28'"))[0] == 0


async def test_public_copies_are_built_on_demand_and_stay_stripped(hall):
    """An event's public copy is made only when a public client needs it: live beside a
    full client, and replayed with ``?since=`` (from bytes, after the event object is gone)."""
    from queue_server.keys import HUB

    hub = hall.server.app[HUB]
    for _ in range(2):
        r = await hall.post("/api/tickets", json={"category": "A", "matter": "A1"}, headers=hall.kiosk)
        assert r.status == 201
    assert all(s._public is None for s in hub.recent)  # no public client yet: none built
    await login(hall)
    full = await hall.ws_connect("/ws")  # the session's full view
    snap = await full.receive_json(timeout=5)
    async with aiohttp.ClientSession() as anon:  # no cookie: the public board
        url = str(hall.make_url("/ws"))
        live = await anon.ws_connect(url)
        await live.receive_json(timeout=5)
        replay = await anon.ws_connect(f"{url}?since={snap['seq'] - 2}")
        replayed = [await replay.receive_json(timeout=5) for _ in range(2)]
        assert [e["type"] for e in replayed] == ["ticket_issued", "ticket_issued"]
        for e in replayed:
            assert e["ticket"]["matter"] is None and e["ticket"]["id"] == 0 and e["ticket"]["issued_at"] == ""
        assert (await hall.post("/api/windows/1/call")).status == 200
        got_full, got_live = await full.receive_json(timeout=5), await live.receive_json(timeout=5)
        assert got_full["ticket"]["matter"] == "A1" and got_full["window"]["clerk"] is not None
        assert got_live["ticket"]["number"] == got_full["ticket"]["number"]
        assert got_live["ticket"]["matter"] is None and got_live["window"]["clerk"] is None
        assert got_live == (await replay.receive_json(timeout=5))  # one copy, shared
        await live.close()
        await replay.close()
    await full.close()
