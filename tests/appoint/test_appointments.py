"""Appointments over the real app and a real SQLite file: slots, booking, the atomic last
place, cancel, and the kiosk's check-in with its window of time."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from tests.appoint.conftest import at, login, logout

SLOT = "2026-11-30T09:00:00+08:00"  # Monday, an office day


async def book(client, slot=SLOT, category="A", **extra):
    return await client.post("/api/appointments", json={"category": category, "slot": slot, **extra})


async def test_slots_are_office_days_only_from_open_every_30_minutes(hall):
    r = await hall.get("/api/appointments/slots?category=A&from=2026-11-27&to=2026-12-01")
    assert r.status == 200
    got = [s["slot"] for s in await r.json()]
    assert got[0] == "2026-11-27T09:30:00+08:00"  # today's from after now (09:00), no past slot
    assert "2026-11-28T09:00:00+08:00" not in got and not any(s.startswith("2026-12-01") for s in got)
    monday = [s for s in got if s.startswith("2026-11-30")]
    assert monday[0] == "2026-11-30T08:30:00+08:00" and monday[-1] == "2026-11-30T17:00:00+08:00"
    assert len(monday) == 18
    assert all(s["capacity"] == 2 and s["booked"] == 0 for s in await r.json())


async def test_a_booking_gives_a_six_digit_code_and_counts_in_its_slot(hall):
    r = await book(hall)
    assert r.status == 201, await r.text()
    body = await r.json()
    assert len(body["code"]) == 6 and body["code"].isdigit()
    assert body["slot"] == SLOT and body["url"].endswith(f"/b/{body['code']}")
    r = await hall.get("/api/appointments/slots?category=A&from=2026-11-30&to=2026-11-30")
    assert next(s for s in await r.json() if s["slot"] == SLOT)["booked"] == 1
    r = await hall.get(f"/api/appointments/{body['code']}")
    assert (await r.json())["status"] == "booked"


async def test_a_full_slot_is_refused(hall):
    assert (await book(hall)).status == 201
    assert (await book(hall)).status == 201
    r = await book(hall)
    assert r.status == 409 and (await r.json())["error"]["code"] == "slot_full"
    assert (await book(hall, category="B")).status == 201  # places are per category


@pytest.mark.parametrize(
    ("slot", "code"),
    [
        ("2026-12-01T09:00:00+08:00", "slot_outside_calendar"),  # Tuesday: not an office day
        ("2026-11-25T09:00:00+08:00", "slot_past"),  # last Wednesday
        ("2026-12-25T09:00:00+08:00", "slot_too_far"),  # beyond 14 days
        ("2026-11-30T09:10:00+08:00", "slot_outside_calendar"),  # not on the half hour
        ("2026-11-30T17:30:00+08:00", "slot_outside_calendar"),  # the close
        ("tomorrow", "bad_slot"),
    ],
)
async def test_a_slot_outside_the_office_calendar_is_a_400(hall, slot, code):
    r = await book(hall, slot=slot)
    assert r.status == 400 and (await r.json())["error"]["code"] == code


async def test_a_holiday_office_weekday_has_no_slots(hall):
    hall.clock.now = at(2026, 9, 28, 9, 0)
    r = await hall.get("/api/appointments/slots?category=A&from=2026-10-01&to=2026-10-09")
    days = {s["slot"][:10] for s in await r.json()}
    assert days == {"2026-10-09"}  # 10-02 (Fri) and 10-05 (Mon), 10-07 (Wed) are 国庆节
    r = await book(hall, slot="2026-10-02T09:00:00+08:00")
    assert r.status == 400 and (await r.json())["error"]["code"] == "slot_outside_calendar"


async def test_a_clerk_booking_for_a_phone_call_needs_name_and_phone(hall):
    await login(hall, "w1")
    r = await book(hall)
    assert r.status == 400 and (await r.json())["error"]["field"] == "name"
    r = await book(hall, name="李大爷", phone="13800000000")
    assert r.status == 201


@pytest.mark.parametrize("capacity", [10])
async def test_fifty_concurrent_bookings_for_ten_places_make_exactly_ten(hall, tmp_path):
    replies = await asyncio.gather(*(book(hall) for _ in range(50)))
    statuses = sorted(r.status for r in replies)
    assert statuses.count(201) == 10 and statuses.count(409) == 40
    codes = {(await r.json())["code"] for r in replies if r.status == 201}
    assert len(codes) == 10
    db = sqlite3.connect(tmp_path / "queue.db")
    places = [p for (p,) in db.execute("SELECT place FROM appointments WHERE slot = ? ORDER BY place", (SLOT,))]
    assert places == list(range(10))
    with pytest.raises(sqlite3.IntegrityError):  # the constraint behind the count
        db.execute(
            "INSERT INTO appointments (code, category, slot, place, source, booked_at) "
            "VALUES ('999999', 'A', ?, 3, 'resident', 'x')",
            (SLOT,),
        )
    db.close()


async def test_cancel_gives_the_place_back(hall):
    codes = [(await (await book(hall)).json())["code"] for _ in range(2)]
    assert (await book(hall)).status == 409
    r = await hall.delete(f"/api/appointments/{codes[0]}")
    assert r.status == 200
    assert (await book(hall)).status == 201
    r = await hall.get(f"/api/appointments/{codes[0]}")
    assert (await r.json())["status"] == "cancelled"
    assert (await hall.delete("/api/appointments/000000")).status == 404


async def check_in(hall, code):
    return await hall.post(f"/api/appointments/{code}/check-in", headers=hall.kiosk, json={})


async def test_check_in_window_too_early_too_late_used_unknown(hall):
    code = (await (await book(hall)).json())["code"]
    hall.clock.now = at(2026, 11, 30, 8, 29)  # 09:00 slot: check-in from 08:30 to 09:15
    r = await check_in(hall, code)
    assert r.status == 409 and (await r.json())["error"]["code"] == "too_early"
    assert "09:00" in (await r.json())["error"]["message"]
    hall.clock.now = at(2026, 11, 30, 9, 16)
    r = await check_in(hall, code)
    assert r.status == 409 and (await r.json())["error"]["code"] == "too_late"
    r = await hall.post("/api/appointments/000001/check-in", headers=hall.kiosk, json={})
    assert r.status == 404 and (await r.json())["error"]["code"] == "appointment_not_found"
    r = await hall.post(f"/api/appointments/{code}/check-in", json={})
    assert r.status == 401


async def test_check_in_gives_an_appointment_ticket_called_before_older_walk_ins(hall):
    code = (await (await book(hall)).json())["code"]
    hall.clock.now = at(2026, 11, 30, 8, 40)
    walk_ins = []
    for _ in range(3):
        r = await hall.post("/api/tickets", json={"category": "A"}, headers=hall.kiosk)
        assert r.status == 201
        walk_ins.append((await r.json())["number"])
    hall.clock.now = at(2026, 11, 30, 8, 50)
    r = await check_in(hall, code)
    assert r.status == 201, await r.text()
    ticket = await r.json()
    assert ticket["appointment"] is True and ticket["number"] == "A004" and ticket["ahead"] == 0
    r = await check_in(hall, code)
    assert r.status == 409 and (await r.json())["error"]["code"] == "already_used"
    await login(hall, "w1")
    called = []
    for _ in range(4):
        r = await hall.post("/api/windows/1/call")
        body = (await r.json())["ticket"]
        called.append((body["number"], body["appointment"]))
        await hall.post("/api/windows/1/finish", json={"outcome": "instant"})
    assert called == [("A004", True), ("A001", False), ("A002", False), ("A003", False)]
    r = await hall.get("/api/appointments?day=2026-11-30")
    (item,) = (await r.json())["appointments"]
    assert item["status"] == "checked_in" and item["ticket"] == "A004" and item["windows"] == [1]


async def test_the_console_list_marks_no_shows_and_needs_a_clerk(hall):
    await book(hall)
    assert (await hall.get("/api/appointments")).status == 401
    await login(hall, "w1")
    hall.clock.now = at(2026, 11, 30, 8, 0)
    r = await hall.get("/api/appointments")
    assert [a["status"] for a in (await r.json())["appointments"]] == ["waiting"]
    hall.clock.now = at(2026, 11, 30, 10, 0)
    r = await hall.get("/api/appointments")
    assert [a["status"] for a in (await r.json())["appointments"]] == ["no_show"]
    await logout(hall)
    await login(hall, "cun")
    assert (await hall.get("/api/appointments")).status == 403
