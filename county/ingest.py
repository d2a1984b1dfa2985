"""Ingestion: every hall's sync batches, committed together by one group writer.

Requests that arrive while a commit runs are committed together in the next one: one
transaction, one ``COPY`` of all their events into the month partitions, one update of
each touched hall's live state. A request is answered only after that commit, with the
seq up to which the county now holds the hall's line (:class:`bianmin.sync.SyncAck`).

Up to ``COMMITS_IN_FLIGHT`` group commits run at once, each on its own connection: while
PostgreSQL writes one group, this process prepares the next, where one at a time left
each side waiting for the other. A group starts only once the one before holds its halls'
row locks, so two groups that share a hall apply its batches in the order they came (the
second reads what the first committed). A group that takes a hall's cached live state
owns it until its commit, so a failed commit leaves no half-applied state behind.

Exactly once: each (hall, epoch) has an ``acked_seq``; an event at or below it is a
resend and is skipped, an event past a gap stops the batch (the hall resends from the
ack). The primary key (hall, epoch, seq, at) backs this up. Rows of the hall are locked
(``FOR UPDATE``) so a second county process could not interleave.

Epochs: a restored hall database announces a new epoch with its parent and ``fork_seq``.
Events of the new line at or below ``fork_seq`` belong to the parent (stored there);
the ancestors' events after ``fork_seq`` are marked superseded (kept, not counted) and the
hall's live state is rebuilt from its line.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from bianmin.errors import Unavailable
from bianmin.sync import SyncAck

from . import live as live_mod
from .db import ensure_partitions, month_of
from .events import Batch, decode_event

log = logging.getLogger("county")
GROUP_EVENTS = 5000  # events per group commit
COMMITS_IN_FLIGHT = 2  # group commits at once (this process's work overlaps PostgreSQL's)
# A hall's whole live state is written this often (its figures at every commit that moves
# it): a reader replays the events after it, a handful in a real hall's 30 s. Every 5 s
# instead, the states' JSON
# (kilobytes each, compressed into TOAST) lengthened the group commits: in bench.county with
# 2,000 halls at 22k events/s, lag p99 went from 2.83 s to 2.14 s when this went 5 -> 30 s.
LIVE_CHECKPOINT_S = 30.0
# Events waiting for a commit; more get 503 (the hall backs off): bounded memory, and a wait
# short enough (a few seconds of work) that halls are answered before their timeout. A hall
# that times out resends the same events, which the county must decode again: under
# overload, waiting longer only adds work.
QUEUE_EVENTS = 60_000
# Events counted for each admitted request whose body is still being read and parsed: a
# request is refused before its body is read, never after (parsing it was the dear part).
READ_RESERVE = 500
# A request that finds the queue full waits this long for room, its body unread (the hall's
# connection just waits), before it is refused: under overload halls queue instead of
# resending ever larger batches that would be inflated only to be refused.
ADMIT_WAIT_S = 10.0
COLUMNS = ["hall_id", "epoch", "seq", "at", "type", "wait_s", "outcome", "superseded", "payload"]


@dataclass
class _Item:
    hall_id: int
    batch: Batch
    fut: asyncio.Future
    payloads: list[bytes]  # each event's JSON as the hall sent it, for the ``json`` column


@dataclass
class _Rows:
    """A group's event rows not yet copied, and the month partitions it created (known to
    the other groups only once it commits)."""

    rows: list[tuple] = field(default_factory=list)
    months: set[dt.date] = field(default_factory=set)


@dataclass
class _Hall:
    """One hall's rows, read under lock for the duration of a group commit."""

    epoch: str | None
    seq: int
    hall_seq: int
    live: live_mod.Live | None = None
    touched: bool = False
    last_event_at: dt.datetime | None = None
    epochs: dict[str, dict[str, Any]] = field(default_factory=dict)
    dirty_epochs: set[str] = field(default_factory=set)
    new_epochs: list[str] = field(default_factory=list)  # inserted with the commit, all halls at once
    live_text: str | None = None  # hall_state.live, read with the lock when the cache missed
    # The live state moved (events applied, or rebuilt from the database): its figures are
    # written. A heartbeat on a cached state leaves them as they are, uncomputed.
    changed: bool = False


