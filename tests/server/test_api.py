"""The real app in-process, over a real SQLite file."""

import asyncio
import datetime as dt

import pytest

from bianmin.protocol import Event, Snapshot, parse_ws_message
from queue_server import keys

from .conftest import login


async def issue(client, cat="A", **kw):
    r = await client.post("/api/tickets", json={"category": cat, **kw}, headers=client.kiosk)
    assert r.status == 201, await r.text()
    return await r.json()


async def test_health_and_center(hall):
    assert await (await hall.get("/healthz")).json() == {"ok": True}
    c = await (await hall.get("/api/center")).json()
    assert [x["code"] for x in c["categories"]] == list("ABCDEFGH")
    assert sum(len(x["matters"]) for x in c["categories"]) == 24
    assert c["windows"][0] == {"number": 1, "name": "计生 · 民政窗口", "categories": ["A", "C"]}


async def test_issue_numbers_ahead_and_idempotent_request(hall):
    a1 = await issue(hall, "A", matter="A1", request_id="r1")
    again = await issue(hall, "A", matter="A1", request_id="r1")
    assert again == a1
    a2 = await issue(hall, "A")
    c1 = await issue(hall, "C", priority=True)
    assert (a1["number"], a2["number"], c1["number"]) == ("A001", "A002", "C001")
    assert (a1["ahead"], a2["ahead"], c1["ahead"]) == (0, 1, 0)
    assert a1["guide_url"].endswith(f"/g/A1?t={a1['token']}")
    assert a1["issued_at"].endswith("+08:00")
    state = await (await hall.get(f"/api/tickets/{a2['token']}")).json()
    # No service history yet: the wait estimate is null rather than a guess.
    assert state == {"number": "A002", "status": "waiting", "ahead": 1, "window": None, "wait_minutes": None}


async def test_call_flow_priority_transfer_and_finish(hall):
    a1 = await issue(hall, "A")
    c1 = await issue(hall, "C", priority=True)
    await login(hall, "w1")
    called = (await (await hall.post("/api/windows/1/call")).json())["ticket"]
    assert called["number"] == "C001"  # green channel first
    r = await hall.post("/api/windows/1/call")
    assert r.status == 409 and (await r.json())["error"]["code"] == "window_busy"
    assert (await hall.post("/api/windows/1/recall")).status == 200
    assert (await hall.post("/api/windows/1/start")).status == 200
    r = await hall.post("/api/windows/1/transfer", json={"to_window": 3})
    assert (await r.json())["ticket"]["status"] == "transferred"
    state = await (await hall.get(f"/api/tickets/{c1['token']}")).json()
    assert state["status"] == "transferred"
    # window 1 goes on with A001; window 3's clerk gets the transferred ticket first
    assert (await (await hall.post("/api/windows/1/call")).json())["ticket"]["number"] == "A001"
    r = await hall.post("/api/windows/1/finish", json={"outcome": "rejected", "reason": "材料不全"})
    assert (await r.json())["ticket"]["status"] == "done"
    await login(hall, "w3")
    r = await hall.post("/api/windows/1/call")
    assert r.status == 403
    assert (await (await hall.post("/api/windows/3/call")).json())["ticket"]["number"] == "C001"
    due = (dt.date(2026, 11, 27) + dt.timedelta(days=5)).isoformat()
    r = await hall.post("/api/windows/3/finish", json={"outcome": "promised", "due": due})
    assert r.status == 200
    snap = Snapshot.from_dict(await (await hall.get("/api/snapshot")).json())
    assert [w.served_today for w in snap.windows] == [1, 0, 1, 0]
    assert [c.number for c in snap.recent_calls] == ["C001", "C001", "A001", "C001"]
    assert snap.recent_calls[1].recall
    state = await (await hall.get(f"/api/tickets/{a1['token']}")).json()
    assert state["status"] == "done"


async def test_no_show_and_requeue(hall):
    for _ in range(6):
        await issue(hall, "A")
    await login(hall)
    await hall.post("/api/windows/1/call")
    assert (await hall.post("/api/windows/1/no-show")).status == 200
    r = await hall.post("/api/windows/1/requeue", json={"number": "a001"})
    assert r.status == 200, await r.text()
    snap = await (await hall.get("/api/snapshot")).json()
    assert [t["number"] for t in snap["queue"]][:5] == ["A002", "A003", "A004", "A001", "A005"]


async def test_empty_queue_and_pause(hall):
    await login(hall)
    r = await hall.post("/api/windows/1/call")
    assert r.status == 404 and (await r.json())["error"]["code"] == "queue_empty"
    assert (await hall.post("/api/windows/1/pause")).status == 200
    await issue(hall, "A")
    r = await hall.post("/api/windows/1/call")
    assert (await r.json())["error"]["code"] == "window_paused"
    assert (await hall.post("/api/windows/1/resume")).status == 200
    assert (await hall.post("/api/windows/1/call")).status == 200


