"""The manager console in Debian's Chromium against the real server process."""

from __future__ import annotations

import asyncio
import io
import threading
import time

from PIL import Image
from playwright.sync_api import expect

from bianmin.protocol import CenterInfo
from display.controller import DisplayController
from display.wsclient import HallClient
from tests.clerk.conftest import Api

from .conftest import PASSWORD, manager_page, shot


def add_clerk(page, login: str, name: str, post: str, windows: str) -> None:
    page.click("#staff-add")
    form = page.locator("#staff-form")
    form.locator("input[name=login]").fill(login)
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=post]").fill(post)
    form.locator("input[name=department]").fill("民政办")
    form.locator("input[name=phone]").fill("0731-2222 0101")
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("input[name=windows]").fill(windows)
    form.locator("button[type=submit]").click()


def test_manager_adds_a_clerk_who_calls_then_disables_them(new_page, api, tmp_path):
    page = manager_page(new_page)
    add_clerk(page, "zl", "赵六", "民政专干", "9")  # no window 9 in this center
    expect(page.locator("#staff-msg")).to_contain_text("没有 [9] 号窗口")
    page.locator("#staff-form input[name=windows]").fill("1")
    page.locator("#staff-form button[type=submit]").click()
    expect(page.locator("#staff-dialog")).to_be_hidden()
    expect(page.locator("#staff-table tr[data-login='zl']")).to_contain_text("民政专干")

    photo = tmp_path / "zl.png"
    Image.new("RGB", (900, 1200), (40, 110, 170)).save(photo)
    with page.expect_file_chooser() as chooser:
        page.locator("#staff-table tr[data-login='zl'] button", has_text="上传照片").click()
    chooser.value.set_files(str(photo))
    expect(page.locator("#staff-table tr[data-login='zl'] img.thumb")).to_be_visible()
    shot(page, "manage-staff.png")

    # The new clerk logs in at the clerk console with the manager's password and calls.
    clerk = new_page()
    clerk.goto("/clerk")
    clerk.fill("input[name=login]", "zl")
    clerk.fill("input[name=password]", PASSWORD)
    clerk.click("#login-form button[type=submit]")
    expect(clerk.locator("#work-view")).to_be_visible()
    expect(clerk.locator("#window-title")).to_contain_text("1 号窗口")
    api.issue("A")
    api.issue("A")
    expect(clerk.locator("#btn-call")).to_be_enabled()
    clerk.click("#btn-call")
    expect(clerk.locator("#cur-number")).to_have_text("A001")

    # Disabled: the clerk's very next call is refused and the console returns to login.
    page.locator("#staff-table tr[data-login='zl'] button[data-action=toggle]").click()
    expect(page.locator("#staff-table tr[data-login='zl']")).to_contain_text("已停用")
    clerk.click("#btn-start")
    expect(clerk.locator("#login-view")).to_be_visible()
    expect(clerk.locator("#login-msg")).to_have_text("登录已失效，请重新登录")
    clerk.fill("input[name=login]", "zl")
    clerk.fill("input[name=password]", PASSWORD)
    clerk.click("#login-form button[type=submit]")
    expect(clerk.locator("#login-msg")).to_have_text("登录名或密码错误")

    page.click("#nav button[data-page=audit]")
    expect(page.locator("#audit-table tbody tr").first).to_contain_text("修改工作人员")
    shot(page, "manage-audit.png")


