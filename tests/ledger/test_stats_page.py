"""The statistics page in Debian's Chromium against the real server process: it logs in, draws
every chart with the vendored ECharts, and raises no JS error; a clerk is told it is for managers."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.cookiejar
import json
import re
import subprocess
import sys
import urllib.request
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


async def test_monthly_report_prints_to_one_a4_page(server, tmp_path):
    async with logged_in(server, "m") as (page, errors):
        await page.wait_for_function("window.bianminStats.complete === true", timeout=20000)
        await page.goto(f"{server.url}/manage/stats/monthly?month=2026-11")
        await page.wait_for_function("window.bianminMonthly.ready === true", timeout=20000)
        assert "2026 年 11 月" in await page.inner_text("#subtitle")
        cells = await page.locator("#figures tbody tr").first.locator("td").all_inner_texts()
        assert cells[0] == "取号总数" and int(cells[1]) > 0 and int(cells[2]) > 0
        assert await page.locator("#report svg").count() == 5
        pdf = tmp_path / "monthly.pdf"
        await page.pdf(path=str(pdf), format="A4", print_background=True)
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"^Pages:\s+1$", info, re.M), info
        SHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf), str(SHOTS / "monthly_report")], check=True
        )
        assert errors == []


def test_report_download_and_cli(server, tmp_path):
    from openpyxl import load_workbook

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    login = urllib.request.Request(
        f"{server.url}/api/login",
        data=json.dumps({"login": "m", "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    opener.open(login, timeout=10).close()
    with opener.open(f"{server.url}/api/report?from=2026-11-01&to=2026-11-30", timeout=60) as resp:
        assert "attachment" in resp.headers["Content-Disposition"]
        (tmp_path / "dl.xlsx").write_bytes(resp.read())
    got = load_workbook(tmp_path / "dl.xlsx", read_only=True)
    assert got.sheetnames[0] == "汇总" and "办结时效" in got.sheetnames
    served = sum(got[f"{w}号窗口"].max_row - 1 for w in (1, 2, 3, 4))

    out = tmp_path / "nov.xlsx"
    run = subprocess.run(
        [sys.executable, "-m", "queue_server", "report", "--from", "2026-11-01", "--to", "2026-11-30",
         "--out", str(out), "--db", str(server.db)],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "100%" in run.stderr and "生成报表" in run.stderr  # the progress bar
    wb = load_workbook(out)
    assert sum(wb[f"{w}号窗口"].max_row - 1 for w in (1, 2, 3, 4)) == served > 0
    assert len(wb["汇总"]._charts) == 3
    csv_out = tmp_path / "nov.csv"
    run = subprocess.run(
        [sys.executable, "-m", "queue_server", "report", "--from", "2026-11-01", "--to", "2026-11-30",
         "--out", str(csv_out), "--db", str(server.db)],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert csv_out.read_text("utf-8").lstrip("\ufeff").startswith("日期,号码,类别")
    bad = subprocess.run(
        [sys.executable, "-m", "queue_server", "report", "--from", "2026-11-31", "--to", "2026-11-30",
         "--out", str(out), "--db", str(server.db)],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert bad.returncode != 0 and "--from" in bad.stderr