class Ingest:
    """The group-commit writer of hall events. ``start`` it; ``submit`` batches to it."""

    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool
        self._queue: deque[_Item] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._months: set[dt.date] = set()
        self._queued_events = 0
        self._reading = 0  # admitted requests not yet queued
        self._waiters: deque[asyncio.Future] = deque()  # requests waiting for room, oldest first
        self._inflight: dict[asyncio.Task, list[_Item]] = {}  # commits running, with their groups
        self._slots = asyncio.Semaphore(COMMITS_IN_FLIGHT)
        # Parsed live state by hall, valid while the row's (epoch, seq) match: saves parsing.
        self._live_cache: dict[int, tuple[str | None, int, live_mod.Live]] = {}
        self._live_saved: dict[int, float] = {}  # when each hall's live state was last written
        self.events_ingested = 0
        self.commits = 0
        self._closed = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        self._closed = True  # a request still reading its body is refused at submit
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        # The groups are taken before their tasks end: each drops itself from _inflight.
        stopped = [item for group in self._inflight.values() for item in group]
        for task in list(self._inflight):
            task.cancel()
        for task in list(self._inflight):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for waiting in self._waiters:
            waiting.cancel()
        self._waiters.clear()
        for item in [*stopped, *self._queue]:
            if not item.fut.done():
                item.fut.set_exception(Unavailable("县级服务器正在停止", code="shutting_down"))
        self._queue.clear()

    def _has_room(self) -> bool:
        return self._queued_events + self._reading * READ_RESERVE < QUEUE_EVENTS

    def _admit_waiting(self) -> None:
        """Let waiting requests in, oldest first, while there is room (counted for them here)."""
        while self._waiters and self._has_room():
            fut = self._waiters.popleft()
            if not fut.done():  # not given up
                self._reading += 1
                fut.set_result(None)

    @contextlib.asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        """Admit one sync request before its body is read: at once when there is room, else
        after waiting up to ``ADMIT_WAIT_S`` in line, else 503.

        Room is held for the request while its body is read and parsed, so a request
        admitted is always queued by :meth:`submit`: under overload, work done is not thrown
        away. Memory stays bounded: at most ``QUEUE_EVENTS / READ_RESERVE`` requests are
        being read at once, each of at most ``MAX_BATCH_EVENTS``."""
        if self._waiters or not self._has_room():
            fut = asyncio.get_running_loop().create_future()
            self._waiters.append(fut)
            try:
                await asyncio.wait_for(asyncio.shield(fut), ADMIT_WAIT_S)
            except BaseException as exc:
                let_in = fut.done() and not fut.cancelled()  # room was counted for it
                if fut.cancelled():  # by close()
                    raise Unavailable("县级服务器正在停止", code="shutting_down") from None
                if not let_in:
                    fut.cancel()
                    if isinstance(exc, TimeoutError):
                        raise Unavailable("县级服务器繁忙，请稍后重试", code="busy") from None
                    raise
                if not isinstance(exc, TimeoutError):  # let in, then cancelled: give the room back
                    self._reading -= 1
                    self._admit_waiting()
                    raise
        else:
            self._reading += 1
        try:
            yield
        finally:
            self._reading -= 1
            self._admit_waiting()

    def submit(self, hall_id: int, batch: Batch, payloads: list[bytes]) -> asyncio.Future:
        """Queue ``batch`` from ``hall_id`` (admitted by :meth:`admitted`), with each event's
        JSON (:func:`county.events.decode_batch`); the future gives its :class:`SyncAck`
        after commit."""
        if self._closed:
            raise Unavailable("县级服务器正在停止", code="shutting_down")
        self._queued_events += len(batch.events)
        fut = asyncio.get_running_loop().create_future()
        self._queue.append(_Item(hall_id, batch, fut, payloads))
        self._wake.set()
        return fut

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                await self._months_ahead()
                await self._slots.acquire()  # a free commit slot; the queue fills meanwhile
                group: list[_Item] = []
                n = 0
                while self._queue and n < GROUP_EVENTS:
                    item = self._queue.popleft()
                    group.append(item)
                    n += len(item.batch.events)
                self._queued_events -= n
                self._admit_waiting()
                locked = asyncio.get_running_loop().create_future()
                task = asyncio.create_task(self._commit_group(group, locked))
                self._inflight[task] = group
                # The next group starts once this one holds its halls' locks: a hall's batches
                # are then applied in the order they came, even when two groups have it.
                await asyncio.wait((locked, task), return_when=asyncio.FIRST_COMPLETED)

    async def _months_ahead(self) -> None:
        """Make this month's and next week's partitions before a group needs them, on a
        connection of their own. Made in a group's transaction (as a month from a hall's
        backlog still is), two groups in flight can fail each other: both making the same
        month, or each waiting for the other's lock on ``events`` (a deadlock PostgreSQL
        breaks). The failed group's halls get a 503 and resend, but the common case should
        not pay for that."""
        now = dt.datetime.now(dt.UTC)
        months = {month_of(now), month_of(now + dt.timedelta(days=7))} - self._months
        if not months:
            return
        try:
            async with self.pool.acquire() as conn:
                await ensure_partitions(conn, months, self._months)
        except Exception as exc:  # any failure: the group's transaction makes them, the writer goes on
            log.warning("month partitions not made ahead: %s", exc)
            return
        self._months |= months

    async def _commit_group(self, group: list[_Item], locked: asyncio.Future) -> None:
        try:
            try:
                acks = await self._commit(group, locked)
            except Exception:
                log.exception("ingest commit failed")
                for item in group:
                    if not item.fut.done():
                        item.fut.set_exception(Unavailable("县级数据库写入失败，请稍后重试", code="database_error"))
                await asyncio.sleep(0.2)  # a failing database is not hammered by the next group
                return
            self.commits += 1
            for item, ack in zip(group, acks, strict=True):
                if not item.fut.done():
                    item.fut.set_result(ack)
        finally:
            task = asyncio.current_task()
            assert task is not None
            self._inflight.pop(task, None)
            self._slots.release()

    async def _commit(self, group: list[_Item], locked: asyncio.Future) -> list[SyncAck]:
        hall_ids = sorted({item.hall_id for item in group})
        pending = _Rows()
        async with self.pool.acquire() as conn, conn.transaction():
            halls = await self._lock_halls(conn, hall_ids)
            locked.set_result(None)
            acks = []
            for item in group:
                acks.append(await self._ingest(conn, item, halls[item.hall_id], pending))
            await self._copy(conn, pending)
            await self._save(conn, halls)
        self._months |= pending.months
        self.events_ingested += sum(a.accepted for a in acks)
        return acks

    async def _lock_halls(self, conn: asyncpg.Connection, hall_ids: list[int]) -> dict[int, _Hall]:
        state = await conn.fetch(
            "SELECT hall_id, epoch, seq, hall_seq FROM hall_state WHERE hall_id = ANY($1::int[]) "
            "ORDER BY hall_id FOR UPDATE",
            hall_ids,
        )
        halls = {r["hall_id"]: _Hall(r["epoch"], r["seq"], r["hall_seq"]) for r in state}
        # No lock of their own: every write to a hall's epochs is made holding its hall_state row
        # (here), and this statement sees what the holder before committed.
        for r in await conn.fetch("SELECT * FROM hall_epochs WHERE hall_id = ANY($1::int[])", hall_ids):
            halls[r["hall_id"]].epochs[r["epoch"]] = dict(r)
        # A hall's cached live state is taken out of the cache by this group (put back by
        # _save): if the commit fails, nothing half-applied is left for the next one. Halls
        # not cached (a restart, 2,000 halls' first batches): one query for all of them.
        missing = []
        for hid, h in halls.items():
            cached = self._live_cache.pop(hid, None)
            if cached is not None and cached[0] == h.epoch and cached[1] == h.seq:
                h.live = cached[2]
            else:
                missing.append(hid)
        if missing:
            for r in await conn.fetch(
                "SELECT hall_id, live::text FROM hall_state WHERE hall_id = ANY($1::int[])", missing
            ):
                halls[r["hall_id"]].live_text = r["live"]
        return halls

    async def _live(self, conn: asyncpg.Connection, hall_id: int, hall: _Hall) -> live_mod.Live:
        if hall.live is None:
            checkpoint = live_mod.loads(hall.live_text)
            if hall.epoch is None:
                hall.live = checkpoint
            else:
                hall.live = await replay(conn, hall_id, self._lineage(hall, hall.epoch), checkpoint, hall.seq)
            hall.changed = True
        return hall.live

    async def _ingest(self, conn: asyncpg.Connection, item: _Item, hall: _Hall, pending: _Rows) -> SyncAck:
        b = item.batch
        hall.touched = True
        ep = hall.epochs.get(b.epoch)
        if ep is None:
            if b.parent_epoch is not None:
                await self._copy(conn, pending)  # a restore supersedes rows: write pending ones first
            ep = await self._register(conn, item.hall_id, hall, b)
        current = hall.epoch == b.epoch
        lv = await self._live(conn, item.hall_id, hall) if current else None
        accepted = 0
        for ev, payload in zip(b.events, item.payloads, strict=True):
            s = ev.seq
            if s <= ep["acked_seq"]:
                continue  # a resend
            if s != ep["acked_seq"] + 1:
                break  # a gap: the hall resends from the ack
            target = self._route(hall, b.epoch, s)
            tgt = hall.epochs[target]
            sup_after = tgt["superseded_after"]
            superseded = sup_after is not None and s > sup_after
            at = dt.datetime.fromisoformat(ev.at)
            # Counted events change the live state; the rest keep their wait for the record.
            wait = live_mod.apply(lv, ev) if lv is not None and not superseded else live_mod.wait_of(ev)
            pending.rows.append((item.hall_id, target, s, at, ev.type, wait, ev.outcome, superseded, payload))
            ep["acked_seq"] = s
            hall.dirty_epochs.add(b.epoch)
            if target != b.epoch and tgt["acked_seq"] < s:
                tgt["acked_seq"] = s
                hall.dirty_epochs.add(target)
            hall.last_event_at = at
            accepted += 1
        if current:
            hall.changed = hall.changed or accepted > 0
            hall.seq = ep["acked_seq"]
            hall.hall_seq = max(b.hall_seq or 0, hall.seq)
        return SyncAck(epoch=b.epoch, acked_seq=ep["acked_seq"], accepted=accepted)

    @staticmethod
    def _route(hall: _Hall, epoch: str, seq: int) -> str:
        """The epoch that owns ``seq`` on ``epoch``'s line (an ancestor, up to its fork)."""
        e = hall.epochs[epoch]
        while e["parent_epoch"] is not None and e["fork_seq"] is not None and seq <= e["fork_seq"]:
            e = hall.epochs[e["parent_epoch"]]
        return e["epoch"]

    def _lineage(self, hall: _Hall, epoch: str) -> list[str]:
        out = [epoch]
        e = hall.epochs[epoch]
        while e["parent_epoch"] is not None and e["parent_epoch"] in hall.epochs and e["parent_epoch"] not in out:
            out.append(e["parent_epoch"])
            e = hall.epochs[e["parent_epoch"]]
        return out

    async def _insert_epoch(
        self, conn: asyncpg.Connection, hall_id: int, hall: _Hall, epoch: str, parent: str | None, fork: int | None
    ) -> dict[str, Any]:
        row = {
            "hall_id": hall_id,
            "epoch": epoch,
            "parent_epoch": parent,
            "fork_seq": fork,
            "acked_seq": 0,
            "superseded_after": None,
        }
        hall.epochs[epoch] = row
        hall.new_epochs.append(epoch)  # written by _save, with every hall's new epochs at once
        return row

    async def _register(self, conn: asyncpg.Connection, hall_id: int, hall: _Hall, b: Batch) -> dict[str, Any]:
        """A database the county has not seen: a new hall, a reinstall, or a restore."""
        parent, fork = b.parent_epoch, b.fork_seq
        if parent is None or fork is None:
            ep = await self._insert_epoch(conn, hall_id, hall, b.epoch, None, None)
        else:
            if parent not in hall.epochs:
                # The county never heard from the parent: its events come with this line.
                await self._insert_epoch(conn, hall_id, hall, parent, None, None)
            ep = await self._insert_epoch(conn, hall_id, hall, b.epoch, parent, fork)
            ep["acked_seq"] = min(hall.epochs[parent]["acked_seq"], fork)
            hall.dirty_epochs.add(b.epoch)
            for ancestor in self._lineage(hall, b.epoch)[1:]:
                a = hall.epochs[ancestor]
                if a["superseded_after"] is None or a["superseded_after"] > fork:
                    a["superseded_after"] = fork
                    hall.dirty_epochs.add(ancestor)
                await conn.execute(
                    "UPDATE events SET superseded = true WHERE hall_id = $1 AND epoch = $2 AND seq > $3 "
                    "AND NOT superseded",
                    hall_id,
                    ancestor,
                    fork,
                )
        hall.epoch = b.epoch
        hall.seq = ep["acked_seq"]
        # Replayed from the line's counted events of its last service day.
        hall.live = await replay(conn, hall_id, self._lineage(hall, b.epoch), live_mod.empty(), hall.seq)
        hall.changed = True
        self._live_saved.pop(hall_id, None)  # write the rebuilt state with this commit
        log.info("hall %s: new database epoch %s (parent %s, fork %s)", hall_id, b.epoch, parent, fork)
        return ep

    async def _copy(self, conn: asyncpg.Connection, pending: _Rows) -> None:
        rows, pending.rows = pending.rows, []
        if not rows:
            return
        ats = [r[3] for r in rows]
        first, last = month_of(min(ats)), month_of(max(ats))
        # Everything between the earliest and the latest is in their month when they agree.
        months = {first} if first == last else {month_of(at) for at in ats}
        # Months made ahead (:meth:`_months_ahead`) are known; one from a hall's backlog or
        # a wrong clock is made here, in the group's transaction.
        await ensure_partitions(conn, months, self._months | pending.months)
        pending.months |= months
        await conn.copy_records_to_table("events", records=rows, columns=COLUMNS)

    async def _save(self, conn: asyncpg.Connection, halls: dict[int, _Hall]) -> None:
        new = [h.epochs[e] for h in halls.values() for e in h.new_epochs]
        if new:
            await conn.execute(
                "INSERT INTO hall_epochs (hall_id, epoch, parent_epoch, fork_seq, acked_seq, superseded_after) "
                "SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[])",
                *(
                    [e[k] for e in new]
                    for k in ("hall_id", "epoch", "parent_epoch", "fork_seq", "acked_seq", "superseded_after")
                ),
            )
        ep_rows = [
            (hid, e, h.epochs[e]["acked_seq"], h.epochs[e]["superseded_after"])
            for hid, h in halls.items()
            for e in h.dirty_epochs
            if e not in h.new_epochs
        ]
        if ep_rows:
            await conn.execute(
                "UPDATE hall_epochs AS e SET acked_seq = u.acked, superseded_after = u.sup "
                "FROM unnest($1::int[], $2::text[], $3::bigint[], $4::bigint[]) AS u(h, ep, acked, sup) "
                "WHERE e.hall_id = u.h AND e.epoch = u.ep",
                *map(list, zip(*ep_rows, strict=True)),
            )
        now = dt.datetime.now(dt.UTC)
        tick = time.monotonic()
        cols: dict[str, list] = {k: [] for k in ("id", "epoch", "seq", "hseq", "lea", "live", "figs")}
        fig_cols: dict[str, list] = {
            k: []
            for k in ("day", "waiting", "windows_open", "windows_paused", "served_today", "wait_p50_s", "wait_p90_s")
        }
        for hid, h in halls.items():
            if not h.touched:
                continue
            cols["id"].append(hid)
            cols["epoch"].append(h.epoch)
            cols["seq"].append(h.seq)
            cols["hseq"].append(h.hall_seq)
            cols["lea"].append(h.last_event_at)
            if h.live is not None:
                self._live_cache[hid] = (h.epoch, h.seq, h.live)
                # The whole live state is written at most every LIVE_CHECKPOINT_S per hall; the
                # figures at every commit that moved it. A reader replays the few events after
                # the checkpoint.
                if tick - self._live_saved.get(hid, -LIVE_CHECKPOINT_S) >= LIVE_CHECKPOINT_S:
                    cols["live"].append(live_mod.dumps(h.live).decode())
                    self._live_saved[hid] = tick
                else:
                    cols["live"].append(None)
            else:
                cols["live"].append(None)
            cols["figs"].append(h.live is not None and h.changed)
            figs = live_mod.figures(h.live) if h.live is not None and h.changed else dict.fromkeys(fig_cols)
            for k in fig_cols:
                fig_cols[k].append(figs[k])
        if not cols["id"]:
            return
        await conn.execute(
            "UPDATE hall_state AS s SET epoch = u.epoch, seq = u.seq, hall_seq = u.hseq, last_seen = $15, "
            "last_event_at = COALESCE(u.lea, s.last_event_at), live = COALESCE(u.live::json, s.live), "
            + ", ".join(f"{k} = CASE WHEN u.figs THEN u.{k} ELSE s.{k} END" for k in fig_cols)
            + " FROM unnest($1::int[], $2::text[], $3::bigint[], $4::bigint[], $5::timestamptz[], $6::text[], "
            "$7::bool[], $8::text[], $9::int[], $10::int[], $11::int[], $12::int[], $13::int[], $14::int[]) "
            "AS u(id, epoch, seq, hseq, lea, live, figs, day, waiting, windows_open, windows_paused, served_today, "
            "wait_p50_s, wait_p90_s) "
            "WHERE s.hall_id = u.id",
            *cols.values(),
            *fig_cols.values(),
            now,
        )


