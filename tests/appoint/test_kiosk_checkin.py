"""The kiosk's keypad check-in and duty-mode home without Kivy: the real controller over the
real server app (real SQLite file, a settable clock); only the screen is a recording view."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "kiosk"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "printing"))

from test_kiosk_controller import MONDAY_9, Kiosk, hall

from kiosk.checkin import CheckinModel, press, refusal
from kiosk.printer_link import KioskPrinter

__all__ = ["hall"]  # the fixture, reused


def test_press_keeps_six_digits_and_edits():
    digits = ""
    for key in "1234567":
        digits = press(digits, key)
    assert digits == "123456"
    assert press(digits, "back") == "12345" and press(digits, "clear") == "" and press("12", "x") == "12"
    assert CheckinModel("12").shown == "1 2 _ _ _ _"


def test_every_refusal_says_what_to_do():
    for code in ("too_early", "too_late", "already_used", "appointment_not_found", "cancelled", "other"):
        model = refusal(code, "服务器的说明")
        assert model.title and model.body and model.action == "home"


async def book(hall_, slot: str) -> str:
    import aiohttp

    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{hall_.url}/api/appointments", json={"category": "C", "slot": slot}) as r,
    ):
        assert r.status == 201, await r.text()
        return (await r.json())["code"]


@pytest.fixture
def printer(tmp_path):
    return KioskPrinter(f"preview:{tmp_path}")


async def test_keypad_check_in_prints_an_appointment_ticket(hall, printer):
    hall.clock.now = MONDAY_9 - dt.timedelta(minutes=40)  # 08:20: booking before the day
    code = await book(hall, "2026-11-30T09:00:00+08:00")
    hall.clock.now = MONDAY_9 - dt.timedelta(minutes=20)  # 08:40: the hall opened at 08:30
    k = Kiosk(hall, printer)
    try:
        await k.screen("home")
        k.ctl.checkin.open()
        assert k.ctl.screen == "checkin"
        for d in code[:5]:
            k.ctl.checkin.key(d)
        assert k.view.last("checkin").shown.endswith("_")
        k.ctl.checkin.key(code[5])  # the sixth digit checks in
        await k.screen("ticket")
        assert k.ctl.ticket.appointment and k.ctl.ticket.number == "C001"
        assert "预约号" in k.view.last("ticket").ahead
        await k.wait(lambda: k.ctl.prints == [("C001", "done")])
        k.ctl.go_home()
        k.ctl.checkin.typed(code)  # a keyboard-wedge scanner types the same code again
        await k.screen("error")
        assert k.view.last("message").title == "这个预约码已经取过号"
        assert k.ctl.checkin.checkins == [(code, "ok"), (code, "already_used")]
    finally:
        await k.close()


async def test_too_early_and_unknown_codes_get_plain_screens(hall, printer):
    code = await book(hall, "2026-12-02T10:00:00+08:00")  # Wednesday
    k = Kiosk(hall, printer)
    try:
        await k.screen("home")
        k.ctl.checkin.typed(code)
        await k.screen("error")
        shown = k.view.last("message")
        assert shown.title == "还没到签到时间" and "12月2日 10:00" in shown.body
        k.ctl.message_action("home")
        k.ctl.checkin.typed("000000")
        await k.screen("error")
        assert k.view.last("message").title == "没有这个预约码"
    finally:
        await k.close()


async def test_duty_day_home_names_the_duty_window_and_the_ticket_goes_there(hall, printer):
    hall.clock.now = MONDAY_9 + dt.timedelta(days=1)  # Tuesday: a duty day
    k = Kiosk(hall, printer)
    try:
        await k.screen("home")
        assert "今天是值班日：所有业务请到 4 号窗口办理" in k.view.last("home").help
        k.ctl.choose_category("A")
        k.ctl.choose_matter("A", None)
        await k.screen("ticket")
        assert k.ctl.ticket.window == 4 and "请到 4 号窗口" in k.view.last("ticket").ahead
    finally:
        await k.close()


async def test_the_kiosk_opens_at_0830_and_offers_check_in_while_closed(hall, printer):
    hall.clock.now = MONDAY_9.replace(hour=8, minute=29)
    k = Kiosk(hall, printer)
    try:
        await k.screen("closed")
        notice = k.view.last("message")
        assert "下次开放：11月30日（星期一）08:30" in notice.body and notice.action == "checkin"
        k.ctl.message_action("checkin")
        assert k.ctl.screen == "checkin"
        k.ctl.back()
        await k.screen("closed")
        hall.clock.now = MONDAY_9.replace(hour=8, minute=30)  # nobody touches the kiosk
        await k.screen("home")
    finally:
        await k.close()


def test_the_printed_ticket_marks_an_appointment_and_the_duty_window():
    from bianmin.center import center_info, load_center
    from bianmin.protocol import IssuedTicket
    from kiosk.printing.layout import PAPERS, Text, ticket_blocks

    center = center_info(load_center(), True)
    base = IssuedTicket("t", "C001", "C", None, False, 0, "2026-11-30T08:40:00+08:00", "http://x/g/C?t=t")
    plain = [b.text for b in ticket_blocks(base, center, PAPERS[80]) if isinstance(b, Text)]
    assert "预约号" not in plain and not any("值班窗口" in t for t in plain)
    marked = IssuedTicket(**{**base.to_dict(), "appointment": True, "window": 4})
    texts = [b.text for b in ticket_blocks(marked, center, PAPERS[80]) if isinstance(b, Text)]
    assert "预约号" in texts and "请到 4 号窗口（值班窗口）办理" in texts
