"""Work cards on the real hall display (Kivy under Xvfb), fed by the real server process:
the photo the manager uploaded shows in the window table once the clerk calls."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import shutil
import sqlite3

import aiohttp
import pytest
from PIL import Image

from bench.devserver import ServerProcess
from bianmin.center import load_center
from queue_server.duty import duty_statement
from tests.display.conftest import start_probe  # noqa: F401  (the fixture)

from .conftest import PASSWORD, SHOTS

pytestmark = pytest.mark.gui


def portrait() -> bytes:
    img = Image.new("RGB", (600, 800), (225, 232, 240))
    for y in range(200, 800):  # a simple figure: shoulders and a head
        for x in range(120, 480):
            if (x - 300) ** 2 / 180**2 + (y - 820) ** 2 / 300**2 < 1:
                img.putpixel((x, y), (20, 60, 120))
    for y in range(120, 420):
        for x in range(180, 420):
            if (x - 300) ** 2 + (y - 270) ** 2 < 110**2:
                img.putpixel((x, y), (236, 196, 160))
    out = io.BytesIO()
    img.save(out, "JPEG")
    return out.getvalue()


async def test_the_photo_appears_on_the_displays_window_table(server, start_probe, tmp_path):  # noqa: F811
    jar = aiohttp.CookieJar(unsafe=True)
    async with (
        aiohttp.ClientSession(cookie_jar=jar) as manager,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as clerk,
    ):
        url = server.url
        r = await manager.post(f"{url}/api/login", json={"login": "boss", "password": PASSWORD})
        assert r.status == 200
        body = {"login": "zl", "name": "赵六", "password": PASSWORD, "windows": [1], "post": "民政专干"}
        assert (await manager.post(f"{url}/api/staff", json=body)).status == 201
        r = await manager.post(f"{url}/api/staff/zl/photo", data=portrait())
        assert r.status == 200, await r.text()
        photo_url = (await r.json())["photo_url"]

        probe = await start_probe(url, "1920x1080")
        await probe.wait_for(lambda r: r["kind"] == "online" and r["online"])
        state = await probe.state()
        assert [c["clerk"] for c in state["cards"]] == ["暂无工作人员"] * 4

        assert (await clerk.post(f"{url}/api/login", json={"login": "zl", "password": PASSWORD})).status == 200
        headers = {"Authorization": f"Bearer {server.kiosk_token}"}
        assert (await clerk.post(f"{url}/api/tickets", json={"category": "A"}, headers=headers)).status == 201
        assert (await clerk.post(f"{url}/api/windows/1/call")).status == 200
        await probe.wait_for(lambda r: r["kind"] == "calls" and r["number"] == "A001")
        for _ in range(50):
            state = await probe.state()
            if state["cards"][0]["loaded"] == [300, 400]:  # not Kivy's 32×32 "loading" image
                break
            await asyncio.sleep(0.1)
        card = state["cards"][0]
        assert card == {"clerk": "赵六\n民政专干", "photo": photo_url, "loaded": [300, 400]}
        assert state["cards"][1]["clerk"] == "暂无工作人员"
        shot = await probe.shot(tmp_path / "cards.png")
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SHOTS / "display-work-cards.png")
        # The photo is on screen: the card's area holds the portrait's skin and blue tones.
        box = state["windows_box"]
        with Image.open(shot) as img:
            colors = img.convert("RGB").crop(tuple(box)).getcolors(1 << 20) or []
        assert any(abs(r - 236) < 20 and abs(g - 196) < 20 and abs(b - 160) < 20 for _, (r, g, b) in colors)


async def test_todays_duty_shows_in_the_displays_header(tmp_path, start_probe):  # noqa: F811
    srv = ServerProcess(tmp_path / "queue.db")
    srv.cli(
        "add-clerk",
        "--login",
        "boss",
        "--name",
        "刘主任",
        "--role",
        "manager",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    today = dt.datetime.now(load_center().tz).date()
    with sqlite3.connect(tmp_path / "queue.db") as db:  # the rota as the manager saved it, for today
        db.execute("UPDATE clerks SET phone = '0731-2222 0101' WHERE login = 'boss'")
        db.execute(*duty_statement(today, [1], 1))
    srv.start()
    try:
        probe = await start_probe(srv.url, "1920x1080")
        await probe.wait_for(lambda r: r["kind"] == "online" and r["online"])
        state = await probe.state()
        assert state["duty"] == "今日值班：刘主任 0731-2222 0101；带班领导：刘主任 0731-2222 0101"
        shot = await probe.shot(tmp_path / "duty.png")
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SHOTS / "display-duty-header.png")
        left, top, right, bottom = state["duty_box"]
        assert right - left > 600 and 0 <= top < bottom <= 130  # under the center's name, in the header band
        assert state["center_name"] in state["all_texts"]
    finally:
        srv.stop()
