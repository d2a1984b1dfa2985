"""The display's link to the server: ``GET /api/center`` (again on center_changed and day_started), then ``/ws``.

On every (re)connect it first reads the server's clock (``GET /healthz`` Date header),
then opens ``/ws?since=<last seq>`` so the server replays what we missed or sends a fresh
snapshot. Failures back off exponentially (0.5 s doubling to 10 s) and never end the loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import json
import logging
import time
from typing import Protocol

import aiohttp

from bianmin.protocol import CenterInfo, Event, ProtocolError, Snapshot, SupervisionResults, parse_ws_message

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


class Backoff:
    """Exponential delays: ``first``, doubling, capped at ``cap``; ``reset`` after success."""

    def __init__(self, first: float = 0.5, cap: float = 10.0):
        self.first, self.cap = first, cap
        self.current = first

    def next(self) -> float:
        delay = self.current
        self.current = min(self.cap, self.current * 2)
        return delay

    def reset(self) -> None:
        self.current = self.first


class HallClient:
    """Keeps the handler fed from the server at ``base_url`` until cancelled."""

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
        # The display's device token: the server then sends the full hall, not the public board.
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.handler = handler
        self.backoff = backoff or Backoff()
        self.heartbeat = heartbeat
        self.connects = 0
        self.resync = False  # next connect asks for a fresh snapshot (after a bad message)
        self.results_at = float("-inf")  # monotonic time of the last results read

    def ws_url(self) -> str:
        since = None if self.resync else self.handler.since
        url = self.base_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        return f"{url}/ws" + (f"?since={since}" if since is not None else "")

    async def run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=None, connect=5, sock_read=None)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                try:
                    await self._session(session)
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    log.info("服务器连接失败：%s", exc)
                except (ProtocolError, ValueError) as exc:
                    # A message we can't read: drop the connection and resync from a snapshot.
                    log.error("服务器消息无法识别，重新同步：%s", exc)
                    self.resync = True
                except Exception:
                    # A bug while showing a message must not leave the hall board frozen:
                    # log it, then reconnect and redraw everything from a fresh snapshot.
                    log.exception("处理服务器消息时出错，重新同步")
                    self.resync = True
                self.handler.on_connection(False)
                await asyncio.sleep(self.backoff.next())

    async def _session(self, session: aiohttp.ClientSession) -> None:
        async with session.get(f"{self.base_url}/healthz") as resp:
            if resp.status != 503:  # 503: the server is up but cannot save; still show the hall
                resp.raise_for_status()
            self.handler.set_server_date(_http_date(resp.headers.get("Date")))
        if self.handler.center is None:
            await self._fetch_center(session)
        async with session.ws_connect(self.ws_url(), heartbeat=self.heartbeat, headers=self.headers) as ws:
            self.connects += 1
            self.resync = False
            self.handler.on_connection(True)
            self.backoff.reset()
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    message = parse_ws_message(json.loads(msg.data))
                    self.handler.on_message(message)
                    if isinstance(message, Event) and message.type in ("center_changed", "day_started"):
                        await self._fetch_center(session)  # edited settings or rota; a new day's duty
                    elif time.monotonic() - self.results_at > RESULTS_EVERY:
                        await self._fetch_results(session)
                elif msg.type == aiohttp.WSMsgType.ERROR:
                    break
        log.info("服务器连接已断开")

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
