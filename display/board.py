"""The hall board as plain data: apply Snapshots and Events, decide what to announce.

No Kivy here, so every rule is unit-tested with plain messages. :meth:`Board.apply`
returns a :class:`Change` naming the parts of the screen that must be redrawn, whether
the big call should flash, and the calls to announce. Rules:

* A snapshot replaces everything, never flashes and announces nothing (its calls are old).
* An event at or below the last seen ``seq`` is a duplicate and is ignored.
* ``ticket_called`` / ``ticket_recalled`` newer than the last seq flash and are announced,
  unless older than ``max_age`` seconds (events replayed after a long outage).
* Any window change redraws the calls: the big panel is derived from the windows
  (:func:`display.present.current_call`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from bianmin.protocol import CallView, Event, Snapshot, WindowView
from display.speech import Announcement

CALL_EVENTS = ("ticket_called", "ticket_recalled")
RECENT_LIMIT = 10


@dataclass(frozen=True)
class Change:
    """Which parts of the board changed in one update."""

    windows: bool = False
    waiting: bool = False
    calls: bool = False
    flash: bool = False
    announce: tuple[Announcement, ...] = ()


def parse_time(value: str) -> dt.datetime | None:
    """An ISO timestamp from the server as an aware datetime (naive means UTC)."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclass
class Board:
    """Everything the hall display shows that comes from ``/ws``."""

    max_age: float = 60.0
    seq: int | None = None
    day: str = ""
    waiting: dict[str, int] = field(default_factory=dict)
    windows: dict[int, WindowView] = field(default_factory=dict)
    recent: list[CallView] = field(default_factory=list)  # newest first

    @property
    def latest(self) -> CallView | None:
        return self.recent[0] if self.recent else None

    def apply(self, message: Snapshot | Event, now: dt.datetime) -> Change:
        """Apply one WebSocket message; ``now`` is the server's time as best we know it."""
        if isinstance(message, Snapshot):
            return self._snapshot(message)
        return self._event(message, now)

    def _snapshot(self, snap: Snapshot) -> Change:
        self.seq = snap.seq
        self.day = snap.day
        self.waiting = dict(snap.waiting)
        self.windows = {w.number: w for w in snap.windows}
        # The server lists calls oldest first; we keep newest first.
        self.recent = list(reversed(snap.recent_calls))[:RECENT_LIMIT]
        return Change(windows=True, waiting=True, calls=True)

    def _event(self, ev: Event, now: dt.datetime) -> Change:
        if self.seq is not None and ev.seq <= self.seq:
            return Change()
        self.seq = ev.seq
        waiting = ev.waiting != self.waiting
        self.waiting = dict(ev.waiting)
        windows = False
        if ev.type == "day_started":
            # A new service day: yesterday's calls and counts leave the board.
            self.day = ev.day or self.day
            self.recent = []
            self.windows = {n: replace(w, ticket=None, served_today=0) for n, w in self.windows.items()}
            return Change(windows=True, waiting=waiting, calls=True)
        for view in (ev.window, ev.to_window):
            if view is not None and self.windows.get(view.number) != view:
                self.windows[view.number] = view
                windows = True
        if ev.type not in CALL_EVENTS or ev.ticket is None or ev.window is None:
            # A window that paused or moved on may make the big call stale: redraw it too.
            return Change(windows=windows, waiting=waiting, calls=windows)
        recall = ev.type == "ticket_recalled"
        call = CallView(ev.ticket.number, ev.window.number, ev.at, recall=recall)
        self.recent = [call, *self.recent][:RECENT_LIMIT]
        fresh = self.is_fresh(ev.at, now)
        announce = (Announcement(call.number, call.window, recall, ev.seq),) if fresh else ()
        return Change(windows=windows, waiting=waiting, calls=True, flash=fresh, announce=announce)

    def is_fresh(self, at: str, now: dt.datetime) -> bool:
        """True when an event stamped ``at`` is recent enough to flash and announce."""
        moment = parse_time(at)
        if moment is None:
            return True  # an unreadable stamp on a live event: better said than lost
        return (now - moment).total_seconds() <= self.max_age