async def test_websocket_snapshot_events_and_replay(hall):
    await login(hall)  # the full view (anonymous clients get the public board)
    ws = await hall.ws_connect("/ws")
    first = parse_ws_message(await ws.receive_json(timeout=5))
    assert isinstance(first, Snapshot)
    t = await issue(hall, "B")
    ev = parse_ws_message(await ws.receive_json(timeout=5))
    assert isinstance(ev, Event) and ev.type == "ticket_issued" and ev.seq == first.seq + 1
    assert ev.ticket.number == t["number"] and ev.waiting["B"] == 1
    await ws.close()
    await issue(hall, "B")
    await issue(hall, "D")
    ws = await hall.ws_connect(f"/ws?since={ev.seq}")
    replay = [parse_ws_message(await ws.receive_json(timeout=5)) for _ in range(2)]
    assert [e.seq for e in replay] == [ev.seq + 1, ev.seq + 2]
    assert [e.ticket.number for e in replay] == ["B002", "D001"]
    await ws.close()
    ws = await hall.ws_connect("/ws?since=999999")
    assert isinstance(parse_ws_message(await ws.receive_json(timeout=5)), Snapshot)
    await ws.close()


async def test_day_rollover_expires_and_restarts_numbers(hall, clock):
    old = await issue(hall, "A")
    await issue(hall, "A")
    await login(hall)  # the full view lists the expired tickets
    ws = await hall.ws_connect("/ws")
    await ws.receive_json(timeout=5)
    clock.now += dt.timedelta(days=1)
    new = await issue(hall, "A")
    kinds = [(await ws.receive_json(timeout=5)) for _ in range(3)]
    assert [k["type"] for k in kinds] == ["tickets_expired", "day_started", "ticket_issued"]
    assert [t["number"] for t in kinds[0]["tickets"]] == ["A001", "A002"]
    assert kinds[1]["day"] == "2026-11-28" and kinds[1]["waiting"]["A"] == 0
    await ws.close()
    assert new["number"] == "A001" and new["ahead"] == 0
    state = await (await hall.get(f"/api/tickets/{old['token']}")).json()
    assert state["status"] == "expired"


async def test_office_closed_refuses_tickets(tmp_path, aiohttp_client, clock):
    from queue_server.accounts import Accounts
    from queue_server.app import create_app
    from queue_server.settings import Settings
    from queue_server.store import Store

    store = await Store.open(tmp_path / "q.db")
    _, token = await Accounts(store).add_device("kiosk", "k")
    clock.now = clock.now.replace(day=28)  # Saturday: not an office day in the sample center
    client = await aiohttp_client(create_app(Settings(db=tmp_path / "q.db"), store, clock=clock))
    r = await client.post("/api/tickets", json={"category": "A"}, headers={"Authorization": f"Bearer {token}"})
    body = await r.json()
    assert r.status == 409 and body["error"]["code"] == "office_closed"
    assert "值班电话" in body["error"]["message"]
    await store.close()


async def test_guide_page_shows_eight_items_and_live_place(hall):
    await issue(hall, "G")
    t = await issue(hall, "G", matter="G1")
    page = await (await hall.get(f"/g/G1?t={t['token']}")).text()
    for item in ("事项名称", "政策依据", "收费标准", "办事程序", "申报材料", "承诺时限", "代办途径", "投诉监督方式"):
        assert item in page
    assert "受理农村居民建房用地报批事项" in page and "前面还有 1 人" in page
    r = await hall.get("/g/Z9")
    assert r.status == 404 and "办事事项" in await r.text()


async def test_login_rate_limit(hall):
    for _ in range(5):
        r = await hall.post("/api/login", json={"login": "w1", "password": "wrong"})
        assert r.status == 401
    r = await hall.post("/api/login", json={"login": "w1", "password": "pass-12345"})
    assert r.status == 429 and "分钟后再试" in (await r.json())["error"]["message"]


