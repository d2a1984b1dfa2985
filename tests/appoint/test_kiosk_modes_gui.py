"""The real kiosk app in a real window (Xvfb), the real server under ``faketime``: the
home in each mode of the day and the keypad check-in. Screenshots go to var/shots/appoint/."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.appoint.test_faketime import LIB
from tests.kiosk.gui_run import run_harness, step

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "shots" / "appoint"
pytestmark = [
    pytest.mark.gui,
    pytest.mark.skipif(not LIB.exists(), reason="needs the faketime Debian package (make debs-test)"),
]


def run(scenario: str, tmp_path: Path, timeout: int = 40) -> dict:
    return run_harness(ROOT / "tests" / "appoint" / "kiosk_harness.py", scenario, tmp_path, "1080x1920", timeout, SHOTS)


def test_keypad_check_in_on_an_office_day(tmp_path):
    r = run("office_checkin", tmp_path)
    assert r["mode"]["now"] == "office"
    assert step(r, "keypad")["shown"] == " ".join(r["code"][:5]) + " _"
    assert r["ticket"]["appointment"] is True and r["ticket"]["number"] == "C001"
    assert any("预约号" in t for t in step(r, "ticket")["texts"])
    assert step(r, "used")["title"] == "这个预约码已经取过号"
    assert len(r["jobs"]) == 1  # one ticket printed, none for the refused second check-in
    with sqlite3.connect(r["db"]) as db:
        assert db.execute("SELECT status, ticket_id IS NOT NULL FROM appointments").fetchall() == [("checked_in", 1)]
        assert db.execute("SELECT number, appointment FROM tickets").fetchall() == [("C001", 1)]


def test_duty_mode_home_names_the_duty_window(tmp_path):
    r = run("duty_home", tmp_path)
    assert r["mode"] == {"now": "duty", "duty_windows": [4], "next_open": None}
    assert "今天是值班日：所有业务请到 4 号窗口办理" in r["help"]
    assert any("值班日" in t for t in step(r, "mode_duty")["texts"])
    assert r["ticket"]["window"] == 4 and r["ticket"]["number"] == "A001"
    assert any("请到 4 号窗口" in t for t in step(r, "duty_ticket")["texts"])


def test_closed_mode_says_when_the_hall_opens_and_offers_check_in(tmp_path):
    r = run("closed_home", tmp_path)
    assert r["mode"]["now"] == "closed" and r["mode"]["next_open"] == "2026-12-07T08:30:00+08:00"
    assert "下次开放：12月7日（星期一）08:30" in r["body"]
    step(r, "mode_closed")
    assert step(r, "closed_keypad")["kv_screen"] == "checkin"
