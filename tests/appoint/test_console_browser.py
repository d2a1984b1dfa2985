"""The clerk console in Debian's Chromium against the real server under faketime (Monday
30 November 2026, 08:40): today's appointments of the window, the check-in ticket first in
the line, a green mark and a chosen call with reasons, an agent's request in the case list."""

from __future__ import annotations

import http.cookiejar
import json
import urllib.request
from pathlib import Path

import pytest

from bench.devserver import ServerProcess
from tests.appoint.test_faketime import LIB, faked
from tests.appoint.test_pages_browser import PASSWORD
from tests.browser import form_log_in

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "shots" / "appoint"
pytestmark = pytest.mark.skipif(not LIB.exists(), reason="needs the faketime Debian package (make debs-test)")


class Party:
    def __init__(self, url: str, token: str | None = None):
        self.url, self.token = url, token
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def __call__(self, method: str, path: str, body: dict | None = None) -> dict:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data, headers, method=method)
        with self.opener.open(req, timeout=10) as resp:
            return json.loads(resp.read())


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    db = tmp_path_factory.mktemp("console") / "queue.db"
    srv = ServerProcess(db, "--host", "127.0.0.1", env=faked("2026-11-30 08:40:00"))
    for login, name, role in (("cun", "东村代办员", "agent"), ("w1", "窗口一", "clerk")):
        windows = ("--windows", "1") if role == "clerk" else ()
        args = ("--login", login, "--name", name, "--role", role, *windows)
        srv.cli("add-clerk", *args, "--password-stdin", stdin=PASSWORD)
    token = srv.cli("add-device", "--kind", "kiosk", "--name", "取号机")
    srv.start()
    kiosk, anyone, agent = Party(srv.url, token), Party(srv.url), Party(srv.url)
    for _ in range(2):
        kiosk("POST", "/api/tickets", {"category": "A"})
    first = anyone("POST", "/api/appointments", {"category": "C", "slot": "2026-11-30T09:00:00+08:00", "name": "李"})
    anyone("POST", "/api/appointments", {"category": "A", "slot": "2026-11-30T10:00:00+08:00"})
    kiosk("POST", f"/api/appointments/{first['code']}/check-in", {})
    agent("POST", "/api/login", {"login": "cun", "password": PASSWORD})
    agent("POST", "/api/requests", {"name": "王秀英", "village": "东村", "matter": "C1", "detail": "代为申请低保"})
    yield srv
    srv.stop()


def test_console_lists_appointments_and_calls_out_of_order(browser, hall):
    ctx = browser.new_context(base_url=hall.url, viewport={"width": 1366, "height": 900}, locale="zh-CN")
    ctx.set_default_timeout(8000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        form_log_in(page, "/clerk", "w1", PASSWORD)
        page.locator("#appointments .case").nth(1).wait_for()
        rows = page.locator("#appointments .case")
        assert [rows.nth(i).get_attribute("data-status") for i in range(2)] == ["checked_in", "waiting"]
        assert "已取号 C001" in rows.nth(0).inner_text()
        assert "已取号 1，待签到 1，未到 0" in page.inner_text("#appointments-total")
        queue = page.locator("#queue tr")
        assert queue.nth(0).get_attribute("data-number") == "C001" and "预约" in queue.nth(0).inner_text()
        assert page.locator('#cases [data-request="WT261130-01"]').count() == 1
        page.click("#btn-choose")
        page.fill("#choose-form input[name=number]", "A002")
        page.click("#choose-reasons button:has-text('孕妇')")
        page.click("#choose-green")
        page.locator('#queue tr[data-number="A002"] .badge.green').wait_for()
        assert page.locator("#queue tr").nth(0).get_attribute("data-number") == "A002"
        page.click("#btn-choose")
        page.fill("#choose-form input[name=number]", "A001")
        page.click("#choose-call")
        assert page.inner_text("#choose-dialog .msg") == "请填写原因"
        page.fill("#choose-form input[name=reason]", "行动不便")
        page.click("#choose-call")
        page.locator("#cur-number:has-text('A001')").wait_for()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "console_appointments.png"), full_page=True)
        assert errors == []
    finally:
        ctx.close()
