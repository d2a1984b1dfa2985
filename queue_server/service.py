"""The hall's queue service: the rules applied to live state, persisted, then announced.

Under the service lock an operation runs the pure rules, applies the result to memory and
submits its statements (and its event) to the store's group-commit writer. The event is
published, and the caller answered, only after that commit. If a commit fails, the state
is reloaded from disk, so memory never keeps a change the database lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator

from bianmin.center import Center
from bianmin.protocol import CallView, Event, IssuedTicket, Snapshot, TicketState, TicketView, WindowView

from . import rules
from .auth import new_token
from .errors import BadRequest, Conflict, NotFound
from .oplock import OpLock
from .rules import Ticket
from .store import Batch, Store
from .tickets_db import load_ticket, row_to_ticket, save_ticket
from .window_actions import WindowActions

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


class QueueService(WindowActions):
    """Owns today's queue. Create with :meth:`start`; ``publish`` receives each committed event."""

    def __init__(
        self, center: Center, store: Store, *, base_url: str, clock: Clock = utc_now, always_open: bool = False
    ):
        self.center = center
        self.store = store
        self.base_url = base_url
        self.clock = clock
        self.always_open = always_open
        self.listeners: list[Callable[[Event], None]] = []
        self.lock = OpLock(self)
        self.seq = 0
        self.day = rules.service_day(clock(), center.tz)
        self.last_seq: dict[str, int] = {}
        self.last_id = 0
        self.paused: dict[int, bool] = {w.number: False for w in center.windows}
        self.clerk_at: dict[int, str | None] = {w.number: None for w in center.windows}
        self.served: dict[int, int] = {w.number: 0 for w in center.windows}
        self.recent: deque[CallView] = deque(maxlen=10)
        self.request_ids: dict[tuple[int, str], int] = {}
        self._reset()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Batch]:
        """Collect one change's statements; set ``db.event`` to announce it once committed.

        Call with the lock held. On leaving the block the change is submitted to the
        group-commit writer and the event's seq is taken."""
        db = Batch()
        db.event = None
        yield db
        event = db.event
        if event is not None:
            self.seq = event.seq
        self.lock.pending.append(
            self.store.submit(db.statements, functools.partial(self._announce, event) if event else None)
        )

    async def recover(self) -> None:
        """After a failed commit: reload the state from disk and accept writes again."""
        async with self.lock.raw:
            if self.store.poisoned:
                await self.store.drain()
                self.store.recover()
                self._reset()
                await self._load()
                pending, self.lock.pending = self.lock.pending, []
                for fut in pending:
                    await fut

    @contextlib.asynccontextmanager
    async def settled(self) -> AsyncIterator[None]:
        """Hold the lock with every change committed: what readers then see is on disk."""
        async with self.lock.raw:
            await self.store.drain()
            yield

    # ---- loading -------------------------------------------------------------------------

    async def start(self) -> None:
        """Load today's state from the database; expire tickets left over from earlier days."""
        async with self.lock:
            await self._load()

    def _reset(self) -> None:
        """Forget the live line (before loading it from disk)."""
        self.active: dict[int, Ticket] = {}
        self.tokens: dict[int, str] = {}
        # waiting + transferred tickets per category, and which ticket each window holds
        self.counts: dict[str, int] = {c.code: 0 for c in self.center.categories}
        self.at: dict[int, int] = {}
        # (category, priority) -> tickets with status "waiting": a new ticket's "ahead".
        self.line_counts: dict[tuple[str, bool], int] = {
            (c.code, p): 0 for c in self.center.categories for p in (True, False)
        }

    async def _load(self) -> None:
        st = self.store
        self.seq = (await st.fetchone("SELECT COALESCE(MAX(seq), 0) FROM events"))[0]
        self.last_id = (await st.fetchone("SELECT COALESCE(MAX(id), 0) FROM tickets"))[0]
        for row in await st.fetchall("SELECT number, paused FROM windows"):
            if row["number"] in self.paused:
                self.paused[row["number"]] = bool(row["paused"])
        rows = await st.fetchall("SELECT * FROM tickets WHERE status IN ('waiting','transferred','called','serving')")
        self.tokens = {r["id"]: r["token"] for r in rows}
        self._apply([row_to_ticket(r) for r in rows])
        await self._roll_day(self.clock(), force=True)

    async def _load_day(self) -> None:
        day = self.day.isoformat()
        st = self.store
        rows = await st.fetchall("SELECT category, MAX(seq) AS s FROM tickets WHERE day = ? GROUP BY category", (day,))
        self.last_seq = {r["category"]: r["s"] for r in rows}
        rows = await st.fetchall(
            "SELECT window, COUNT(*) AS n FROM tickets WHERE day = ? AND status = 'done' GROUP BY window", (day,)
        )
        self.served = {w.number: 0 for w in self.center.windows}
        self.served.update({r["window"]: r["n"] for r in rows if r["window"] in self.served})
        rows = await st.fetchall(
            "SELECT t.number, tr.window, tr.at, tr.detail FROM transitions tr "
            "JOIN tickets t ON t.id = tr.ticket_id WHERE t.day = ? AND tr.to_status = 'called' "
            "AND tr.window IS NOT NULL ORDER BY tr.id DESC LIMIT 10",
            (day,),
        )
        self.recent = deque(
            (CallView(r["number"], r["window"], r["at"], recall=r["detail"] == "recall") for r in reversed(rows)),
            maxlen=10,
        )
        rows = await st.fetchall(
            "SELECT id, device_id, request_id FROM tickets WHERE day = ? AND request_id IS NOT NULL", (day,)
        )
        self.request_ids = {(r["device_id"], r["request_id"]): r["id"] for r in rows}

    async def roll_day(self) -> None:
        """Check the clock and start a new service day if the local date changed."""
        async with self.lock:
            await self._roll_day(self.clock())

    async def _roll_day(self, now: dt.datetime, force: bool = False) -> None:
        """Start a new service day when the local date changed; expire yesterday's line."""
        today = rules.service_day(now, self.center.tz)
        if today == self.day and not force:
            return
        stale = rules.expire(self.active.values(), today)
        if stale:
            with self.transaction() as db:
                for t in stale:
                    save_ticket(db, t)
                    self._log(db, t, self.active[t.id].status, now, None, None, "day_end")
                db.event = self._event(db, "tickets_expired", now, tickets=stale, changed=stale)
            self._apply(stale)
        changed_day = today != self.day
        self.day = today
        await self._load_day()
        if changed_day:
            with self.transaction() as db:
                db.event = self._event(db, "day_started", now, changed=[], day=today.isoformat())

    def iso(self, moment: dt.datetime | None) -> str | None:
        """A moment in the center's local time, as ISO 8601 with its offset."""
        return iso(moment.astimezone(self.center.tz)) if moment else None

    # ---- views ---------------------------------------------------------------------------

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
            issued_at=self.iso(t.issued_at),
            called_at=self.iso(t.called_at),
            transferred_to=t.transferred_to,
        )

    def at_window(self, number: int) -> Ticket | None:
        tid = self.at.get(number)
        return self.active.get(tid) if tid is not None else None

    def window_view(
        self, number: int, current: Ticket | None = ..., served: int | None = None, paused: bool | None = None
    ) -> WindowView:
        w = self.center.window(number)
        current = self.at_window(number) if current is ... else current
        return WindowView(
            number=number,
            name=w.name,
            categories=list(w.categories),
            paused=self.paused[number] if paused is None else paused,
            clerk=self.clerk_at.get(number),
            ticket=self.ticket_view(current) if current else None,
            served_today=self.served[number] if served is None else served,
        )

    def waiting_counts(self) -> dict[str, int]:
        return dict(self.counts)

    def _after(self, changed: list[Ticket]) -> tuple[dict[str, int], dict[int, Ticket | None]]:
        """Waiting counts and tickets at windows as they will be once ``changed`` is applied."""
        counts = dict(self.counts)
        at: dict[int, Ticket | None] = {}
        for t in changed:
            old = self.active.get(t.id)
            if old is not None and old.status in rules.IN_LINE:
                counts[old.category] -= 1
            if t.status in rules.IN_LINE:
                counts[t.category] = counts.get(t.category, 0) + 1
            if old is not None and old.window is not None and self.at.get(old.window) == t.id:
                at.setdefault(old.window, None)
            if t.window is not None and t.status in rules.AT_WINDOW:
                at[t.window] = t
        return counts, at

    def snapshot(self) -> Snapshot:
        line = rules.line_order(self.active.values())
        transferred = sorted(
            (t for t in self.active.values() if t.status == "transferred"),
            key=lambda t: (t.transferred_at, t.queue_key),
        )
        return Snapshot(
            seq=self.seq,
            day=self.day.isoformat(),
            waiting=self.waiting_counts(),
            windows=[self.window_view(w.number) for w in self.center.windows],
            recent_calls=list(self.recent),
            queue=[self.ticket_view(t) for t in transferred + line],
        )

    # ---- persistence helpers -------------------------------------------------------------

    def _log(
        self,
        db,
        t: Ticket,
        from_status: str | None,
        now: dt.datetime,
        window: int | None,
        clerk_id: int | None,
        detail: str | None = None,
    ) -> None:
        db.execute(
            "INSERT INTO transitions (ticket_id, at, from_status, to_status, window, clerk_id, "
            "detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (t.id, self.iso(now), from_status, t.status, window, clerk_id, detail),
        )

    def _event(
        self,
        db,
        type_: str,
        now: dt.datetime,
        *,
        changed: list[Ticket],
        ticket: Ticket | None = None,
        window: int | None = None,
        to_window: int | None = None,
        tickets: list[Ticket] | None = None,
        outcome: str | None = None,
        served_delta: int = 0,
        day: str | None = None,
        paused: bool | None = None,
    ) -> Event:
        """Build the event as the state will be after commit, and write it in this transaction."""
        counts, at = self._after(changed)

        def wv(n: int | None, delta: int = 0, p: bool | None = None) -> WindowView | None:
            if n is None:
                return None
            return self.window_view(n, at.get(n, self.at_window(n)), self.served[n] + delta, p)

        event = Event(
            seq=self.seq + 1,
            type=type_,
            at=self.iso(now),
            waiting=counts,
            ticket=self.ticket_view(ticket) if ticket else None,
            window=wv(window, served_delta, paused),
            to_window=wv(to_window),
            tickets=[self.ticket_view(t) for t in tickets or []],
            outcome=outcome,
            day=day,
        )
        payload = json.dumps(event.to_dict(), ensure_ascii=False, separators=(",", ":"))
        db.execute(
            "INSERT INTO events (seq, at, type, payload) VALUES (?, ?, ?, ?)", (event.seq, event.at, type_, payload)
        )
        return event

    def record_event(self, db, type_: str, now: dt.datetime, *, window: int | None = None) -> Event:
        """Write an event that changes no ticket (e.g. a closed case) inside ``db``'s transaction."""
        return self._event(db, type_, now, changed=[], window=window)

    def _announce(self, event: Event) -> None:
        for listener in self.listeners:
            listener(event)

    def _apply(self, changed: list[Ticket]) -> None:
        self.counts, at = self._after(changed)
        for n, t in at.items():
            if t is None:
                self.at.pop(n, None)
            else:
                self.at[n] = t.id
        for t in changed:
            old = self.active.get(t.id)
            if old is not None and old.status == "waiting":
                self.line_counts[(old.category, old.priority)] -= 1
            if t.status == "waiting":
                self.line_counts[(t.category, t.priority)] += 1
            if t.status in rules.ACTIVE:
                self.active[t.id] = t
            else:
                self.active.pop(t.id, None)
                self.tokens.pop(t.id, None)

    # ---- issuing -------------------------------------------------------------------------

    async def issue(
        self, *, category: str, matter: str | None, priority: bool, device_id: int, request_id: str | None
    ) -> IssuedTicket:
        """Issue the next ticket of ``category``. A repeated ``request_id`` returns the same one."""
        cat = self.center.category(category)
        if cat is None:
            raise BadRequest(
                f"没有类别“{category}”，请从 A–{self.center.categories[-1].code} 中选择",
                code="unknown_category",
                field="category",
            )
        if matter is not None and matter not in {m.code for m in cat.matters}:
            raise BadRequest(f"类别“{cat.name}”下没有事项“{matter}”", code="unknown_matter", field="matter")
        async with self.lock:
            now = self.clock()
            await self._roll_day(now)
            if request_id is not None:
                known = await self._by_request(device_id, request_id)
                if known is not None:
                    return known
            if not self.always_open and not self.center.office.is_open(now.astimezone(self.center.tz)):
                raise Conflict(
                    f"现在不是集中办公时间。{self.center.office.note}值班电话：{self.center.duty_phone}",
                    code="office_closed",
                )
            t = rules.new_ticket(
                ticket_id=self.last_id + 1,
                category=category,
                matter=matter,
                priority=priority,
                last_seq=self.last_seq.get(category, 0),
                now=now,
                tz=self.center.tz,
            )
            token = new_token(12)
            with self.transaction() as db:
                db.execute(
                    "INSERT INTO tickets (id, day, category, seq, number, matter, priority, "
                    "status, token, device_id, request_id, issued_at, queue_key) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        t.id,
                        t.day.isoformat(),
                        t.category,
                        t.seq,
                        t.number,
                        t.matter,
                        int(t.priority),
                        t.status,
                        token,
                        device_id,
                        request_id,
                        self.iso(now),
                        t.queue_key,
                    ),
                )
                self._log(db, t, None, now, None, None)
                db.event = self._event(db, "ticket_issued", now, changed=[t], ticket=t)
            self.last_id = t.id
            self.last_seq[category] = t.seq
            self.tokens[t.id] = token
            if request_id is not None:
                self.request_ids[(device_id, request_id)] = t.id
            # The new ticket is last in its line: everyone waiting in its category (or, on the
            # green channel, every priority ticket there) is ahead. Counting beats sorting here.
            ahead = self.line_counts[(category, True)] + (0 if priority else self.line_counts[(category, False)])
            self._apply([t])
            return self._issued(t, token, ahead)

    def _issued(self, t: Ticket, token: str, ahead: int) -> IssuedTicket:
        cat = self.center.category(t.category)
        matter = self.center.matters.get(t.matter) if t.matter else None
        guide = t.matter or cat.code  # no matter chosen: the category's list of guides
        return IssuedTicket(
            token=token,
            number=t.number,
            category=t.category,
            matter=t.matter,
            priority=t.priority,
            ahead=ahead,
            issued_at=self.iso(t.issued_at),
            guide_url=f"{self.base_url}/g/{guide}?t={token}",
            category_name=cat.name,
            matter_name=matter.name if matter else None,
        )

    async def _by_request(self, device_id: int, request_id: str) -> IssuedTicket | None:
        """The ticket already issued today for this tap (request ids are unique per day)."""
        tid = self.request_ids.get((device_id, request_id))
        if tid is None:
            return None
        t, token = self.active.get(tid), self.tokens.get(tid)
        if t is None:
            t, token = await load_ticket(self.store, tid)
        return self._issued(t, token, rules.ahead_of(t, self.active.values()))

    async def ticket_state(self, token: str) -> TicketState:
        """The holder's view: status, people ahead and the window called to."""
        async with self.settled():
            row = await self.store.fetchone("SELECT * FROM tickets WHERE token = ?", (token,))
            if row is None:
                raise NotFound("找不到这张号票，请核对二维码或咨询工作人员", code="ticket_not_found")
            t = self.active.get(row["id"]) or row_to_ticket(row)
            return TicketState(
                number=t.number, status=t.status, ahead=rules.ahead_of(t, self.active.values()), window=t.window
            )
