"""Duty mode and closed mode over the real app: /api/center's mode, tickets to the duty
window, the duty window calling every category; a chosen call and a green mark with reasons."""

from __future__ import annotations

import sqlite3

from tests.appoint.conftest import at, login


async def issue(hall, category="A"):
    return await hall.post("/api/tickets", json={"category": category}, headers=hall.kiosk)


async def test_center_mode_on_an_office_day(hall):
    mode = (await (await hall.get("/api/center")).json())["mode"]
    assert mode == {"now": "office", "duty_windows": [], "next_open": None}
    r = await issue(hall)
    assert r.status == 201 and (await r.json())["window"] is None


async def test_a_duty_day_sends_every_category_to_the_duty_window(hall):
    hall.clock.now = at(2026, 12, 1, 10, 0)  # Tuesday
    info = await (await hall.get("/api/center")).json()
    assert info["mode"] == {"now": "duty", "duty_windows": [4], "next_open": None}
    assert info["office"]["open_now"] is True
    r = await issue(hall, "A")
    assert r.status == 201 and (await r.json())["window"] == 4
    await login(hall, "w4")
    r = await hall.post("/api/windows/4/call")
    assert r.status == 200 and (await r.json())["ticket"]["number"] == "A001"


async def test_a_sunday_is_closed_and_says_when_the_hall_opens(hall):
    hall.clock.now = at(2026, 12, 6, 10, 0)
    info = await (await hall.get("/api/center")).json()
    assert info["mode"] == {"now": "closed", "duty_windows": [], "next_open": "2026-12-07T08:30:00+08:00"}
    assert info["office"]["open_now"] is False
    r = await issue(hall)
    body = await r.json()
    assert r.status == 409 and body["error"]["code"] == "office_closed"
    assert "12月7日 08:30" in body["error"]["message"]


async def test_the_mode_changes_at_0830_by_itself(hall):
    hall.clock.now = at(2026, 11, 30, 8, 29)
    assert (await issue(hall)).status == 409
    hall.clock.now = at(2026, 11, 30, 8, 30)
    assert (await issue(hall)).status == 201


async def test_call_a_chosen_ticket_with_a_reason_and_mark_green(hall, tmp_path):
    for _ in range(3):
        assert (await issue(hall)).status == 201
    await login(hall, "w1")
    r = await hall.post("/api/windows/1/call", json={"number": "A003"})
    assert r.status == 400 and (await r.json())["error"]["code"] == "reason_required"
    r = await hall.post("/api/windows/1/call", json={"number": "A009", "reason": "行动不便"})
    assert r.status == 404
    r = await hall.post("/api/windows/1/call", json={"number": "a003", "reason": "行动不便"})
    assert r.status == 200 and (await r.json())["ticket"]["number"] == "A003"
    await hall.post("/api/windows/1/finish", json={"outcome": "instant"})
    r = await hall.post("/api/windows/1/green", json={"number": "A002", "reason": "孕妇"})
    assert r.status == 200 and (await r.json())["ticket"]["priority"] is True
    r = await hall.post("/api/windows/1/green", json={"number": "A002", "reason": "孕妇"})
    assert r.status == 409
    r = await hall.post("/api/windows/1/call")
    assert (await r.json())["ticket"]["number"] == "A002"
    r = await hall.post("/api/windows/3/call", json={"number": "A001", "reason": "x"})
    assert r.status == 403  # w1 works at window 1 only
    db = sqlite3.connect(tmp_path / "queue.db")
    details = {d for (d,) in db.execute("SELECT detail FROM transitions WHERE detail IS NOT NULL")}
    db.close()
    assert {"chosen: 行动不便", "green: 孕妇"} <= details


async def test_the_rota_names_a_days_duty_window(tmp_path, aiohttp_client):
    from queue_server.accounts import Accounts
    from queue_server.app import create_app
    from queue_server.settings import Settings
    from queue_server.store import Store
    from tests.appoint.conftest import PASSWORD

    clock = lambda: at(2026, 12, 1, 10, 0)  # noqa: E731  (Tuesday)
    store = await Store.open(tmp_path / "queue.db")
    await Accounts(store).add_clerk("boss", "刘主任", [], PASSWORD, role="manager")
    _, kiosk = await Accounts(store).add_device("kiosk", "取号机")
    client = await aiohttp_client(create_app(Settings(db=tmp_path / "queue.db"), store, clock=clock))
    try:
        await login(client, "boss")
        r = await client.put("/api/duty/2026-12-01", json={"staff": [], "windows": [9]})
        assert r.status == 400 and (await r.json())["error"]["field"] == "windows"
        r = await client.put("/api/duty/2026-12-01", json={"staff": ["boss"], "windows": [2]})
        assert r.status == 200
        assert (await (await client.get("/api/center")).json())["mode"]["duty_windows"] == [2]
        rota = await (await client.get("/api/duty?month=2026-12")).json()
        assert rota["days"][0]["windows"] == [2] and rota["days"][1]["windows"] == [4]
        r = await client.post("/api/tickets", json={"category": "G"}, headers={"Authorization": f"Bearer {kiosk}"})
        assert (await r.json())["window"] == 2
    finally:
        await store.close()


async def test_guide_pages_show_the_mode_and_the_booking_link(hall):
    page = await (await hall.get("/g/A1")).text()
    assert "今天是集中办公日" in page and 'href="/book"' in page
    hall.clock.now = at(2026, 12, 1, 10, 0)
    assert "今天是值班日：所有业务请到 4 号窗口办理" in await (await hall.get("/g/A")).text()
    hall.clock.now = at(2026, 12, 6, 10, 0)
    assert "下次开放：12月7日 08:30" in await (await hall.get("/g/A1")).text()


async def test_the_mode_change_at_0830_is_announced_to_the_hall(hall):
    from queue_server.keys import SERVICE

    svc = hall.server.app[SERVICE]
    hall.clock.now = at(2026, 11, 30, 8, 29)
    await svc.roll_day()  # Monday's day_started
    seq = svc.seq
    await svc.announce_mode()  # the first look only remembers the mode
    await svc.announce_mode()
    assert svc.seq == seq
    hall.clock.now = at(2026, 11, 30, 8, 30)
    await svc.announce_mode()
    assert svc.seq == seq + 1
    r = await hall.get("/api/snapshot")
    assert r.status == 200


def test_the_hall_board_marquee_carries_the_mode():
    from bianmin.protocol import DayModeInfo
    from bianmin.text import mode_line

    assert mode_line(DayModeInfo("duty", [4])) == "今天是值班日：所有业务请到 4 号窗口办理"
    assert mode_line(DayModeInfo("office")) == "" and mode_line(None) == ""
    assert "暂停取号" in mode_line(DayModeInfo("closed", [], "2026-12-07T08:30:00+08:00"))
