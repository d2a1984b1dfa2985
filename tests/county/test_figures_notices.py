"""Hall figures up to the county (overdue cases, device faults, the inspection score,
satisfaction per month) and county notices down to chosen halls, through real processes."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3

import aiohttp
import pytest

from county.simhall import TZ

from .conftest import PASSWORD, SHOTS, open_board, wait_for

MARK = "【县政务服务中心】"


async def _rows(session: aiohttp.ClientSession) -> dict[int, dict]:
    async with session.get("/api/halls") as r:
        assert r.status == 200
        return {row["id"]: row for row in await r.json()}


async def _center_notices(hall) -> list[str]:
    s = await hall._session()
    async with s.get(hall.url + "/api/center") as r:
        return (await r.json())["notices"]


async def test_hall_figures_reach_the_board(county, halls):
    hid, tok = county.add_hall("城关镇便民服务中心")
    hall = halls(county.url, tok)
    hall.start()
    await hall.login()
    s = await hall._session()
    async with s.post(
        hall.url + "/api/devices/health",
        json={"version": "1.0", "printer": "fault", "paper": "ok"},
        headers={"Authorization": f"Bearer {hall.kiosk}"},
    ) as r:
        assert r.status == 200, await r.text()
    ticket = await hall.issue("A")
    for action, body in (("call", None), ("start", None)):
        assert (await hall.act(1, action, body))[0] == 200
    today = (await hall.snapshot())["day"]
    status, data = await hall.act(1, "finish", {"outcome": "promised", "due": today})
    assert status == 200, data
    session = await county.session()
    try:

        async def fault_in():  # sent on change, within a few seconds of the report
            row = (await _rows(session))[hid]
            return row if row["device_faults"] == 1 else None

        row = await wait_for(fault_in, timeout=15)
        assert row["overdue"] == 0 and row["device_faults"] == 1
        assert row["faults"] == ["取号机“取号机”打印机故障"]
        assert isinstance(row["inspection_score"], int | float) and 0 <= row["inspection_score"] <= 100
        assert row["satisfaction"] is None and row["bad_reviews"] == 0  # connected, nothing rated yet

        # The resident rates the finished service on the phone: the month's figure follows.
        async with s.post(hall.url + f"/api/tickets/{ticket['token']}/rating", json={"level": "satisfied"}) as r:
            assert r.status == 201, await r.text()

        async def rated():
            row = (await _rows(session))[hid]
            return row if row["satisfaction"] == 1.0 else None

        row = await wait_for(rated, timeout=15)
        assert row["bad_reviews"] == 0

        # Time passes (the case's due date moves into the past): the case is overdue.
        hall.stop()
        conn = sqlite3.connect(hall.db)
        with conn:
            assert conn.execute("UPDATE cases SET due = '2020-01-06'").rowcount == 1
        conn.close()
        hall.start()
        await wait_for(lambda: _overdue(session, hid, 1), timeout=15)

        # The monthly statistics take the hall's satisfaction; bad figures get a 400 naming the field.
        month = dt.datetime.now(TZ).strftime("%Y-%m")
        figures = {"at": "x", "overdue_cases": 0, "device_faults": [], "month": month, "satisfaction_rate": 0.875}
        async with aiohttp.ClientSession(county.url) as hs:
            auth = {"Authorization": f"Bearer {tok}"}
            async with hs.post("/api/figures", json={**figures, "satisfaction_rate": 2}, headers=auth) as r:
                assert r.status == 400 and "satisfaction_rate" in (await r.json())["error"]["message"]
            async with hs.post("/api/figures", json=figures) as r:
                assert r.status == 401
            async with hs.post("/api/figures", json={**figures, "bad_open": 2}, headers=auth) as r:
                assert r.status == 200
        async with session.get(f"/api/stats?month={month}") as r:
            stats = {h["id"]: h for h in (await r.json())["halls"]}
        assert stats[hid]["satisfaction"] == pytest.approx(0.875)
    finally:
        await session.close()


async def _overdue(session, hid, n):
    row = (await _rows(session))[hid]
    return row if row["overdue"] == n else None


async def test_county_notices_reach_chosen_halls_exactly_once(county, halls):
    (id1, tok1), (_, tok2) = county.add_hall("城关镇便民服务中心"), county.add_hall("河口乡便民服务中心")
    county.stop()  # the county is down when the halls start
    h1, h2 = halls(county.url, tok1), halls(county.url, tok2)
    h1.start()
    h2.start()
    await h1.issue("A")
    await asyncio.sleep(1.5)
    county.start()
    session = await county.session()
    try:
        tomorrow = (dt.datetime.now(TZ).date() + dt.timedelta(days=1)).isoformat()
        for body in (
            {"title": "政策调整", "text": "自下月起新生儿落户可一次办结", "halls": [id1]},
            {"title": "元旦放假", "text": "1月1日放假一天", "halls": "all", "expires": tomorrow},
        ):
            async with session.post("/api/notices", json=body) as r:
                assert r.status == 201, await r.text()
        for bad, code in (
            ({"title": "x", "text": "y", "halls": [9999]}, "bad_halls"),
            ({"title": "x", "text": "y", "halls": "some"}, "bad_halls"),
            ({"title": "", "text": "y"}, "missing_field"),
            ({"title": "停电\u0000", "text": "y"}, "bad_json"),
            ({"title": "x", "text": "y", "expires": "2020-01-01"}, "bad_expires"),
        ):
            async with session.post("/api/notices", json=bad) as r:
                assert r.status == 400 and (await r.json())["error"]["code"] == code, bad

        async def h1_has_both():
            lines = await _center_notices(h1)
            return lines if sum(line.startswith(MARK) for line in lines) == 2 else None

        lines = await wait_for(h1_has_both, timeout=15)
        assert lines[:2] == [f"{MARK}元旦放假：1月1日放假一天", f"{MARK}政策调整：自下月起新生儿落户可一次办结"]
        lines2 = await wait_for(lambda: _marked(h2, 1), timeout=15)
        assert lines2[0] == f"{MARK}元旦放假：1月1日放假一天"
        await asyncio.sleep(1)
        assert len(await _marked(h2, 1)) == 1  # the notice for 城关镇 only never reaches 河口乡
        # Committed with a center_changed event: the display re-reads /api/center.
        assert any(p["type"] == "center_changed" for _, p in h1.events())
        await h1.login()
        s = await h1._session()
        async with s.get(h1.url + "/api/county-notices") as r:
            listed = (await r.json())["notices"]
        assert [(n["title"], n["from"], n["expires"]) for n in listed] == [
            ("元旦放假", "县政务服务中心", tomorrow),
            ("政策调整", "县政务服务中心", None),
        ]

        # The county goes down and comes back; a new notice arrives, nothing twice.
        county.kill()
        await asyncio.sleep(1)
        county.start()
        await session.close()
        session = await county.session()
        async with session.post("/api/notices", json={"title": "停电通知", "text": "周六停电", "halls": "all"}) as r:
            assert r.status == 201
        await wait_for(lambda: _marked(h1, 3), timeout=20)
        await wait_for(lambda: _marked(h2, 2), timeout=20)
        conn = sqlite3.connect(h1.db)
        try:
            ids = [r[0] for r in conn.execute("SELECT county_id FROM county_notices ORDER BY county_id")]
        finally:
            conn.close()
        assert ids == [1, 2, 3]
        async with aiohttp.ClientSession(county.url) as anon:
            async with anon.get("/api/hall/notices?after=0") as r:
                assert r.status == 401
            async with anon.get("/api/hall/notices?after=x", headers={"Authorization": f"Bearer {tok2}"}) as r:
                assert r.status == 400
            async with anon.get("/api/hall/notices?after=0", headers={"Authorization": f"Bearer {tok2}"}) as r:
                seen = await r.json()
        assert [n["title"] for n in seen["notices"]] == ["元旦放假", "停电通知"] and seen["upto"] == 3
    finally:
        await session.close()


async def _marked(hall, n):
    lines = [line for line in await _center_notices(hall) if line.startswith(MARK)]
    return lines if len(lines) == n else None


@pytest.mark.browser
async def test_notice_form_and_hall_console_in_chromium(county, halls):
    from playwright.async_api import async_playwright, expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    hid, tok = county.add_hall("城关镇便民服务中心")
    county.add_hall("河口乡便民服务中心")
    hall = halls(county.url, tok)
    hall.start()
    session = await county.session()
    try:
        await wait_for(lambda: _figures(session, hid), timeout=15)
    finally:
        await session.close()
    async with async_playwright() as pw:
        browser, ctx, page, errors = await open_board(pw, county.url)
        await page.fill("input[name=login]", "admin")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("#login-form button[type=submit]")
        await expect(page.locator("#halls-table tbody tr")).to_have_count(2)
        errors.clear()  # the browser logs the 401 of /api/me before the login as a console error
        row = page.locator(f"#halls-table tr[data-id='{hid}'] td")
        await expect(row.nth(7)).to_have_text("—")  # satisfaction: nothing rated this month yet
        await expect(row.nth(9)).to_have_text("0")  # overdue promised cases
        await expect(row.nth(12)).to_have_text("0")  # device faults
        await page.screenshot(path=str(SHOTS / "county-board-figures.png"), full_page=True)
        await page.click("a[data-view=notices]")
        await page.fill("#notice-form input[name=title]", "元旦放假")
        await page.fill("#notice-form textarea[name=text]", "1月1日放假一天，1月2日起照常办公")
        await page.check("#notice-form input[value=chosen]")
        await page.select_option("#notice-halls", str(hid))
        await page.screenshot(path=str(SHOTS / "county-notice-form.png"), full_page=True)
        await page.click("#notice-form button[type=submit]")
        await expect(page.locator("#notice-msg")).to_contain_text("已发布")
        await expect(page.locator("#notices-table tbody tr")).to_have_count(1)
        await expect(page.locator("#notices-table tbody")).to_contain_text("城关镇便民服务中心")
        await page.screenshot(path=str(SHOTS / "county-notices.png"), full_page=True)
        assert not errors, f"JavaScript errors on the board: {errors}"

        clerk = await ctx.new_page()
        clerk.on("pageerror", lambda exc: errors.append(str(exc)))
        await clerk.goto(hall.url + "/clerk")
        await clerk.fill("input[name=login]", "w")
        await clerk.fill("input[name=password]", PASSWORD)
        await clerk.click("#login-form button[type=submit]")
        await clerk.click("#window-list button[data-window='1']")
        notice = clerk.locator("#county-notices .county-notice")
        await expect(notice).to_contain_text("元旦放假", timeout=20000)
        await expect(notice.locator(".from")).to_have_text("县政务服务中心")
        await clerk.screenshot(path=str(SHOTS / "hall-county-notice.png"))
        manage = await ctx.new_page()
        manage.on("pageerror", lambda exc: errors.append(str(exc)))
        await manage.goto(hall.url + "/manage")
        await expect(manage.locator("#county-notices .county-notice")).to_contain_text("元旦放假", timeout=20000)
        await manage.screenshot(path=str(SHOTS / "hall-manage-county-notice.png"))
        assert not errors, f"JavaScript errors: {errors}"
        await browser.close()


async def _figures(session, hid):
    row = (await _rows(session))[hid]
    return row if row["device_faults"] is not None else None
