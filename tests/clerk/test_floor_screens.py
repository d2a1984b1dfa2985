"""The floor screens in Debian's Chromium against the real server process: the window screen
(/window/{n}) at 1280×800 and the TV board (/tv) at 1920×1080, pushed live over the public
/ws, agreeing with the window table, and reconnecting by themselves after a server restart."""

from __future__ import annotations

import io
import urllib.request

import pytest
from PIL import Image
from playwright.sync_api import expect

from bianmin.center import load_center

from .conftest import PASSWORD, SHOTS, Api

pytestmark = pytest.mark.browser
CENTER = load_center()


@pytest.fixture
def screen(new_page):
    """A page of the given size on ``path``, once its snapshot is in."""

    def open_(path: str, width: int, height: int):
        page = new_page(width, height)
        page.goto(path)
        page.wait_for_selector("body[data-seq]", state="attached")  # the snapshot is in
        return page

    return open_


def give_card(server, login: str, post: str) -> None:
    """A manager sets ``login``'s post and uploads a photo, as the manager console does."""
    server.cli(
        "add-clerk",
        "--login",
        "boss",
        "--name",
        "负责人",
        "--role",
        "manager",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    boss = Api(server).login("boss")
    boss.ok("PATCH", f"/api/staff/{login}", {"post": post})
    buf = io.BytesIO()
    Image.new("RGB", (300, 400), (70, 110, 160)).save(buf, "JPEG")
    req = urllib.request.Request(
        f"{server.url}/api/staff/{login}/photo",
        data=buf.getvalue(),
        method="POST",
        headers={"Content-Type": "image/jpeg"},
    )
    with boss.opener.open(req, timeout=10) as resp:
        assert resp.status == 200


def fits(page, selector: str) -> bool:
    """The element's text is not cut: no horizontal overflow, and inside the viewport."""
    return page.locator(selector).evaluate(
        "n => n.scrollWidth <= n.clientWidth + 1 && n.getBoundingClientRect().right <= innerWidth + 1"
    )


def test_window_screen_number_work_card_and_pause(server, api, screen):
    give_card(server, "c", "计生专干")
    clerk = Api(server).login("c")  # window 1
    api.issue("A", "A1")
    page = screen("/window/1", 1280, 800)
    expect(page.locator("#w-number")).to_have_text("1")
    expect(page.locator("#w-name")).to_have_text(CENTER.windows[0].name)
    expect(page.locator("#now")).to_have_text("—")
    expect(page.locator("#now-label")).to_have_text("等候叫号")

    clerk.ok("POST", "/api/windows/1/call")
    expect(page.locator("#now")).to_have_text("A001", timeout=1000)
    expect(page.locator("#now-label")).to_have_text("请")
    expect(page.locator("#card")).to_be_visible()
    expect(page.locator("#card-name")).to_have_text("王五")
    expect(page.locator("#card-post")).to_have_text("计生专干")
    photo = page.locator("#card-photo")
    expect(photo).to_be_visible()
    page.wait_for_function("document.getElementById('card-photo').naturalWidth > 0")
    for selector in ("#now", ".bar", "#card-name"):
        assert fits(page, selector), selector
    assert page.locator(".bar").evaluate("n => n.getBoundingClientRect().height") < 0.15 * 800  # one line
    page.screenshot(path=f"{SHOTS}/window_1280x800.png")

    clerk.ok("POST", "/api/windows/1/start")
    expect(page.locator("#now-label")).to_have_text("正在办理", timeout=1000)
    clerk.ok("POST", "/api/windows/1/finish", {"outcome": "instant"})
    expect(page.locator("#now")).to_have_text("—", timeout=1000)
    clerk.ok("POST", "/api/windows/1/pause", {"reason": "会议"})
    expect(page.locator("#paused")).to_be_visible(timeout=1000)
    expect(page.locator("#paused p")).to_have_text("暂停服务")
    assert fits(page, "#paused p")
    page.screenshot(path=f"{SHOTS}/window_1280x800_paused.png")
    clerk.ok("POST", "/api/windows/1/resume")
    expect(page.locator("#paused")).to_be_hidden(timeout=1000)


def test_window_screen_reconnects_after_a_server_restart(server, api, screen):
    clerk = Api(server).login("c")
    api.issue("A", "A1")
    api.issue("A", "A2")
    page = screen("/window/1", 1280, 800)
    clerk.ok("POST", "/api/windows/1/call")
    expect(page.locator("#now")).to_have_text("A001", timeout=1000)

    server.stop()
    expect(page.locator("#offline")).to_be_visible(timeout=5000)
    expect(page.locator("#offline")).to_have_text("连接中断，正在重连…")
    server.start()
    expect(page.locator("#offline")).to_be_hidden(timeout=10000)  # back by itself, no reload
    clerk.ok("POST", "/api/windows/1/finish", {"outcome": "instant"})
    clerk.ok("POST", "/api/windows/1/call")
    expect(page.locator("#now")).to_have_text("A002", timeout=1000)


def test_tv_board_calls_windows_and_counts(server, api, screen):
    window1, window2 = Api(server).login("c"), Api(server).login("b")
    for category in ("A", "A", "B", "B", "B"):
        api.issue(category)
    page = screen("/tv", 1920, 1080)
    expect(page.locator("#center")).to_have_text(CENTER.name)
    expect(page.locator("#call-line")).to_have_text("请留意叫号")
    expect(page.locator("#windows tr")).to_have_count(len(CENTER.windows))

    window1.ok("POST", "/api/windows/1/call")
    window2.ok("POST", "/api/windows/2/call")
    line = page.locator("#call-line")
    expect(line).to_have_text("请 B001 号 到 2 号窗口", timeout=1000)
    expect(page.locator("#windows tr[data-window='1'] td.cur")).to_have_text("A001")
    expect(page.locator("#windows tr[data-window='3'] td.cur")).to_have_text("空闲")
    expect(page.locator("#waiting li[data-category=B] b")).to_have_text("2")
    expect(page.locator("#recent li")).to_have_count(2)
    for selector in ("#call-line", ".bar", ".windows table"):
        assert fits(page, selector), selector
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    page.screenshot(path=f"{SHOTS}/tv_1920x1080.png")

    # A no-show at window 2: the big panel falls back to the call window 1 still serves.
    window2.ok("POST", "/api/windows/2/no-show")
    expect(line).to_have_text("请 A001 号 到 1 号窗口", timeout=1000)
    expect(page.locator("#windows tr[data-window='2'] td.cur")).to_have_text("空闲")
    window2.ok("POST", "/api/windows/2/pause", {})
    expect(page.locator("#windows tr[data-window='2'] td.cur")).to_have_text("暂停服务", timeout=1000)


def test_unknown_window_screen_is_a_friendly_404(server):
    for path in ("/window/9", "/window/abc", "/floor/static/..%2Fpages.py", "/floor/static/nope.js"):
        req = urllib.request.Request(server.url + path)
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=5)
        assert err.value.code == 404, path
        body = err.value.read().decode()
        err.value.close()
        if path == "/window/9":
            assert "本中心没有这个窗口（窗口号：1、2、3、4）" in body


@pytest.mark.parametrize("size", [(800, 480), (1024, 600), (1920, 1080)])
def test_window_screen_fits_other_counter_screens(server, api, screen, size):
    width, height = size
    clerk = Api(server).login("b")  # 李四 at window 3
    api.issue("E")
    clerk.ok("POST", "/api/windows/3/call")
    page = screen("/window/3", width, height)
    expect(page.locator("#now")).to_have_text("E001")
    expect(page.locator("#card-name")).to_have_text("李四")
    for selector in ("#now", ".bar", "#card-name", "#now-hint"):
        assert fits(page, selector), selector
    assert page.evaluate("document.documentElement.scrollHeight") <= height
    page.screenshot(path=f"{SHOTS}/window_{width}x{height}.png")
