"""The hall display's footer shows the month's satisfaction and complaint-reply rates, read
from the real server by the real display app (under Xvfb)."""

from __future__ import annotations

import shutil

import aiohttp

from tests.display.conftest import (  # noqa: F401 - the fixture
    PASSWORD,
    server,
    start_probe,
)

from .test_pages import shots_dir


async def test_the_footer_shows_the_months_figures(server, start_probe, tmp_path):  # noqa: F811
    url = server.url
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        headers = {"Authorization": f"Bearer {server.kiosk}"}
        for n in range(2):
            r = await http.post(f"{url}/api/tickets", json={"category": "A"}, headers=headers)
            token = (await r.json())["token"]
            assert (await http.post(f"{url}/api/login", json={"login": "c1", "password": PASSWORD})).status == 200
            assert (await http.post(f"{url}/api/windows/1/call")).status == 200
            assert (await http.post(f"{url}/api/windows/1/finish", json={"outcome": "instant"})).status == 200
            level = {"level": "satisfied"} if n == 0 else {"level": "dissatisfied", "reasons": ["效率"]}
            assert (await http.post(f"{url}/api/tickets/{token}/rating", json=level)).status == 201
        probe = await start_probe(url, "1920x1080")
        await probe.wait_for(lambda r: r["kind"] == "online" and r["online"])
        for _ in range(100):
            state = await probe.state()
            if state["results"]:
                break
        assert state["results"] == "本月满意率 50.0% · 投诉答复率 —"
        shot = await probe.shot(tmp_path / "footer.png")
        shutil.copyfile(shot, shots_dir() / "display_footer_1920x1080.png")
