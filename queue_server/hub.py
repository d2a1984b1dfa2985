"""The WebSocket hub: a snapshot first, then every committed event, in order.

Two views of the hall. Anyone on the LAN gets the public board (numbers, windows, counts:
:func:`~bianmin.protocol.public_event` and a snapshot without the line); a display with its
device token, or the clerk console with its session, gets the full snapshot and events.

The public board is kept current from committed events (:class:`PublicBoard`), so
``GET /api/snapshot`` and a public ``/ws`` never take the service lock and cost the same
with 20 or 20,000 waiting. Every message is encoded to bytes once and shared by all clients.

Each client has its own queue, filled synchronously when an event is announced, so a
connecting client can never miss or reorder an event between its snapshot and the live
stream. An event's public copy is built only when a public client (live, or replaying with
``?since=``) needs it, and then once for all of them. A client whose unsent bytes (its queue
plus the socket's write buffer) pass :data:`MAX_UNSENT` is dropped at once; it reconnects
with ``?since=``. Clients are capped per address and in total.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter, deque
from dataclasses import replace

from aiohttp import WSMsgType, web

from bianmin.protocol import CallView, Event, Snapshot, public_event, public_window

from . import queue_db
from .errors import TooManyRequests, Unauthorized
from .guard import LOCAL
from .keys import ACCOUNTS
from .service import QueueService
from .store import Store
from .web import SESSION_COOKIE
from .wire import json_bytes

REPLAY_EVENTS = 2000
MAX_UNSENT = 1024 * 1024  # bytes unsent to one client (beyond its first snapshot) before it is dropped
PER_ADDRESS = 16  # WebSocket clients from one address (but the hall PC itself, guard.LOCAL)
MAX_CLIENTS = 500
RECENT_CALLS = 10


def _encode(obj: dict) -> bytes:
    return json_bytes(obj)


class PublicBoard:
    """The public snapshot, kept current from committed events (never from uncommitted memory)."""

    def __init__(self, snapshot: Snapshot):
        self.seq, self.day, self.waiting = snapshot.seq, snapshot.day, dict(snapshot.waiting)
        self.windows = {w.number: public_window(w) for w in snapshot.windows}
        self.recent: deque[CallView] = deque(snapshot.recent_calls, maxlen=RECENT_CALLS)
        self._encoded: tuple[int, bytes] | None = None

    def apply(self, event: Event) -> None:
        self.seq, self.waiting = event.seq, dict(event.waiting)
        for w in (event.window, event.to_window):
            if w is not None:
                self.windows[w.number] = public_window(w)
        if event.type == "day_started" and event.day:
            self.day = event.day
            self.recent.clear()
            self.windows = {n: replace(w, served_today=0) for n, w in self.windows.items()}
        if event.type == "tickets_expired":  # the day's line ended: no one is at a window
            self.windows = {n: replace(w, ticket=None) for n, w in self.windows.items()}
        if event.type in ("ticket_called", "ticket_recalled") and event.ticket and event.window:
            self.recent.append(
                CallView(event.ticket.number, event.window.number, event.at, recall=event.type == "ticket_recalled")
            )

    def encoded(self) -> bytes:
        """The public snapshot's JSON, built once per seq."""
        if self._encoded is None or self._encoded[0] != self.seq:
            snap = Snapshot(
                seq=self.seq,
                day=self.day,
                waiting=self.waiting,
                windows=list(self.windows.values()),
                recent_calls=list(self.recent),
                queue=[],  # the line is not public
            )
            self._encoded = (self.seq, _encode(snap.to_dict()))
        return self._encoded[1]


class Sent:
    """One committed event as sent: its full JSON bytes, and its public copy, built on first need."""

    __slots__ = ("_event", "_public", "full", "seq")

    def __init__(self, seq: int, full: bytes, event: Event | None = None):
        self.seq, self.full = seq, full
        self._event = event  # None: parsed from ``full`` when the public copy is first asked for
        self._public: bytes | None = None

    def public(self) -> bytes:
        if self._public is None:
            event = self._event if self._event is not None else Event.from_dict(json.loads(self.full))
            self._public = _encode(public_event(event).to_dict())
            self._event = None  # the bytes are all that is needed from now on
        return self._public

    def forget_event(self) -> None:
        """Keep the replay buffer to bytes: only the newest event keeps its object."""
        self._event = None


class Client:
    """One WebSocket client's queue of encoded messages, bounded in bytes."""

    def __init__(self, full: bool, address: str, transport: asyncio.Transport | None):
        self.full, self.address, self.transport = full, address, transport
        self.queue: deque[bytes | None] = deque()
        self.queued = 0
        self.limit = MAX_UNSENT
        self.wake = asyncio.Event()
        self.dropped = False

    def put(self, data: bytes | None) -> None:
        self.queue.append(data)
        if data is not None:
            self.queued += len(data)
        self.wake.set()


