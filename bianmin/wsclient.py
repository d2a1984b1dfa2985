"""The hall's ``/ws`` stream, kept open: the reconnecting client the display and the kiosk share.

:class:`HallStream` opens ``/ws?since=<the handler's seq>`` (the server replays what was
missed, or sends a fresh snapshot) and feeds every message to its :class:`StreamHandler`.
Before each connect the handler may make its own HTTP reads on the same session (the
display reads the server's clock and the center). Any failure - refused, reset, a server
restart, a message it cannot read, a bug in the handler - closes the connection, tells the
handler it is offline and tries again after an exponential :class:`Backoff`; the loop only
ends when cancelled. After a bad message or a handler bug the next connect asks for a
fresh snapshot rather than a replay.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Protocol

import aiohttp

from bianmin.protocol import Event, ProtocolError, Snapshot, parse_ws_message

log = logging.getLogger("bianmin.ws")


class StreamHandler(Protocol):
    """What a :class:`HallStream` feeds."""

    @property
    def since(self) -> int | None:
        """The last seq seen (the server replays after it), or None for a fresh snapshot."""

    async def connecting(self, session: aiohttp.ClientSession) -> None:
        """Called before each connect; may read over HTTP (an error here is a failed connect)."""

    async def on_message(self, message: Snapshot | Event, session: aiohttp.ClientSession) -> None:
        """One message from the stream, in order; ``session`` for any HTTP read it calls for."""

    def on_connection(self, online: bool) -> None:
        """The socket opened (True) or closed (False)."""


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


class HallStream:
    """Keeps ``handler`` fed from the server at ``base_url`` until cancelled.

    ``token``: a device token sent as ``Authorization: Bearer``; a display's gets the full
    hall, no token the public board (numbers, windows and waiting counts).
    """

    def __init__(
        self,
        base_url: str,
        handler: StreamHandler,
        *,
        backoff: Backoff | None = None,
        heartbeat: float = 15.0,
        token: str | None = None,
        connect_timeout: float = 5.0,
    ):
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.handler = handler
        self.backoff = backoff or Backoff()
        self.heartbeat = heartbeat
        self.connect_timeout = connect_timeout
        self.connects = 0
        self.resync = False  # next connect asks for a fresh snapshot (after a bad message)

    def ws_url(self) -> str:
        since = None if self.resync else self.handler.since
        url = self.base_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        return f"{url}/ws" + (f"?since={since}" if since is not None else "")

    async def run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=None, connect=self.connect_timeout, sock_read=None)
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
                    # A bug while showing a message must not leave a screen frozen: log it,
                    # then reconnect and redraw everything from a fresh snapshot.
                    log.exception("处理服务器消息时出错，重新同步")
                    self.resync = True
                self.handler.on_connection(False)
                await asyncio.sleep(self.backoff.next())

    async def _session(self, session: aiohttp.ClientSession) -> None:
        await self.handler.connecting(session)
        async with session.ws_connect(self.ws_url(), heartbeat=self.heartbeat, headers=self.headers) as ws:
            self.connects += 1
            self.resync = False
            self.handler.on_connection(True)
            self.backoff.reset()
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    await self.handler.on_message(parse_ws_message(json.loads(msg.data)), session)
                elif msg.type == aiohttp.WSMsgType.ERROR:
                    break
        log.info("服务器连接已断开")