async def test_logout_ends_session(hall):
    await login(hall)
    assert (await hall.get("/api/me")).status == 200
    await hall.post("/api/logout")
    r = await hall.get("/api/me")
    assert r.status == 401 and (await r.json())["error"]["code"] == "login_required"


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status", "code"),
    [
        ("post", "/api/tickets", {"category": "A"}, {}, 401, "device_token_required"),
        ("post", "/api/tickets", {"category": "A"}, {"Authorization": "Bearer nope"}, 401, "bad_device_token"),
        ("post", "/api/tickets", "not json", "kiosk", 400, "bad_json"),
        ("post", "/api/tickets", [1, 2], "kiosk", 400, "bad_json"),
        ("post", "/api/tickets", {}, "kiosk", 400, "missing_field"),
        ("post", "/api/tickets", {"category": 5}, "kiosk", 400, "bad_field"),
        ("post", "/api/tickets", {"category": "Z"}, "kiosk", 400, "unknown_category"),
        ("post", "/api/tickets", {"category": "A", "matter": "B1"}, "kiosk", 400, "unknown_matter"),
        ("post", "/api/tickets", {"category": "A", "priority": "yes"}, "kiosk", 400, "bad_field"),
        ("post", "/api/tickets", {"category": "A", "request_id": "x" * 500}, "kiosk", 400, "bad_field"),
        ("get", "/api/tickets/unknown", None, {}, 404, "ticket_not_found"),
        ("post", "/api/login", {"login": "w1"}, {}, 400, "missing_field"),
        ("post", "/api/login", {"login": "nobody", "password": "x"}, {}, 401, "bad_credentials"),
        ("post", "/api/windows/1/call", None, {}, 401, "login_required"),
        ("post", "/api/windows/x/call", None, "clerk", 404, "unknown_window"),
        ("post", "/api/windows/9/call", None, "clerk", 404, "unknown_window"),
        ("post", "/api/windows/1/recall", None, "clerk", 409, "no_current_ticket"),
        ("post", "/api/windows/1/transfer", {"to_window": "3"}, "clerk", 400, "bad_field"),
        ("post", "/api/windows/1/transfer", {}, "clerk", 400, "missing_field"),
        ("post", "/api/windows/1/finish", {"outcome": "magic"}, "clerk", 400, "bad_outcome"),
        ("post", "/api/windows/1/finish", {"outcome": "promised", "due": "next week"}, "clerk", 400, "bad_date"),
        ("post", "/api/windows/1/requeue", {"number": "A999"}, "clerk", 404, "ticket_not_found"),
        ("get", "/api/nothing", None, {}, 404, "not_found"),
        ("delete", "/api/tickets", None, {}, 405, "method_not_allowed"),
    ],
)
async def test_malformed_requests_get_clear_4xx(hall, method, path, body, headers, status, code):
    if headers == "clerk":
        await login(hall)
        headers = {}
    elif headers == "kiosk":
        headers = hall.kiosk
    kwargs = {"headers": headers}
    if isinstance(body, str):
        kwargs["data"] = body
    elif body is not None:
        kwargs["json"] = body
    r = await getattr(hall, method)(path, **kwargs)
    data = await r.json()
    assert r.status == status, data
    assert data["error"]["code"] == code
    assert data["error"]["message"] and not data["error"]["message"].isascii()


async def test_finish_modes_need_their_fields(hall):
    await issue(hall, "A")
    await login(hall)
    await hall.post("/api/windows/1/call")
    for body, field in [
        ({"outcome": "promised"}, "due"),
        ({"outcome": "rejected"}, "reason"),
        ({"outcome": "joint"}, "joint_window"),
        ({"outcome": "joint", "joint_window": 1}, "joint_window"),
        ({"outcome": "agency"}, "agency_to"),
    ]:
        r = await hall.post("/api/windows/1/finish", json=body)
        err = (await r.json())["error"]
        assert r.status == 400 and err["field"] == field
    r = await hall.post("/api/windows/1/finish", json={"outcome": "agency", "agency_to": "县民政局"})
    assert r.status == 200


async def test_concurrent_requests_in_process_are_gapless(hall):
    results = await asyncio.gather(*(issue(hall, "E") for _ in range(30)))
    assert sorted(r["number"] for r in results) == [f"E{i:03d}" for i in range(1, 31)]


async def test_failed_commit_answers_503_and_loses_nothing(hall):
    """A real SQLite failure (a trigger aborting the insert) must not leave memory ahead of disk."""
    store = hall.server.app[keys.STORE]
    await store.write(
        lambda db: db.execute(
            "CREATE TRIGGER fail_h BEFORE INSERT ON tickets WHEN NEW.category = 'H' "
            "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    )
    ws = await hall.ws_connect("/ws")
    await ws.receive_json(timeout=5)
    r = await hall.post("/api/tickets", json={"category": "H"}, headers=hall.kiosk)
    body = await r.json()
    assert r.status == 503 and body["error"]["code"] == "database_error"
    await store.write(lambda db: db.execute("DROP TRIGGER fail_h"))
    # the lost ticket was never announced, its number is reused, and counts are right
    assert (await issue(hall, "H"))["number"] == "H001"
    ev = await ws.receive_json(timeout=5)
    assert ev["type"] == "ticket_issued" and ev["ticket"]["number"] == "H001"
    snap = await (await hall.get("/api/snapshot")).json()
    assert snap["waiting"]["H"] == 1 and snap["seq"] == ev["seq"]
    await ws.close()


async def test_ticket_without_matter_links_to_its_category_guides(hall):
    t = await issue(hall, "D")
    assert t["guide_url"].endswith(f"/g/D?t={t['token']}")
    page = await (await hall.get(f"/g/D?t={t['token']}")).text()
    assert "农村经济管理" in page and "前面还有 0 人" in page
    assert page.count('<li><a href="/g/D') == 4
    assert f'href="/g/D2?t={t["token"]}"' in page
