"""The ledger, the statistics and the workbook mark appointment tickets and count the
requests (委托办理, 上门服务, 跨部门代办), on a known day driven through the real app over a
real SQLite file with the clock passed in; the figures in the comments are counted by hand."""

from __future__ import annotations

import csv
import io
import sqlite3
from dataclasses import replace

import pytest

from bianmin.center import load_center
from queue_server.accounts import Accounts
from queue_server.app import create_app
from queue_server.settings import Settings
from queue_server.store import Store
from tests.appoint.conftest import at, login, logout
from tests.server.conftest import PASSWORD, FakeClock


@pytest.fixture
async def hall(tmp_path, aiohttp_client):
    store = await Store.open(tmp_path / "queue.db")
    accounts = Accounts(store)
    _, kiosk = await accounts.add_device("kiosk", "取号机")
    await accounts.add_clerk("w1", "窗口一", [1], PASSWORD)
    await accounts.add_clerk("w4", "综合窗口", [4], PASSWORD)
    await accounts.add_clerk("cun", "东村代办员", [], PASSWORD, role="agent")
    await accounts.add_clerk("m", "王主任", [], PASSWORD, role="manager")
    center = load_center()
    center = replace(center, appointments=replace(center.appointments, capacity=2))
    clock = FakeClock(at(2026, 11, 27, 9, 0))  # Friday, an office day
    client = await aiohttp_client(create_app(Settings(db=tmp_path / "queue.db"), store, clock=clock, center=center))
    client.kiosk = {"Authorization": f"Bearer {kiosk}"}
    client.clock = clock
    client.db = tmp_path / "queue.db"
    yield client
    await store.close()


async def post(client, path: str, body: dict | None = None, status: int = 200, **kw) -> dict:
    r = await client.post(path, json=body or {}, **kw)
    assert r.status == status, f"{path}: {await r.text()}"
    return await r.json()


async def known_days(h) -> dict[str, str]:
    """Friday 27 Nov: three bookings for Monday and three requests. Monday 30 Nov: a walk-in at
    08:40, booking 1 checks in at 08:45 (called first), booking 2 was cancelled, booking 3
    never came. Tuesday 1 Dec: the home visit is closed (on time), the entrusted one rejected
    (on time; due 5 working days on: 4 Dec); the cross-department case (due Monday) is still open, so late."""
    b1 = await post(h, "/api/appointments", {"category": "A", "slot": "2026-11-30T09:00:00+08:00"}, 201)
    b2 = await post(h, "/api/appointments", {"category": "A", "slot": "2026-11-30T09:00:00+08:00"}, 201)
    await post(h, "/api/appointments", {"category": "B", "slot": "2026-11-30T10:00:00+08:00"}, 201)
    assert (await h.delete(f"/api/appointments/{b2['code']}")).status in (200, 204)
    await login(h, "cun")
    entrusted = await post(h, "/api/requests", {"name": "王秀英", "village": "东村", "detail": "代办低保"}, 201)
    await logout(h)
    await login(h, "w1")
    home = {"kind": "home_visit", "name": "李大爷", "detail": "上门办理养老认证", "due": "2026-12-02"}
    visit = await post(h, "/api/requests", home, 201)
    cross = {"kind": "cross_department", "name": "赵四", "detail": "宅基地", "department": "县自然资源局"}
    agency = await post(h, "/api/requests", {**cross, "due": "2026-11-30", "assignee": "w4"}, 201)
    h.clock.now = at(2026, 11, 30, 8, 40)
    walk_in = (await post(h, "/api/tickets", {"category": "A"}, 201, headers=h.kiosk))["number"]
    h.clock.now = at(2026, 11, 30, 8, 45)
    booked = await post(h, f"/api/appointments/{b1['code']}/check-in", {}, 201, headers=h.kiosk)
    assert booked["appointment"] is True
    h.clock.now = at(2026, 11, 30, 9, 0)
    assert (await post(h, "/api/windows/1/call"))["ticket"]["number"] == booked["number"]
    h.clock.now = at(2026, 11, 30, 9, 10)
    await post(h, "/api/windows/1/finish", {"outcome": "instant"})
    await post(h, "/api/windows/1/call")
    h.clock.now = at(2026, 11, 30, 9, 20)
    await post(h, "/api/windows/1/finish", {"outcome": "instant"})
    h.clock.now = at(2026, 12, 1, 10, 0)  # Tuesday, a duty day: a ticket rolls the day over
    await post(h, "/api/tickets", {"category": "A"}, 201, headers=h.kiosk)
    await post(h, f"/api/requests/{visit['code']}/close", {"status": "done", "outcome": "已认证"})
    await post(h, f"/api/requests/{entrusted['code']}/close", {"status": "rejected", "outcome": "不符合条件"})
    await logout(h)
    await login(h, "m")
    return {"walk_in": walk_in, "booked": booked["number"], "visit": visit["code"], "agency": agency["code"],
            "entrusted": entrusted["code"]}  # fmt: skip