LINEAGE = """
WITH RECURSIVE line(epoch, parent) AS (
    SELECT epoch, parent_epoch FROM hall_epochs WHERE hall_id = $1 AND epoch = $2
    UNION
    SELECT e.epoch, e.parent_epoch FROM hall_epochs e JOIN line ON e.hall_id = $1 AND e.epoch = line.parent
)
SELECT COALESCE(array_agg(epoch), ARRAY[]::text[]) FROM line
"""


async def replay(
    conn: asyncpg.Connection, hall_id: int, lineage: list[str], lv: live_mod.Live, upto: int
) -> live_mod.Live:
    """``lv`` brought up to ``upto`` with the counted events after it on ``lineage`` (the
    hall's current database and the ones it was restored from, up to each fork).

    Only that line: a reinstalled hall's old database has events under the same seqs. With
    no usable checkpoint (``lv.seq`` 0) the replay starts at the line's last ``day_started``,
    as the live state holds one service day."""
    if lv.seq >= upto:
        return lv
    after = lv.seq
    if after == 0:
        start = await conn.fetchval(
            "SELECT max(seq) FROM events WHERE hall_id = $1 AND epoch = ANY($2::text[]) AND NOT superseded "
            "AND type = 'day_started' AND seq <= $3",
            hall_id,
            lineage,
            upto,
        )
        after = (start or 1) - 1
    records = await conn.fetch(
        "SELECT payload::text FROM events WHERE hall_id = $1 AND epoch = ANY($2::text[]) AND NOT superseded "
        "AND seq > $3 AND seq <= $4 ORDER BY seq",
        hall_id,
        lineage,
        after,
        upto,
    )
    for r in records:
        live_mod.apply(lv, decode_event(r[0]))
    return lv


async def read_live(conn: asyncpg.Connection, hall_id: int) -> live_mod.Live:
    """A hall's live state as the county holds it: its checkpoint plus the counted events
    after it on its current line, read in one snapshot."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        row = await conn.fetchrow("SELECT epoch, seq, live::text FROM hall_state WHERE hall_id = $1", hall_id)
        if row is None or row["epoch"] is None:
            return live_mod.empty()
        lineage = await conn.fetchval(LINEAGE, hall_id, row["epoch"])
        return await replay(conn, hall_id, lineage, live_mod.loads(row["live"]), row["seq"])