def test_a_bad_setting_shows_the_fields_error_on_the_form(new_page):
    page = manager_page(new_page)
    page.click("#nav button[data-page=settings]")
    close = page.locator("[data-path='office.close']")
    expect(close).to_have_value("17:30")
    shot(page, "manage-settings.png")
    close.fill("07:00")
    page.click("#settings-save")
    error = page.locator("[data-row='office.close'] .field-error")
    expect(error).to_contain_text("下班时间必须晚于上班时间")
    expect(page.locator("[data-row='office.close']")).to_have_class("row bad")
    shot(page, "manage-settings-error.png")
    # An error inside a matter opens its category and matter on the matters tab.
    close.fill("17:30")
    page.click("#settings-nav button[data-part=matters]")
    page.locator("details[data-row='categories[2]'] > summary").click()
    page.locator("details[data-row='categories[2].matters[0]'] > summary").click()
    page.fill("[data-path='categories[2].matters[0].promised_days']", "99")
    page.click("#settings-nav button[data-part=basic]")
    page.click("#settings-save")
    expect(page.locator("#settings-nav button[data-part=matters]")).to_have_class("subtab active")
    expect(page.locator("[data-row='categories[2].matters[0].promised_days'] .field-error")).to_contain_text(
        "承诺时限不能超过法定时限"
    )
    shot(page, "manage-matters-error.png")


def test_the_supervision_deadlines_are_edited_on_their_own_tab(new_page, api):
    page = manager_page(new_page)
    page.click("#nav button[data-page=settings]")
    page.click("#settings-nav button[data-part=supervision]")
    rating = page.locator("[data-path='supervision.rating_days']")
    expect(rating).to_have_value("7")  # the sample file has no [supervision]: the defaults show
    expect(page.locator("[data-path='supervision.rectify_days']")).to_have_value("5")
    expect(page.locator("[data-path='supervision.complaint_days']")).to_have_value("5")
    expect(page.locator("fieldset[data-row='supervision'] > legend")).to_have_text("好差评与意见箱时限")
    rating.fill("0")
    page.click("#settings-save")
    expect(page.locator("[data-row='supervision.rating_days'] .field-error")).to_contain_text("1 到 365")
    rating.fill("10")
    page.click("#settings-save")
    expect(page.locator("#toast")).to_contain_text("已保存 1 处修改")
    shot(page, "manage-supervision-settings.png")
    api.ok("POST", "/api/login", {"login": "boss", "password": PASSWORD})
    assert api.ok("GET", "/api/config")["supervision"] == {"rating_days": 10, "rectify_days": 5, "complaint_days": 5}
    assert [c["diff"] for c in api.ok("GET", "/api/config/versions")] == [
        [{"field": "supervision.rating_days", "before": 7, "after": 10}]
    ]


class Recorder:
    """The display's view, recording what the controller shows (no window)."""

    def __init__(self) -> None:
        self.centers: list[CenterInfo] = []

    def show_center(self, center: CenterInfo) -> None:
        self.centers.append(center)

    def show_windows(self, rows) -> None: ...
    def show_waiting(self, rows) -> None: ...
    def show_calls(self, number, window, recall, recent, flash) -> None: ...
    def show_online(self, online) -> None: ...
    def show_results(self, text) -> None: ...


def run_display_client(url: str, view: Recorder, stop: threading.Event) -> threading.Thread:
    """The display's real client and controller, on their own event loop."""

    async def main() -> None:
        client = HallClient(url, DisplayController(view))
        task = asyncio.create_task(client.run())
        while not stop.is_set():
            await asyncio.sleep(0.05)
        task.cancel()

    thread = threading.Thread(target=asyncio.run, args=(main(),))
    thread.start()
    return thread


def test_an_edited_notice_reaches_the_display_without_a_restart(new_page, server):
    view, stop = Recorder(), threading.Event()
    thread = run_display_client(server.url, view, stop)
    try:
        page = manager_page(new_page)
        deadline = time.monotonic() + 10
        while not view.centers and time.monotonic() < deadline:
            time.sleep(0.05)
        assert view.centers and view.centers[-1].notices[0].startswith("本中心实行首问负责制")
        page.click("#nav button[data-page=settings]")
        page.click("#settings-nav button[data-part=notices]")
        page.fill("[data-path='notices[0].text']", "今天下午三点起停电检修，暂停办理社保业务。")
        page.click("#settings-save")
        expect(page.locator("#toast")).to_contain_text("已保存 1 处修改")
        shot(page, "manage-notices.png")
        deadline = time.monotonic() + 10
        while len(view.centers) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [c.notices[0] for c in view.centers][-1] == "今天下午三点起停电检修，暂停办理社保业务。"
        page.click("#nav button[data-page=versions]")
        expect(page.locator("#version-table tbody tr")).to_have_count(1)
        expect(page.locator("#version-table")).to_contain_text("notices[0].text")
        shot(page, "manage-versions.png")
    finally:
        stop.set()
        thread.join(10)


