"""The county's ingest admits sync requests before their bodies are read: in line when the
queue is full, refused (503) after waiting too long, never after parsing."""

from __future__ import annotations

import asyncio

import pytest

from bianmin.errors import Unavailable
from county import ingest


async def test_full_queue_requests_wait_in_line_then_are_refused(monkeypatch):
    monkeypatch.setattr(ingest, "ADMIT_WAIT_S", 0.3)
    writer = ingest.Ingest(pool=None)  # never started: no database
    writer._queued_events = ingest.QUEUE_EVENTS  # full
    admitted: list[int] = []

    async def request(n: int) -> None:
        async with writer.admitted():
            admitted.append(n)
            await asyncio.sleep(0.01)

    first, second = asyncio.create_task(request(1)), asyncio.create_task(request(2))
    await asyncio.sleep(0.1)
    assert admitted == []  # waiting, bodies unread
    writer._queued_events = 0  # the writer took the queue for a commit
    writer._admit_waiting()
    await asyncio.gather(first, second)
    assert admitted == [1, 2] and writer._reading == 0

    writer._queued_events = ingest.QUEUE_EVENTS
    with pytest.raises(Unavailable) as refused:
        async with writer.admitted():
            pytest.fail("admitted into a full queue")
    assert refused.value.status == 503 and refused.value.code == "busy"
    writer._queued_events = 0
    writer._admit_waiting()  # the one that gave up is not counted
    assert writer._reading == 0


async def test_close_refuses_the_waiting_requests():
    writer = ingest.Ingest(pool=None)
    writer._queued_events = ingest.QUEUE_EVENTS

    async def request() -> None:
        async with writer.admitted():
            pytest.fail("admitted while closing")

    waiting = asyncio.create_task(request())
    await asyncio.sleep(0.05)
    await writer.close()
    with pytest.raises(Unavailable) as refused:
        await waiting
    assert refused.value.code == "shutting_down" and writer._reading == 0
