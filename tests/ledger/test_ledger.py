"""A day with known services, driven through the real service with the clock passed in,
gives exactly the expected ledger rows (times, waits, counts, outcomes, case timeliness)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest

from queue_server.accounts import Accounts
from queue_server.app import create_app
from queue_server.settings import Settings
from queue_server.store import Store

TZ = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 11, 30)  # a Monday, an office day
PASSWORD = "pass12345"


def at(hhmm: str, day: dt.date = DAY) -> dt.datetime:
    h, m = map(int, hhmm.split(":"))
    return dt.datetime(day.year, day.month, day.day, h, m, tzinfo=TZ)


class Clock:
    def __init__(self) -> None:
        self.now = at("08:30")

    def __call__(self) -> dt.datetime:
        return self.now


class Hall:
    """The real app in-process over a real SQLite file; each step sets the clock first."""

    def __init__(self, client, token: str, clock: Clock):
        self.client, self.token, self.clock = client, token, clock

    async def login(self, name: str) -> None:
        resp = await self.client.post("/api/login", json={"login": name, "password": PASSWORD})
        assert resp.status == 200, await resp.text()

    async def issue(self, when: str, category: str, matter: str) -> str:
        self.clock.now = at(when)
        resp = await self.client.post(
            "/api/tickets",
            json={"category": category, "matter": matter},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        assert resp.status == 201, await resp.text()
        return (await resp.json())["number"]

    async def act(self, when: str | dt.datetime, path: str, body: dict | None = None) -> dict:
        self.clock.now = at(when) if isinstance(when, str) else when
        resp = await self.client.post(path, json=body or {})
        assert resp.status == 200, f"{path}: {await resp.text()}"
        return await resp.json()


@pytest.fixture
async def hall(tmp_path, aiohttp_client):
    store = await Store.open(tmp_path / "ledger.db")
    accounts = Accounts(store)
    await accounts.add_clerk("a", "张三", [1], PASSWORD)
    await accounts.add_clerk("b", "李四", [2], PASSWORD)
    await accounts.add_clerk("m", "王主任", [], PASSWORD, role="manager")
    _dev, token = await accounts.add_device("kiosk", "k")
    clock = Clock()
    client = await aiohttp_client(create_app(Settings(db=tmp_path / "ledger.db"), store, clock=clock))
    yield Hall(client, token, clock)
    await store.close()


async def known_day(h: Hall) -> list[str]:
    """Five residents on 2026-11-30; the comments give each one's hand-computed figures."""
    n1 = await h.issue("09:00", "A", "A1")
    n2 = await h.issue("09:05", "C", "C1")
    n3 = await h.issue("09:10", "B", "B1")
    await h.login("a")
    # n1: called 09:10 (wait 600 s), started 09:11, finished 09:21 (service 600 s), instant.
    await h.act("09:10", "/api/windows/1/call")
    await h.act("09:11", "/api/windows/1/start")
    # The service's clock never runs backwards, so each step happens in time order.
    n4 = await h.issue("09:15", "A", "A2")
    await h.act("09:21", "/api/windows/1/finish", {"outcome": "instant"})
    # n2: called 09:21 (wait 960 s), recalled, missed, put back, called again 09:30, started
    # 09:31, finished 09:51 (service 1200 s) promised by Thursday 12-03.
    await h.act("09:21", "/api/windows/1/call")
    await h.act("09:22", "/api/windows/1/recall")
    await h.act("09:23", "/api/windows/1/no-show")
    await h.act("09:24", "/api/windows/1/requeue", {"number": n2})
    await h.act("09:30", "/api/windows/1/call")
    await h.act("09:31", "/api/windows/1/start")
    # n3: called at window 2 09:40 (wait 1800 s), transferred to window 1, called there 09:52,
    # rejected 10:00 without pressing start (service 480 s from the last call).
    await h.login("b")
    await h.act("09:40", "/api/windows/2/call")
    await h.act("09:41", "/api/windows/2/transfer", {"to_window": 1})
    await h.login("a")
    await h.act("09:51", "/api/windows/1/finish", {"outcome": "promised", "due": "2026-12-03"})
    await h.act("09:52", "/api/windows/1/call")
    await h.act("10:00", "/api/windows/1/finish", {"outcome": "rejected", "reason": "材料不全"})
    # n4: called 10:00 (wait 2700 s), missed at 10:02 and never came back.
    await h.act("10:00", "/api/windows/1/call")
    await h.act("10:02", "/api/windows/1/no-show")
    # n5: issued 10:30, never called; the next day's roll-over closes it as expired.
    n5 = await h.issue("10:30", "C", "C1")
    # n2's promised case is completed on Wednesday 12-02: 2 working days, on time.
    cases = await (await h.client.get("/api/cases")).json()
    (case,) = cases["cases"]
    await h.act(at("15:00", dt.date(2026, 12, 2)), f"/api/cases/{case['id']}/complete")
    return [n1, n2, n3, n4, n5]


def iso(hhmm: str, day: dt.date = DAY) -> str:
    return at(hhmm, day).isoformat()


