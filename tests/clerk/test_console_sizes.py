"""The clerk console at the window PCs' small screens, 1024×768 and 1024×600: the header and
the action buttons stay on one line each (no character-by-character wrapping), nothing runs off
the screen, and the working screen fits without scrolling; at 1366×768 the case list shows
several cases, each readable in full. Checked on the live page in Debian's Chromium, with a
screenshot of each size."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import SHOTS, log_in, press

pytestmark = pytest.mark.browser

# How many lines an element's text runs over: its text's line boxes, grouped by their top.
LINES = """n => {
  const range = document.createRange();
  range.selectNodeContents(n);
  const tops = [...range.getClientRects()].filter((r) => r.width > 0).map((r) => r.top).sort((a, b) => a - b);
  let lines = 0, last = -1e9;
  for (const top of tops) { if (top - last > 8) { lines += 1; last = top; } }
  return lines;
}"""
OVERFLOWS = "n => n.scrollWidth > n.clientWidth + 1 || n.getBoundingClientRect().right > innerWidth + 1"


@pytest.mark.parametrize("size", [(1024, 768), (1024, 600), (1366, 768)])
def test_header_and_buttons_stay_on_one_line(page, api, size):
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    api.issue("A", "A1")
    log_in(page, "a", 1)
    press(page, "F1")
    expect(page.locator("#cur-number")).to_have_text("A001")
    page.screenshot(path=f"{SHOTS}/console_{width}x{height}.png")

    bar = page.locator("#work-view .topbar")
    assert not bar.evaluate(OVERFLOWS), "the header runs off the screen"
    for item in bar.locator(":scope > *:not([hidden])").all():
        assert item.evaluate(LINES) <= 1, f"{item.inner_text()!r} wraps in the header"
    assert bar.evaluate("n => n.getBoundingClientRect().height") <= 60
    buttons = page.locator(".actions button")
    expect(buttons).to_have_count(12)  # with 选号 / 绿色通道…, 电话预约…, 登记上门 / 委托… (issue 14)
    for button in buttons.all():
        assert button.evaluate(LINES) == 1, f"{button.inner_text()!r} wraps"
        assert not button.evaluate(OVERFLOWS), f"{button.inner_text()!r} is cut"
    for heading in page.locator("#work-view h3:visible").all():  # 今日预约 hides without bookings
        assert heading.evaluate(LINES) == 1, heading.inner_text()
    # The working screen fits: no page scroll, the action buttons all in view.
    assert page.evaluate("document.documentElement.scrollHeight") <= height
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    last = buttons.last.evaluate("n => n.getBoundingClientRect().bottom")
    assert last <= height, last


@pytest.mark.parametrize("size", [(1024, 600)])
def test_finish_dialog_fits_the_small_screen(page, api, size):
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    api.issue("A", "A1")
    log_in(page, "a", 1)
    press(page, "F1")
    press(page, "F4")
    dialog = page.locator("#finish-dialog")
    expect(dialog).to_be_visible()
    page.check("#finish-modes input[value=promised]")
    box = dialog.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, box
    for label in page.locator("#finish-modes label").all():
        assert not label.evaluate(OVERFLOWS), label.inner_text()
    expect(page.locator("#finish-ok")).to_be_in_viewport()
    page.screenshot(path=f"{SHOTS}/console_{width}x{height}_finish.png")


@pytest.mark.parametrize(("size", "rows_in_view"), [((1366, 768), 4)])
def test_the_case_list_keeps_its_rows_readable(page, api, size, rows_in_view):
    """A window with open promised and agency cases and requests: each row's number, matter,
    kind, due date and button stand on one line each, the matter is not cut, and the card
    shows several rows without scrolling (four on the wide screens)."""
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    for matter, finish in (
        ("A1", {"outcome": "promised", "due": "2030-01-04"}),
        ("A2", {"outcome": "promised", "due": "2030-01-08"}),
        ("C1", {"outcome": "agency", "agency_to": "县民政局社会救助股"}),
        ("A3", {"outcome": "promised", "due": "2030-01-09"}),
    ):
        api.issue(matter[0], matter)
        api.ok("POST", "/api/windows/1/call")
        api.ok("POST", "/api/windows/1/finish", finish)
    api.ok("POST", "/api/requests", {"kind": "home_visit", "name": "王秀英", "village": "东村", "matter": "C1",
                                     "detail": "行动不便，上门办理低保年审"})  # fmt: skip
    api.ok("POST", "/api/requests", {"kind": "cross_department", "name": "李建国", "village": "西村",
                                     "department": "县自然资源局", "detail": "宅基地审批材料转交"})  # fmt: skip
    log_in(page, "a", 1)
    rows = page.locator("#cases .case")
    expect(rows).to_have_count(6)
    page.screenshot(path=f"{SHOTS}/console_cases_{width}x{height}.png")
    card = page.locator("#cases").bounding_box()
    assert card is not None
    visible = [r for r in rows.all() if (b := r.bounding_box()) and b["y"] + b["height"] <= card["y"] + card["height"]]
    for row in rows.all():
        what = row.locator(".what")
        assert what.evaluate("n => n.scrollWidth <= n.clientWidth + 1"), f"{what.inner_text()!r} is cut"
        for part in row.locator(":scope > *").all():
            assert part.evaluate(LINES) <= 1, f"{part.inner_text()!r} wraps"
    assert len(visible) >= rows_in_view, f"only {len(visible)} rows in view"
