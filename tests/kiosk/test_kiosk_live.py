"""The kiosk's waiting counts over ``/ws``, against the real server process (bench.devserver).

Two real kiosk controllers (no Kivy, a recording view), a clerk and a manager over HTTP.
Every HTTP request the watched kiosk makes is recorded, so "no poll" is counted, not
assumed: its poll interval is a minute, so a count that changes in a second came pushed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiohttp
import pytest
from kiosk_support import ServerProcess
from test_kiosk_controller import Kiosk

from bianmin.wsclient import Backoff
from kiosk.printer_link import KioskPrinter

PASSWORD = "pw-kiosk-live-1"
SNAPSHOT = "/api/snapshot"


@dataclass
class Site:
    """What :class:`test_kiosk_controller.Kiosk` needs: the server's URL and a kiosk token."""

    url: str
    token: str


class Hall:
    """The server process, its two kiosk tokens, and a clerk and a manager over HTTP."""

    def __init__(self, server: ServerProcess, tokens: list[str], http: aiohttp.ClientSession):
        self.server, self.tokens, self.http = server, tokens, http

    def site(self, n: int) -> Site:
        return Site(self.server.url, self.tokens[n])

    async def issue(self, category: str, token: int = 1) -> dict:
        """A ticket from the other kiosk, by its token."""
        headers = {"Authorization": f"Bearer {self.tokens[token]}"}
        async with self.http.post(f"{self.server.url}/api/tickets", json={"category": category}, headers=headers) as r:
            assert r.status == 201, await r.text()
            return await r.json()

    async def login(self, who: str) -> None:
        async with self.http.post(f"{self.server.url}/api/login", json={"login": who, "password": PASSWORD}) as r:
            assert r.status == 200, await r.text()

    async def call(self, window: int) -> dict:
        async with self.http.post(f"{self.server.url}/api/windows/{window}/call", json={}) as r:
            assert r.status == 200, await r.text()
            return (await r.json())["ticket"]

    async def rename_center(self, name: str) -> None:
        """The manager saves the settings with a new center name: a ``center_changed`` event."""
        await self.login("boss")
        async with self.http.get(f"{self.server.url}/api/config") as r:
            config = await r.json()
        config["center"]["name"] = name
        async with self.http.put(f"{self.server.url}/api/config", json=config) as r:
            assert r.status == 200, await r.text()


@pytest.fixture
async def hall(tmp_path):
    srv = ServerProcess(tmp_path / "queue.db", log=tmp_path / "server.log")
    tokens = [
        await asyncio.to_thread(srv.cli, "add-device", "--kind", "kiosk", "--name", name)
        for name in ("取号机一", "取号机二")
    ]
    for login, role in (("c1", "clerk"), ("boss", "manager")):
        await asyncio.to_thread(
            srv.cli, "add-clerk", "--login", login, "--name", "测试人员", "--role", role, "--password-stdin",
            stdin=PASSWORD + "\n",
        )  # fmt: skip
    await srv.start_async()
    try:
        # unsafe=True: keep cookies from an IP address (127.0.0.1), which aiohttp drops by default.
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            yield Hall(srv, tokens, http)
    finally:
        await srv.stop_async()


def watched(kiosk: Kiosk) -> list[str]:
    """Record the path of every HTTP request ``kiosk`` makes from now on."""
    paths: list[str] = []
    real = kiosk.api._call

    async def call(method, path, *args, **kwargs):
        paths.append(path)
        return await real(method, path, *args, **kwargs)

    kiosk.api._call = call
    return paths


def live_kiosk(site: Site, printer: KioskPrinter, **timing) -> Kiosk:
    k = Kiosk(site, printer, **{"poll_seconds": 60.0, "retry_seconds": 0.2, **timing})
    k.ctl.feed.stream.backoff = Backoff(0.2, 1.0)  # a quick reconnect once the server is back
    return k


