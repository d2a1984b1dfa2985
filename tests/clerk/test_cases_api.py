"""The console's JSON routes (/api/cases, /api/due-date) and notice pages, in-process."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bianmin.center import load_center
from queue_server.accounts import Accounts
from queue_server.app import create_app
from queue_server.keys import STORE
from queue_server.settings import Settings
from queue_server.store import Store

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Friday: three working days later is the next Wednesday, three calendar days a Monday.
FRIDAY = dt.datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)


def working_days_after(day: dt.date, days: int) -> dt.date:
    """Counted here independently of rules.add_days: step over Saturdays and Sundays."""
    while days:
        day += dt.timedelta(days=1)
        days -= day.weekday() < 5
    return day


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
async def hall(tmp_path, aiohttp_client):
    store = await Store.open(tmp_path / "q.db")
    accounts = Accounts(store)
    await accounts.add_clerk("a", "张三", [1], "pass12345")
    await accounts.add_clerk("b", "李四", [2], "pass12345")
    _dev, token = await accounts.add_device("kiosk", "k")
    app = create_app(Settings(db=tmp_path / "q.db", always_open=True), store, clock=Clock(FRIDAY))
    client = await aiohttp_client(app)
    yield client, token
    await store.close()


async def login(client, name: str) -> None:
    resp = await client.post("/api/login", json={"login": name, "password": "pass12345"})
    assert resp.status == 200, await resp.text()


async def serve_one(client, token: str, category: str, matter: str, window: int, **finish) -> dict:
    resp = await client.post(
        "/api/tickets", json={"category": category, "matter": matter}, headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status == 201
    resp = await client.post(f"/api/windows/{window}/call")
    ticket = (await resp.json())["ticket"]
    resp = await client.post(f"/api/windows/{window}/finish", json=finish)
    assert resp.status == 200, await resp.text()
    return ticket


async def test_due_date_counts_working_days(hall):
    client, _ = hall
    resp = await client.get("/api/due-date?matter=A1")
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "login_required"
    await login(client, "a")
    data = await (await client.get("/api/due-date?matter=A1")).json()
    # A1 promises 3 days; from Friday, Sat and Sun do not count.
    assert data == {"matter": "A1", "days": 3, "working_days_only": True, "from": "2026-11-27", "due": "2026-12-02"}
    data = await (await client.get("/api/due-date")).json()
    assert data["days"] == 5 and data["due"] == "2026-12-04"
    resp = await client.get("/api/due-date?matter=Z9")
    assert resp.status == 404
    assert "Z9" in (await resp.json())["error"]["message"]


async def test_due_date_calendar_days_when_configured(tmp_path, aiohttp_client):
    from dataclasses import replace

    store = await Store.open(tmp_path / "q.db")
    await Accounts(store).add_clerk("a", "张三", [], "pass12345")
    center = replace(load_center(), working_days_only=False)
    app = create_app(Settings(always_open=True), store, clock=Clock(FRIDAY), center=center)
    client = await aiohttp_client(app)
    try:
        await login(client, "a")
        data = await (await client.get("/api/due-date?matter=A1")).json()
        assert data["working_days_only"] is False and data["due"] == "2026-11-30"
    finally:
        await store.close()


async def test_cases_listed_by_window_and_completed_once(hall):
    client, token = hall
    await login(client, "a")
    t1 = await serve_one(client, token, "A", "A1", 1, outcome="promised", due="2026-11-30")
    t2 = await serve_one(client, token, "C", "C1", 1, outcome="agency", agency_to="县民政局")
    await serve_one(client, token, "A", "A2", 1, outcome="instant")
    resp = await client.get("/api/cases")
    data = await resp.json()
    assert data["today"] == "2026-11-27"
    got = [(c["number"], c["kind"], c["kind_name"], c["due"], c["bucket"]) for c in data["cases"]]
    # An agency case without a due date gets C1's promised time limit in working days.
    c1_due = working_days_after(FRIDAY.date(), load_center().matters["C1"].guide.promised_days)
    assert got == [
        (t1["number"], "promised", "承诺办理", "2026-11-30", "open"),
        (t2["number"], "agency", "代为办理", c1_due.isoformat(), "open"),
    ]
    assert data["cases"][1]["agency_to"] == "县民政局"
    assert (await client.get("/api/cases?window=2")).status == 403
    assert (await client.get("/api/cases?window=x")).status == 400

    case_id = data["cases"][0]["id"]
    # A double click sends two requests at once: exactly one closes the case.
    first, second = await asyncio.gather(
        client.post(f"/api/cases/{case_id}/complete"), client.post(f"/api/cases/{case_id}/complete")
    )
    assert sorted([first.status, second.status]) == [200, 409]
    loser = first if first.status == 409 else second
    assert (await loser.json())["error"]["code"] == "case_closed"
    events = await client.app[STORE].fetchall("SELECT type FROM events WHERE type = 'case_closed'")
    assert len(events) == 1
    left = [c["id"] for c in (await (await client.get("/api/cases")).json())["cases"]]
    assert case_id not in left and len(left) == 1
    assert (await client.post("/api/cases/999/complete")).status == 404


async def test_other_windows_clerk_cannot_complete(hall):
    client, token = hall
    await login(client, "a")
    await serve_one(client, token, "A", "A1", 1, outcome="promised", due="2026-12-01")
    case_id = (await (await client.get("/api/cases")).json())["cases"][0]["id"]
    await client.post("/api/logout")
    await login(client, "b")
    assert (await (await client.get("/api/cases")).json())["cases"] == []
    resp = await client.post(f"/api/cases/{case_id}/complete")
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "case_not_yours"


async def test_notice_pages_need_a_session_and_a_rejection(hall):
    client, token = hall
    resp = await client.get("/clerk/notice/materials/A1")
    assert resp.status == 401 and "请先登录" in await resp.text()
    await login(client, "a")
    done = await serve_one(client, token, "A", "A1", 1, outcome="instant")
    resp = await client.get(f"/clerk/notice/rejection/{done['id']}")
    assert resp.status == 404 and "退办记录" in await resp.text()
    assert (await client.get("/clerk/notice/rejection/abc")).status == 404
    rejected = await serve_one(client, token, "A", "A2", 1, outcome="rejected", reason="<b>材料</b>不齐")
    page = await (await client.get(f"/clerk/notice/rejection/{rejected['id']}")).text()
    assert "&lt;b&gt;材料&lt;/b&gt;不齐" in page  # the clerk's text is escaped, not markup
    assert "办理流动人口婚育证" in page and rejected["number"] in page and "2026年11月27日" in page
    assert (await client.get("/clerk/notice/materials/Z9")).status == 404


async def test_static_files_are_served_and_confined(hall):
    client, _ = hall
    resp = await client.get("/clerk")
    assert resp.status == 200 and "窗口工作台" in await resp.text()
    resp = await client.get("/clerk/static/app.js")
    assert resp.status == 200 and resp.content_type == "text/javascript"
    for bad in ("/clerk/static/..%2F__init__.py", "/clerk/static/missing.js", "/clerk/fonts/x.otf"):
        assert (await client.get(bad)).status == 404, bad
    resp = await client.get("/clerk/fonts/regular.otf")
    assert resp.status == 200 and (await resp.read())[:4] == b"OTTO"


async def test_joint_case_appears_at_the_co_handling_window_which_closes_it(hall):
    client, token = hall
    await login(client, "a")
    ticket = await serve_one(client, token, "A", "A3", 1, outcome="joint", joint_window=2)
    # The leading window's part is done: the case is the co-handler's, not window 1's.
    assert (await (await client.get("/api/cases")).json())["cases"] == []
    await client.post("/api/logout")
    await login(client, "b")  # window 2 only
    cases = (await (await client.get("/api/cases?window=2")).json())["cases"]
    a3_due = working_days_after(FRIDAY.date(), load_center().matters["A3"].guide.promised_days)
    got = [(c["number"], c["kind"], c["window"], c["joint_window"], c["due"]) for c in cases]
    assert got == [(ticket["number"], "joint", 1, 2, a3_due.isoformat())]
    resp = await client.post(f"/api/cases/{cases[0]['id']}/complete")
    assert resp.status == 200, await resp.text()
    assert (await (await client.get("/api/cases")).json())["cases"] == []
    closed = await client.app[STORE].fetchall("SELECT closed_by FROM cases WHERE closed_at IS NOT NULL")
    assert len(closed) == 1


async def test_leading_window_cannot_close_the_co_handlers_part(hall):
    client, token = hall
    await login(client, "b")
    await serve_one(client, token, "B", "B1", 2, outcome="joint", joint_window=1)
    await client.post("/api/logout")
    await login(client, "a")
    case_id = (await (await client.get("/api/cases")).json())["cases"][0]["id"]
    await client.post("/api/logout")
    await login(client, "b")
    resp = await client.post(f"/api/cases/{case_id}/complete")
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "case_not_yours"