def test_devices_and_backup_pages(new_page, server):
    health = {"version": "kiosk 1.4", "printer": "ok", "paper": "low", "audio": "none", "last_error": "卡纸"}
    Api(server).ok("POST", "/api/devices/health", health, headers={"Authorization": f"Bearer {server.kiosk_token}"})
    page = manager_page(new_page)
    page.click("#nav button[data-page=devices]")
    kiosk = page.locator("#device-table tbody tr", has_text="取号机")
    expect(kiosk).to_contain_text("127.0.0.1")
    expect(kiosk).to_contain_text("纸张：将尽；打印机：正常；版本：kiosk 1.4；最近错误：卡纸")
    page.select_option("#device-form select[name=kind]", "display")
    page.fill("#device-form input[name=name]", "大厅显示屏")
    page.click("#device-form button[type=submit]")
    expect(page.locator("#device-token")).to_be_visible()
    token = page.locator("#token-text").inner_text()
    assert len(token) > 20
    expect(page.locator("#device-table tbody tr")).to_have_count(2)
    shot(page, "manage-devices.png")
    # The QR code on screen reads back as the token.
    import zxingcpp

    png = page.locator("#token-qr").screenshot()
    with Image.open(io.BytesIO(png)) as img:
        assert [r.text for r in zxingcpp.read_barcodes(img)] == [token]
    page.click("#token-close")
    page.once("dialog", lambda d: d.accept())
    page.locator("#device-table tbody tr", has_text="大厅显示屏").locator("button", has_text="吊销").click()
    expect(page.locator("#device-table tbody tr", has_text="大厅显示屏")).to_contain_text("已吊销")

    page.click("#nav button[data-page=backup]")
    with page.expect_download() as dl:
        page.click("#backup-now")
    path = dl.value.path()
    import sqlite3

    with sqlite3.connect(path) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT COUNT(*) FROM devices").fetchone() == (2,)
    copy.close()
    shot(page, "manage-backup.png")


def test_duty_rota_and_attendance_pages(new_page, api):
    page = manager_page(new_page)
    add_clerk(page, "zl", "赵六", "民政专干", "1")
    expect(page.locator("#staff-dialog")).to_be_hidden()
    page.click("#nav button[data-page=duty]")
    page.fill("#duty-month", "2026-12")
    page.dispatch_event("#duty-month", "change")
    first = page.locator("#duty-table tbody tr").first
    expect(first).to_contain_text("2026-12-01 周二")
    first.locator("select[multiple]").select_option(["zl"])
    first.locator("select:not([multiple])").select_option("boss")
    first.locator("button", has_text="保存").click()
    expect(page.locator("#toast")).to_have_text("已保存 2026-12-01 的值班")
    shot(page, "manage-duty.png")

    clerk = Api(api.server)
    clerk.ok("POST", "/api/login", {"login": "zl", "password": PASSWORD})
    api.issue("A")
    clerk.ok("POST", "/api/windows/1/call")
    clerk.ok("POST", "/api/windows/1/no-show")
    clerk.ok("POST", "/api/windows/1/pause", {"reason": "外出办事"})
    clerk.ok("POST", "/api/windows/1/resume")
    page.click("#nav button[data-page=attendance]")
    expect(page.locator("#attendance-table tbody tr").first).to_contain_text("赵六")
    expect(page.locator("#attendance-table tbody tr").first).to_contain_text("外出办事 0 分钟")
    shot(page, "manage-attendance.png")