async def test_known_day_gives_exactly_the_expected_rows(hall):
    n1, n2, n3, n4, n5 = await known_day(hall)
    resp = await hall.client.get("/api/ledger?from=2026-11-30&to=2026-11-30")
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "manager_only"
    await hall.login("m")
    rows = await (await hall.client.get("/api/ledger?from=2026-11-30&to=2026-11-30")).json()
    keys = ("number", "window", "clerk", "called_at", "started_at", "finished_at", "wait_s", "service_s", "outcome")
    got = [tuple(r[k] for k in keys) for r in rows]
    assert got == [
        (n1, 1, "张三", iso("09:10"), iso("09:11"), iso("09:21"), 600, 600, "instant"),
        (n2, 1, "张三", iso("09:21"), iso("09:31"), iso("09:51"), 960, 1200, "promised"),
        (n3, 1, "张三", iso("09:40"), None, iso("10:00"), 1800, 480, "rejected"),
        (n4, 1, "张三", iso("10:00"), None, None, 2700, None, None),
        (n5, None, None, None, None, None, None, None, None),
    ]
    counts = [(r["recalls"], r["no_shows"], r["transfers"], r["requeues"], r["status"]) for r in rows]
    assert counts == [
        (0, 0, 0, 0, "done"),
        (1, 1, 0, 1, "done"),
        (0, 0, 1, 0, "done"),
        (0, 1, 0, 0, "no_show"),
        (0, 0, 0, 0, "expired"),
    ]
    r2 = rows[1]
    assert (r2["due"], r2["completed_at"], r2["on_time"], r2["days_taken"]) == (
        "2026-12-03",
        iso("15:00", dt.date(2026, 12, 2)),
        True,
        2,
    )
    assert (r2["promised_days"], r2["statutory_days"], r2["matter_name"]) == (
        10,
        30,
        "办理农村低保、五保户的申报和补助发放事项",
    )
    assert rows[2]["reason"] == "材料不全" and rows[2]["on_time"] is None and rows[2]["rating"] is None
    assert {r["day"] for r in rows} == {"2026-11-30"}

    # Filters: one window; another day has nothing.
    only2 = await (await hall.client.get("/api/ledger?from=2026-11-30&to=2026-11-30&window=2")).json()
    assert only2 == []
    assert await (await hall.client.get("/api/ledger?from=2026-12-01&to=2026-12-31")).json() == []
    # Export: the same rows as CSV with Chinese headers.
    resp = await hall.client.get("/api/ledger?from=2026-11-30&to=2026-11-30&format=csv")
    assert resp.status == 200 and "attachment" in resp.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO((await resp.text()).lstrip("\ufeff"))))
    assert table[0][:3] == ["日期", "号码", "类别"] and [t[1] for t in table[1:]] == [n1, n2, n3, n4, n5]
    assert table[2][table[0].index("按时办结")] == "是"


@pytest.mark.parametrize(
    "query, field",
    [
        ("from=2026-11-31", "from"),
        ("from=2026-12-02&to=2026-12-01", "to"),
        ("from=2025-01-01&to=2026-12-01", "to"),
        ("window=9", "window"),
        ("window=x", "window"),
        ("format=pdf", "format"),
    ],
)
async def test_bad_queries_get_a_field_naming_400(hall, query, field):
    await hall.login("m")
    resp = await hall.client.get(f"/api/ledger?{query}")
    assert resp.status == 400
    assert (await resp.json())["error"]["field"] == field


async def test_known_day_statistics_match_hand_computed_numbers(hall):
    await known_day(hall)
    await hall.login("m")
    resp = await hall.client.get("/api/stats?from=2026-11-30&to=2026-12-02")
    assert resp.status == 200, await resp.text()
    s = await resp.json()
    # Called: waits 600, 960, 1800, 2700 s. Nearest rank: p50 = 2nd = 960, p90 = 4th = 2700;
    # over 30 minutes (> 1800 s): one of four. Services 600, 1200, 480 s: average 760.
    assert s["totals"] == {
        "issued": 5,
        "called": 4,
        "served": 3,
        "rejected": 1,
        "no_show_rate": 0.5,  # n2 and n4 were missed once
        "transfer_rate": 0.25,
        "rejection_rate": 0.3333,
        "wait_p50_s": 960,
        "wait_p90_s": 2700,
        "wait_over_30_share": 0.25,
        "wait_avg_s": 1515,
        "service_avg_s": 760,
    }
    assert s["volume"]["day"] == [["2026-11-30", 5]]
    assert s["volume"]["window"] == [[1, 4]]
    assert s["volume"]["category"] == [["A", 2], ["B", 1], ["C", 2]]
    assert s["service_by_clerk"] == [["张三", 760, 3]]
    assert s["heatmap"] == [[9, 1, 4], [10, 1, 1]]  # Monday: four at 9 h, one at 10 h
    assert s["outcomes"] == [["即时办理", 1], ["承诺办理", 1], ["退办告知", 1]]
    assert s["rejection_reasons"] == [["材料不全", 1]]
    # C1 promises 10 working days (statutory 30); opened 11-30, closed 12-02: 2 days, on time.
    assert s["timeliness"] == [
        {
            "month": "2026-12",
            "cases": 1,
            "on_time_share": 1.0,
            "avg_days": 2.0,
            "avg_promised_days": 10.0,
            "avg_statutory_days": 30.0,
        }
    ]
    assert s["compare"]["last"]["issued"] == 5 and s["compare"]["this"]["issued"] == 0
    assert (await hall.client.get("/api/stats?from=2026-12-05&to=2026-12-01")).status == 400
    # The page's first two requests, volume's halves, hold exactly what volume holds.
    halves: dict = {}
    for part in ("periods", "groups"):
        body = await (await hall.client.get(f"/api/stats?from=2026-11-30&to=2026-12-02&part={part}")).json()
        halves = {**halves, **body, "volume": {**halves.get("volume", {}), **body["volume"]}}
    whole = await (await hall.client.get("/api/stats?from=2026-11-30&to=2026-12-02&part=volume")).json()
    assert halves == whole and halves["volume"] == s["volume"] and halves["appointments"] == s["appointments"]
    bad = await hall.client.get("/api/stats?from=2026-11-30&to=2026-12-02&part=days")
    assert bad.status == 400 and (await bad.json())["error"]["field"] == "part"


