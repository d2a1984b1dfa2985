"""What a clerk does at a window: call, recall, start, no-show, transfer, finish, requeue, pause.

Each action is a plan for :meth:`QueueService.perform`: it runs the pure rule over the
service's hall state and returns the :class:`~queue_server.service.Change` to record; the
service applies, persists and announces it, and the action answers with the committed view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from bianmin.center import DEFAULT_PROMISED_DAYS
from bianmin.protocol import EventType, TicketView, WindowView

from . import queue_db, rules
from .accounts import Clerk
from .errors import Conflict, NotFound
from .rules import Completion, Ticket
from .service import Change, QueueService


class WindowActions:
    """The window operations, over a :class:`QueueService`."""

    def __init__(self, service: QueueService) -> None:
        self.service = service

    def _current(self, number: int) -> Ticket:
        t = self.service.hall.at_window(number)
        if t is None:
            raise Conflict(f"{number} 号窗口当前没有号码，请先呼叫下一位", code="no_current_ticket")
        return t

    def _change(
        self, type_: EventType, old: Ticket, new: Ticket, now: dt.datetime, *, window: int, clerk: Clerk, **kw: Any
    ) -> Change:
        """``old`` becoming ``new`` at ``window``: the ticket row, its transition and the event."""
        detail = kw.pop("detail", None)
        db = self.service.batch()
        db.save_ticket(new, clerk_id=clerk.id)
        db.log_transition(new, old.status, now, window, clerk.id, detail)
        return Change(type_, db, tickets=[new], ticket=new, window=window, clerk=clerk, **kw)

    async def _ticket(self, plan: Callable[[dt.datetime], Awaitable[Change]]) -> TicketView:
        change = await self.service.perform(plan)
        assert change is not None and change.ticket is not None
        return self.service.ticket_view(change.ticket)

    def _free(self, number: int) -> None:
        if self.service.is_paused(number):
            raise Conflict("本窗口已暂停，请先点“恢复”再叫号", code="window_paused")
        current = self.service.hall.at_window(number)
        if current is not None:
            raise Conflict(f"请先办结、过号或转移当前的 {current.number} 号，再呼叫下一位", code="window_busy")

    async def call_next(self, number: int, clerk: Clerk) -> TicketView:
        """Call the next ticket to window ``number`` (on a duty day a duty window calls every category)."""
        self.service.window(number)

        async def plan(now: dt.datetime) -> Change:
            self._free(number)
            t = self.service.hall.choose_next(number, self.service.categories_at(number, now))
            if t is None:
                raise NotFound("当前没有等候的群众", code="queue_empty")
            return self._change("ticket_called", t, rules.call(t, number, now), now, window=number, clerk=clerk)

        return await self._ticket(plan)

    def _waiting(self, ticket_number: str) -> Ticket:
        wanted = ticket_number.strip().upper()
        found = next((t for t in self.service.hall.active.values() if t.number == wanted), None)
        if found is None or found.status not in rules.IN_LINE:
            raise NotFound(f"{wanted} 号不在等候队列中", code="ticket_not_waiting")
        return found

    async def call_chosen(self, number: int, ticket_number: str, reason: str, clerk: Clerk) -> TicketView:
        """Call a chosen waiting ticket out of order; ``reason`` is kept on its transition and event."""
        self.service.window(number)

        async def plan(now: dt.datetime) -> Change:
            self._free(number)
            t = self._waiting(ticket_number)
            new = rules.call_chosen(t, number, self.service.categories_at(number, now), now)
            return self._change(
                "ticket_called", t, new, now, window=number, clerk=clerk, reason=reason, detail=f"chosen: {reason}"
            )

        return await self._ticket(plan)

    async def mark_green(self, number: int, ticket_number: str, reason: str, clerk: Clerk) -> TicketView:
        """Put a waiting ticket on the green channel (绿色通道), recording why."""
        self.service.window(number)

        async def plan(now: dt.datetime) -> Change:
            t = self._waiting(ticket_number)
            new = rules.mark_green(t)
            db = self.service.batch()
            db.save_ticket(new)
            db.log_transition(new, t.status, now, number, clerk.id, f"green: {reason}")
            return Change("ticket_requeued", db, tickets=[new], ticket=new, reason=reason)

        return await self._ticket(plan)

    async def recall(self, number: int, clerk: Clerk) -> TicketView:
        return await self._simple(number, clerk, "ticket_recalled", rules.recall, detail="recall")

    async def start(self, number: int, clerk: Clerk) -> TicketView:
        return await self._simple(number, clerk, "service_started", rules.start)

    async def no_show(self, number: int, clerk: Clerk) -> TicketView:
        return await self._simple(number, clerk, "ticket_no_show", rules.no_show)

    async def _simple(
        self, number: int, clerk: Clerk, type_: EventType, rule: Callable[[Ticket], Ticket], detail: str | None = None
    ) -> TicketView:
        self.service.window(number)

        async def plan(now: dt.datetime) -> Change:
            t = self._current(number)
            return self._change(type_, t, rule(t), now, window=number, clerk=clerk, detail=detail)

        return await self._ticket(plan)

    async def transfer(self, number: int, to_window: int, clerk: Clerk) -> TicketView:
        """Hand the window's current ticket to ``to_window``; it goes first in that line."""
        self.service.window(number)
        self.service.window(to_window)

        async def plan(now: dt.datetime) -> Change:
            t = self._current(number)
            new = rules.transfer(t, to_window, now)
            return self._change(
                "ticket_transferred",
                t,
                new,
                now,
                window=number,
                clerk=clerk,
                to_window=to_window,
                detail=f"to {to_window}",
            )

        return await self._ticket(plan)

    async def finish(self, number: int, out: Completion, clerk: Clerk) -> TicketView:
        """Close the service at window ``number``; promised, agency and joint services open a
        case (a joint one is the co-handling window's part, see :mod:`queue_server.cases`)."""
        self.service.window(number)
        svc = self.service

        async def plan(now: dt.datetime) -> Change:
            t = self._current(number)
            today = svc.day
            done = rules.check_outcome(out, today=today, window=number, windows=[w.number for w in svc.center.windows])
            if done.mode in ("agency", "joint") and done.due is None:
                matter = svc.center.matters.get(t.matter) if t.matter else None
                days = matter.guide.promised_days if matter else DEFAULT_PROMISED_DAYS
                done = replace(done, due=rules.add_days(today, days, svc.center.working_days_only, svc.center.calendar))
            change = self._change(
                "service_finished",
                t,
                rules.finish(t),
                now,
                window=number,
                clerk=clerk,
                served=1,
                outcome=done.mode,
                detail=done.mode,
            )
            change.db.finish_ticket(t.id, done, now)
            if done.mode in rules.CASE_MODES:
                assert done.due is not None  # check_outcome and the default above ensure it
                change.db.open_case(t.id, done.mode, done.due, now)
            return change

        return await self._ticket(plan)

    async def requeue(self, number: int, ticket_number: str, clerk: Clerk) -> TicketView:
        """Put today's no-show ``ticket_number`` back in line (过号重排)."""
        self.service.window(number)
        svc = self.service

        async def plan(now: dt.datetime) -> Change:
            t = await queue_db.ticket_by_number(svc.store, svc.day, ticket_number.strip().upper())
            if t is None:
                raise NotFound(f"今天没有 {ticket_number} 号", code="ticket_not_found")
            new = rules.requeue(t, svc.hall.line(t.category), svc.center.requeue_gap)
            return self._change("ticket_requeued", t, new, now, window=number, clerk=clerk, detail="requeue")

        change = await svc.perform(plan, from_disk=True)
        assert change is not None and change.ticket is not None
        return svc.ticket_view(change.ticket)

    async def set_paused(self, number: int, paused: bool, clerk: Clerk, reason: str | None = None) -> WindowView:
        """Pause or resume window ``number``; a window holding a ticket cannot pause.
        ``reason`` (why it paused) is kept on the window_paused event."""
        svc = self.service
        svc.window(number)

        async def plan(now: dt.datetime) -> Change | None:
            if paused and svc.hall.at_window(number) is not None:
                raise Conflict("请先办结或转移当前号码，再暂停窗口", code="window_busy")
            if svc.is_paused(number) == paused:
                return None
            kind: EventType = "window_paused" if paused else "window_resumed"
            return Change(kind, svc.batch(), window=number, clerk=clerk, paused=paused, reason=reason)

        await svc.perform(plan)
        return svc.window_view(number)
