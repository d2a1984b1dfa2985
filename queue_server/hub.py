"""The WebSocket hub: a snapshot first, then every committed event, in order.

Each client has its own bounded queue, filled synchronously when an event is announced,
so a connecting client can never miss or reorder an event between its snapshot and the
live stream. A client that falls too far behind is closed; it reconnects with ``?since=``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque

from aiohttp import WSMsgType, web

from bianmin.protocol import Event

from . import queue_db
from .service import QueueService
from .store import Store

REPLAY_EVENTS = 2000
CLIENT_BACKLOG = 5000


def _dumps(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class Hub:
    """Fans committed events out to WebSocket clients and keeps a short replay buffer."""

    def __init__(self, service: QueueService):
        self.service = service
        self.clients: set[asyncio.Queue[str | None]] = set()
        self.recent: deque[tuple[int, str]] = deque(maxlen=REPLAY_EVENTS)
        # Clients connecting at the same seq share one snapshot string (a busy day's line can
        # make it large; 100 displays reconnecting at once must not hold 100 copies).
        self._snapshot: tuple[int, str] | None = None
        service.listeners.append(self.publish)

    async def load(self, store: Store) -> None:
        """Refill the replay buffer from the event log, so ``?since=`` works across restarts."""
        self.recent.extend(await queue_db.recent_events(store, REPLAY_EVENTS))

    def publish(self, event: Event, text: str) -> None:
        """Send one committed event; ``text`` is its JSON, built once by the service."""
        self.recent.append((event.seq, text))
        for q in list(self.clients):
            if q.qsize() >= CLIENT_BACKLOG:
                self.clients.discard(q)
                q.put_nowait(None)  # tells the writer to close this slow client
            else:
                q.put_nowait(text)

    def _first_messages(self, since: int | None) -> list[str]:
        seq = self.service.seq
        if since is not None and 0 <= since <= seq:
            missed = [text for s, text in self.recent if s > since]
            oldest = self.recent[0][0] if self.recent else seq + 1
            if since == seq or (missed and oldest <= since + 1):
                return missed
        if self._snapshot is None or self._snapshot[0] != seq:
            self._snapshot = (seq, _dumps(self.service.snapshot().to_dict()))
        return [self._snapshot[1]]

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=20)
        await ws.prepare(request)
        try:
            since = int(request.query["since"]) if "since" in request.query else None
        except ValueError:
            since = None
        q: asyncio.Queue[str | None] = asyncio.Queue()
        # Under the settled lock no change is pending or can start, and we register before
        # releasing it: the client sees exactly the committed state, then every later event.
        async with self.service.settled():
            for text in self._first_messages(since):
                q.put_nowait(text)
            self.clients.add(q)
        writer = asyncio.create_task(self._writer(ws, q))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.ERROR:
                    break
        finally:
            self.clients.discard(q)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return ws

    async def _writer(self, ws: web.WebSocketResponse, q: asyncio.Queue[str | None]) -> None:
        while True:
            text = await q.get()
            if text is None or ws.closed:
                await ws.close()
                return
            try:
                await ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return

    async def close_all(self) -> None:
        for q in list(self.clients):
            q.put_nowait(None)
        self.clients.clear()
