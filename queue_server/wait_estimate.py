"""Wait estimates (预计等待): minutes until a ticket is called, learned from recent services.

The model: the windows that serve a category give it a share of their time (learned: the
share of each window's recent service seconds spent on that category; an even split of its
categories when it has no history). With ``ahead`` people before the new ticket and a mean
service time ``s`` for the category (today's services weigh three times a recent day's), the
line moves at ``capacity / s`` people a second, so the wait is ``(ahead + 1/2) × s / capacity``
(the 1/2: the service under way at a window is half done, on average). Paused windows give no
capacity. No history, or no open window: ``None`` (the kiosk prints no estimate rather than a
guess).

:func:`estimate` is pure; :class:`Estimator` learns from the store every few minutes and is
what the API asks. ``bench/wait_estimate.py`` measures its error against the naive
``ahead × average service time``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from aiohttp import web

from bianmin.protocol import TicketState

from .store import Store

RECENT_DAYS = 14
TODAY_WEIGHT = 3.0
REFRESH_S = 300.0


@dataclass(frozen=True)
class Learned:
    """What the estimate knows: mean service seconds per category, each window's time shares."""

    service_s: Mapping[str, float] = field(default_factory=dict)
    share: Mapping[tuple[int, str], float] = field(default_factory=dict)


def learn(samples: Iterable[tuple[str, int, float, float, bool]]) -> Learned:
    """``(category, window, total service seconds, services, today)`` rows → :class:`Learned`."""
    sums: dict[str, list[float]] = {}
    busy: dict[tuple[int, str], float] = {}
    for cat, window, seconds, n, today in samples:
        w = TODAY_WEIGHT if today else 1.0
        acc = sums.setdefault(cat, [0.0, 0.0])
        acc[0] += w * seconds
        acc[1] += w * n
        busy[(window, cat)] = busy.get((window, cat), 0.0) + w * seconds
    per_window: dict[int, float] = {}
    for (window, _cat), seconds in busy.items():
        per_window[window] = per_window.get(window, 0.0) + seconds
    return Learned(
        service_s={c: s / n for c, (s, n) in sums.items() if n > 0},
        share={k: v / per_window[k[0]] for k, v in busy.items() if per_window[k[0]] > 0},
    )


def estimate(
    category: str, ahead: int, windows: Mapping[int, Sequence[str]], learned: Learned, paused: Iterable[int] = ()
) -> int | None:
    """Minutes until a ticket of ``category`` with ``ahead`` people before it is called."""
    s = learned.service_s.get(category)
    if s is None or ahead < 0:
        return None
    stopped = set(paused)
    capacity = 0.0
    for number, cats in windows.items():
        if category not in cats or number in stopped:
            continue
        known = [learned.share[(number, c)] for c in cats if (number, c) in learned.share]
        capacity += learned.share.get((number, category), 0.0) if known else 1.0 / len(cats)
    if capacity <= 0:
        return None
    return round((ahead + 0.5) * s / capacity / 60)


SAMPLES_SQL = """
SELECT t.category, t.window,
       SUM((julianday(t.finished_at) - julianday(COALESCE(
           (SELECT MAX(x.at) FROM transitions x WHERE x.ticket_id = t.id AND x.to_status = 'serving'),
           t.called_at))) * 86400) AS seconds,
       COUNT(*) AS n, t.day = :today AS today
FROM tickets t
WHERE t.day BETWEEN :lo AND :today AND t.status = 'done' AND t.window IS NOT NULL AND t.finished_at IS NOT NULL
GROUP BY t.category, t.window, today
"""


class Estimator:
    """The learned figures of one store, refreshed at most every :data:`REFRESH_S` seconds."""

    def __init__(self, store: Store, refresh_s: float = REFRESH_S) -> None:
        self.store, self.refresh_s = store, refresh_s
        self._learned = Learned()
        self._day: dt.date | None = None
        self._at = -1e9
        self._lock = asyncio.Lock()

    async def learned(self, today: dt.date) -> Learned:
        if self._day == today and time.monotonic() - self._at < self.refresh_s:
            return self._learned
        async with self._lock:
            if self._day != today or time.monotonic() - self._at >= self.refresh_s:
                lo = today - dt.timedelta(days=RECENT_DAYS)
                rows = await self.store.fetchall(SAMPLES_SQL, {"lo": lo.isoformat(), "today": today.isoformat()})
                self._learned = learn((r[0], r[1], max(0.0, r[2] or 0.0), r[3], bool(r[4])) for r in rows)
                self._day, self._at = today, time.monotonic()
        return self._learned

    def forget(self) -> None:
        """Learn again on the next ask (tests, or after a day of services was imported)."""
        self._at = -1e9


ESTIMATOR: web.AppKey[Estimator] = web.AppKey("wait_estimator")


async def minutes_for(app: web.Application, category: str, ahead: int) -> int | None:
    """The estimate for a new or waiting ticket, or None when the app has no estimator."""
    from .keys import SERVICE

    est = app.get(ESTIMATOR)
    if est is None:
        return None
    svc = app[SERVICE]
    windows = {w.number: w.categories for w in svc.center.windows}
    paused = [n for n in windows if svc.is_paused(n)]
    return estimate(category, ahead, windows, await est.learned(svc.day), paused)


async def ticket_state(app: web.Application, token: str) -> TicketState:
    """The holder's live state, with the wait estimate while the ticket waits in its line."""
    from .keys import SERVICE

    state = await app[SERVICE].ticket_state(token)
    if state.status != "waiting":
        return state
    return replace(state, wait_minutes=await minutes_for(app, state.number[0], state.ahead))
