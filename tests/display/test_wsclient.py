"""The /ws client against the real server process: live events, kill -9, resync, replay."""

import asyncio
import contextlib

import pytest

from bianmin.protocol import Snapshot
from display.controller import DisplayController
from display.wsclient import Backoff, HallClient

from .test_controller import RecordingView


class Display:
    """Controller + client without Kivy, recording every message type it got."""

    def __init__(self, url: str, max_age: float = 60.0):
        self.view = RecordingView()
        self.said = []
        self.controller = DisplayController(self.view, self.said.append, max_age=max_age)
        self.messages: list[str] = []
        handle = self.controller.on_message

        def on_message(message):
            self.messages.append("snapshot" if isinstance(message, Snapshot) else message.type)
            return handle(message)

        self.controller.on_message = on_message
        self.client = HallClient(url, self.controller, backoff=Backoff(0.2, 1.0))
        self.task: asyncio.Task | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self.client.run())

    async def stop(self) -> None:
        assert self.task is not None
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task

    async def until(self, test, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while not test():
                await asyncio.sleep(0.02)


@pytest.fixture
async def display(server):
    d = Display(server.url)
    d.start()
    await d.until(lambda: d.controller.online and d.messages)
    yield d
    await d.stop()


async def test_snapshot_first_then_live_call_is_announced(display, hall):
    assert display.messages == ["snapshot"]
    assert display.controller.center.name == "株洲县示范镇便民服务中心"
    await hall.issue("A")
    ticket, _ = await hall.call(1)
    await display.until(lambda: display.said)
    assert [a.text for a in display.said] == [f"请A{'零零一'}号到1号窗口办理"]
    assert ticket["number"] == "A001" == display.controller.board.latest.number
    assert display.messages == ["snapshot", "ticket_issued", "ticket_called"]


async def test_server_killed_and_restarted_display_resyncs(display, hall, server):
    await hall.issue("B")
    await hall.call(2)
    await display.until(lambda: len(display.said) == 1)
    server.kill()
    await display.until(lambda: display.controller.online is False)
    server.start()
    await display.until(lambda: display.controller.online is True, timeout=15)
    assert display.client.connects == 2
    # The session cookie survives in the database; the clerk acts again after the restart.
    await hall.act(2, "recall")
    await display.until(lambda: len(display.said) == 2)
    assert display.said[1].recall and display.said[1].number == "B001"
    # Reconnecting with ?since=n replayed nothing (nothing was missed) and re-said nothing.
    assert display.messages.count("snapshot") == 1
    assert [a.number for a in display.said] == ["B001", "B001"]


async def test_missed_events_are_replayed_and_fresh_calls_announced(display, hall):
    await display.stop()
    await hall.issue("A")
    await hall.call(1)
    display.start()
    await display.until(lambda: display.said)
    assert display.messages == ["snapshot", "ticket_issued", "ticket_called"]  # replay, in order
    assert display.controller.board.latest.number == "A001"


async def test_replayed_calls_older_than_max_age_stay_silent(display, hall):
    await display.stop()
    display.controller.board.max_age = 0.5
    await hall.issue("A")
    await hall.call(1)
    await asyncio.sleep(1.6)
    display.start()
    await display.until(lambda: "ticket_called" in display.messages)
    assert display.said == []
    assert display.controller.board.latest.number == "A001"  # shown, just not as new
    flashes = [c[4] for c in display.view.calls if c[0] == "calls"]
    assert flashes and not any(flashes)


async def test_since_beyond_the_server_gets_a_fresh_snapshot(display, hall):
    await display.stop()
    display.controller.board.seq = 10_000  # e.g. the server's database was replaced
    display.start()
    await display.until(lambda: display.messages.count("snapshot") == 2)
    assert display.controller.board.seq < 10_000


async def test_a_failure_while_showing_resyncs_from_a_snapshot(display, hall, caplog):
    handle = display.controller.on_message
    failed = []

    def flaky(message):
        if not failed and not isinstance(message, Snapshot):
            failed.append(message)
            raise RuntimeError("drawing failed")
        return handle(message)

    display.controller.on_message = flaky
    await hall.issue("A")
    await display.until(lambda: display.messages.count("snapshot") == 2)
    assert failed and display.client.connects == 2
    assert display.controller.board.waiting["A"] == 1  # the fresh snapshot has the ticket
    assert "处理服务器消息时出错" in caplog.text
