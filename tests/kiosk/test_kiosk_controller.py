"""The kiosk's flow without Kivy: the real controller, the real server app on 127.0.0.1
(real SQLite file, a settable clock), real printers (preview PNGs, a refused TCP port,
a loopback TCP printer). Only the screen is a recording stand-in.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from zoneinfo import ZoneInfo

import pytest
import zxingcpp
from aiohttp.test_utils import TestServer
from escpos_stream import decode
from kiosk_support import LoopbackPrinter, free_port

from bianmin.center import load_center
from kiosk.api_client import ApiError, KioskApi, ServerUnreachable
from kiosk.controller import DISMISS_GUARD, KioskController
from kiosk.printer_link import KioskPrinter
from kiosk.settings import KioskSettings
from queue_server.accounts import Accounts
from queue_server.app import create_app
from queue_server.settings import Settings
from queue_server.store import Store

CENTER = load_center()
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_9 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)  # a concentrated office day


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


class RecordingView:
    """Stands in for the Kivy app: keeps every model the controller shows."""

    def __init__(self):
        self.calls: list[tuple[str, object]] = []

    def last(self, kind: str):
        return next(m for k, m in reversed(self.calls) if k == kind)

    def show_home(self, model):
        self.calls.append(("home", model))

    def show_matters(self, model):
        self.calls.append(("matters", model))

    def show_ticket(self, model):
        self.calls.append(("ticket", model))

    def show_print(self, status):
        self.calls.append(("print", status))

    def show_message(self, model):
        self.calls.append(("message", model))

    def show_countdown(self, seconds):
        self.calls.append(("countdown", seconds))

    def show_checkin(self, model):
        self.calls.append(("checkin", model))

    def show_paper(self, low):
        self.calls.append(("paper", low))


class Hall:
    """The real server app over a real database, served on 127.0.0.1; can stop and restart."""

    def __init__(self, tmp_path, clock: Clock, always_open: bool):
        self.db = tmp_path / "queue.db"
        self.clock, self.always_open = clock, always_open
        self.port = free_port()
        self.server: TestServer | None = None
        self.store: Store | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.store = await Store.open(self.db)
        app = create_app(Settings(db=self.db, always_open=self.always_open), self.store, clock=self.clock)
        self.server = TestServer(app, host="127.0.0.1", port=self.port)
        await self.server.start_server()

    async def stop(self) -> None:
        await self.server.close()
        await self.store.close()

    def tickets(self) -> list[tuple]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute("SELECT number, matter, priority, request_id FROM tickets").fetchall()


@pytest.fixture
async def hall(tmp_path):
    hall = Hall(tmp_path, Clock(MONDAY_9), always_open=False)
    store = await Store.open(hall.db)
    _, hall.token = await Accounts(store).add_device("kiosk", "取号机")
    await store.close()
    await hall.start()
    yield hall
    if hall.server and hall.server.runner:
        await hall.stop()


class Kiosk:
    """A running controller with its API client; ``wait`` polls its screen."""

    def __init__(self, hall: Hall, printer, token: str | None = None, **timing):
        base = {
            "retry_seconds": 0.05,
            "poll_seconds": 0.1,
            "idle_seconds": 5.0,
            "ticket_seconds": 5.0,
            "fault_seconds": 5.0,
        }
        base.update(timing)
        self.settings = KioskSettings(server=hall.url, token=token or hall.token, printer="preview:unused", **base)
        self.view = RecordingView()
        self.api = KioskApi(hall.url, self.settings.token, timeout=2)
        self.ctl = KioskController(self.api, printer, self.view, self.settings)
        self.task = asyncio.get_running_loop().create_task(self.ctl.run())

    async def wait(self, pred, timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not pred():
                await asyncio.sleep(0.01)

    async def screen(self, name: str, timeout: float = 5.0) -> None:
        await self.wait(lambda: self.ctl.screen == name, timeout)

    async def close(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        await self.ctl.close()
        await self.api.close()


async def test_issue_print_and_waiting_counts(hall, tmp_path):
    printer = KioskPrinter(f"preview:{tmp_path / 'tickets'}")
    k = Kiosk(hall, printer)
    try:
        await k.screen("home")
        home = k.view.last("home")
        assert [t.code for t in home.tiles] == [c.code for c in CENTER.categories]
        assert {t.waiting for t in home.tiles} == {"等候 0 人"} and not home.priority
        k.ctl.choose_category("D")
        menu = k.view.last("matters")
        assert [r.code for r in menu.rows] == [m.code for m in CENTER.category("D").matters] + [None]
        k.ctl.choose_matter("D", "D2")
        k.ctl.choose_matter("D", "D2")  # a second tap while the first is on its way
        await k.screen("ticket")
        await k.wait(lambda: k.ctl.print_status and k.ctl.print_status.state == "done")
        ticket = k.view.last("ticket")
        assert (ticket.number, ticket.ahead) == ("D001", "前面没有人，请留意叫号")
        rows = hall.tickets()
        assert len(rows) == 1 and rows[0][:3] == ("D001", "D2", 0) and rows[0][3]  # a request_id
        assert len(list((tmp_path / "tickets").glob("*-D001.png"))) == 1
        assert k.ctl.prints == [("D001", "done")]
        k.ctl.dismiss_ticket()  # too soon: a tap that brought up the ticket must not dismiss it
        assert k.ctl.screen == "ticket"
        await asyncio.sleep(DISMISS_GUARD)
        k.ctl.dismiss_ticket()
        await k.wait(lambda: k.ctl.screen == "home" and k.view.last("home").tiles[3].waiting == "等候 1 人")
    finally:
        await k.close()


async def test_priority_ticket_without_matter_then_home_by_itself(hall, tmp_path):
    k = Kiosk(hall, KioskPrinter(f"preview:{tmp_path}"), ticket_seconds=0.6)
    try:
        await k.screen("home")
        k.ctl.start_priority()
        assert k.view.last("home").priority and k.view.last("home").banner
        k.ctl.choose_category("A")
        assert k.view.last("matters").priority
        k.ctl.back()  # back keeps the green channel
        assert k.ctl.screen == "home" and k.ctl.priority
        k.ctl.choose_category("A")
        k.ctl.choose_matter("A", None)
        await k.screen("ticket")
        assert hall.tickets()[0][:3] == ("A001", None, 1)
        assert k.view.last("ticket").priority
        await k.screen("home", timeout=3)  # the ticket screen goes home after ticket_seconds
        assert not k.ctl.priority  # and the green channel is off again
    finally:
        await k.close()


async def test_office_closing_between_refresh_and_tap_shows_closed(hall, tmp_path):
    k = Kiosk(hall, KioskPrinter(f"preview:{tmp_path}"))
    try:
        await k.screen("home")
        k.ctl.choose_category("B")
        hall.clock.now = MONDAY_9.replace(hour=17, minute=45)  # the office closed meanwhile
        k.ctl.choose_matter("B", "B1")
        await k.screen("closed")
        notice = k.view.last("message")
        assert notice.kind == "closed" and notice.phone == CENTER.duty_phone
        assert "08:30—17:30" in notice.body and "2026年11月30日 星期一" in notice.body
        assert hall.tickets() == []
        hall.clock.now = MONDAY_9 + dt.timedelta(days=2)  # Wednesday morning: open again
        await k.screen("home")
    finally:
        await k.close()


async def test_closed_day_never_shows_the_tiles(hall, tmp_path):
    hall.clock.now = MONDAY_9 + dt.timedelta(days=5)  # Saturday: a day off (Tuesday is a duty day)
    k = Kiosk(hall, KioskPrinter(f"preview:{tmp_path}"))
    try:
        await k.screen("closed")
        k.ctl.choose_category("A")
        await asyncio.sleep(0.3)
        assert k.ctl.screen == "closed" and "home" not in k.ctl.history
        assert "每周一、三、五" in k.view.last("message").body
    finally:
        await k.close()


async def test_api_error_is_shown_then_idle_goes_home(hall, tmp_path):
    k = Kiosk(hall, KioskPrinter(f"preview:{tmp_path}"), token="wrong-token", idle_seconds=0.4)
    try:
        await k.screen("home")
        k.ctl.choose_category("C")
        k.ctl.choose_matter("C", "C1")
        await k.screen("error")
        error = k.view.last("message")
        assert "设备令牌无效" in error.body and error.action == "home"
        await k.wait(lambda: any(kind == "countdown" and v for kind, v in k.view.calls))
        await k.screen("home", timeout=2)
        assert hall.tickets() == []
    finally:
        await k.close()


async def test_a_reply_of_the_wrong_shape_gets_the_friendly_screen(hall, tmp_path):
    """A protocol error (the server answers, but not with a CenterInfo) is shown and retried."""
    k = Kiosk(hall, KioskPrinter(f"preview:{tmp_path}"))
    try:
        await k.screen("home")
        real_call = k.api._call

        async def center_of_another_shape(method, path, *args, **kw):
            data = await real_call(method, path, *args, **kw)
            return {"name": data["name"]} if path == "/api/center" else data

        k.api._call = center_of_another_shape
        k.ctl.center_changed()  # as a center_changed event does: read the center now
        await k.screen("unreachable")
        assert "无法识别" in k.view.last("message").body
        k.api._call = real_call
        await k.screen("home")
    finally:
        await k.close()


async def test_a_bug_in_the_refresh_loop_surfaces_instead_of_an_unreadable_reply(hall, tmp_path):
    """A programming error is not a server problem: it ends run() (the app logs it)."""
    k = Kiosk(hall, KioskPrinter(f"preview:{tmp_path}"))
    try:
        await k.screen("home")

        async def buggy_center():
            raise TypeError("a bug, not the network")

        k.api.center = buggy_center
        k.ctl.center_changed()  # as a center_changed event does: read the center now
        with pytest.raises(TypeError, match="a bug"):
            await asyncio.wait_for(asyncio.shield(k.task), 5)
        assert k.ctl.screen == "home"  # no "server reply unreadable" screen for a bug
        assert not any(kind == "message" and m.kind == "unreachable" for kind, m in k.view.calls)
    finally:
        await k.close()


async def test_stale_intent_is_dropped_after_an_outage(hall, tmp_path):
    """After the server comes back, an intent older than the idle timeout is not re-sent."""
    k = Kiosk(hall, KioskPrinter(f"preview:{tmp_path}"), idle_seconds=0.5)
    try:
        await k.screen("home")
        k.ctl.choose_category("E")
        await hall.stop()
        k.ctl.choose_matter("E", "E1")
        await k.screen("unreachable", timeout=8)
        await asyncio.sleep(0.6)  # the resident has most likely left
        await hall.start()
        await k.screen("home", timeout=5)
        await asyncio.sleep(0.3)
        assert hall.tickets() == [] and k.ctl.pending is None
    finally:
        await k.close()


async def test_printer_refused_then_reprint(hall, tmp_path):
    port = free_port()
    k = Kiosk(hall, KioskPrinter(f"network:127.0.0.1:{port}"))
    fake = LoopbackPrinter(port)
    try:
        await k.screen("home")
        k.ctl.choose_category("G")
        k.ctl.choose_matter("G", "G1")
        await k.screen("ticket")
        await k.wait(lambda: k.ctl.print_status and k.ctl.print_status.failed)
        status = k.view.last("print")
        assert "号码照样有效" in status.text and "无法连接网络打印机" in status.fault
        assert len(hall.tickets()) == 1  # the ticket stands
        await fake.start()
        k.ctl.reprint()
        k.ctl.reprint()  # a double press prints once
        await k.wait(lambda: k.ctl.print_status.state == "done")
        assert k.ctl.prints == [("G001", "failed"), ("G001", "done")]
        await asyncio.sleep(0.1)
        assert len(fake.jobs) == 1 and fake.error is None
        image = decode(fake.jobs[0]).image()
        assert [c.text for c in zxingcpp.read_barcodes(image)] == [k.ctl.ticket.guide_url]
    finally:
        await fake.stop()
        await k.close()


async def test_api_client_errors(hall):
    api = KioskApi(hall.url, "nope", timeout=2)
    try:
        with pytest.raises(ApiError) as err:
            await api.issue("A", None, False, "r1")
        assert err.value.status == 401 and "设备令牌无效" in err.value.message
        api.token = hall.token
        with pytest.raises(ApiError) as err:
            await api.issue("Z", None, False, "r2")
        assert err.value.code == "unknown_category" and not err.value.retryable
    finally:
        await api.close()
    dead = KioskApi(f"http://127.0.0.1:{free_port()}", "t", timeout=2)
    try:
        with pytest.raises(ServerUnreachable) as err:
            await dead.center()
        assert err.value.retryable and "无法连接" in err.value.message
    finally:
        await dead.close()
