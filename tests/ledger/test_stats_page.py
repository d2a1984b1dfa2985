"""The statistics page in Debian's Chromium against the real server process: it logs in, draws
every chart with the vendored ECharts, and raises no JS error; a clerk is told it is for managers."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from bench.devserver import ServerProcess, cli
from bench.ledger import PASSWORD, generate

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "shots"
CHARTS = 12  # chart containers on the page


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("stats") / "queue.db"
    n = generate(db, dt.date(2026, 9, 1), 91, 60)
    assert n > 1000
    cli(db, "add-clerk", "--login", "k", "--name", "刘九", "--windows", "1", "--password-stdin", stdin=PASSWORD)
    with ServerProcess(db) as srv:
        yield srv


def expected(message) -> bool:
    """Chromium logs refused requests as console errors: the page's first ask before login
    (401), a clerk's (403) and the favicon nobody serves are expected, not JS errors."""
    url = message.location.get("url", "")
    return message.text.startswith("Failed to load resource") and ("/api/stats?" in url or url.endswith("/favicon.ico"))


@contextlib.asynccontextmanager
async def logged_in(server, login: str):
    """The page at 1366×768, logged in through its own form; yields (page, JS errors)."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        try:
            page = await browser.new_page(viewport={"width": 1366, "height": 768})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" and not expected(m) else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto(f"{server.url}/manage/stats?from=2026-09-01&to=2026-11-30")
            await page.wait_for_selector("#login-form", state="visible")
            await page.fill("input[name=login]", login)
            await page.fill("input[name=password]", PASSWORD)
            await page.click("#login-form button")
            yield page, errors
        finally:
            await browser.close()


async def test_page_draws_every_chart_without_js_errors(server):
    async with logged_in(server, "m") as (page, errors):
        await page.wait_for_function("window.bianminStats.complete === true", timeout=20000)
        assert await page.evaluate("window.bianminStats.firstChartMs") is not None
        drawn = await page.evaluate(
            "[...document.querySelectorAll('.chart')].filter(el => echarts.getInstanceByDom(el)"
            " && el.querySelector('canvas')).length"
        )
        assert drawn == CHARTS - 1  # every chart but the satisfaction panel, which has no ratings yet
        assert await page.locator(".chart").count() == CHARTS - 1
        kpi = await page.locator("#kpis .kpi b").first.inner_text()
        assert int(kpi) > 1000  # tickets issued in the range
        assert "暂无评价数据" in await page.inner_text("main")
        csv_href = await page.get_attribute("#csv", "href")
        assert csv_href == "/api/ledger?from=2026-09-01&to=2026-11-30&format=csv"
        await page.click("#period button[data-p=month]")
        months = await page.evaluate(
            "echarts.getInstanceByDom(document.getElementById('c-volume')).getOption().xAxis[0].data"
        )
        assert months == ["2026-09", "2026-10", "2026-11"]
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / "stats_page.png"))
        assert errors == []


async def test_a_clerk_is_told_the_page_is_for_managers(server):
    async with logged_in(server, "k") as (page, errors):
        await page.wait_for_selector("#message:not([hidden])")
        assert "仅限中心负责人" in await page.inner_text("#message")
        assert await page.locator("#board").is_hidden()
        assert errors == []
