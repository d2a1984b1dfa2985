"""The supervision pages in Debian's Chromium against the real server process: the pad turns
to the rating when the clerk finishes and a tap records it; the phone is then refused; a 差评
opens a case the manager answers; a complaint's code shows the reply. Screenshots go to
/work/shots/rating/ (or var/shots/rating/ when that is not writable)."""

from __future__ import annotations

import io
import os
import time
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from bench.devserver import ServerProcess
from tests.browser import PASSWORD, Api, form_log_in

ROOT = Path(__file__).resolve().parents[2]


def shots_dir() -> Path:
    wanted = Path(os.environ.get("BIANMIN_SHOTS", "/work/shots/rating"))
    try:
        wanted.mkdir(parents=True, exist_ok=True)
        return wanted
    except OSError:
        fallback = ROOT / "var" / "shots" / "rating"
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback


def shot(page, name: str) -> None:
    page.screenshot(path=str(shots_dir() / name))


class Server(ServerProcess):
    kiosk_token = ""


@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path / "queue.db")
    srv.kiosk_token = srv.cli("add-device", "--kind", "kiosk", "--name", "取号机")
    for login, name, role, windows in (("a", "张三", "clerk", "1"), ("boss", "刘主任", "manager", "")):
        srv.cli(
            "add-clerk", "--login", login, "--name", name, "--role", role, "--windows", windows, "--password-stdin",
            stdin=PASSWORD + "\n",
        )  # fmt: skip
    srv.start()
    yield srv
    srv.stop()


def portrait() -> bytes:
    img = Image.new("RGB", (300, 400), (225, 232, 240))
    for y in range(60, 210):
        for x in range(90, 210):
            if (x - 150) ** 2 + (y - 135) ** 2 < 55**2:
                img.putpixel((x, y), (236, 196, 160))
    out = io.BytesIO()
    img.save(out, "JPEG")
    return out.getvalue()


def manager(server) -> Api:
    boss = Api(server).login("boss")
    boss.ok("PATCH", "/api/staff/a", {"post": "民政专干"})
    req = urllib.request.Request(
        server.url + "/api/staff/a/photo", data=portrait(), method="POST", headers={"Content-Type": "image/jpeg"}
    )
    with boss.opener.open(req, timeout=10) as resp:
        assert resp.status in (200, 201)
    return boss


def served(server, clerk: Api, matter: str = "A1") -> dict:
    """Issue a ticket, call and finish it at window 1; the issued ticket."""
    ticket = clerk.issue("A", matter)
    clerk.ok("POST", "/api/windows/1/call")
    clerk.ok("POST", "/api/windows/1/finish", {"outcome": "instant"})
    return ticket


def test_pad_turns_to_the_rating_a_tap_records_it_and_the_phone_is_refused(server, new_page):
    from playwright.sync_api import expect

    boss = manager(server)
    pad_token = boss.ok("POST", "/api/devices", {"kind": "pad", "name": "1号窗口评价器", "window": 1})["token"]
    clerk = Api(server).login("a")
    clerk.issue("A", "A1")
    clerk.ok("POST", "/api/windows/1/call")  # the clerk signs in at window 1: the card shows
    clerk.ok("POST", "/api/windows/1/finish", {"outcome": "instant"})

    pad = new_page(1280, 800)
    pad.goto(f"/rate/1?pair={pad_token}")
    assert pad.url.endswith("/rate/1")  # the token left the address bar for an HttpOnly cookie
    cookies = pad.context.cookies()
    assert [c["httpOnly"] for c in cookies if c["name"] == "bianmin_pad"] == [True]
    expect(pad.locator("#view-card")).to_be_visible()
    expect(pad.locator("#clerk-name")).to_have_text("张三")
    expect(pad.locator("#clerk-post")).to_have_text("民政专干")
    expect(pad.locator("#paused")).to_be_hidden()
    pad.wait_for_function("getComputedStyle(document.getElementById('photo')).backgroundImage.includes('/photo')")
    shot(pad, "pad_card_1280x800.png")

    ticket = clerk.issue("A", "A1")
    phone = new_page(390, 844)
    phone.goto(f"/g/A1?t={ticket['token']}")
    expect(phone.locator("#rating .rating-msg")).to_contain_text("办结后")

    clerk.ok("POST", "/api/windows/1/call")
    clerk.ok("POST", "/api/windows/1/finish", {"outcome": "instant"})
    finished = time.monotonic()
    expect(pad.locator("#view-rate")).to_be_visible(timeout=1000)  # within a second of the finish
    took = time.monotonic() - finished
    expect(pad.locator("#rate-number")).to_have_text(ticket["number"])
    expect(pad.locator("#rate-matter")).to_contain_text("生育")
    expect(pad.locator("#levels button")).to_have_count(5)
    shot(pad, "pad_rating_1280x800.png")
    pad.set_viewport_size({"width": 800, "height": 480})
    for button in pad.locator("#levels button").all():  # all five fit the small screen
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 800 and box["y"] + box["height"] <= 480
    shot(pad, "pad_rating_800x480.png")

    phone.reload()  # the phone page offers the same rating now the service is done
    expect(phone.locator("#rating .rating-form")).to_be_visible(timeout=5000)
    shot(phone, "phone_rating_390.png")

    pad.click("#levels button[data-level=satisfied]")
    expect(pad.locator("#view-thanks")).to_be_visible()
    expect(pad.locator("#view-card")).to_be_visible(timeout=6000)  # back to the card
    shot(pad, "pad_card_800x480.png")
    clerk.ok("POST", "/api/windows/1/pause", {"reason": "会议"})
    expect(pad.locator("#paused")).to_be_visible()
    expect(pad.locator("#paused")).to_have_text("暂停服务")
    clerk.ok("POST", "/api/windows/1/resume")
    expect(pad.locator("#paused")).to_be_hidden()

    phone.click("#rating .levels button[data-level=very_satisfied]")
    expect(phone.locator("#rating .rating-msg")).to_contain_text("已经评价过了")
    expect(phone.locator("#rating .rating-form")).to_be_hidden()
    shot(phone, "phone_refused_390.png")

    boss_rows = boss.ok("GET", "/api/ratings")
    rows = [r for r in boss_rows if r["ticket"] == ticket["number"]]
    assert [(r["level"], r["source"], r["clerk"], r["window"]) for r in rows] == [("satisfied", "pad", "张三", 1)]
    print(f"pad turned to the rating {took * 1000:.0f} ms after the finish returned")


