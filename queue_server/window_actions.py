"""What a clerk does at a window: call, recall, start, no-show, transfer, finish, pause.

A mixin of :class:`~queue_server.service.QueueService`: each action runs the pure rule,
records the transition and its event in one transaction, and returns the committed view.
"""

from __future__ import annotations

from dataclasses import replace

from bianmin.protocol import CallView, TicketView, WindowView

from . import rules
from .errors import BadRequest, Conflict, NotFound
from .rules import Outcome, Ticket
from .tickets_db import row_to_ticket, save_ticket


class WindowActions:
    """Window operations; relies on the state and helpers of QueueService."""

    def _window(self, number: int):
        w = self.center.window(number)
        if w is None:
            raise NotFound(f"没有 {number} 号窗口", code="unknown_window")
        return w

    def _current(self, number: int) -> Ticket:
        t = self.at_window(number)
        if t is None:
            raise Conflict(f"{number} 号窗口当前没有号码，请先呼叫下一位", code="no_current_ticket")
        return t

    def _change(
        self,
        type_: str,
        t: Ticket,
        new: Ticket,
        *,
        window: int,
        clerk: tuple,
        detail: str | None = None,
        to_window: int | None = None,
        served_delta: int = 0,
        extra_sql: tuple = (),
        outcome: str | None = None,
    ) -> None:
        """Record ``t`` becoming ``new`` and submit it with its event (call with the lock held)."""
        now = self.clock()
        clerk_id, clerk_name = clerk
        with self.transaction() as db:
            save_ticket(db, new, clerk_id=clerk_id)
            self._log(db, new, t.status, now, window, clerk_id, detail)
            for sql, params in extra_sql:
                db.execute(sql, params)
            self.clerk_at[window] = clerk_name
            db.event = self._event(
                db,
                type_,
                now,
                changed=[new],
                ticket=new,
                window=window,
                to_window=to_window,
                served_delta=served_delta,
                outcome=outcome,
            )
        self._apply([new])
        self.served[window] += served_delta
        if type_ in ("ticket_called", "ticket_recalled"):
            self.recent.append(CallView(new.number, window, self.iso(now), recall=type_ == "ticket_recalled"))

    async def call_next(self, number: int, clerk: tuple) -> TicketView:
        """Call the next ticket to window ``number``."""
        w = self._window(number)
        async with self.lock:
            await self._roll_day(self.clock())
            if self.paused[number]:
                raise Conflict("本窗口已暂停，请先点“恢复”再叫号", code="window_paused")
            current = self.at_window(number)
            if current is not None:
                raise Conflict(f"请先办结、过号或转移当前的 {current.number} 号，再呼叫下一位", code="window_busy")
            t = rules.choose_next(number, w.categories, self.active.values())
            if t is None:
                raise NotFound("当前没有等候的群众", code="queue_empty")
            new = rules.call(t, number, self.clock())
            self._change("ticket_called", t, new, window=number, clerk=clerk)
            return self.ticket_view(new)

    async def act(self, number: int, action: str, clerk: tuple, **kw) -> TicketView:
        """recall / start / no_show / transfer / finish on the window's current ticket."""
        self._window(number)
        async with self.lock:
            await self._roll_day(self.clock())
            t = self._current(number)
            if action == "recall":
                new = rules.recall(t)
                self._change("ticket_recalled", t, new, window=number, clerk=clerk, detail="recall")
            elif action == "start":
                new = rules.start(t)
                self._change("service_started", t, new, window=number, clerk=clerk)
            elif action == "no_show":
                new = rules.no_show(t)
                self._change("ticket_no_show", t, new, window=number, clerk=clerk)
            elif action == "transfer":
                to = kw["to_window"]
                self._window(to)
                new = rules.transfer(t, to, self.clock())
                self._change("ticket_transferred", t, new, window=number, clerk=clerk, to_window=to, detail=f"to {to}")
            elif action == "finish":
                new = self._finish(number, t, kw["outcome"], clerk)
            else:  # pragma: no cover - the routes only pass the actions above
                raise BadRequest("未知操作", code="unknown_action")
            return self.ticket_view(new)

    def _finish(self, number: int, t: Ticket, out: Outcome, clerk: tuple) -> Ticket:
        today = self.day
        out = rules.check_outcome(out, today=today, window=number, windows=[w.number for w in self.center.windows])
        if out.mode == "agency" and out.due is None:
            matter = self.center.matters.get(t.matter) if t.matter else None
            days = matter.guide.promised_days if matter else 5
            out = replace(out, due=rules.add_days(today, days, self.center.working_days_only))
        new = rules.finish(t)
        now = self.clock()
        fields = (
            out.mode,
            out.reason,
            out.due.isoformat() if out.due else None,
            out.joint_window,
            out.agency_to,
            self.iso(now),
            t.id,
        )
        extra = [
            (
                "UPDATE tickets SET outcome = ?, reason = ?, due = ?, joint_window = ?, "
                "agency_to = ?, finished_at = ? WHERE id = ?",
                fields,
            )
        ]
        if out.mode in ("promised", "agency"):
            extra.append(
                (
                    "INSERT INTO cases (ticket_id, kind, due, opened_at) VALUES (?, ?, ?, ?)",
                    (t.id, out.mode, out.due.isoformat(), self.iso(now)),
                )
            )
        self._change(
            "service_finished",
            t,
            new,
            window=number,
            clerk=clerk,
            served_delta=1,
            extra_sql=tuple(extra),
            outcome=out.mode,
            detail=out.mode,
        )
        return new

    async def requeue(self, number: int, ticket_number: str, clerk: tuple) -> TicketView:
        """Put today's no-show ``ticket_number`` back in line (过号重排)."""
        self._window(number)
        async with self.lock:
            await self.store.drain()
            row = await self.store.fetchone(
                "SELECT * FROM tickets WHERE day = ? AND number = ?",
                (self.day.isoformat(), ticket_number.strip().upper()),
            )
            if row is None:
                raise NotFound(f"今天没有 {ticket_number} 号", code="ticket_not_found")
            t = row_to_ticket(row)
            new = rules.requeue(t, self.active.values(), self.center.requeue_gap)
            self._change("ticket_requeued", t, new, window=number, clerk=clerk, detail="requeue")
            return self.ticket_view(new)

    async def set_paused(self, number: int, paused: bool, clerk: tuple) -> WindowView:
        """Pause or resume window ``number``; a window holding a ticket cannot pause."""
        self._window(number)
        async with self.lock:
            if paused and self.at_window(number) is not None:
                raise Conflict("请先办结或转移当前号码，再暂停窗口", code="window_busy")
            if self.paused[number] == paused:
                return self.window_view(number)
            now = self.clock()
            with self.transaction() as db:
                db.execute(
                    "INSERT INTO windows (number, paused, clerk_id) VALUES (?, ?, ?) "
                    "ON CONFLICT (number) DO UPDATE SET paused = excluded.paused, "
                    "clerk_id = excluded.clerk_id",
                    (number, int(paused), clerk[0]),
                )
                self.clerk_at[number] = clerk[1]
                db.event = self._event(
                    db, "window_paused" if paused else "window_resumed", now, changed=[], window=number, paused=paused
                )
            self.paused[number] = paused
            return self.window_view(number)
