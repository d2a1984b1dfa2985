"""The display's link to the server: ``GET /api/center`` (again on center_changed and day_started), then ``/ws``.

On every (re)connect it first reads the server's clock (``GET /healthz`` Date header),
then opens ``/ws?since=<last seq>`` so the server replays what we missed or sends a fresh
snapshot. The reconnecting is :class:`bianmin.wsclient.HallStream`'s (shared with the
kiosk): failures back off exponentially (0.5 s doubling to 10 s) and never end the loop.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import time
from typing import Protocol

import aiohttp

from bianmin.protocol import CenterInfo, Event, ProtocolError, Snapshot, SupervisionResults
from bianmin.wsclient import Backoff, HallStream

__all__ = ["Backoff", "HallClient", "Handler"]

log = logging.getLogger("display.ws")
RESULTS_EVERY = 600.0  # seconds between two reads of the month's supervision figures


class Handler(Protocol):
    """What the client feeds (implemented by :class:`display.controller.DisplayController`)."""

    @property
    def center(self) -> CenterInfo | None: ...
    @property
    def since(self) -> int | None: ...
    def on_center(self, center: CenterInfo) -> None: ...
    def on_results(self, results: SupervisionResults) -> None: ...
    def on_message(self, message: Snapshot | Event) -> object: ...
    def on_connection(self, online: bool) -> None: ...
    def set_server_date(self, server: dt.datetime | None) -> None: ...


class HallClient:
    """Keeps the handler fed from the server at ``base_url`` until cancelled.

    The :class:`~bianmin.wsclient.StreamHandler` of its :class:`HallStream`: adds the
    display's HTTP reads (clock, center, month figures) around the stream's messages."""

    def __init__(
        self,
        base_url: str,
        handler: Handler,
        *,
        backoff: Backoff | None = None,
        heartbeat: float = 15.0,
        token: str | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.handler = handler
        # The display's device token: the server then sends the full hall, not the public board.
        self.stream = HallStream(base_url, self, backoff=backoff, heartbeat=heartbeat, token=token)
        self.results_at = float("-inf")  # monotonic time of the last results read

    @property
    def backoff(self) -> Backoff:
        return self.stream.backoff

    @backoff.setter
    def backoff(self, value: Backoff) -> None:
        self.stream.backoff = value

    @property
    def connects(self) -> int:
        return self.stream.connects

    async def run(self) -> None:
        await self.stream.run()

    # ---- the stream's handler ----------------------------------------------------------------

    @property
    def since(self) -> int | None:
        return self.handler.since

    def on_connection(self, online: bool) -> None:
        self.handler.on_connection(online)

    async def connecting(self, session: aiohttp.ClientSession) -> None:
        async with session.get(f"{self.base_url}/healthz") as resp:
            if resp.status != 503:  # 503: the server is up but cannot save; still show the hall
                resp.raise_for_status()
            self.handler.set_server_date(_http_date(resp.headers.get("Date")))
        if self.handler.center is None:
            await self._fetch_center(session)

    async def on_message(self, message: Snapshot | Event, session: aiohttp.ClientSession) -> None:
        self.handler.on_message(message)
        if isinstance(message, Event) and message.type in ("center_changed", "day_started"):
            await self._fetch_center(session)  # edited settings or rota; a new day's duty
        elif time.monotonic() - self.results_at > RESULTS_EVERY:
            await self._fetch_results(session)

    async def _fetch_center(self, session: aiohttp.ClientSession) -> None:
        """``GET /api/center``: at the first connect, on ``center_changed`` and on ``day_started``."""
        async with session.get(f"{self.base_url}/api/center") as resp:
            resp.raise_for_status()
            self.handler.on_center(CenterInfo.from_dict(await resp.json()))
        await self._fetch_results(session)

    async def _fetch_results(self, session: aiohttp.ClientSession) -> None:
        """``GET /api/supervision/results`` (the footer's month figures), with the center and
        at most every :data:`RESULTS_EVERY` seconds after; a server without it is no fault."""
        self.results_at = time.monotonic()
        try:
            async with session.get(f"{self.base_url}/api/supervision/results") as resp:
                if resp.status == 200:
                    self.handler.on_results(SupervisionResults.from_dict(await resp.json()))
        except (aiohttp.ClientError, ProtocolError, ValueError) as exc:
            log.info("本月评价结果暂不可用：%s", exc)


def _http_date(value: str | None) -> dt.datetime | None:
    """An HTTP ``Date`` header as an aware datetime, or None."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
