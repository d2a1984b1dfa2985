"""The hall's queue service: the rules applied to the live line, persisted, then announced.

Every change runs under the service lock: the pure rules compute it (a :class:`Change`),
the service applies it to the :class:`~queue_server.hall_state.HallState`, builds its event
from the new state, serializes that event once and hands the change's statements (with the
event row) to the store's one write path. The lock is then released and the caller waits
for its own commit, so operations pipeline through the group-commit writer, yet none is
answered or announced before its change is on disk.

Commit failure, in one place: the store tells the service (``Store.on_failure``) the moment
a group fails, and the service reloads its state from disk before its next operation. The
failed callers get a 503 (``database_error``).

Window actions (:mod:`queue_server.window_actions`) and cases use :meth:`QueueService.perform`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from bianmin import daymode
from bianmin.center import Center, Window
from bianmin.daymode import DayMode
from bianmin.passwords import new_token
from bianmin.protocol import (
    CallView,
    Event,
    EventType,
    IssuedTicket,
    Outcome,
    Snapshot,
    TicketState,
    TicketView,
    WindowView,
    WorkCard,
)

from . import queue_db, rules, service_facts
from .accounts import Clerk
from .errors import BadRequest, Conflict, NotFound
from .hall_state import HallState
from .queue_db import Batch
from .rules import Ticket
from .store import Store
from .wire import json_bytes

Clock = Callable[[], dt.datetime]
Listener = Callable[[Event, str], None]
# Claims a booking for the ticket about to be issued (id, now): its statements, or a refusal.
Claim = Callable[[int, dt.datetime], Awaitable[list[tuple[str, tuple]]]]
RECENT_CALLS = 10


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Change:
    """One change to the hall, as an operation computed it: what changed, what to write, what
    to announce. ``db`` holds the change's own statements; the service adds the event row."""

    type: EventType
    db: Batch
    tickets: list[Ticket] = field(default_factory=list)  # the tickets' new versions
    ticket: Ticket | None = None  # the ticket the event is about
    window: int | None = None  # the window that acted (or was acted on)
    to_window: int | None = None
    clerk: Clerk | None = None  # recorded as the clerk at ``window``
    outcome: Outcome | None = None
    served: int = 0  # tickets finished at ``window``
    paused: bool | None = None  # the window's new paused state
    reason: str | None = None  # why the window paused (the clerk's choice), kept on the event
    listed: bool = False  # the event lists every changed ticket (tickets_expired)
    day: str | None = None
    tokens: dict[int, str] = field(default_factory=dict)  # of newly issued tickets


