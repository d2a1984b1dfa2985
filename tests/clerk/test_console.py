"""The clerk console in Debian's Chromium against the real server process."""

from __future__ import annotations

import datetime as dt
import sqlite3
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from bianmin.center import load_center

from .conftest import SHOTS, Api, log_in, press
from .test_cases_api import working_days_after

pytestmark = pytest.mark.browser
CENTER = load_center()


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo(CENTER.timezone)).date()


def db_rows(server, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(server.db, timeout=5) as conn:
        return conn.execute(sql, params).fetchall()


def called_at(api) -> str:
    """HH:MM of the last call, as the server recorded it."""
    return api.ok("GET", "/api/snapshot")["recent_calls"][-1]["at"][11:16]


def queue_numbers(page) -> list[str]:
    return page.locator("#queue tr td.num").all_inner_texts()


def test_login_window_choice_reload_and_logout(page, server):
    page.goto("/clerk")
    expect(page.locator("#login-view h1")).to_have_text(CENTER.name)
    page.fill("input[name=login]", "a")
    page.fill("input[name=password]", "wrong-password")
    page.click("#login-form button[type=submit]")
    expect(page.locator("#login-msg")).to_have_text("登录名或密码错误")

    page.fill("input[name=password]", "pass12345")
    page.click("#login-form button[type=submit]")
    choices = page.locator("#window-list button")
    expect(choices).to_have_count(2)  # clerk a may use windows 1 and 2 only
    expect(choices.nth(1)).to_contain_text("2 号窗口")
    expect(choices.nth(1)).to_contain_text("办理：财政税收、农村经济管理")
    choices.nth(1).click()
    expect(page.locator("#window-title")).to_have_text("2 号窗口 · 财税 · 经管窗口")
    expect(page.locator("#work-view .me-name")).to_have_text("张三")

    page.reload()  # the session cookie and the chosen window survive a reload
    expect(page.locator("#window-title")).to_contain_text("2 号窗口")
    page.click("#switch-window")
    page.click("#window-list button[data-window='1']")
    expect(page.locator("#window-title")).to_contain_text("1 号窗口")

    page.click("#logout")
    expect(page.locator("#login-view")).to_be_visible()
    expect(page.locator("#login-msg")).to_have_text("您已退出登录")
    assert page.request.get("/api/me").status == 401


def test_call_recall_start_and_transfer(page, server, api):
    api.issue("A", "A1")
    api.issue("A", "A2")
    log_in(page, "a", 1)
    expect(page.locator("#queue tr")).to_have_count(2)
    expect(page.locator("#btn-call")).to_contain_text("F1")

    page.dblclick("#btn-call")  # a double click must call one ticket only
    expect(page.locator("#cur-number")).to_have_text("A001")
    expect(page.locator("#cur-status")).to_have_text("已叫号，请群众到窗口叫号时间 " + called_at(api))
    expect(page.locator("#queue tr")).to_have_count(1)
    expect(page.locator("#toast")).to_be_hidden()  # no window_busy refusal: one request went out
    assert [t["number"] for t in api.ok("GET", "/api/snapshot")["queue"]] == ["A002"]

    press(page, "F2")
    expect(page.locator("#last")).to_have_text("已重呼 A001")
    assert api.ok("GET", "/api/snapshot")["recent_calls"][-1]["recall"] is True
    press(page, "F3")
    expect(page.locator("#cur-status")).to_contain_text("办理中")
    expect(page.locator("#btn-recall")).to_be_disabled()  # recall is for a called ticket

    page.click("#btn-transfer")
    targets = page.locator("#transfer-list button")
    expect(targets).to_have_count(3)  # every window but mine
    page.click("#transfer-list button[data-window='2']")
    expect(page.locator("#transfer-dialog")).to_be_hidden()
    expect(page.locator("#cur-number")).to_have_text("暂无")
    expect(page.locator("#last")).to_contain_text("A001 已转移到 2 号窗口")
    moved = [t for t in api.ok("GET", "/api/snapshot")["queue"] if t["number"] == "A001"]
    assert moved[0]["status"] == "transferred" and moved[0]["transferred_to"] == 2
    types = [r[0] for r in db_rows(server, "SELECT type FROM events ORDER BY seq")]
    assert types.count("ticket_called") == 1
    assert types[-3:] == ["ticket_recalled", "service_started", "ticket_transferred"]


def test_finish_in_each_of_the_six_modes(page, context, server, api):
    matters = ["A1", "A2", "A3", "A4", "A5", "C1"]
    for code in matters:
        api.issue(code[0], code)
    log_in(page, "a", 1)
    reason = "申请人未满足办理条件：缺少户口簿原件。"
    expected_due = working_days_after(today(), CENTER.matters["A2"].guide.promised_days)
    for served, mode in enumerate(["instant", "promised", "joint", "agency", "assisted", "rejected"]):
        press(page, "F1")
        expect(page.locator("#cur-number")).not_to_have_text("暂无")
        expect(page.locator("#btn-finish")).to_be_enabled()  # the call's answer is in
        press(page, "F4")
        dialog = page.locator("#finish-dialog")
        expect(dialog).to_be_visible()
        page.check(f"#finish-modes input[value={mode}]")
        if mode == "promised":
            expect(page.locator("input[name=due]")).to_have_value(expected_due.isoformat())
            expect(page.locator("#due-hint")).to_contain_text("工作日")
        elif mode == "joint":
            page.click("#finish-ok")  # no window chosen: the server's message shows in the dialog
            expect(page.locator("#finish-msg")).to_have_text("联合办理必须选择协办窗口")
            page.select_option("select[name=joint_window]", "3")
        elif mode == "agency":
            page.fill("input[name=agency_to]", "县民政局")
        elif mode == "rejected":
            page.click("#finish-ok")
            expect(page.locator("#finish-msg")).to_have_text("退办告知必须填写不予受理的理由")
            page.fill("textarea[name=reason]", reason)
        if mode == "rejected":
            with context.expect_page() as popup_info:
                page.click("#finish-ok")
            notice = popup_info.value
            notice.wait_for_load_state()
            assert "/clerk/notice/rejection/" in notice.url
            expect(notice.locator(".reason")).to_have_text(reason)
            expect(page.locator("#last a")).to_have_text("打印退办告知书")
        else:
            page.click("#finish-ok")
        expect(dialog).to_be_hidden()
        expect(page.locator("#served")).to_have_text(str(served + 1))
        expect(page.locator("#cur-number")).to_have_text("暂无")

    rows = db_rows(
        server, "SELECT matter, outcome, reason, due, joint_window, agency_to, status FROM tickets ORDER BY id"
    )
    agency_due = working_days_after(today(), CENTER.matters["A4"].guide.promised_days)
    joint_due = working_days_after(today(), CENTER.matters["A3"].guide.promised_days)
    assert rows == [
        ("A1", "instant", None, None, None, None, "done"),
        ("A2", "promised", None, expected_due.isoformat(), None, None, "done"),
        ("A3", "joint", None, joint_due.isoformat(), 3, None, "done"),
        ("A4", "agency", None, agency_due.isoformat(), None, "县民政局", "done"),
        ("A5", "assisted", None, None, None, None, "done"),
        ("C1", "rejected", reason, None, None, None, "done"),
    ]
    # The promised and agency services are now open cases on the page; the joint one is
    # window 3's part to close, not this window's.
    expect(page.locator("#cases .case")).to_have_count(2)


def test_joint_service_appears_at_the_co_handling_window_which_closes_its_part(page, server, api):
    log_in(page, "b", 3)
    expect(page.locator("#cases")).to_contain_text("暂无待办件")
    lead = Api(server).login("c")  # window 1
    ticket = api.issue("A", "A3")
    lead.ok("POST", "/api/windows/1/call")
    lead.ok("POST", "/api/windows/1/finish", {"outcome": "joint", "joint_window": 3})
    row = page.locator("#cases .case")
    expect(row).to_have_count(1, timeout=2000)  # pushed: the finish event reaches window 3
    expect(row.locator("b")).to_have_text(ticket["number"])
    expect(row).to_contain_text("联合办理（1 号窗口受理，本窗口协办）")
    row.locator("button").click()
    row.locator("button").click()  # 确认办结？
    expect(page.locator("#cases")).to_contain_text("暂无待办件")
    assert db_rows(server, "SELECT k.kind, k.closed_at IS NOT NULL FROM cases k") == [("joint", 1)]


def test_live_updates_from_the_kiosk_and_other_clerks(page, server, api):
    log_in(page, "a", 1)
    expect(page.locator("#queue-empty")).to_be_visible()
    api.issue("A", "A1")
    expect(page.locator("#queue tr")).to_have_count(1, timeout=1000)
    expect(page.locator("#counts [data-category=A] b")).to_have_text("1", timeout=1000)
    api.issue("C", "C1", priority=True)
    first = page.locator("#queue tr").first
    expect(first.locator("td.num")).to_have_text("C001", timeout=1000)  # green channel goes first
    expect(first).to_contain_text("绿色通道")

    other = Api(server).login("b")  # a clerk at window 2 hands a ticket over to window 1
    api.issue("B")
    other.ok("POST", "/api/windows/2/call")
    other.ok("POST", "/api/windows/2/transfer", {"to_window": 1})
    expect(first.locator("td.num")).to_have_text("B001", timeout=1000)
    expect(first).to_contain_text("转入")
    assert queue_numbers(page) == ["B001", "C001", "A001"]

    same = Api(server).login("c")  # a second PC on window 1
    same.ok("POST", "/api/windows/1/call")
    expect(page.locator("#cur-number")).to_have_text("B001", timeout=1000)
    expect(page.locator("#queue tr")).to_have_count(2, timeout=1000)
    press(page, "F4")  # this PC opens 办结 while the other PC finishes first
    expect(page.locator("#finish-dialog")).to_be_visible()
    same.ok("POST", "/api/windows/1/finish", {"outcome": "instant"})
    expect(page.locator("#served")).to_have_text("1", timeout=1000)
    expect(page.locator("#cur-number")).to_have_text("暂无", timeout=1000)
    same.ok("POST", "/api/windows/1/call")  # ... and calls the next one
    expect(page.locator("#cur-number")).to_have_text("C001", timeout=1000)
    page.check("#finish-modes input[value=rejected]")
    page.fill("textarea[name=reason]", "不应记到别的号上")
    page.click("#finish-ok")
    expect(page.locator("#toast")).to_have_text("当前号码已变化，请重新操作")
    assert db_rows(server, "SELECT number, outcome FROM tickets WHERE outcome IS NOT NULL") == [("B001", "instant")]


def test_reconnects_by_itself_after_the_server_restarts(page, server, api):
    api.issue("A", "A1")
    log_in(page, "a", 1)
    expect(page.locator("#queue tr")).to_have_count(1)
    server.stop()
    expect(page.locator("#offline")).to_be_visible(timeout=3000)
    expect(page.locator("#offline")).to_have_text("连接中断，正在重连…")
    server.start()  # same port, same database
    expect(page.locator("#offline")).to_be_hidden(timeout=10000)
    api.issue("A", "A2")
    expect(page.locator("#queue tr")).to_have_count(2, timeout=2000)
    press(page, "F1")  # the session survived the restart too
    expect(page.locator("#cur-number")).to_have_text("A001")


def test_pause_requeue_and_error_messages(page, server, api):
    log_in(page, "a", 1)
    press(page, "F1")
    expect(page.locator("#toast")).to_have_text("当前没有等候的群众")
    page.click("#btn-pause")
    expect(page.locator("#pause-dialog")).to_be_visible()
    page.select_option("#pause-form select[name=reason]", "会议")
    page.click("#pause-form button[type=submit]")
    expect(page.locator("#pause-dialog")).to_be_hidden()
    expect(page.locator("#paused-badge")).to_be_visible()
    expect(page.locator("#btn-call")).to_be_disabled()
    expect(page.locator("#btn-pause")).to_have_text("恢复")
    assert api.ok("GET", "/api/snapshot")["windows"][0]["paused"] is True
    page.click("#btn-pause")
    expect(page.locator("#paused-badge")).to_be_hidden()

    for _ in range(5):
        api.issue("A")
    press(page, "F1")
    expect(page.locator("#cur-number")).to_have_text("A001")
    page.click("#btn-noshow")
    expect(page.locator("#last")).to_contain_text("A001 已过号")
    page.click("#btn-requeue")
    page.fill("input[name=number]", "A999")
    page.click("#requeue-form button[type=submit]")
    expect(page.locator("#requeue-dialog .msg")).to_have_text("今天没有 A999 号")
    page.click("#noshow-list button:has-text('A001')")
    expect(page.locator("#requeue-dialog")).to_be_hidden()
    # requeue_gap = 3: A001 waits behind three people, as the server placed it.
    server_order = [t["number"] for t in api.ok("GET", "/api/snapshot")["queue"]]
    assert server_order == ["A002", "A003", "A004", "A001", "A005"]
    expect(page.locator("#queue tr").nth(3).locator("td.num")).to_have_text("A001", timeout=1000)
    assert queue_numbers(page) == server_order


def test_session_end_returns_to_login_with_the_message(page, context, server, api):
    log_in(page, "a", 1)
    cookie = next(c for c in context.cookies() if c["name"] == "bianmin_session")
    # The session ends on the server (as after the idle timeout); the browser still has the cookie.
    api.ok("POST", "/api/logout", headers={"Cookie": f"bianmin_session={cookie['value']}"})
    press(page, "F1")
    expect(page.locator("#login-view")).to_be_visible()
    expect(page.locator("#login-msg")).to_have_text("登录已失效，请重新登录")


def test_open_cases_by_due_date_and_completion(page, server, api):
    other = Api(server).login("c")  # window 1's other clerk took these services earlier

    def serve(code: str, **finish) -> dict:
        api.issue(code[0], code)
        ticket = other.ok("POST", "/api/windows/1/call")["ticket"]
        other.ok("POST", "/api/windows/1/finish", finish)
        return ticket

    day = today()
    late = serve("A1", outcome="promised", due=day.isoformat())
    serve("A2", outcome="promised", due=(day + dt.timedelta(days=1)).isoformat())
    serve("C1", outcome="agency", agency_to="县民政局")
    serve("A3", outcome="promised", due=(day + dt.timedelta(days=20)).isoformat())
    # Time passes: the first case is now past its due date.
    with sqlite3.connect(server.db, timeout=5) as conn:
        conn.execute(
            "UPDATE cases SET due = ? WHERE ticket_id = ?", ((day - dt.timedelta(days=2)).isoformat(), late["id"])
        )
    api.issue("C", "C2", priority=True)
    api.issue("A", "A5")
    api.issue("C", "C3", priority=True)
    api.issue("A", "A2")
    api.issue("A")
    log_in(page, "a", 1)

    groups = page.locator("#cases .case-group h4")
    expect(groups).to_have_text(["已超期（1）", "即将超期（1）", "待办结（2）"])
    overdue = page.locator("[data-bucket=overdue] .case")
    expect(overdue).to_contain_text("超期 2 天")
    expect(page.locator("[data-bucket=open] .case").first).to_contain_text("代为办理 → 县民政局")

    press(page, "F1")
    expect(page.locator("#cur-number")).to_have_text("C002")
    press(page, "F3")
    expect(page.locator("#cur-status")).to_contain_text("办理中")
    api.issue("B", "B1")
    elsewhere = Api(server).login("b")
    elsewhere.ok("POST", "/api/windows/2/call")
    elsewhere.ok("POST", "/api/windows/2/transfer", {"to_window": 1})
    expect(page.locator("#queue tr").first).to_contain_text("转入")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "clerk_working.png")

    button = overdue.locator("button")
    button.click()
    expect(button).to_have_text("确认办结？")  # one click alone closes nothing
    assert db_rows(server, "SELECT COUNT(*) FROM cases WHERE closed_at IS NULL") == [(4,)]
    button.click()
    expect(page.locator("[data-bucket=overdue]")).to_have_count(0)
    expect(page.locator("#cases-total")).to_have_text("共 3 件")
    closed = db_rows(
        server,
        "SELECT c.closed_by, k.login FROM cases c JOIN clerks k ON k.id = c.closed_by WHERE c.ticket_id = ?",
        (late["id"],),
    )
    assert [r[1] for r in closed] == ["a"]

    # Another clerk's promised service at this window shows up without a reload.
    press(page, "F4")
    page.click("#finish-ok")  # 即时办理 is the default mode
    expect(page.locator("#cur-number")).to_have_text("暂无")
    serve("A4", outcome="promised", due=(day + dt.timedelta(days=30)).isoformat())
    expect(page.locator("#cases-total")).to_have_text("共 4 件", timeout=1000)
