"""A hall's live state at the county, derived from its events in seq order (pure).

The county keeps one ``live`` dict per hall (JSON in ``hall_state.live``) and folds each
ingested event into it, so ``/api/halls`` and a hall's snapshot are read, never computed.
Events are plain dicts as the hall sent them (``bianmin.protocol.Event.to_dict()``).
"""

from __future__ import annotations

import bisect
import datetime as dt
from typing import Any

RECENT_CALLS = 10
IN_LINE = ("waiting", "transferred")
# Wait-time histogram edges in seconds: 10 s steps to 10 min, 1 min steps to 3 h, then "longer".
WAIT_EDGES: tuple[int, ...] = tuple(range(10, 601, 10)) + tuple(range(660, 10801, 60))


def empty() -> dict[str, Any]:
    return {
        "seq": 0,
        "day": None,
        "waiting": {},
        "windows": {},
        "recent_calls": [],
        "queue": {},
        "waits": [0] * (len(WAIT_EDGES) + 1),
    }


def _seconds_between(start: str | None, end: str | None) -> int | None:
    if not start or not end:
        return None
    try:
        return max(0, int((dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)).total_seconds()))
    except ValueError:
        return None


def wait_of(event: dict[str, Any]) -> int | None:
    """Seconds a ticket waited before its first call, for a ``ticket_called`` event."""
    if event.get("type") != "ticket_called":
        return None
    t = event.get("ticket")
    if not isinstance(t, dict):
        return None
    return _seconds_between(t.get("issued_at"), t.get("called_at") or event.get("at"))


def apply(live: dict[str, Any], event: dict[str, Any]) -> int | None:
    """Fold ``event`` into ``live``; returns the wait it recorded (first calls only), if any."""
    kind = event["type"]
    live["seq"] = event["seq"]
    waits: list[int] = live["waits"]
    if kind == "day_started":
        live["day"] = event.get("day")
        live["recent_calls"] = []
        waits[:] = [0] * len(waits)
        for w in live["windows"].values():
            w["served_today"] = 0
    live["waiting"] = event["waiting"]
    for key in ("window", "to_window"):
        w = event.get(key)
        if isinstance(w, dict) and isinstance(w.get("number"), int):
            live["windows"][str(w["number"])] = w
    queue: dict[str, Any] = live["queue"]
    recorded = None
    t = event.get("ticket")
    if isinstance(t, dict) and isinstance(t.get("id"), int):
        tid = str(t["id"])
        before = queue.get(tid)
        if kind == "ticket_called" and before is not None and before.get("called_at") is None:
            recorded = wait_of(event)
            if recorded is not None:
                waits[bisect.bisect_left(WAIT_EDGES, recorded)] += 1
        if t.get("status") in IN_LINE:
            queue[tid] = t
        else:
            queue.pop(tid, None)
        if kind in ("ticket_called", "ticket_recalled") and t.get("window") is not None:
            calls = live["recent_calls"]
            calls.append(
                {"number": t.get("number"), "window": t["window"], "at": event["at"], "recall": kind != "ticket_called"}
            )
            del calls[:-RECENT_CALLS]
    for t in event.get("tickets") or ():
        if isinstance(t, dict) and t.get("status") not in IN_LINE:
            queue.pop(str(t.get("id")), None)
    return recorded


def percentile(hist: list[int], q: float) -> int | None:
    """The ``q`` quantile (0–1) of a wait histogram, as the upper edge of its bucket."""
    total = sum(hist)
    if not total:
        return None
    rank = q * total
    seen = 0
    for i, n in enumerate(hist):
        seen += n
        if seen >= rank:
            return WAIT_EDGES[i] if i < len(WAIT_EDGES) else WAIT_EDGES[-1]
    return WAIT_EDGES[-1]


def figures(live: dict[str, Any]) -> dict[str, Any]:
    """The columns of ``hall_state`` that ``/api/halls`` reads, from ``live``."""
    windows = live["windows"].values()
    return {
        "day": live["day"],
        "waiting": sum(v for v in live["waiting"].values() if isinstance(v, int)),
        "windows_open": sum(1 for w in windows if not w.get("paused") and w.get("clerk")),
        "windows_paused": sum(1 for w in windows if w.get("paused")),
        "served_today": sum(w.get("served_today") or 0 for w in windows),
        "wait_p50_s": percentile(live["waits"], 0.5),
        "wait_p90_s": percentile(live["waits"], 0.9),
    }


def snapshot(live: dict[str, Any]) -> dict[str, Any]:
    """The hall's snapshot as the county holds it (the shape of ``bianmin.protocol.Snapshot``)."""
    queue = sorted(live["queue"].values(), key=lambda t: (t.get("status") != "transferred", t.get("id", 0)))
    return {
        "seq": live["seq"],
        "day": live["day"] or "",
        "waiting": live["waiting"],
        "windows": [live["windows"][k] for k in sorted(live["windows"], key=int)],
        "recent_calls": live["recent_calls"],
        "queue": queue,
        "type": "snapshot",
    }