class Hub:
    """Fans committed events out to WebSocket clients and keeps a short replay buffer."""

    def __init__(self, service: QueueService):
        self.service = service
        self.clients: set[Client] = set()
        self.by_address: Counter[str] = Counter()
        self.recent: deque[Sent] = deque(maxlen=REPLAY_EVENTS)
        self.board: PublicBoard | None = None
        # Full snapshots, built once per seq (a busy day's line makes them large).
        self._snapshot: tuple[int, bytes] | None = None
        service.listeners.append(self.publish)

    async def load(self, store: Store) -> None:
        """Refill the replay buffer from the event log, so ``?since=`` works across restarts."""
        for seq, text in await queue_db.recent_events(store, REPLAY_EVENTS):
            self.recent.append(Sent(seq, text.encode()))
        async with self.service.settled():
            self.board = PublicBoard(self.service.snapshot())

    def publish(self, event: Event, text: str) -> None:
        """Send one committed event; ``text`` is its JSON, built once by the service."""
        if self.recent:
            self.recent[-1].forget_event()  # older copies parse their bytes if ever replayed
        sent = Sent(event.seq, text.encode(), event)
        self.recent.append(sent)
        if self.board is not None:
            self.board.apply(event)
        for client in list(self.clients):
            self._send(client, sent.full if client.full else sent.public())

    def _send(self, client: Client, data: bytes) -> None:
        if client.queued + self._buffered(client) + len(data) > client.limit:
            self._drop(client)
        else:
            client.put(data)

    @staticmethod
    def _buffered(client: Client) -> int:
        return client.transport.get_write_buffer_size() if client.transport is not None else 0

    def _drop(self, client: Client) -> None:
        """Drop a client that does not keep up: its unsent bytes are freed at once."""
        client.dropped = True
        self.clients.discard(client)
        client.queue.clear()
        client.queued = 0
        client.put(None)
        if client.transport is not None:
            client.transport.abort()

    def public_snapshot(self) -> bytes:
        """``GET /api/snapshot`` for anyone: no lock, no work proportional to the line."""
        assert self.board is not None, "the hub loads at start-up"
        return self.board.encoded()

    async def full_snapshot(self) -> bytes:
        async with self.service.settled():
            return self._full_snapshot()

    def _full_snapshot(self) -> bytes:
        seq = self.service.seq
        if self._snapshot is None or self._snapshot[0] != seq:
            self._snapshot = (seq, _encode(self.service.snapshot().to_dict()))
        return self._snapshot[1]

    def _first_messages(self, since: int | None, full: bool) -> list[bytes]:
        seq = self.service.seq
        if since is not None and 0 <= since <= seq:
            missed = [s.full if full else s.public() for s in self.recent if s.seq > since]
            oldest = self.recent[0].seq if self.recent else seq + 1
            if since == seq or (missed and oldest <= since + 1):
                return missed
        return [self._full_snapshot() if full else self.public_snapshot()]

    async def may_see_all(self, request: web.Request) -> bool:
        """A display's device token (``Authorization: Bearer`` or ``?token=``) or a clerk's
        session sees the full hall; anyone else the public board. A bad token is a 401."""
        accounts = request.app[ACCOUNTS]
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth.startswith("Bearer ") else request.query.get("token", "")
        if token:
            await accounts.device(token, "display", request.remote or "?")
            return True
        if request.cookies.get(SESSION_COOKIE):
            with contextlib.suppress(Unauthorized):
                await accounts.session(request.cookies.get(SESSION_COOKIE))
                return True
        return False

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        full = await self.may_see_all(request)
        address = request.remote or "?"
        at_cap = address not in LOCAL and self.by_address[address] >= PER_ADDRESS
        if len(self.clients) >= MAX_CLIENTS or at_cap:
            raise TooManyRequests("连接数过多，请稍后再试", code="too_many_connections")
        ws = web.WebSocketResponse(heartbeat=20)
        await ws.prepare(request)
        try:
            since = int(request.query["since"]) if "since" in request.query else None
        except ValueError:
            since = None
        client = Client(full, address, request.transport)
        self.by_address[address] += 1
        try:
            if full:
                # Under the settled lock no change is pending or can start, and we register
                # before releasing it: the client sees the committed state, then every event.
                async with self.service.settled():
                    self._register(client, since)
            else:
                self._register(client, since)  # the board is committed state already
            writer = asyncio.create_task(self._writer(ws, client))
            try:
                async for msg in ws:
                    if msg.type == WSMsgType.ERROR:
                        break
            finally:
                self.clients.discard(client)
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writer
        finally:
            self.by_address[address] -= 1
            if self.by_address[address] <= 0:
                del self.by_address[address]
        return ws

    def _register(self, client: Client, since: int | None) -> None:
        first = self._first_messages(since, client.full)
        client.limit = MAX_UNSENT + sum(map(len, first))
        for data in first:
            client.put(data)
        self.clients.add(client)

    async def _writer(self, ws: web.WebSocketResponse, client: Client) -> None:
        while True:
            if not client.queue:
                client.wake.clear()
                await client.wake.wait()
                continue
            data = client.queue.popleft()
            if data is None or ws.closed:
                await ws.close()
                return
            client.queued -= len(data)
            try:
                await ws.send_frame(data, WSMsgType.TEXT)
            except (ConnectionError, RuntimeError):
                return

    async def close_all(self) -> None:
        for client in list(self.clients):
            client.put(None)
        self.clients.clear()