async def test_the_ledger_and_statistics_mark_the_checked_in_appointment(hall):
    n = await known_days(hall)
    con = sqlite3.connect(hall.db)  # Monday is closed: its facts are stored, with the mark
    stored = con.execute("SELECT number, appointment FROM service_facts WHERE day = '2026-11-30' ORDER BY 1")
    assert sorted(stored.fetchall()) == sorted([(n["walk_in"], 0), (n["booked"], 1)])
    con.close()
    rows = await (await hall.get("/api/ledger?from=2026-11-30&to=2026-12-01")).json()
    assert [(r["number"], r["appointment"]) for r in rows] == [
        (n["walk_in"], False),
        (n["booked"], True),
        ("A001", False),
    ]
    booked = rows[1]
    assert booked["wait_s"] == 900 and booked["service_s"] == 600  # checked in 08:45, called 09:00, done 09:10
    table = list(
        csv.reader(io.StringIO(await (await hall.get("/api/ledger?format=csv&from=2026-11-30&to=2026-11-30")).text()))
    )
    mark = table[0].index("预约")
    assert [(r[1], r[mark]) for r in table[1:]] == [(n["walk_in"], ""), (n["booked"], "是")]
    s = await (await hall.get("/api/stats?from=2026-11-30&to=2026-11-30")).json()
    # 2 tickets, 1 from a booking: share 0.5. Monday's bookings: 3, one checked in, one cancelled,
    # and one nobody came for (a no-show now that it is Tuesday).
    assert s["appointments"] == {
        "tickets": 1,
        "called": 1,
        "served": 1,
        "share": 0.5,
        "bookings": 3,
        "checked_in": 1,
        "cancelled": 1,
        "no_show": 1,
    }
    assert s["totals"]["issued"] == 2
    # Today's (open) day is derived with the mark too: Tuesday's walk-in is not an appointment.
    s = await (await hall.get("/api/stats?from=2026-11-30&to=2026-12-01&part=volume")).json()
    assert s["appointments"]["tickets"] == 1 and s["appointments"]["share"] == 0.3333


