"""The kiosk's waiting counts, pushed: the hall's public ``/ws`` stream (no Kivy).

The public view carries all the kiosk shows from the hall (the service day and each
category's waiting count) and not the line, so the kiosk connects without a token. Every
connect starts from a fresh public snapshot (small: windows, recent calls, counts); each
event then brings the new counts, so a ticket from another kiosk or a clerk's call reaches
the tiles at once. :class:`bianmin.wsclient.HallStream` reconnects after a restart; while
the socket is down :attr:`LiveCounts.live` is False and the controller polls instead.
"""

from __future__ import annotations

from typing import Protocol

import aiohttp

from bianmin.protocol import Event, Snapshot
from bianmin.wsclient import Backoff, HallStream

CENTER_EVENTS = ("center_changed", "day_started")  # edited settings or rota; a new day's duty


class CountsSink(Protocol):
    """What the stream feeds (implemented by :class:`kiosk.controller.KioskController`)."""

    def counts(self, day: str, waiting: dict[str, int]) -> None:
        """The hall's current day and waiting counts, from a snapshot or an event."""

    def stream_changed(self, live: bool) -> None:
        """The counts became pushed (a snapshot arrived) or stopped being (the socket closed)."""

    def center_changed(self) -> None:
        """``GET /api/center`` again: the center's settings or the day changed."""


class LiveCounts:
    """Feeds a :class:`CountsSink` from ``/ws`` until cancelled (:meth:`run`)."""

    def __init__(self, base_url: str, sink: CountsSink, *, backoff: Backoff | None = None):
        self.sink = sink
        self.stream = HallStream(base_url, self, backoff=backoff)
        self.live = False  # a snapshot came over the open socket: the counts are current
        self.day: str | None = None
        self.events = 0  # events received, for logs and tests

    async def run(self) -> None:
        await self.stream.run()

    # ---- the stream's handler ----------------------------------------------------------------

    @property
    def since(self) -> int | None:
        return None  # always a fresh snapshot: the public one costs no more than a replay

    async def connecting(self, session: aiohttp.ClientSession) -> None:
        return None

    async def on_message(self, message: Snapshot | Event, session: aiohttp.ClientSession) -> None:
        if isinstance(message, Snapshot):
            self.day = message.day
        else:
            self.events += 1
            if message.type == "day_started" and message.day:
                self.day = message.day
        if self.day is None:  # an event before any snapshot: the server always sends one first
            return
        self.sink.counts(self.day, dict(message.waiting))
        if not self.live:
            self.live = True
            self.sink.stream_changed(True)
        if isinstance(message, Event) and message.type in CENTER_EVENTS:
            self.sink.center_changed()

    def on_connection(self, online: bool) -> None:
        if not online and self.live:
            self.live = False
            self.sink.stream_changed(False)