async def test_known_day_workbook_holds_the_rows_and_charts(hall, tmp_path):
    from openpyxl import load_workbook

    from queue_server import report
    from queue_server.keys import SERVICE, STORE

    n1, n2, n3, n4, _n5 = await known_day(hall)
    app = hall.client.app
    data = await report.collect(app[STORE], app[SERVICE].center, DAY, dt.date(2026, 12, 2))
    out = tmp_path / "day.xlsx"
    report.write_xlsx(data, out)
    wb = load_workbook(out)
    assert wb.sheetnames == ["汇总", "1号窗口", "2号窗口", "3号窗口", "4号窗口", "办结时效"]
    ws = wb["1号窗口"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["日期", "号码", "事项"] and "等候（秒）" in header and "按时办结" in header
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref is not None
    numbers = [r[1] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert numbers == [n1, n2, n3, n4]
    waits = [r[header.index("等候（秒）")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert waits == [600, 960, 1800, 2700]
    outcome = [r[header.index("办理方式")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert outcome == ["即时办理", "承诺办理", "退办告知", None]
    assert wb["2号窗口"].max_row == 1  # n3 moved to window 1: window 2 served nobody to the end
    summary = wb["汇总"]
    assert len(summary._charts) == 3
    figures = {r[0]: r[1] for r in summary.iter_rows(min_row=4, max_row=15, values_only=True)}
    assert figures["取号总数"] == 5 and figures["等候时间中位数（秒）"] == 960
    ts = wb["办结时效"]
    assert [c.value for c in ts[2]][:3] == ["2026-12", 1, 1.0]
    assert len(ts._charts) == 1
    case_rows = [r for r in ts.iter_rows(min_row=19, values_only=True) if r[1] == n2]
    assert len(case_rows) == 1 and case_rows[0][-1] == "是"


async def test_closed_days_are_stored_and_today_is_derived(hall, tmp_path):
    """When a new day starts, the service stores the closed days' facts, exactly what the one
    derivation gives from the tickets and transitions; today's tickets are derived when read,
    so the ledger shows a ticket the moment it is issued."""
    import sqlite3

    from queue_server import service_facts
    from queue_server.keys import STORE

    await known_day(hall)  # ends on Wednesday 12-02: Monday 11-30 is closed
    await hall.client.app[STORE].drain()
    con = sqlite3.connect(tmp_path / "ledger.db")
    stored = con.execute("SELECT * FROM service_facts ORDER BY day, ticket_id").fetchall()
    derived = con.execute(
        f"SELECT * FROM ({service_facts.FACTS_OF.format(index='', where='1')}) ORDER BY 1, 2"
    ).fetchall()
    assert len(stored) == 5 and stored == derived and {r[0] for r in stored} == {"2026-11-30"}

    hall.clock.now = at("15:05", dt.date(2026, 12, 2))
    resp = await hall.client.post(
        "/api/tickets", json={"category": "A", "matter": "A1"}, headers={"Authorization": f"Bearer {hall.token}"}
    )
    assert resp.status == 201, await resp.text()
    n6 = (await resp.json())["number"]
    await hall.login("m")
    today = await (await hall.client.get("/api/ledger?from=2026-12-02&to=2026-12-02")).json()
    assert con.execute("SELECT COUNT(*) FROM service_facts WHERE day = '2026-12-02'").fetchone() == (0,)
    con.close()
    assert [(r["number"], r["status"], r["called_at"]) for r in today] == [(n6, "waiting", None)]
    s = await (await hall.client.get("/api/stats?from=2026-11-30&to=2026-12-02")).json()
    assert s["totals"]["issued"] == 6 and s["volume"]["day"] == [["2026-11-30", 5], ["2026-12-02", 1]]
