"""The phone guide page in Debian's Chromium against the real server: live over the public
/ws (no polling), the same words at first render and after each update, the near-turn and
called alerts (vibration spied on, the chime counted), 申报材料 first."""

from __future__ import annotations

import threading
import time
import typing
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from bianmin.center import load_center
from bianmin.protocol import TicketStatus
from queue_server.guide import LIVE_TEXT, NEAR

from .conftest import SHOTS, Api

pytestmark = pytest.mark.browser
CENTER = load_center()
# navigator.vibrate as a spy: Chromium would refuse it without a real tap anyway.
SPY = "window.__vibrations = []; navigator.vibrate = (p) => { window.__vibrations.push(p); return true; };"


def _open(page, ticket: dict) -> None:
    url = urlsplit(ticket["guide_url"])
    page.goto(f"{url.path}?{url.query}")
    expect(page.locator("#conn")).to_have_text("● 实时更新中")  # the push channel is open


@pytest.fixture
def phone(browser, server):
    ctx = browser.new_context(
        base_url=server.url,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    ctx.set_default_timeout(5000)
    ctx.add_init_script(SPY)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_transferred_ticket_reads_the_same_before_and_after_an_update(server, api, phone):
    clerk_a, clerk_b = Api(server).login("a"), Api(server).login("b")
    ticket = api.issue("A", "A1")
    clerk_a.ok("POST", "/api/windows/1/call")
    clerk_a.ok("POST", "/api/windows/1/transfer", {"to_window": 2})

    _open(phone, ticket)
    state = phone.locator("#state")
    expect(state).to_have_text("等候中（已转窗口），前面还有 0 人")  # as the server renders it

    # Called at the new window: pushed within a second, and a fresh page load agrees.
    clerk_b.ok("POST", "/api/windows/2/call")
    expect(state).to_have_text("已叫号，请到 2 号窗口", timeout=1000)
    _open(phone, ticket)
    expect(state).to_have_text("已叫号，请到 2 号窗口")


def test_live_line_near_turn_and_called_alerts(server, api, phone):
    clerk = Api(server).login("c")  # window 1 serves A
    tickets = [api.issue("A", "A1") for _ in range(NEAR + 2)]
    mine = tickets[-1]
    _open(phone, mine)
    state = phone.locator("#state")
    expect(state).to_have_text(f"等候中，前面还有 {NEAR + 1} 人")
    first = phone.locator("section:not(#rating) h2").nth(1)  # the rating waits hidden
    expect(first).to_have_text("一、申报材料")  # right under the live section
    phone.screenshot(path=f"{SHOTS}/phone_390_normal.png", full_page=True)
    phone.click("#sound")  # the resident's first tap opens the audio for the chime
    expect(phone.locator("#sound")).to_have_text("到号提醒已开启")
    assert phone.evaluate("window.__vibrations") == []
    chimes_before = int(phone.locator("#live").get_attribute("data-chimes") or 0)

    clerk.ok("POST", "/api/windows/1/call")  # one ahead called: 3 away now
    expect(state).to_have_text(f"等候中，前面还有 {NEAR} 人", timeout=1000)
    expect(phone.locator("#alert")).to_have_text(f"快到您了！前面还有 {NEAR} 人，请到窗口附近等候")
    assert phone.evaluate("window.__vibrations") == [[300, 150, 300]]
    assert int(phone.locator("#live").get_attribute("data-chimes") or 0) == chimes_before + 1
    phone.screenshot(path=f"{SHOTS}/phone_390_near.png")

    for _ in range(NEAR + 1):  # the rest ahead, then mine: each update on time, no second near alert
        clerk.ok("POST", "/api/windows/1/finish", {"outcome": "instant"})
        clerk.ok("POST", "/api/windows/1/call")
    expect(state).to_have_text("已叫号，请到 1 号窗口", timeout=1000)
    expect(phone.locator("#alert")).to_have_text("请到 1 号窗口办理！")
    assert phone.evaluate("window.__vibrations") == [[300, 150, 300], [600, 200, 600, 200, 600]]
    phone.screenshot(path=f"{SHOTS}/phone_390_called.png")

    clerk.ok("POST", "/api/windows/1/recall")  # called again: alerted again
    expect(phone.locator("#live")).to_have_attribute("data-alerts", "near,called,called", timeout=1000)
    phone.reload()  # a reload does not alert what it already did
    expect(state).to_have_text("已叫号，请到 1 号窗口")
    assert phone.evaluate("window.__vibrations") == []

    clerk.ok("POST", "/api/windows/1/finish", {"outcome": "instant"})
    expect(state).to_have_text("已办结", timeout=1000)
    expect(phone.locator("#sound")).to_be_hidden()


def test_a_read_begun_before_the_call_does_not_undo_it(server, api, phone):
    """The page re-reads its ticket after any move. A read that left before this ticket was
    called can answer "waiting" after the call event: it must not undo the call (and then
    alert it a second time when the next read says "called")."""
    clerk = Api(server).login("c")
    api.issue("A", "A1")  # one ahead
    mine = api.issue("A", "A1")
    _open(phone, mine)
    state = phone.locator("#state")
    expect(state).to_have_text("等候中，前面还有 1 人")
    held = []

    def hold(route):
        if held:  # only the first read is held back
            route.continue_()
            return
        stale = route.fetch()  # the answer as it is now: still waiting
        held.append(stale.json()["status"])
        # Now call this ticket, from another party, while this read is still on its way.
        worker = threading.Thread(
            target=lambda: (
                clerk.ok("POST", "/api/windows/1/finish", {"outcome": "instant"}),
                clerk.ok("POST", "/api/windows/1/call"),
            )
        )
        worker.start()
        worker.join()
        time.sleep(0.5)  # the call event reaches the page before this stale answer
        route.fulfill(response=stale)

    phone.route(f"**/api/tickets/{mine['token']}", hold)
    clerk.ok("POST", "/api/windows/1/call")  # the one ahead: the page re-reads (held)
    expect(state).to_have_text("已叫号，请到 1 号窗口", timeout=3000)
    phone.wait_for_timeout(1000)  # the stale answer and the next read have both arrived
    assert held == ["waiting"]
    expect(state).to_have_text("已叫号，请到 1 号窗口")
    assert phone.locator("#live").get_attribute("data-alerts") == "near,called"
    assert phone.evaluate("window.__vibrations").count([600, 200, 600, 200, 600]) == 1


def test_guide_page_puts_materials_first_and_names_system_fonts(server, page):
    page.goto("/g/A1")
    # The eight numbered items of the guide (the supervision sections follow them).
    headings = [h for h in page.locator("section h2").all_inner_texts() if "、" in h[:3]]
    assert headings[0] == "一、申报材料" and len(headings) == 8, headings
    materials = page.locator("#materials li").all_inner_texts()
    assert materials == list(CENTER.matters["A1"].guide.materials)
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    # System CJK fonts for every platform, ending in the generic family; no web font.
    assert family.startswith('"PingFang SC"') and family.endswith("sans-serif"), family
    assert "Microsoft YaHei" in family and "Noto Sans CJK SC" in family
    assert page.evaluate("document.fonts.size") == 0


def test_every_ticket_state_has_its_live_text():
    assert set(LIVE_TEXT) == set(typing.get_args(TicketStatus))
