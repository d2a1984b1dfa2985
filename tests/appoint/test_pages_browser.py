"""The phone pages in Debian's Chromium at 390 px, against the real server under faketime
(Monday 30 November 2026, 08:00): a resident books and cancels; a village agent submits an
entrusted request and follows it to the outcome a clerk records. Screenshots go to
var/shots/appoint/."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from bench.devserver import ServerProcess
from tests.appoint.test_faketime import LIB, faked
from tests.browser import Api

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "shots" / "appoint"
PASSWORD = "pass-12345"
pytestmark = pytest.mark.skipif(not LIB.exists(), reason="needs the faketime Debian package (make debs-test)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("pages") / "queue.db"
    srv = ServerProcess(db, "--host", "127.0.0.1", env=faked("2026-11-30 08:00:00"))
    for login, name, role in (("cun", "东村代办员", "agent"), ("w1", "窗口一", "clerk")):
        srv.cli("add-clerk", "--login", login, "--name", name, "--role", role, "--password-stdin", stdin=PASSWORD)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def phone(new_page):
    return new_page(390, 844, timeout=8000)


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_resident_books_on_a_phone_and_cancels(phone, server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.goto("/book")
    phone.select_option("#category", "C")
    phone.locator("#days button").first.wait_for()
    assert phone.locator("#days button").first.inner_text() == "11月30日 周一"
    phone.select_option("#matter", "C1")
    phone.click('#slots button[data-slot="2026-11-30T09:00:00+08:00"]')
    no_sideways_scroll(phone)
    phone.screenshot(path=str(SHOTS / "booking_form_390.png"), full_page=True)
    phone.click("#submit")
    phone.locator("#code").wait_for()
    code = phone.inner_text("#code")
    assert len(code) == 6 and code.isdigit() and phone.url.endswith(f"/b/{code}")
    phone.wait_for_function("document.querySelector('img.qr').complete")  # the QR is a real image
    assert phone.evaluate("document.querySelector('img.qr').naturalWidth") > 0
    assert "11月30日 周一 09:00" in phone.inner_text("#booking")
    no_sideways_scroll(phone)
    phone.screenshot(path=str(SHOTS / "booking_done_390.png"), full_page=True)
    phone.on("dialog", lambda d: d.accept())
    phone.click("#cancel")
    phone.locator("text=已取消").wait_for()
    with urllib.request.urlopen(f"{server.url}/api/appointments/{code}") as resp:
        assert json.loads(resp.read())["status"] == "cancelled"


def clerk_closes(server, code: str, outcome: str) -> None:
    clerk = Api(server).login("w1", PASSWORD)
    assert clerk.ok("POST", f"/api/requests/{code}/close", {"status": "done", "outcome": outcome})["status"] == "done"


def test_an_agent_request_is_followed_to_its_outcome(phone, server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.goto("/agent")
    phone.fill("#login-name", "cun")
    phone.fill("#login-password", PASSWORD)
    phone.click("#login-go")
    phone.locator("#app").wait_for()
    assert "东村代办员" in phone.inner_text("#who")
    phone.fill("#r-name", "王秀英")
    phone.fill("#r-village", "东村")
    phone.fill("#r-phone", "13900000000")
    phone.select_option("#r-matter", "C1")
    phone.fill("#r-detail", "代为申请农村低保")
    phone.fill("#r-materials", "身份证、户口簿复印件、收入情况说明")
    no_sideways_scroll(phone)
    phone.screenshot(path=str(SHOTS / "agent_new_390.png"), full_page=True)
    phone.click("#r-submit")
    item = phone.locator(".req").first
    item.wait_for()
    code = item.get_attribute("data-code")
    assert code == "WT261130-01"
    assert "办理中" in item.inner_text() and "承诺办结：2026-12-14" in item.inner_text()
    clerk_closes(server, code, "已审批通过，12月起按月发放")
    phone.click("#tab-new")
    phone.click("#tab-mine")
    phone.locator(".req .outcome").wait_for()
    text = phone.inner_text(".req")
    assert "已办结" in text and "办理结果：已审批通过，12月起按月发放" in text
    no_sideways_scroll(phone)
    phone.screenshot(path=str(SHOTS / "agent_outcome_390.png"), full_page=True)
    phone.click("#tab-book")
    phone.locator("#category").wait_for()
    phone.select_option("#category", "E")
    phone.locator("#slots button").first.click()
    phone.click("#submit")
    phone.locator("#error").wait_for()
    assert "姓名" in phone.inner_text("#error")  # an agent books for a named villager
    phone.fill("#name", "王秀英")
    phone.fill("#phone", "13900000000")
    phone.click("#submit")
    phone.locator("#code").wait_for()
    phone.screenshot(path=str(SHOTS / "agent_booked_390.png"), full_page=True)