def tile(k: Kiosk, code: str) -> str:
    return next(t.waiting for t in k.view.last("home").tiles if t.code == code)


async def test_another_kiosks_ticket_and_a_call_reach_the_counts_with_no_poll(hall, tmp_path):
    watch = live_kiosk(hall.site(0), KioskPrinter(f"preview:{tmp_path / 'one'}"))
    other = live_kiosk(hall.site(1), KioskPrinter(f"preview:{tmp_path / 'two'}"))
    paths = watched(watch)
    try:
        await watch.wait(lambda: watch.ctl.feed.live and watch.ctl.screen == "home", timeout=10)
        await other.screen("home", timeout=10)
        polls = paths.count(SNAPSHOT)
        assert polls <= 1  # at most the one at start, before the socket was up
        assert tile(watch, "A") == "等候 0 人"

        other.ctl.choose_category("A")
        other.ctl.choose_matter("A", None)  # a resident takes a ticket at the other kiosk
        await other.screen("ticket")
        await watch.wait(lambda: tile(watch, "A") == "等候 1 人", timeout=1.0)
        assert watch.ctl.screen == "home" and tile(watch, "B") == "等候 0 人"

        watch.ctl.choose_category("A")  # the matters list shows the count too, and follows it
        assert "等候 1 人" in watch.view.last("matters").subtitle
        await hall.login("c1")
        called = await hall.call(1)
        assert called["number"] == other.ctl.ticket.number
        await watch.wait(lambda: "等候 0 人" in watch.view.last("matters").subtitle, timeout=1.0)
        assert watch.ctl.screen == "matters"

        assert paths.count(SNAPSHOT) == polls  # pushed, never polled
        assert watch.ctl.feed.events >= 2 and watch.ctl.feed.stream.connects == 1
    finally:
        await other.close()
        await watch.close()


async def test_after_a_server_restart_it_polls_only_while_down_then_is_pushed_again(hall, tmp_path):
    k = live_kiosk(hall.site(0), KioskPrinter(f"preview:{tmp_path}"), poll_seconds=0.3)
    paths = watched(k)
    try:
        await k.wait(lambda: k.ctl.feed.live and k.ctl.screen == "home", timeout=10)
        up = paths.count(SNAPSHOT)
        await asyncio.sleep(1.0)
        assert paths.count(SNAPSHOT) == up  # a 0.3 s poll interval, and no poll while pushed

        await asyncio.to_thread(hall.server.kill)  # SIGKILL: the socket drops as on a power cut
        await k.wait(lambda: not k.ctl.feed.live)
        await k.screen("unreachable", timeout=5)  # the fallback polls fail: the outage shows
        assert paths.count(SNAPSHOT) > up

        await hall.server.start_async()
        await k.wait(lambda: k.ctl.feed.live, timeout=15)
        await k.screen("home")
        assert k.ctl.feed.stream.connects == 2
        after = paths.count(SNAPSHOT)

        await hall.issue("C")  # the other kiosk's ticket, after the restart
        await k.wait(lambda: tile(k, "C") == "等候 1 人", timeout=1.0)
        await asyncio.sleep(0.7)
        assert paths.count(SNAPSHOT) == after  # pushed again: the polling stopped
    finally:
        await k.close()


async def test_a_center_changed_event_rereads_the_center(hall, tmp_path):
    k = live_kiosk(hall.site(0), KioskPrinter(f"preview:{tmp_path}"))
    paths = watched(k)
    try:
        await k.wait(lambda: k.ctl.feed.live and k.ctl.screen == "home", timeout=10)
        assert k.view.last("home").title == "株洲县示范镇便民服务中心"
        centers = paths.count("/api/center")
        await hall.rename_center("示范镇综合便民服务中心")
        # The center is otherwise re-read every 30 s: only the event can bring it this soon.
        await k.wait(lambda: k.view.last("home").title == "示范镇综合便民服务中心", timeout=3.0)
        assert paths.count("/api/center") == centers + 1
    finally:
        await k.close()
