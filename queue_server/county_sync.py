"""Push the hall's committed events to the county server, in order, in batches.

The outbox is the ``events`` table itself: the task reads (on the reader connection)
the events after the seq the county last acknowledged, POSTs them gzip-compressed with
the hall's token, and stores the county's answer in ``meta`` (``county_acked_seq``)
through the group-commit writer. It trusts the county's ``acked_seq`` even when lower
than its own record (the county may have been restored), so it resumes exactly where the
county stands: nothing lost, nothing twice. Failures back off exponentially with jitter.

It runs as its own task and never holds the service lock: issuing a ticket never waits
on the county. Pruning old events must keep every event after :func:`county_acked_seq`.

Two smaller tasks share the link: one sends the hall's slow figures
(:mod:`.county_figures`) when they change and at least every minute, one long-polls the
county for its notices to this hall (:mod:`.county_notices`) with a cursor kept on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gzip
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from bianmin.protocol import Event, ProtocolError
from bianmin.pulse import Pulse
from bianmin.sync import FIGURES_PATH, NOTICES_PATH, SYNC_PATH, NoticeBatch, SyncAck

from . import county_notices, keys
from .api import current_clerk, require_role
from .county_figures import FiguresBuilder, Supervision
from .epoch import UPSERT, Identity, load_identity
from .store import Store
from .web import json_response

log = logging.getLogger("queue_server.county_sync")
BATCH_EVENTS = 1000
GATHER_S = 0.1  # after a commit, wait this long for more events to share the request
HEARTBEAT_S = 30.0
BACKOFF_BASE_S = 1.0
BACKOFF_MAX_S = 300.0
REQUEST_TIMEOUT_S = 30.0
FIGURES_CHECK_S = 5.0  # rebuild the figures this often (cheap reads); send when changed
FIGURES_EVERY_S = 60.0  # and at least this often
NOTICE_WAIT_S = 25  # the county holds a notices request open this long when it has none
NOTICE_BACKOFF_MAX_S = 60.0
ACK_KEY = "county_acked_seq"
SYNC_KEY = web.AppKey("county_sync", object)


async def county_acked_seq(store: Store) -> int:
    """The last seq the county acknowledged (0 if none): events after it must be kept."""
    row = await store.fetchone("SELECT value FROM meta WHERE key = ?", (ACK_KEY,))
    return int(row["value"]) if row else 0


@dataclass
class SyncState:
    """What the manager console shows: 已同步 / 待同步 N 条 / 上次成功时间."""

    acked_seq: int = 0
    hall_seq: int = 0
    last_ok: str | None = None
    last_error: str | None = None
    epoch: str | None = None

    @property
    def pending(self) -> int:
        return max(0, self.hall_seq - self.acked_seq)

    def to_dict(self) -> dict:
        if self.last_ok is None:
            label = "尚未同步" if self.pending == 0 else f"待同步 {self.pending} 条"
        else:
            label = "已同步" if self.pending == 0 else f"待同步 {self.pending} 条"
        return {
            "configured": True,
            "label": label,
            "pending": self.pending,
            "acked_seq": self.acked_seq,
            "hall_seq": self.hall_seq,
            "last_ok": self.last_ok,
            "last_error": self.last_error,
            "epoch": self.epoch,
        }


class CountySync:
    """The background task that keeps the county's copy of this hall's events current."""

    def __init__(
        self,
        store: Store,
        url: str,
        token: str,
        *,
        latest_seq: Callable[[], int] | None = None,
        figures: FiguresBuilder | None = None,
        on_notices: Callable[[NoticeBatch], Awaitable[object]] | None = None,
    ):
        self.store = store
        self.base = url.rstrip("/")
        self.url = self.base + SYNC_PATH
        self.token = token
        self.state = SyncState()
        self._latest_seq = latest_seq
        self._wake = asyncio.Event()
        self._reached = Pulse()  # fired each time a request gets through: see _got_through
        self._tasks: list[asyncio.Task] = []
        self.identity: Identity | None = None
        self.figures = figures
        self.on_notices = on_notices
        self.figures_sent: dict | None = None

    def notify(self, event: Event, text: str) -> None:
        """A change was committed (a service listener): send soon."""
        self._wake.set()

    def _got_through(self) -> None:
        """A request reached the county: end the other loop's backoff, so both resume together."""
        self._reached.fire()

    async def _backoff(self, failures: int, most: float) -> None:
        """Wait before retrying (exponential, jittered), or until the other loop gets through."""
        delay = min(most, BACKOFF_BASE_S * 2 ** min(failures - 1, 16)) * random.uniform(0.5, 1.5)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._reached.current().wait(), delay)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run())]
        if self.figures is not None:
            self._tasks.append(asyncio.create_task(self._figures_loop()))
        if self.on_notices is not None:
            self._tasks.append(asyncio.create_task(self._notices_loop()))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def _figures_loop(self) -> None:
        """Send the figures when they change, and at least every FIGURES_EVERY_S."""
        assert self.figures is not None
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
        last_at = float("-inf")
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while True:
                try:
                    figures = (await self.figures.build()).to_dict()
                    same = self.figures_sent is not None and {**figures, "at": ""} == {**self.figures_sent, "at": ""}
                    if not same or time.monotonic() - last_at >= FIGURES_EVERY_S:
                        async with http.post(self.base + FIGURES_PATH, json=figures, headers=self._auth) as resp:
                            if resp.status != 200:
                                raise RuntimeError(f"county answered {resp.status}: {(await resp.text())[:200]}")
                        self.figures_sent, last_at = figures, time.monotonic()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # the next round retries; the event sync reports the link
                    log.debug("county figures: %s", exc)
                await asyncio.sleep(FIGURES_CHECK_S)

    async def _notices_loop(self) -> None:
        """Long-poll the county for this hall's notices after the stored cursor."""
        assert self.on_notices is not None
        timeout = aiohttp.ClientTimeout(total=NOTICE_WAIT_S + REQUEST_TIMEOUT_S)
        failures = 0
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while True:
                try:
                    after = await county_notices.cursor(self.store)
                    params = {"after": str(after), "wait": str(NOTICE_WAIT_S)}
                    async with http.get(self.base + NOTICES_PATH, params=params, headers=self._auth) as resp:
                        text = await resp.text()
                        if resp.status != 200:
                            raise RuntimeError(f"county answered {resp.status}: {text[:200]}")
                    self._got_through()
                    batch = NoticeBatch.from_dict(json.loads(text))
                    if batch.notices or batch.upto != after:
                        await self.on_notices(batch)
                    failures = 0
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    failures += 1
                    log.debug("county notices: %s", exc)
                    await self._backoff(failures, NOTICE_BACKOFF_MAX_S)

    async def _hall_seq(self) -> int:
        if self._latest_seq is not None:
            return self._latest_seq()
        row = await self.store.fetchone("SELECT COALESCE(MAX(seq), 0) FROM events")
        return row[0] if row else 0

    async def _run(self) -> None:
        self.identity = await load_identity(self.store)
        self.state.epoch = self.identity.epoch
        self.state.acked_seq = await county_acked_seq(self.store)
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
        failures = 0
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while True:
                try:
                    sent = await self._send_once(http)
                    self._got_through()
                    failures = 0
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # network down, county down, bad answer: retry later
                    failures += 1
                    error = _describe(exc)
                    if error != self.state.last_error:
                        log.warning("county sync: %s (%s)", error, exc)
                    self.state.last_error = error
                    await self._backoff(failures, BACKOFF_MAX_S)
                    continue
                if sent:
                    continue  # more may be waiting
                await self._idle(HEARTBEAT_S)
                await asyncio.sleep(GATHER_S)

    async def _idle(self, seconds: float) -> None:
        """Wait for the next commit, or a heartbeat's time."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _send_once(self, http: aiohttp.ClientSession) -> bool:
        """Send the next batch (or a heartbeat); True when events were acknowledged."""
        assert self.identity is not None
        self._wake.clear()  # before reading: a commit from now on wakes the next round
        acked = self.state.acked_seq
        rows = await self.store.fetchall(
            "SELECT seq, payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (acked, BATCH_EVENTS)
        )
        self.state.hall_seq = max(await self._hall_seq(), rows[-1]["seq"] if rows else 0)
        head = {
            "epoch": self.identity.epoch,
            "parent_epoch": self.identity.parent_epoch,
            "fork_seq": self.identity.fork_seq,
            "hall_seq": self.state.hall_seq,
            "sent_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        # The payloads are already the events' JSON: splice them in rather than re-encode.
        body = json.dumps(head, ensure_ascii=False)[:-1] + ',"events":[' + ",".join(r["payload"] for r in rows) + "]}"
        async with http.post(
            self.url,
            data=gzip.compress(body.encode(), compresslevel=5),
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
            },
        ) as resp:
            text = await resp.text()
            if resp.status != 200:
                raise RuntimeError(f"county answered {resp.status}: {text[:200]}")
        try:
            ack = SyncAck.from_dict(json.loads(text))
        except (ValueError, ProtocolError) as exc:
            raise RuntimeError(f"county answer not understood: {exc}") from None
        if ack.acked_seq != acked:
            value = str(ack.acked_seq)
            await self.store.write(lambda conn: conn.execute(UPSERT, (ACK_KEY, value)))
            self.state.acked_seq = ack.acked_seq
        self.state.last_ok = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.state.last_error = None
        return bool(rows) and ack.acked_seq > acked


def _describe(exc: Exception) -> str:
    if isinstance(exc, aiohttp.ClientError | TimeoutError | OSError):
        return "连接不上县政务服务中心"
    return str(exc)[:200]


def setup(app: web.Application, supervision: Supervision | None = None) -> None:
    """Start the sync task with the app when a county URL and token are configured.

    ``supervision``: the provider of this month's satisfaction and complaints figures
    (issue 12's ``month_results``); without it the county shows them as 未接入."""
    settings, service = app[keys.SETTINGS], app[keys.SERVICE]
    app.router.add_get("/api/county-sync", _status)
    app.router.add_get("/api/county-notices", _notices)
    url = settings.county_url or service.center.county_url
    token = settings.county_token or service.center.county_token
    if not (url and token):
        return

    async def on_notices(batch: NoticeBatch) -> int:
        return await county_notices.store_batch(service, batch)

    sync = CountySync(
        app[keys.STORE],
        url,
        token,
        latest_seq=lambda: service.seq,
        figures=FiguresBuilder(service, settings.db, supervision),
        on_notices=on_notices,
    )
    service.listeners.append(sync.notify)
    app[SYNC_KEY] = sync

    async def on_startup(app: web.Application) -> None:
        sync.start()

    async def on_shutdown(app: web.Application) -> None:
        await sync.close()

    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)


async def _status(request: web.Request) -> web.Response:
    """The sync state for the manager console (中心负责人 only)."""
    await require_role(request, "manager")
    sync = request.app.get(SYNC_KEY)
    if not isinstance(sync, CountySync):
        return json_response({"configured": False, "label": "未接入县级平台"})
    sync.state.hall_seq = max(sync.state.hall_seq, request.app[keys.SERVICE].seq)
    return json_response(sync.state.to_dict())


async def _notices(request: web.Request) -> web.Response:
    """The county's current notices to this hall, for the clerk and manager consoles."""
    await current_clerk(request)
    svc = request.app[keys.SERVICE]
    today = svc.clock().astimezone(svc.center.tz).date()
    return json_response({"notices": await county_notices.current(svc.store, today)})
