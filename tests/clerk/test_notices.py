"""The printable notices: rendered by Chromium to an A4 PDF, read back with poppler."""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect

from bianmin.center import load_center
from queue_server.clerk.notices import cn_date

from .conftest import SHOTS, Api, log_in, press
from .test_console import today

pytestmark = pytest.mark.browser
CENTER = load_center()


def pdf_text(pdf) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=30
    )
    return out.stdout


def flat(text: str) -> str:
    """Without white space: the PDF breaks lines wherever the sheet ends."""
    return re.sub(r"\s+", "", text)


def pdf_pages(pdf) -> tuple[int, str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True, timeout=30).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    size = re.search(r"^Page size:\s+(.*)$", info, re.M).group(1)
    return pages, size


def to_png(pdf, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "90", "-singlefile", str(pdf), str(SHOTS / name)], check=True, timeout=60)


def test_rejection_notice_prints_on_one_a4_sheet(page, server, api, tmp_path):
    reason = "申请人未能提供户口簿原件，且不在本镇居住，不符合受理条件。"
    clerk = Api(server).login("c")
    api.issue("A", "A2")
    ticket = clerk.ok("POST", "/api/windows/1/call")["ticket"]
    clerk.ok("POST", "/api/windows/1/finish", {"outcome": "rejected", "reason": reason})

    page.goto(f"/clerk/notice/rejection/{ticket['id']}")
    expect(page.locator("body")).to_contain_text("请先登录")  # no session, no notice
    log_in(page, "a", 1)
    page.goto(f"/clerk/notice/rejection/{ticket['id']}")
    expect(page.locator("h1")).to_have_text("不予受理告知书")
    pdf = tmp_path / "rejection.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)

    pages, size = pdf_pages(pdf)
    assert pages == 1 and "(A4)" in size, size
    text = flat(pdf_text(pdf))
    for needle in (
        "不予受理告知书",
        CENTER.name,
        CENTER.matters["A2"].name,
        ticket["number"],
        reason,
        cn_date(today()),
        "经办人：王五",
        CENTER.hotline,
        "1号窗口",
    ):
        assert flat(needle) in text, needle
    assert "打印告知书" not in text  # the screen toolbar stays off paper
    to_png(pdf, "clerk_rejection")


def test_materials_notice_lists_every_material_with_a_checkbox(page, context, server, api, tmp_path):
    api.issue("A", "A1")
    log_in(page, "a", 1)
    press(page, "F1")
    expect(page.locator("#cur-number")).to_have_text("A001")
    page.click("#btn-materials")
    links = page.locator("#matter-list a")
    matters_here = [m for c in CENTER.categories if c.code in ("A", "C") for m in c.matters]
    expect(links).to_have_count(len(matters_here))
    current = page.locator("#matter-list a.current")
    expect(current).to_contain_text("A1")
    with context.expect_page() as popup_info:
        current.click()
    notice = popup_info.value
    notice.wait_for_load_state()

    materials = CENTER.matters["A1"].guide.materials
    rows = notice.locator("table.list tbody tr")
    expect(rows).to_have_count(len(materials))
    expect(notice.locator("table.list tbody input[type=checkbox]")).to_have_count(len(materials))
    notice.locator("table.list tbody input[type=checkbox]").nth(2).check()  # the missing one

    pdf = tmp_path / "materials.pdf"
    notice.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    pages, size = pdf_pages(pdf)
    assert pages == 1 and "(A4)" in size, size
    text = flat(pdf_text(pdf))
    for needle in ("一次性告知单", CENTER.name, CENTER.matters["A1"].name, "A001", "经办人：张三", *materials):
        assert flat(needle) in text, needle
    to_png(pdf, "clerk_materials")


def test_rejection_notice_wording_and_phone_number(page, server, api):
    """No 事项 twice, no space after a full stop, the hotline never broken across lines."""
    clerk = Api(server).login("c")
    api.issue("A")  # no matter chosen: the notice names the category (计划生育类事项)
    plain = clerk.ok("POST", "/api/windows/1/call")["ticket"]
    clerk.ok("POST", "/api/windows/1/finish", {"outcome": "rejected", "reason": "材料不齐。"})
    api.issue("B", "B1")  # a matter whose name ends in 事项 already
    named = Api(server).login("b")
    with_matter = named.ok("POST", "/api/windows/2/call")["ticket"]
    named.ok("POST", "/api/windows/2/finish", {"outcome": "rejected", "reason": "不符合条件。"})
    log_in(page, "a", 1)
    for ticket, what in ((plain, "计划生育类事项"), (with_matter, CENTER.matters["B1"].name)):
        page.goto(f"/clerk/notice/rejection/{ticket['id']}")
        text = page.locator("main.sheet").inner_text()
        assert f"申请办理“{what}”。" in text, text
        assert "事项”事项" not in text
        for para in page.locator(".sheet .body").all_inner_texts():
            assert not re.search(r"[。：，]\s", para), para
        hotline = page.locator(".sheet .body .phone")
        expect(hotline).to_have_text(CENTER.hotline)
        # One line box: the number is kept whole wherever the paragraph wraps.
        assert hotline.evaluate("n => getComputedStyle(n).whiteSpace") == "nowrap"
        assert hotline.evaluate("n => n.getClientRects().length") == 1
    page.set_viewport_size({"width": 700, "height": 900})
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "clerk_rejection_wording.png"), full_page=True)