async def test_the_ledger_counts_requests_with_due_dates_outcomes_and_on_time(hall):
    n = await known_days(hall)
    body = await (await hall.get("/api/ledger/requests?from=2026-11-27&to=2026-11-30")).json()
    got = {
        r["code"]: (r["kind_name"], r["due"], r["status_name"], r["outcome"], r["on_time"]) for r in body["requests"]
    }
    assert got == {
        n["entrusted"]: ("委托办理", "2026-12-04", "不予办理", "不符合条件", True),
        n["visit"]: ("上门服务", "2026-12-02", "已办结", "已认证", True),
        n["agency"]: ("跨部门代办", "2026-11-30", "办理中", "", False),  # open past its due date
    }
    assert body["requests"][2]["department"] == "县自然资源局" and body["requests"][2]["assignee"] == "综合窗口"
    total = body["summary"][-1]
    assert total == {
        "kind": "all",
        "kind_name": "合计",
        "requests": 3,
        "closed": 2,
        "open": 1,
        "on_time": 2,
        "late": 1,
        "on_time_share": 1.0,
    }
    assert [(k["kind"], k["requests"], k["late"]) for k in body["summary"][:3]] == [
        ("entrusted", 1, 0),
        ("home_visit", 1, 0),
        ("cross_department", 1, 1),
    ]
    table = list(
        csv.reader(io.StringIO(await (await hall.get("/api/ledger/requests?from=2026-11-27&format=csv")).text()))
    )
    assert table[0][:3] == ["\ufeff编号", "类型", "登记日期"] and len(table) == 4
    s = await (await hall.get("/api/stats?from=2026-11-27&to=2026-12-01&part=timeliness")).json()
    assert s["requests"][-1]["late"] == 1 and s["requests"][-1]["on_time"] == 2
    assert (await hall.get("/api/ledger/requests?from=2026-12-05&to=2026-12-01")).status == 400
    await logout(hall)
    await login(hall, "w1")
    assert (await hall.get("/api/ledger/requests")).status == 403


async def test_the_workbook_marks_appointments_and_holds_the_requests(hall, tmp_path):
    from openpyxl import load_workbook

    from queue_server import report
    from queue_server.keys import SERVICE, STORE

    n = await known_days(hall)
    app = hall.app
    svc = app[SERVICE]
    data = await report.collect(app[STORE], svc.center, at(2026, 11, 27).date(), svc.day, today=svc.day)
    out = tmp_path / "r.xlsx"
    report.write_xlsx(data, out)
    wb = load_workbook(out)
    assert wb.sheetnames[-1] == "委托·上门·代办"
    ws = wb["1号窗口"]
    header = [c.value for c in ws[1]]
    marks = {r[1]: r[header.index("预约")] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert marks[n["booked"]] == "是" and marks[n["walk_in"]] is None
    figures = {r[0]: r[1] for r in wb["汇总"].iter_rows(min_row=4, max_row=20, values_only=True)}
    assert figures["预约取号"] == 1 and figures["预约登记"] == 3
    rs = wb["委托·上门·代办"]
    assert [c.value for c in rs[5]][:7] == ["合计", 3, 2, 1, 2, 1, 1.0]
    codes = [r[0] for r in rs.iter_rows(min_row=8, values_only=True)]
    assert codes == [n["entrusted"], n["visit"], n["agency"]]


async def test_the_migration_back_fills_the_mark_of_stored_days(tmp_path):
    """A database from before the mark: its stored days get it from the tickets."""
    from queue_server.schema import MIGRATIONS
    from queue_server.service_facts import APPOINTMENT_COLUMN

    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    scripts = MIGRATIONS[: MIGRATIONS.index(APPOINTMENT_COLUMN)]
    for number, script in enumerate(scripts[:13], start=1):  # 13: tickets.appointment
        for statement in filter(str.strip, script.split(";")):
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {number}")
    for i, (day, booked) in enumerate((("2026-11-27", 1), ("2026-11-27", 0), ("2026-11-30", 1)), start=1):
        db.execute(
            "INSERT INTO tickets (id, day, category, seq, number, status, token, issued_at, queue_key, appointment) "
            "VALUES (?, ?, 'A', ?, ?, 'waiting', ?, ?, ?, ?)",
            (i, day, i, f"A00{i}", f"t{i}", f"{day}T09:0{i}:00+08:00", i, booked),
        )
        db.execute(
            "INSERT INTO transitions (ticket_id, at, to_status) VALUES (?, ?, 'waiting')",
            (i, f"{day}T09:0{i}:00+08:00"),
        )
    for number, script in enumerate(scripts[13:], start=14):  # 14 stores the 27th's facts
        for statement in filter(str.strip, script.split(";")):
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {number}")
    db.commit()
    db.close()
    store = await Store.open(path)
    try:
        rows = await store.fetchall("SELECT number, appointment FROM service_facts ORDER BY number")
        assert [tuple(r) for r in rows] == [("A001", 1), ("A002", 0)]
    finally:
        await store.close()