def test_bad_rating_opens_a_case_the_manager_answers(server, new_page):
    from playwright.sync_api import expect

    clerk = Api(server).login("a")
    ticket = served(server, clerk)
    phone = new_page(390, 844)
    phone.goto(f"/g/A1?t={ticket['token']}")
    phone.click("#rating .levels button[data-level=dissatisfied]")
    expect(phone.locator("#rating .bad")).to_be_visible()
    phone.click("#rating .bad button")
    expect(phone.locator("#rating .rating-msg")).to_contain_text("至少选择一个原因")
    phone.check("#rating .reasons input[value='多次跑腿']")
    phone.fill("#rating .bad textarea", "跑了三趟")
    phone.fill("#rating .bad input[type=tel]", "13800001111")
    shot(phone, "phone_bad_rating_390.png")
    phone.click("#rating .bad button")
    expect(phone.locator("#rating .rating-msg")).to_contain_text("您已评价：不满意")

    # The clerk appeals from the page of their own 差评 (logged in at the clerk console).
    mine = new_page()
    form_log_in(mine, "/clerk", "a")  # window 1 is a's only window: the working screen opens
    link = mine.locator("#appeal-link")
    expect(link).to_have_text("差评 1 条 · 申诉")
    shot(mine, "clerk_appeal_link_1366.png")
    link.click()
    expect(mine.locator("#me-name")).to_have_text("张三")
    own = mine.locator(f"#mine-table tbody tr:has-text('{ticket['number']}')")
    expect(own).to_contain_text("多次跑腿")
    assert "13800001111" not in mine.content()  # the resident's phone is the manager's only
    own.locator("input.reason").fill("当天系统故障，已当场说明")
    own.locator("button.appeal").click()
    expect(own).to_contain_text("待审核")
    mine.click("text=返回窗口工作台")
    expect(mine.locator("#work-view")).to_be_visible()
    expect(link).to_be_hidden()  # appealed: nothing left to appeal at this window

    manager(server)
    page = new_page()
    form_log_in(page, "/manage", "boss")
    expect(page.locator("#main-view")).to_be_visible()
    page.click("#nav a[href='/manage/supervision']")
    row = page.locator(f"#case-table tbody tr:has-text('{ticket['number']}')")
    expect(row).to_contain_text("多次跑腿")
    expect(row).to_contain_text("张三")
    expect(row).to_contain_text("13800001111")
    expect(page.locator("#results")).to_contain_text("满意率 0.0%")
    shot(page, "manager_cases.png")
    row.locator("button.review").click()
    expect(page.locator("#appeal-reason")).to_contain_text("当天系统故障")
    page.click("#appeal-reject")
    expect(row).to_contain_text("已驳回")
    row.locator("button.handle").click()
    page.check("#case-form input[name=reached]")
    page.fill("#case-form textarea[name=note]", "已电话致歉，群众表示理解")
    page.click("#case-callback")
    expect(page.locator("#toast")).to_contain_text("回访已保存")
    page.fill("#case-form textarea[name=rectification]", "材料清单印发到窗口")
    page.fill("#case-form textarea[name=reply]", "已整改，欢迎再次监督")
    page.click("#case-form button[type=submit]")
    expect(page.locator("#case-table tbody tr")).to_have_count(0)
    page.check("#cases-all")
    expect(row).to_contain_text("已答复")
    expect(row).to_contain_text("已联系")
    shot(page, "manager_cases_answered.png")


