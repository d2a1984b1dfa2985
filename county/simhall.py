"""Synthetic hall days, event for event as a real hall records them, for the benchmark and
the board's screenshots (real halls are the hall server processes in the tests).

A day: ``day_started``, then tickets issued through office hours, called, started and
finished at a few windows in order, each event the real ``bianmin.protocol.Event``.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from typing import Any
from zoneinfo import ZoneInfo

from bianmin.protocol import Event, EventType, TicketView, WindowView

TZ = ZoneInfo("Asia/Shanghai")
WINDOWS = {1: ("计生 · 民政窗口", ["A", "C"]), 2: ("财税 · 经管窗口", ["B", "D"]), 3: ("医保 · 社保窗口", ["E", "F"])}
CLERKS = {1: "张三", 2: "李四", 3: "王五"}
OUTCOMES = ["instant"] * 8 + ["promised", "agency"]


def simulate_day(day: dt.date, tickets: int = 600, *, seed: int = 0, until: dt.time | None = None) -> list[dict]:
    """One hall's events for ``day`` (seq from 1), optionally cut off at local time ``until``."""
    rng = random.Random(seed)
    opening = dt.datetime.combine(day, dt.time(8, 30), TZ)
    span = 8 * 3600
    cats = sorted({c for _, cs in WINDOWS.values() for c in cs})
    arrivals = sorted(rng.uniform(0, span * 0.9) for _ in range(tickets))
    seq = 0
    waiting: dict[str, int] = dict.fromkeys(cats, 0)
    served = dict.fromkeys(WINDOWS, 0)
    line: dict[str, list[TicketView]] = {c: [] for c in cats}
    at_window: dict[int, TicketView | None] = dict.fromkeys(WINDOWS)
    numbers = dict.fromkeys(cats, 0)
    out: list[dict] = []
    # (time, order, kind, payload): arrivals and windows becoming free
    agenda: list[tuple[float, int, str, int]] = []
    order = 0
    for i, t in enumerate(arrivals):
        agenda.append((t, order, "arrive", i))
        order += 1
    for w in WINDOWS:
        agenda.append((rng.uniform(0, 300), order, "free", w))
        order += 1
    heapq.heapify(agenda)
    remaining = tickets
    cutoff = (dt.datetime.combine(day, until, TZ) - opening).total_seconds() if until else None

    def iso(t: float) -> str:
        return (opening + dt.timedelta(seconds=t)).isoformat(timespec="seconds")

    def window_view(w: int) -> WindowView:
        name, wc = WINDOWS[w]
        return WindowView(w, name, wc, False, CLERKS[w], at_window[w], served[w])

    def emit(kind: EventType, t: float, **kw: Any) -> None:
        nonlocal seq
        seq += 1
        out.append(Event(seq=seq, type=kind, at=iso(t), waiting=dict(waiting), **kw).to_dict())

    emit("day_started", 0.0, day=day.isoformat())
    while agenda:
        t, _, kind, what = heapq.heappop(agenda)
        if cutoff is not None and t > cutoff:
            break
        if kind == "arrive":
            remaining -= 1
            cat = rng.choice(cats)
            numbers[cat] += 1
            ticket = TicketView(what + 1, f"{cat}{numbers[cat]:03d}", cat, None, None, False, "waiting", None, iso(t))
            line[cat].append(ticket)
            waiting[cat] += 1
            emit("ticket_issued", t, ticket=ticket)
            continue
        w = what  # a window is free: finish its ticket, call the next
        current = at_window[w]
        if current is not None:
            at_window[w] = None
            served[w] += 1
            done = TicketView(**{**current.to_dict(), "status": "done"})
            emit("service_finished", t, ticket=done, window=window_view(w), outcome=rng.choice(OUTCOMES))
        queue = [line[c][0] for c in WINDOWS[w][1] if line[c]]
        if not queue:
            if remaining == 0:
                continue  # nobody left to come: this window is done for the day
            heapq.heappush(agenda, (t + 60, order, "free", w))
            order += 1
            continue
        nxt = min(queue, key=lambda tk: tk.id)
        line[nxt.category].pop(0)
        waiting[nxt.category] -= 1
        called = TicketView(**{**nxt.to_dict(), "status": "called", "window": w, "called_at": iso(t)})
        at_window[w] = called
        emit("ticket_called", t, ticket=called, window=window_view(w))
        t2 = t + rng.uniform(20, 60)
        serving = TicketView(**{**called.to_dict(), "status": "serving"})
        at_window[w] = serving
        emit("service_started", t2, ticket=serving, window=window_view(w))
        heapq.heappush(agenda, (t2 + rng.uniform(40, 200), order, "free", w))
        order += 1
    return out
