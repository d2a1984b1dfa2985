"""The clerk console's 电话预约 and 上门 / 委托 dialogs in Debian's Chromium against the real
server under faketime (Monday 30 November 2026, 08:40, an office day): a clerk books for a
caller and sees it in 今日预约; records a home visit with an assignee, sees it in the case
list and closes it with the outcome; the forms say what is missing. The statistics page and
the printable monthly report then show the bookings and the requests per kind."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from pathlib import Path

import pytest

from bench.devserver import ServerProcess
from tests.appoint.test_console_browser import Party
from tests.appoint.test_faketime import LIB, faked
from tests.appoint.test_pages_browser import PASSWORD
from tests.browser import form_log_in

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "shots" / "appoint"
pytestmark = pytest.mark.skipif(not LIB.exists(), reason="needs the faketime Debian package (make debs-test)")


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    db = tmp_path_factory.mktemp("dialogs") / "queue.db"
    srv = ServerProcess(db, "--host", "127.0.0.1", env=faked("2026-11-30 08:40:00"))
    for login, name, window in (("w1", "窗口一", "1"), ("w4", "综合窗口", "4")):
        args = ("--login", login, "--name", name, "--windows", window)
        srv.cli("add-clerk", *args, "--password-stdin", stdin=PASSWORD)
    srv.cli("add-clerk", "--login", "m", "--name", "王主任", "--role", "manager", "--password-stdin", stdin=PASSWORD)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def console(browser, hall):
    ctx = browser.new_context(base_url=hall.url, viewport={"width": 1366, "height": 768}, locale="zh-CN")
    ctx.set_default_timeout(8000)
    page = ctx.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    form_log_in(page, "/clerk", "w1", PASSWORD)
    page.locator("#work-view:not([hidden])").wait_for()
    yield page
    ctx.close()


def test_a_clerk_books_for_a_caller_and_sees_it_in_todays_appointments(console, hall):
    page = console
    page.click("#btn-phone-booking")
    dialog = page.locator("#booking-dialog")
    dialog.wait_for()
    page.locator("#booking-form select[name=slot] option").first.wait_for(state="attached")
    assert page.input_value("#booking-form select[name=day]") == "2026-11-30"
    first = page.input_value("#booking-form select[name=slot]")
    assert first == "2026-11-30T09:00:00+08:00"  # the first slot after 08:40 with a free place
    page.select_option("#booking-form select[name=slot]", "2026-11-30T10:00:00+08:00")
    page.fill("#booking-form input[name=name]", "张桂兰")
    page.click("#booking-ok")
    assert page.inner_text("#booking-dialog .msg") == "请填写联系电话"
    page.fill("#booking-form input[name=phone]", "13800001111")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "console_phone_booking_1366.png"))
    page.click("#booking-ok")
    dialog.wait_for(state="hidden")
    note = page.inner_text("#last")
    code = note.split("预约码 ")[1][:6]
    assert code.isdigit() and "张桂兰（13800001111）" in note and "10:00" in note
    row = page.locator(f'#appointments .case[data-code="{code}"]')
    row.wait_for()
    assert "张桂兰 13800001111" in row.inner_text() and "电话" in row.inner_text()
    assert row.get_attribute("data-status") == "waiting"
    with urllib.request.urlopen(f"{hall.url}/api/appointments/{code}", timeout=10) as resp:
        booking = json.loads(resp.read())
    assert booking["status"] == "booked" and booking["slot"] == "2026-11-30T10:00:00+08:00"
    page.screenshot(path=str(SHOTS / "console_booked_1366.png"))
    assert page.errors == []


def test_a_clerk_records_a_home_visit_and_closes_it_with_the_outcome(console, hall):
    page = console
    page.click("#btn-request")
    page.locator("#request-dialog").wait_for()
    form = "#request-form"
    page.locator(f"{form} select[name=assignee] option[value=w4]").wait_for(state="attached")
    assert page.input_value(f"{form} input[name=deadline]") == "2026-12-07"  # 5 working days by default
    page.click(f"{form} #request-ok")
    assert page.inner_text("#request-dialog .msg") == "请填写群众姓名"
    page.check(f"{form} input[value=cross_department]")
    assert page.locator(f"{form} input[name=department]").is_visible()
    page.fill(f"{form} input[name=name]", "李大爷")
    page.fill(f"{form} textarea[name=detail]", "上门办理养老资格认证")
    page.click(f"{form} #request-ok")
    assert page.inner_text("#request-dialog .msg") == "请填写承办部门"
    page.check(f"{form} input[value=home_visit]")
    assert not page.locator(f"{form} input[name=department]").is_visible()
    page.fill(f"{form} input[name=village]", "西村")
    page.fill(f"{form} input[name=phone]", "13900002222")
    page.fill(f"{form} input[name=deadline]", "2026-12-02")
    page.select_option(f"{form} select[name=assignee]", "w4")
    page.screenshot(path=str(SHOTS / "console_request_1366.png"))
    page.click(f"{form} #request-ok")
    page.locator("#request-dialog").wait_for(state="hidden")
    row = page.locator('#cases [data-request="SM261130-01"]')
    row.wait_for()
    assert "李大爷（西村）" in row.inner_text() and "上门服务" in row.inner_text() and "12-02 到期" in row.inner_text()
    assert "承办人 综合窗口" in page.inner_text("#last")
    assert "暂无待办件" not in page.inner_text("#cases") and page.inner_text("#cases-total") == "共 1 件"
    page.screenshot(path=str(SHOTS / "console_request_listed_1366.png"))
    row.locator("button").click()
    page.locator("#close-request-dialog").wait_for()
    assert "李大爷" in page.inner_text("#close-request-dialog .dlg-what")
    page.click("#close-request-form button[type=submit]")
    assert page.inner_text("#close-request-dialog .msg") == "请填写办理结果"
    page.fill("#close-request-form textarea[name=outcome]", "已上门完成认证")
    page.screenshot(path=str(SHOTS / "console_request_close_1366.png"))
    page.click("#close-request-form button[type=submit]")
    page.locator("#close-request-dialog").wait_for(state="hidden")
    row.wait_for(state="detached")
    clerk = Party(hall.url)
    clerk("POST", "/api/login", {"login": "w1", "password": PASSWORD})
    req = clerk("GET", "/api/requests/SM261130-01")
    assert (req["status"], req["outcome"], req["assignee"], req["kind"]) == (
        "done",
        "已上门完成认证",
        "综合窗口",
        "home_visit",
    )
    assert page.errors == []


def test_the_statistics_page_counts_the_requests(browser, hall, tmp_path):
    """Runs after the two above (same server): the home visit, closed on time, is counted."""
    ctx = browser.new_context(base_url=hall.url, viewport={"width": 1366, "height": 768}, locale="zh-CN")
    ctx.set_default_timeout(15000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto("/manage/stats?from=2026-11-30&to=2026-11-30")
        page.locator("#login-form").wait_for()
        page.fill("input[name=login]", "m")
        page.fill("input[name=password]", PASSWORD)
        page.click("#login-form button")
        page.wait_for_function("window.bianminStats.complete === true")
        cells = page.locator('#t-requests tr[data-kind="home_visit"] td').all_inner_texts()
        assert cells == ["上门服务", "1", "1", "0", "1", "0", "100.0%"]
        assert page.locator('#t-requests tr[data-kind="all"] td').all_inner_texts()[1] == "1"
        assert "预约取号" in page.inner_text("#kpis")  # booked for 10:00, not checked in: 0 tickets
        page.locator("#t-requests").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "stats_requests_1366.png"))
        # The printable monthly report carries the same figures, and still fits one A4 page.
        page.goto("/manage/stats/monthly?month=2026-11")
        page.wait_for_function("window.bianminMonthly.ready === true")
        booked = page.locator("#appointments tbody td").all_inner_texts()
        assert booked == ["1", "0", "0", "0", "—", "—"]  # the 10:00 booking: today, not yet due
        visits = page.locator("#requests tbody tr").nth(1).locator("td").all_inner_texts()
        assert visits == ["上门服务", "1", "1", "0", "100.0%"]
        assert page.locator("#requests tbody tr").last.locator("td").all_inner_texts()[0] == "合计"
        page.emulate_media(media="print")  # the sheet as printed: no screen padding
        room = page.evaluate(
            "document.querySelector('#sheet').getBoundingClientRect().bottom"
            " - document.querySelector('footer').getBoundingClientRect().bottom"
        )
        assert room >= 0, f"the footer is cut off by {-room:.0f} px"  # nothing clipped
        pdf = tmp_path / "monthly.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"^Pages:\s+1$", info, re.M), info
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf), str(SHOTS / "monthly_report")], check=True
        )
        assert errors == []
    finally:
        ctx.close()
