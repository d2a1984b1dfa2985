"""The live line: today's active tickets and the indexes derived from them, in one owner.

:class:`HallState` is changed only through :meth:`HallState.apply`, which keeps every index in
step: waiting + transferred counts per category, each category's line in call order, each
window's transferred tickets in call order, and the ticket at each window. The ordered
indexes are ``SortedList``\\ s, so choosing the next ticket and a ticket's place in line cost
O(log n) instead of a sort of the whole line.

The answers are those of the pure rules (:func:`~queue_server.rules.choose_next`,
:func:`~queue_server.rules.ahead_of`, :func:`~queue_server.rules.line_order`) over
``active.values()``, ties included: the rules sort stably over the dict's order, so each key
ends with the position at which its ticket entered ``active``. Hypothesis checks the two agree.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections.abc import Iterable, Sequence

from sortedcontainers import SortedList  # type: ignore[import-untyped]  # ships no type hints

from .rules import ACTIVE, AT_WINDOW, Ticket, line_rank

# (not priority, not appointment, queue_key, order, id): a category's line in call order.
LineKey = tuple[bool, bool, float, int, int]
# (transferred_at, queue_key, order, id): a window's transferred tickets in call order.
TransferKey = tuple[dt.datetime, float, int, int]


class HallState:
    """Today's active tickets (waiting, transferred, called, serving) and their indexes."""

    def __init__(self, categories: Iterable[str]) -> None:
        self.active: dict[int, Ticket] = {}
        self.tokens: dict[int, str] = {}
        self.counts: dict[str, int] = {code: 0 for code in categories}
        self._order: dict[int, int] = {}
        self._entered = 0
        self._line: dict[str, SortedList] = {}
        self._transferred: dict[int, SortedList] = {}
        self._at: dict[int, int] = {}

    def apply(self, changed: Iterable[Ticket], tokens: dict[int, str] | None = None) -> None:
        """Make each ticket in ``changed`` the current version (dropping those no longer active)."""
        if tokens:
            self.tokens.update(tokens)
        for t in changed:
            old = self.active.get(t.id)
            if old is not None:
                self._unindex(old)
            if t.status in ACTIVE:
                if old is None:
                    self._order[t.id] = self._entered
                    self._entered += 1
                self.active[t.id] = t
                self._index(t)
            elif old is not None:
                del self.active[t.id], self._order[t.id]
                self.tokens.pop(t.id, None)

    # ---- derived answers -----------------------------------------------------------------

    def at_window(self, number: int) -> Ticket | None:
        tid = self._at.get(number)
        return self.active[tid] if tid is not None else None

    def choose_next(self, window: int, categories: Sequence[str]) -> Ticket | None:
        """As :func:`rules.choose_next` over ``active``: transferred first, then the line."""
        transferred = self._transferred.get(window)
        if transferred:
            return self.active[transferred[0][-1]]
        heads = [line[0] for c in set(categories) if (line := self._line.get(c))]
        return self.active[min(heads)[-1]] if heads else None

    def ahead(self, ticket: Ticket) -> int:
        """As :func:`rules.ahead_of` over ``active``: people served before ``ticket`` in its line."""
        if ticket.status == "transferred":
            assert ticket.transferred_to is not None and ticket.transferred_at is not None
            others = self._transferred.get(ticket.transferred_to)
            return others.bisect_left((ticket.transferred_at, ticket.queue_key)) if others else 0
        if ticket.status != "waiting":
            return 0
        line = self._line.get(ticket.category)
        if not line:
            return 0
        live = self.active.get(ticket.id)
        if live is None or live.status != "waiting" or live.category != ticket.category:
            return len(line)
        return line.index(self._line_key(live))

    def waiting_before_new(self, category: str, priority: bool, appointment: bool = False) -> int:
        """The ``ahead`` of a ticket joining ``category`` now: it goes last in its part of the line."""
        line = self._line.get(category)
        if not line:
            return 0
        return line.bisect_left((not priority, not appointment, math.inf))

    def line(self, category: str) -> list[Ticket]:
        """The waiting tickets of ``category`` in call order."""
        return [self.active[key[-1]] for key in self._line.get(category, ())]

    def queue(self) -> list[Ticket]:
        """Transferred tickets (earliest transfer first), then the whole line in call order."""
        transferred = heapq.merge(*(keys for keys in self._transferred.values()), key=lambda k: k[:3])
        line = heapq.merge(*(keys for keys in self._line.values()))
        return [self.active[key[-1]] for key in (*transferred, *line)]

    # ---- index upkeep --------------------------------------------------------------------

    def _line_key(self, t: Ticket) -> LineKey:
        return (*line_rank(t), t.queue_key, self._order[t.id], t.id)

    def _transfer_key(self, t: Ticket) -> TransferKey:
        return (t.transferred_at or t.issued_at, t.queue_key, self._order[t.id], t.id)

    def _index(self, t: Ticket) -> None:
        if t.status == "waiting":
            self._line.setdefault(t.category, SortedList()).add(self._line_key(t))
        elif t.status == "transferred":
            assert t.transferred_to is not None
            self._transferred.setdefault(t.transferred_to, SortedList()).add(self._transfer_key(t))
        if t.status in ("waiting", "transferred"):
            self.counts[t.category] = self.counts.get(t.category, 0) + 1
        if t.status in AT_WINDOW and t.window is not None:
            self._at[t.window] = t.id

    def _unindex(self, t: Ticket) -> None:
        if t.status == "waiting":
            self._line[t.category].remove(self._line_key(t))
        elif t.status == "transferred":
            assert t.transferred_to is not None
            self._transferred[t.transferred_to].remove(self._transfer_key(t))
        if t.status in ("waiting", "transferred"):
            self.counts[t.category] -= 1
        if t.status in AT_WINDOW and t.window is not None and self._at.get(t.window) == t.id:
            del self._at[t.window]