class QueueService:
    """Owns today's queue. Create, then :meth:`start`; ``listeners`` receive each committed
    event with its JSON text."""

    def __init__(
        self, center: Center, store: Store, *, base_url: str, clock: Clock = utc_now, always_open: bool = False
    ):
        self.center = center
        self.store = store
        self.base_url = base_url
        self.clock = clock
        self.always_open = always_open
        self.listeners: list[Listener] = []
        self.seq = 0
        self.day = rules.service_day(clock(), center.tz)
        self.hall = HallState(c.code for c in center.categories)
        self._lock = asyncio.Lock()
        self._stale = False  # a commit failed: reload from disk before the next operation
        self._latest: dt.datetime | None = None  # the latest moment an operation used
        self._pending: list[asyncio.Future[None]] = []  # this operation's changes, not yet committed
        self._last_id = 0
        self._last_seq: dict[str, int] = {}
        self._paused: dict[int, bool] = {}
        self._clerk_at: dict[int, str | None] = {}
        self._card_at: dict[int, WorkCard | None] = {}
        self._served: dict[int, int] = {}
        self._recent: deque[CallView] = deque(maxlen=RECENT_CALLS)
        self._request_ids: dict[tuple[int, str], int] = {}
        self.duty_rota: dict[dt.date, tuple[int, ...]] = {}  # the rota's duty windows, by day
        self._mode_seen: tuple[str, tuple[int, ...]] | None = None  # as last announced
        store.on_failure.append(self._mark_stale)

    # ---- running operations --------------------------------------------------------------

    async def start(self) -> None:
        """Load today's state from the database; expire tickets left over from earlier days."""
        async with self._lock:
            await self._load()
            pending = self._take_pending()
        await _committed(pending)

    async def perform(
        self, plan: Callable[[dt.datetime], Awaitable[Change | None]], *, from_disk: bool = False
    ) -> Change | None:
        """Run ``plan(now)`` under the lock and commit the change it returns (if any).

        With ``from_disk`` every earlier change is committed first, so the plan may read the
        database. Returns once the change is committed and announced."""
        async with self._lock:
            now = self._now()
            await self._prepare(now)
            if from_disk:
                await self.store.drain()
            try:
                change = await plan(now)
                if change:
                    self._record(change, now)
            finally:
                pending = self._take_pending()
        await _committed(pending)
        return change

    @contextlib.asynccontextmanager
    async def settled(self) -> AsyncIterator[None]:
        """Hold the lock with every change committed: what readers then see is on disk."""
        async with self._lock:
            if self._stale:
                await self._reload()
            await _committed(self._take_pending())
            await self.store.drain()
            yield

    async def replace_center(self, center: Center, statement: tuple[str, tuple]) -> None:
        """Swap in edited settings: ``statement`` (the version row) commits with a
        ``center_changed`` event, and the live state is rebuilt from disk for the new
        windows and categories before anything else runs."""
        async with self._lock:
            now = self.clock()
            await self._prepare(now)
            await self.store.drain()
            self.center = center
            try:
                await self._load()
                db = self.batch()
                db.statements.append(statement)
                self._record(Change("center_changed", db), now)
            finally:
                pending = self._take_pending()
        await _committed(pending)

    async def refresh_cards(self) -> None:
        """Re-read the work cards of the clerks at the windows (after a manager's edit)."""
        async with self.settled():
            for row in await queue_db.windows(self.store):
                if row["number"] in self._card_at and row["login"] is not None:
                    self._clerk_at[row["number"]] = row["clerk"]
                    self._card_at[row["number"]] = _row_card(row)

    async def roll_day(self) -> None:
        """Check the clock and start a new service day if the local date changed."""
        await self.perform(self._nothing)

    async def announce_mode(self) -> None:
        """When the mode of the day changed (08:30 opens, 17:30 closes), a ``center_changed``
        event tells the display and the consoles to re-read ``/api/center``."""

        async def plan(now: dt.datetime) -> Change | None:
            mode = self.mode(now)
            seen, self._mode_seen = self._mode_seen, (mode.now, mode.duty_windows)
            if seen is None or seen == self._mode_seen:
                return None
            return Change("center_changed", self.batch())

        await self.perform(plan)

    @staticmethod
    async def _nothing(now: dt.datetime) -> None:
        return None

    async def _prepare(self, now: dt.datetime) -> None:
        if self._stale:
            await self._reload()
        await self._roll_day(now)

    def _now(self) -> dt.datetime:
        """The clock, never earlier than a moment already used: after the clock steps back
        (across midnight, say) a closed service day never reopens, nor do times run backwards."""
        now = self.clock()
        if self._latest is not None and now < self._latest:
            return self._latest
        self._latest = now
        return now

    def _take_pending(self) -> list[asyncio.Future[None]]:
        pending, self._pending = self._pending, []
        return pending

    def _mark_stale(self) -> None:
        self._stale = True

    async def _reload(self) -> None:
        await self.store.drain()
        self._stale = False
        await self._load()

    # ---- loading -------------------------------------------------------------------------

    async def _load(self) -> None:
        st = self.store
        totals = await queue_db.totals(st)
        self.seq, self._last_id = totals.seq, totals.last_id
        numbers = [w.number for w in self.center.windows]
        self._paused = dict.fromkeys(numbers, False)
        self._clerk_at = dict.fromkeys(numbers, None)
        self._card_at = dict.fromkeys(numbers, None)
        for row in await queue_db.windows(st):
            if row["number"] in self._paused:
                self._paused[row["number"]] = bool(row["paused"])
                self._clerk_at[row["number"]] = row["clerk"]
                if row["login"] is not None:
                    self._card_at[row["number"]] = _row_card(row)
        live = await queue_db.live_tickets(st)
        self.hall = HallState(c.code for c in self.center.categories)
        self.hall.apply((t for t, _ in live), {t.id: token for t, token in live})
        await self._roll_day(self._now(), force=True)

    async def _load_day(self) -> None:
        st, day = self.store, self.day
        self._last_seq = await queue_db.last_seqs(st, day)
        served = await queue_db.served(st, day)
        self._served = {w.number: served.get(w.number, 0) for w in self.center.windows}
        rows = await queue_db.recent_calls(st, day, RECENT_CALLS)
        self._recent = deque(
            (CallView(r["number"], r["window"], r["at"], recall=r["detail"] == "recall") for r in rows),
            maxlen=RECENT_CALLS,
        )
        self._request_ids = await queue_db.request_ids(st, day)
        await self.load_rota()

    async def load_rota(self) -> None:
        """Re-read the rota's duty windows from today on (at each new day and after an edit)."""
        rows = await self.store.fetchall(
            "SELECT day, windows FROM duty_rota WHERE day >= ? AND windows IS NOT NULL", (self.day.isoformat(),)
        )
        self.duty_rota = {dt.date.fromisoformat(r["day"]): tuple(json.loads(r["windows"])) for r in rows}

    def mode(self, now: dt.datetime) -> DayMode:
        """集中办公, 值班 or closed at ``now`` (see :mod:`bianmin.daymode`)."""
        return daymode.mode_at(self.center, now, self.duty_rota, always_open=self.always_open)

    def categories_at(self, number: int, now: dt.datetime) -> tuple[str, ...]:
        """What window ``number`` calls at ``now``: on a duty day a duty window takes every category."""
        w = self.window(number)
        mode = self.mode(now)
        if mode.now == "duty" and number in mode.duty_windows:
            return tuple(c.code for c in self.center.categories)
        return w.categories

    async def _roll_day(self, now: dt.datetime, force: bool = False) -> None:
        """Start a new service day when the local date changed; expire yesterday's line."""
        today = rules.service_day(now, self.center.tz)
        if today == self.day and not force:
            return
        stale = rules.expire(self.hall.active.values(), today)
        if stale:
            db = self.batch()
            for t in stale:
                db.save_ticket(t)
                db.log_transition(t, self.hall.active[t.id].status, now, detail="day_end")
            self._record(Change("tickets_expired", db, tickets=stale, listed=True), now)
        changed_day = today != self.day
        self.day = today
        await self._load_day()
        if changed_day:
            self._record(Change("day_started", self.batch(), day=today.isoformat()), now)
            self.prune_events(now)
        # The days before today are final: store their ledger facts once (issue 13).
        self.store.write(lambda db: service_facts.close_days(db, today))

    def prune_events(self, now: dt.datetime, keep_from_seq: int | None = None) -> asyncio.Future[int]:
        """Drop events older than ``EVENT_DAYS`` (at each new day), keeping any from ``keep_from_seq``."""
        before = self.iso(now - dt.timedelta(days=queue_db.EVENT_DAYS)) or ""
        return self.store.write(lambda db: queue_db.prune_events(db, before, keep_from_seq))

    # ---- recording -----------------------------------------------------------------------

    def batch(self) -> Batch:
        """An empty change's statements, writing moments in the center's time zone."""
        return Batch(self.center.tz)

    def _record(self, change: Change, now: dt.datetime) -> None:
        """Apply ``change`` to memory, add its event and submit it (with the lock held)."""
        self.hall.apply(change.tickets, change.tokens)
        w = change.window
        if w is not None:
            if change.clerk is not None:
                self._clerk_at[w] = change.clerk.name
                c = change.clerk
                self._card_at[w] = work_card(c.login, c.name, c.post, c.photo)
                change.db.save_window(w, clerk_id=change.clerk.id, paused=change.paused)
            if change.paused is not None:
                self._paused[w] = change.paused
            self._served[w] += change.served
            if change.type in ("ticket_called", "ticket_recalled") and change.ticket is not None:
                at = self.iso(now) or ""
                self._recent.append(CallView(change.ticket.number, w, at, recall=change.type == "ticket_recalled"))
        event = Event(
            seq=self.seq + 1,
            type=change.type,
            at=self.iso(now) or "",
            waiting=self.waiting_counts(),
            ticket=self.ticket_view(change.ticket) if change.ticket else None,
            window=self.window_view(w) if w is not None else None,
            to_window=self.window_view(change.to_window) if change.to_window is not None else None,
            tickets=[self.ticket_view(t) for t in change.tickets] if change.listed else [],
            outcome=change.outcome,
            day=change.day,
            reason=change.reason,
        )
        self.seq = event.seq
        text = json_bytes(event.to_dict()).decode()
        change.db.insert_event(event.seq, event.at, event.type, text)
        self._pending.append(self.store.write(change.db, lambda _: self._announce(event, text)))

    def _announce(self, event: Event, text: str) -> None:
        for listener in self.listeners:
            listener(event, text)

    # ---- views ---------------------------------------------------------------------------

    def iso(self, moment: dt.datetime | None) -> str | None:
        """A moment in the center's local time, as ISO 8601 with its offset."""
        return queue_db.iso(moment, self.center.tz)

    def window(self, number: int) -> Window:
        """Window ``number`` of the center, or a 404 naming it."""
        w = self.center.window(number)
        if w is None:
            raise NotFound(f"没有 {number} 号窗口", code="unknown_window")
        return w

    def is_paused(self, number: int) -> bool:
        return self._paused[number]

    def ticket_view(self, t: Ticket) -> TicketView:
        matter = self.center.matters.get(t.matter) if t.matter else None
        return TicketView(
            id=t.id,
            number=t.number,
            category=t.category,
            matter=t.matter,
            matter_name=matter.name if matter else None,
            priority=t.priority,
            status=t.status,
            window=t.window,
            issued_at=self.iso(t.issued_at) or "",
            called_at=self.iso(t.called_at),
            transferred_to=t.transferred_to,
            appointment=t.appointment,
        )

    def window_view(self, number: int) -> WindowView:
        w = self.window(number)
        current = self.hall.at_window(number)
        return WindowView(
            number=number,
            name=w.name,
            categories=list(self.categories_at(number, self.clock())),
            paused=self._paused[number],
            clerk=self._clerk_at.get(number),
            ticket=self.ticket_view(current) if current else None,
            served_today=self._served[number],
            card=self._card_at.get(number),
        )

    def waiting_counts(self) -> dict[str, int]:
        return dict(self.hall.counts)

    def snapshot(self) -> Snapshot:
        return Snapshot(
            seq=self.seq,
            day=self.day.isoformat(),
            waiting=self.waiting_counts(),
            windows=[self.window_view(w.number) for w in self.center.windows],
            recent_calls=list(self._recent),
            queue=[self.ticket_view(t) for t in self.hall.queue()],
        )

    # ---- issuing -------------------------------------------------------------------------

    async def issue(
        self,
        *,
        category: str,
        matter: str | None,
        priority: bool,
        device_id: int,
        request_id: str | None,
        claim: Claim | None = None,
    ) -> IssuedTicket:
        """Issue the next ticket of ``category``. A repeated ``request_id`` returns the same one.

        With ``claim`` (an appointment's check-in) the ticket is an appointment's: ``claim``
        runs under the lock with every earlier change on disk, may refuse, and its statements
        commit with the ticket. The booking's own window of time replaces the mode check."""
        cat = self.center.category(category)
        if cat is None:
            raise BadRequest(
                f"没有类别“{category}”，请从 A–{self.center.categories[-1].code} 中选择",
                code="unknown_category",
                field="category",
            )
        if matter is not None and matter not in {m.code for m in cat.matters}:
            raise BadRequest(f"类别“{cat.name}”下没有事项“{matter}”", code="unknown_matter", field="matter")
        async with self._lock:
            try:
                issued = await self._issue(category, matter, priority, device_id, request_id, claim)
            finally:
                pending = self._take_pending()
        await _committed(pending)
        return issued

    async def _issue(
        self,
        category: str,
        matter: str | None,
        priority: bool,
        device_id: int,
        request_id: str | None,
        claim: Claim | None,
    ) -> IssuedTicket:
        now = self._now()
        await self._prepare(now)
        if request_id is not None:
            known = await self._by_request(device_id, request_id)
            if known is not None:
                return known
        mode = self.mode(now)
        claimed: list[tuple[str, tuple]] = []
        if claim is not None:
            await self.store.drain()
            claimed = await claim(self._last_id + 1, now)
        elif mode.now == "closed":
            raise Conflict(self.closed_message(mode), code="office_closed")
        t = rules.new_ticket(
            ticket_id=self._last_id + 1,
            category=category,
            matter=matter,
            priority=priority,
            last_seq=self._last_seq.get(category, 0),
            now=now,
            tz=self.center.tz,
            appointment=claim is not None,
        )
        token = new_token(12)
        db = self.batch()
        db.insert_ticket(t, token=token, device_id=device_id, request_id=request_id)
        db.log_transition(t, None, now, detail="appointment" if claim is not None else None)
        db.statements.extend(claimed)
        ahead = self.hall.waiting_before_new(category, priority, t.appointment)
        self._record(Change("ticket_issued", db, tickets=[t], ticket=t, tokens={t.id: token}), now)
        self._last_id = t.id
        self._last_seq[category] = t.seq
        if request_id is not None:
            self._request_ids[(device_id, request_id)] = t.id
        return self._issued(t, token, ahead)

    def closed_message(self, mode: DayMode) -> str:
        """Why no ticket now, and when the hall opens again (the kiosk shows it)."""
        when = ""
        if mode.next_open is not None:
            local = mode.next_open.astimezone(self.center.tz)
            when = f"下次开放：{local.month}月{local.day}日 {local:%H:%M}。"
        return f"现在不是办公时间。{when}{self.center.office.note}值班电话：{self.center.duty_phone}"

    def _issued(self, t: Ticket, token: str, ahead: int) -> IssuedTicket:
        cat = self.center.category(t.category)
        assert cat is not None  # tickets are only issued in known categories
        matter = self.center.matters.get(t.matter) if t.matter else None
        guide = t.matter or cat.code  # no matter chosen: the category's list of guides
        return IssuedTicket(
            token=token,
            number=t.number,
            category=t.category,
            matter=t.matter,
            priority=t.priority,
            ahead=ahead,
            issued_at=self.iso(t.issued_at) or "",
            guide_url=f"{self.base_url}/g/{guide}?t={token}",
            category_name=cat.name,
            matter_name=matter.name if matter else None,
            window=self._duty_window(t),
            appointment=t.appointment,
        )

    def _duty_window(self, t: Ticket) -> int | None:
        """On a duty day, the duty window that takes ``t`` (None on office days)."""
        mode = self.mode(t.issued_at)
        return mode.duty_windows[0] if mode.now == "duty" and mode.duty_windows else None

    async def _by_request(self, device_id: int, request_id: str) -> IssuedTicket | None:
        """The ticket already issued today for this tap (request ids are unique per day)."""
        tid = self._request_ids.get((device_id, request_id))
        if tid is None:
            return None
        t, token = self.hall.active.get(tid), self.hall.tokens.get(tid)
        if t is None or token is None:
            await self.store.drain()  # it may have left the line in a change not yet on disk
            found = await queue_db.ticket_by_id(self.store, tid)
            assert found is not None  # request ids are only recorded for issued tickets
            t, token = found
        return self._issued(t, token, self.hall.ahead(t))

    async def ticket_state(self, token: str) -> TicketState:
        """The holder's view: status, people ahead and the window called to."""
        async with self.settled():
            found = await queue_db.ticket_by_token(self.store, token)
            if found is None:
                raise NotFound("找不到这张号票，请核对二维码或咨询工作人员", code="ticket_not_found")
            t = self.hall.active.get(found.id) or found
            return TicketState(
                number=t.number,
                status=t.status,
                ahead=self.hall.ahead(t),
                window=t.window,
            )


def work_card(login: str, name: str, post: str, photo_version: int) -> WorkCard:
    """The work card shown for a clerk; the photo's URL changes with each new photo."""
    url = f"/api/staff/{login}/photo?v={photo_version}" if photo_version else None
    return WorkCard(name=name, post=post, photo_url=url)


def _row_card(row: sqlite3.Row) -> WorkCard:
    return work_card(row["login"], row["clerk"], row["post"], row["photo_version"])


async def _committed(pending: list[asyncio.Future[None]]) -> None:
    """Wait for each of an operation's changes; raise the first failure (after awaiting all)."""
    failure: BaseException | None = None
    for fut in pending:
        try:
            await fut
        except Exception as exc:
            failure = failure or exc
    if failure is not None:
        raise failure
