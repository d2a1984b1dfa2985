"""Photo evidence for the manager's ticks: a real JPEG or PNG is kept without its metadata,
shown as a thumbnail on /manage/inspection and kept in the item's history; anything else gets
a clear Chinese error. Through the API in-process, then the page in Chromium against the
real server process."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.async_api import async_playwright

from bench.devserver import ServerProcess, cli
from queue_server.accounts import Accounts
from queue_server.app import create_app
from queue_server.settings import Settings
from queue_server.store import Store

PASSWORD = "pass-12345"
SHOTS = Path("/work/shots/ledgerperf")


def jpeg_with_exif(size: tuple[int, int] = (2000, 1500)) -> bytes:
    img = Image.new("RGB", size, (40, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "secret-gps-app"  # Software
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png(color: tuple[int, int, int] = (200, 60, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
async def client(tmp_path, aiohttp_client):
    store = await Store.open(tmp_path / "queue.db")
    await Accounts(store).add_clerk("boss", "主任", [], PASSWORD, "manager")
    await Accounts(store).add_clerk("w1", "窗口一", [1], PASSWORD)
    c = await aiohttp_client(create_app(Settings(db=tmp_path / "queue.db"), store))
    yield c
    await store.close()


async def test_a_photo_is_evidence_kept_clean_and_in_the_history(client):
    await client.post("/api/login", json={"login": "w1", "password": PASSWORD})
    r = await client.post("/api/inspection/checks/hall/photo", data=png(), headers={"Content-Type": "image/png"})
    assert r.status == 403  # managers only
    await client.post("/api/login", json={"login": "boss", "password": PASSWORD})

    raw = jpeg_with_exif()
    r = await client.post("/api/inspection/checks/hall/photo", data=raw, headers={"Content-Type": "image/jpeg"})
    assert r.status == 200, await r.text()
    r = await client.get("/manage/inspection/photo/hall")
    assert r.status == 200 and r.content_type == "image/jpeg"
    kept = await r.read()
    with Image.open(io.BytesIO(kept)) as img:
        assert img.format == "JPEG" and max(img.size) == 1280 and img.size == (1280, 960)  # bounded, not cropped
        assert not img.getexif() and b"PhoneMaker" not in kept and b"secret-gps-app" not in kept

    # A photo alone is evidence enough for the tick.
    r = await client.post("/api/inspection/checks", json={"item": "hall", "done": True, "note": ""})
    assert r.status == 200, await r.text()
    hall = next(i for i in (await r.json())["items"] if i["id"] == "hall")
    assert hall["points"] == hall["max"] and "已附照片" in hall["why"]
    r = await client.post("/api/inspection/checks", json={"item": "sign", "done": True, "note": ""})
    assert r.status == 400 and (await r.json())["error"]["code"] == "evidence_required"

    # A second photo replaces the current one; both stay in the history.
    r = await client.post("/api/inspection/checks/hall/photo", data=png(), headers={"Content-Type": "image/png"})
    assert r.status == 200
    page = await (await client.get("/manage/inspection")).text()
    assert 'class="thumb" src="/manage/inspection/photo/hall?v=' in page
    entries = [int(x) for x in re.findall(r"/manage/inspection/photo/hall\?entry=(\d+)", page)]
    assert len(set(entries)) == 2
    shots = {await (await client.get(f"/manage/inspection/photo/hall?entry={n}")).read() for n in set(entries)}
    assert kept in shots and len(shots) == 2

    # Bad uploads: a clear Chinese error naming the photo, never a 500.
    for body, ctype, code, words in (
        (b"not an image at all", "image/png", "bad_photo", "无法识别这张照片"),
        (b"GIF89a" + bytes(100), "application/octet-stream", "bad_photo", "无法识别这张照片"),
        (b"", "image/jpeg", "bad_photo", "请选择一张照片"),
        (b"\xff" * (4 * 1024 * 1024 + 1), "image/jpeg", "photo_too_large", "照片太大"),
    ):
        r = await client.post(
            "/api/inspection/checks/hall/photo", data=io.BytesIO(body), headers={"Content-Type": ctype}
        )
        assert r.status == 400, (ctype, await r.text())
        err = (await r.json())["error"]
        assert err["code"] == code and words in err["message"] and err["field"] == "photo"
    r = await client.post("/api/inspection/checks/guides/photo", data=png(), headers={"Content-Type": "image/png"})
    assert r.status == 400 and (await r.json())["error"]["code"] == "unknown_item"
    r = await client.post("/api/inspection/checks/hall/photo", data=png(), headers={"Content-Type": "text/plain"})
    assert r.status == 415  # the CSRF rule: a cookie write is JSON or an image
    assert (await client.get("/manage/inspection/photo/sign")).status == 404
    assert (await client.get("/manage/inspection/photo/hall?entry=x")).status == 400


async def test_the_page_uploads_shows_the_thumbnail_and_names_a_bad_file(tmp_path):
    db = tmp_path / "queue.db"
    cli(db, "add-clerk", "--login", "boss", "--name", "主任", "--role", "manager", "--password-stdin", stdin=PASSWORD)
    good, bad = tmp_path / "大厅.png", tmp_path / "说明.txt"
    good.write_bytes(png((30, 140, 90)))
    bad.write_text("这不是照片", encoding="utf-8")
    with ServerProcess(db) as server:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            try:
                page = await browser.new_page(viewport={"width": 1366, "height": 900})
                errors: list[str] = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                r = await page.request.post(f"{server.url}/api/login", data={"login": "boss", "password": PASSWORD})
                assert r.ok
                await page.goto(f"{server.url}/manage/inspection")
                form = page.locator("form.tick").filter(has=page.locator("input[name=item][value=hall]"))
                await form.locator("input[name=done]").check()
                await form.locator("input[name=photo]").set_input_files(str(good))
                async with page.expect_navigation():
                    await form.locator("button").click()
                thumb = page.locator("img.thumb")
                await thumb.wait_for()
                assert await thumb.evaluate("img => img.complete && img.naturalWidth") == 320
                row = page.locator("tr").filter(has=page.locator("input[name=item][value=hall]"))
                assert "已附照片" in await row.inner_text()
                assert await row.locator(".history li").count() == 2  # the photo, then the tick

                form = page.locator("form.tick").filter(has=page.locator("input[name=item][value=sign]"))
                await form.locator("input[name=photo]").set_input_files(str(bad))
                await form.locator("button").click()
                err = form.locator(".err")
                await err.filter(has_text="无法识别这张照片").wait_for()
                assert "JPEG 或 PNG" in await err.inner_text()
                SHOTS.mkdir(parents=True, exist_ok=True)
                await page.screenshot(path=str(SHOTS / "inspection_photo.png"), full_page=True)
                assert errors == []
            finally:
                await browser.close()
