"""A hall's live state at the county, derived from its events in seq order (pure).

The county keeps one :class:`Live` per hall (JSON in ``hall_state.live``) and folds each
ingested event into it, so ``/api/halls`` and a hall's snapshot are read, never computed.
Events are :class:`county.events.Event` structs, as decoded from the hall's batch.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from typing import Any

import msgspec

from .events import Event, Ticket, Window

RECENT_CALLS = 10
MAX_WAIT_S = 7 * 86400  # longer is a wrong clock, not a wait (and past the column's integer)
IN_LINE = ("waiting", "transferred")
# Wait-time histogram edges in seconds: 10 s steps to 10 min, 1 min steps to 3 h, then "longer".
WAIT_EDGES: tuple[int, ...] = tuple(range(10, 601, 10)) + tuple(range(660, 10801, 60))


class Call(msgspec.Struct, gc=False):
    number: str
    window: int
    at: str
    recall: bool = False


def _no_waits() -> list[int]:
    return [0] * (len(WAIT_EDGES) + 1)


class Live(msgspec.Struct):
    """What the county shows of a hall: its line, windows and calls, and the day's waits."""

    seq: int = 0
    day: str | None = None
    waiting: dict[str, int] = {}
    windows: dict[int, Window] = {}
    recent_calls: list[Call] = []
    queue: dict[int, Ticket] = {}  # the tickets in line, by id
    waits: list[int] = msgspec.field(default_factory=_no_waits)  # first-call waits, by WAIT_EDGES bucket


_LIVE = msgspec.json.Decoder(Live)
_encode = msgspec.json.Encoder().encode


def empty() -> Live:
    return Live()


def dumps(live: Live) -> bytes:
    return _encode(live)


def loads(text: str | bytes | None) -> Live:
    """A checkpoint as written by :func:`dumps`; an empty state for none, or one this
    version cannot read (the caller replays the hall's events instead)."""
    if not text:
        return empty()
    try:
        live = _LIVE.decode(text)
    except msgspec.MsgspecError:
        return empty()
    return live if len(live.waits) == len(WAIT_EDGES) + 1 else empty()


def _seconds_between(start: str | None, end: str | None) -> int | None:
    if not start or not end:
        return None
    try:
        seconds = int((dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)).total_seconds())
    except (ValueError, TypeError, OverflowError):  # not a time, or one with and one without a zone
        return None
    return max(0, seconds) if seconds <= MAX_WAIT_S else None  # a wrong clock: not a wait


def wait_of(event: Event) -> int | None:
    """Seconds a ticket waited before its first call, for a ``ticket_called`` event."""
    t = event.ticket
    if event.type != "ticket_called" or t is None:
        return None
    return _seconds_between(t.issued_at, t.called_at or event.at)


def apply(live: Live, event: Event) -> int | None:
    """Fold ``event`` into ``live``; returns the wait it recorded (first calls only), if any."""
    kind = event.type
    live.seq = event.seq
    waits = live.waits
    if kind == "day_started":
        live.day = event.day
        live.recent_calls = []
        waits[:] = _no_waits()
        for shown in live.windows.values():
            shown.served_today = 0
    live.waiting = event.waiting
    for w in (event.window, event.to_window):
        if w is not None:
            live.windows[w.number] = w
    queue = live.queue
    recorded = None
    t = event.ticket
    if t is not None:
        before = queue.get(t.id)
        if kind == "ticket_called" and before is not None and before.called_at is None:
            recorded = wait_of(event)
            if recorded is not None:
                waits[bisect.bisect_left(WAIT_EDGES, recorded)] += 1
        if t.status in IN_LINE:
            queue[t.id] = t
        else:
            queue.pop(t.id, None)
        if t.window is not None and kind in ("ticket_called", "ticket_recalled"):
            calls = live.recent_calls
            calls.append(Call(t.number, t.window, event.at, kind != "ticket_called"))
            del calls[:-RECENT_CALLS]
    for t in event.tickets:
        if t.status not in IN_LINE:
            queue.pop(t.id, None)
    return recorded


def percentile(hist: list[int], q: float) -> int | None:
    """The ``q`` quantile (0–1) of a wait histogram, as the upper edge of its bucket."""
    running = list(itertools.accumulate(hist))  # in C: this runs for every hall in every commit
    if not running[-1]:
        return None
    i = bisect.bisect_left(running, q * running[-1])
    return WAIT_EDGES[min(i, len(WAIT_EDGES) - 1)]


def figures(live: Live) -> dict[str, Any]:
    """The columns of ``hall_state`` that ``/api/halls`` reads, from ``live``."""
    windows = live.windows.values()
    return {
        "day": live.day,
        "waiting": sum(live.waiting.values()),
        "windows_open": sum(1 for w in windows if not w.paused and w.clerk),
        "windows_paused": sum(1 for w in windows if w.paused),
        "served_today": sum(w.served_today for w in windows),
        "wait_p50_s": percentile(live.waits, 0.5),
        "wait_p90_s": percentile(live.waits, 0.9),
    }


def snapshot(live: Live) -> dict[str, Any]:
    """The hall's snapshot as the county holds it (the shape of ``bianmin.protocol.Snapshot``)."""
    queue = sorted(live.queue.values(), key=lambda t: (t.status != "transferred", t.id))
    return msgspec.to_builtins(
        {
            "seq": live.seq,
            "day": live.day or "",
            "waiting": live.waiting,
            "windows": [live.windows[k] for k in sorted(live.windows)],
            "recent_calls": live.recent_calls,
            "queue": queue,
            "type": "snapshot",
        }
    )