def test_a_complaints_code_shows_the_reply(server, new_page):
    from playwright.sync_api import expect

    phone = new_page(390, 844)
    phone.goto("/g/A1")
    phone.click("text=我要投诉")
    expect(phone.locator("input[name=kind][value=complaint]")).to_be_checked()
    phone.fill("textarea[name=text]", "等候区空调太冷")
    phone.fill("input[name=phone]", "13900002222")
    phone.click("#box-form button[type=submit]")
    expect(phone.locator("#box-done")).to_be_visible()
    code = phone.locator("#box-code").inner_text()
    assert len(code) == 8
    shot(phone, "box_code_390.png")

    boss = manager(server)
    entry = next(c for c in boss.ok("GET", "/api/complaints") if c["code"] == code)
    assert entry["phone"] == "13900002222" and entry["matter"] == "A1"
    page = new_page()
    form_log_in(page, "/manage", "boss")
    expect(page.locator("#main-view")).to_be_visible()
    page.goto("/manage/supervision#box")
    row = page.locator(f"#box-table tbody tr[data-code='{code}']")
    row.locator("button.handle").click()
    page.click("#reply-assign")
    expect(page.locator("#toast")).to_contain_text("已指派给")
    page.fill("#reply-form textarea[name=text]", "已调高温度，谢谢您的意见")
    page.click("#reply-form button[type=submit]")
    expect(row).to_have_count(0)

    phone.click("#box-link")
    expect(phone.locator("#status")).to_have_text("已答复")
    expect(phone.locator("#reply")).to_have_text("已调高温度，谢谢您的意见")
    assert "13900002222" not in phone.content()
    shot(phone, "box_reply_390.png")


def test_the_pad_reconnects_after_a_server_restart(server, new_page):
    from playwright.sync_api import expect

    boss = manager(server)
    pad_token = boss.ok("POST", "/api/devices", {"kind": "pad", "name": "1号窗口评价器", "window": 1})["token"]
    pad = new_page(800, 480)
    pad.goto(f"/rate/1?pair={pad_token}")
    expect(pad.locator("#view-card")).to_be_visible()
    expect(pad.locator("#paused")).to_be_visible()  # nobody signed in at window 1 yet
    server.stop()
    expect(pad.locator("#offline")).to_be_visible()
    server.start()
    expect(pad.locator("#offline")).to_be_hidden(timeout=15000)
    clerk = Api(server).login("a")
    ticket = served(server, clerk)
    expect(pad.locator("#view-rate")).to_be_visible(timeout=3000)
    expect(pad.locator("#rate-number")).to_have_text(ticket["number"])
    pad.click("#levels button[data-level=very_dissatisfied]")
    expect(pad.locator("#view-bad")).to_be_visible()
    pad.click("#reasons button:has-text('效率')")
    shot(pad, "pad_bad_800x480.png")
    pad.click("#bad-send")
    expect(pad.locator("#view-thanks")).to_be_visible()
    cases = boss.ok("GET", "/api/rating-cases")
    assert [(c["ticket"], c["reasons"], c["level"]) for c in cases] == [
        (ticket["number"], ["效率"], "very_dissatisfied")
    ]


def test_the_pad_times_out_back_to_the_card_when_nobody_rates(server, new_page):
    from playwright.sync_api import expect

    boss = manager(server)
    pad_token = boss.ok("POST", "/api/devices", {"kind": "pad", "name": "1号窗口评价器", "window": 1})["token"]
    pad = new_page(800, 480)
    pad.clock.install()  # the page's timers run on a clock the test moves
    pad.goto(f"/rate/1?pair={pad_token}")
    expect(pad.locator("#view-card")).to_be_visible()
    clerk = Api(server).login("a")
    served(server, clerk)
    expect(pad.locator("#view-rate")).to_be_visible()
    pad.clock.fast_forward(30_000)
    expect(pad.locator("#view-rate")).to_be_visible()  # still waiting for a tap
    pad.clock.fast_forward(31_000)
    expect(pad.locator("#view-card")).to_be_visible()
    expect(pad.locator("#clerk-name")).to_have_text("张三")
    assert boss.ok("GET", "/api/ratings") == []  # nothing was recorded for the resident
