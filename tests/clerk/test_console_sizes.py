"""The clerk console at the window PCs' small screens, 1024×768 and 1024×600: the header and
the action buttons stay on one line each (no character-by-character wrapping), nothing runs off
the screen, and the working screen fits without scrolling. Checked on the live page in
Debian's Chromium, with a screenshot of each size."""

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
