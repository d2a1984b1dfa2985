"""Statistics (业务分析) of a date range, from SQL aggregates over the service facts.

Every figure is counted by SQLite (GROUP BY) over the service facts (one row per ticket, in
day order, read through a covering index; :mod:`.service_facts`), so a year of services
costs a few range scans, never a Python loop over the rows nor an aggregate over the
transitions (but today's). The one
exception is the working days a case took: SQLite does not know the State Council calendar,
so cases are grouped by (opened, closed) day pairs in SQL and only those distinct pairs are
counted in Python.

Definitions (the tests check them by hand):
- wait: first call - issue, over tickets that were called; p50/p90 are nearest-rank.
- service: finish - start of the last service (or the last call when never started).
- appointment tickets: tickets issued by a booking's check-in; their share: of all tickets.
- no-show rate: tickets missed at least once / tickets called; transfer rate likewise;
  rejection rate: 退办告知 outcomes / finished services.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from bianmin import workdays
from bianmin.center import Center
from bianmin.protocol import OUTCOME_NAMES

from . import request_ledger, service_facts
from .store import Store

RANGE = "t.day BETWEEN :lo AND :hi"
# The counted columns of the facts (queue_server.service_facts): stored days through their
# covering index, open days derived.
_COUNTED = (
    "day, category, matter, window, clerk_id, status, outcome, hour, weekday, wait_s, service_s, no_shows, transfers"
)
FIGURES = service_facts.facts_sql(_COUNTED, "INDEXED BY service_facts_figures") + " t"
REASONS = service_facts.facts_sql("day, outcome, reason") + " t"
BOOKED = service_facts.facts_sql("day, appointment, wait_s, status") + " t"
# Per ticket of the range: the wait ``w`` and service ``sv`` seconds and whether it was
# called (it has a wait: the wait runs from issue to the first call), missed or transferred.
FACTS = f"""
WITH f AS (
    SELECT matter, clerk_id, status, outcome, no_shows > 0 AS missed, transfers > 0 AS moved,
           wait_s IS NOT NULL AS called, wait_s AS w, service_s AS sv
    FROM {FIGURES}
)
"""


class Stats:
    """The aggregates of ``start`` … ``end`` for one center's store."""

    def __init__(
        self, store: Store, center: Center, start: dt.date, end: dt.date, today: dt.date | None = None
    ) -> None:
        self.store, self.center = store, center
        self.today = today or end  # an open request past its due date by then counts as late
        self.start, self.end = start, end
        self.params = {"lo": start.isoformat(), "hi": end.isoformat(), "today": self.today.isoformat()}
        self._periods: dict[str, list[list[Any]]] | None = None
        self._groups: dict[str, list[list[Any]]] | None = None
        self._outcomes: list[list[Any]] = []
        self._heatmap: list[list[int]] = []

    async def _rows(self, sql: str) -> list[list[Any]]:
        return [list(r) for r in await self.store.fetchall(sql, self.params)]

    async def volumes(self) -> dict[str, list[list[Any]]]:
        """Tickets issued per day, week, month, category, matter and window (windows that
        called them): :meth:`periods` and :meth:`groups` together."""
        return {**await self.periods(), **await self.groups()}

    async def periods(self) -> dict[str, list[list[Any]]]:
        """Tickets issued per day, week and month, from one grouped scan per (day, hour),
        which also gives :meth:`heatmap`. Apart from :meth:`groups` because it is the cheap
        half (no sort of every service), so the page's first chart needs only this."""
        if self._periods is None:
            hours = await self._rows(f"SELECT t.day, t.hour, COUNT(*) FROM {FIGURES} WHERE {RANGE} GROUP BY 1, 2")
            days: Counter[str] = Counter()
            weeks: Counter[str] = Counter()
            months: Counter[str] = Counter()
            heat: Counter[tuple[int, int]] = Counter()
            for day, hour, n in hours:
                date = dt.date.fromisoformat(day)
                days[day] += n
                weeks[date.strftime("%Y-W%W")] += n  # SQLite's and C's %W alike
                months[day[:7]] += n
                heat[hour, date.isoweekday()] += n
            self._heatmap = sorted([h, wd, n] for (h, wd), n in heat.items())
            self._periods = {
                "day": sorted([k, n] for k, n in days.items()),
                "week": sorted([k, n] for k, n in weeks.items()),
                "month": sorted([k, n] for k, n in months.items()),
            }
        return self._periods

    async def groups(self) -> dict[str, list[list[Any]]]:
        """Tickets issued per category, matter and window, from one grouped scan per
        (category, matter, window, outcome), which also gives :meth:`outcomes`."""
        if self._groups is None:
            groups = await self._rows(
                f"SELECT t.category, COALESCE(t.matter, ''), t.window, t.outcome, COUNT(*) FROM {FIGURES} "
                f"WHERE {RANGE} GROUP BY 1, 2, 3, 4"
            )
            keyed: dict[str, Counter[Any]] = {"category": Counter(), "matter": Counter(), "window": Counter()}
            outcomes: Counter[str] = Counter()
            for category, matter, window, outcome, n in groups:
                keyed["category"][category] += n
                keyed["matter"][matter] += n
                if window is not None:
                    keyed["window"][window] += n
                if outcome is not None:
                    outcomes[outcome] += n
            self._outcomes = sorted(([k, n] for k, n in outcomes.items()), key=lambda r: (-r[1], r[0]))
            self._groups = {key: sorted([k, n] for k, n in c.items()) for key, c in keyed.items()}
        return self._groups

    async def volume(self, key: str) -> list[list[Any]]:
        """Tickets issued per ``key``: day, week, month, category, matter or window."""
        return (await self.volumes())[key]

    async def totals(self) -> dict[str, Any]:
        """Counts, rates and the wait/service figures of the whole range.

        The percentiles come from the waits' distinct values and counts (a few thousand
        rows for a year) rather than from ranking every ticket.
        """
        (row,) = await self._rows(
            FACTS + "SELECT COUNT(*), SUM(called), "
            "SUM(status = 'done'), SUM(outcome = 'rejected'), SUM(called AND missed), SUM(called AND moved), "
            "AVG(CASE WHEN w IS NOT NULL THEN w > 1800 END), AVG(w), AVG(CASE WHEN status = 'done' THEN sv END) "
            "FROM f"
        )
        waits = await self._rows(FACTS + "SELECT w, COUNT(*) FROM f WHERE w IS NOT NULL GROUP BY w ORDER BY w")
        issued, called, done, rejected, no_shows, transfers = (v or 0 for v in row[:6])
        over30, wait_avg, service_avg = row[6:]
        p50, p90 = nearest_rank(waits, 0.5), nearest_rank(waits, 0.9)

        def rate(part: int, whole: int) -> float | None:
            return round(part / whole, 4) if whole else None

        return {
            "issued": issued,
            "called": called,
            "served": done,
            "rejected": rejected,
            "no_show_rate": rate(no_shows, called),
            "transfer_rate": rate(transfers, called),
            "rejection_rate": rate(rejected, done),
            "wait_p50_s": p50,
            "wait_p90_s": p90,
            "wait_over_30_share": round(over30, 4) if over30 is not None else None,
            "wait_avg_s": round(wait_avg) if wait_avg is not None else None,
            "service_avg_s": round(service_avg) if service_avg is not None else None,
        }

    async def service_by(self, key: str) -> list[list[Any]]:
        """Average service seconds and count per matter or per clerk."""
        if key == "matter":
            expr, join = "COALESCE(f.matter, '')", ""
        else:
            expr, join = "COALESCE(c.name, '')", "LEFT JOIN clerks c ON c.id = f.clerk_id"
        return await self._rows(
            FACTS + f"SELECT {expr} AS k, CAST(ROUND(AVG(sv)) AS INTEGER), COUNT(*) FROM f {join} "
            "WHERE f.status = 'done' GROUP BY k ORDER BY k"
        )

    async def heatmap(self) -> list[list[int]]:
        """Tickets issued per (hour, ISO weekday 1–7)."""
        await self.periods()
        return self._heatmap

    async def outcomes(self) -> list[list[Any]]:
        """Finished services per outcome (its Chinese name), most first."""
        await self.groups()
        return [[OUTCOME_NAMES.get(k, k), n] for k, n in self._outcomes]

    async def appointments(self) -> dict[str, Any]:
        """Appointment tickets (预约取号): how many were issued, called and served, their share
        of all tickets, and the bookings of the range's slots (booked, checked in, cancelled, and
        no-shows: never checked in nor cancelled, for a day before ``today``)."""
        (row,) = await self._rows(
            f"SELECT COUNT(*), SUM(t.wait_s IS NOT NULL), SUM(t.status = 'done') FROM {BOOKED} "
            f"WHERE {RANGE} AND t.appointment = 1"
        )
        tickets, called, served = (v or 0 for v in row)
        issued = sum(n for _, n in (await self.periods())["day"])
        (booked,) = await self._rows(
            "SELECT COUNT(*), SUM(status = 'checked_in'), SUM(status = 'cancelled'), "
            "SUM(status = 'booked' AND substr(slot, 1, 10) < :today) FROM appointments "
            "WHERE substr(slot, 1, 10) BETWEEN :lo AND :hi"
        )
        return {
            "tickets": tickets,
            "called": called,
            "served": served,
            "share": round(tickets / issued, 4) if issued else None,
            "bookings": booked[0] or 0,
            "checked_in": booked[1] or 0,
            "cancelled": booked[2] or 0,
            "no_show": booked[3] or 0,
        }

    async def requests(self) -> list[dict[str, Any]]:
        """委托办理, 上门服务 and 跨部门代办 recorded in the range, per kind and in all: closed,
        open, on time, late (:func:`queue_server.request_ledger.summary`)."""
        return request_ledger.summary(
            await request_ledger.rows(self.store, self.center, self.start, self.end, self.today)
        )

    async def rejection_reasons(self, limit: int = 20) -> list[list[Any]]:
        return await self._rows(
            f"SELECT TRIM(t.reason) AS r, COUNT(*) FROM {REASONS} WHERE {RANGE} AND t.outcome = 'rejected' "
            f"GROUP BY r ORDER BY COUNT(*) DESC, r LIMIT {int(limit)}"
        )

    async def timeliness(self) -> list[dict[str, Any]]:
        """Per month of completion: cases closed, share on time, average days taken and limits.

        Days taken count the center's working days (the State Council calendar); a pair of
        days in a year the calendar does not know is left out of the average, never guessed.
        """
        rows = await self._rows(
            "SELECT substr(k.closed_at, 1, 7) AS m, substr(k.opened_at, 1, 10), substr(k.closed_at, 1, 10), "
            "t.matter, COUNT(*), SUM(substr(k.closed_at, 1, 10) <= k.due) "
            "FROM cases k JOIN tickets t ON t.id = k.ticket_id "
            "WHERE k.closed_at IS NOT NULL AND substr(k.closed_at, 1, 10) BETWEEN :lo AND :hi "
            "GROUP BY m, 2, 3, t.matter ORDER BY m"
        )
        months: dict[str, dict[str, float]] = {}
        for month, opened, closed, matter_code, n, on_time in rows:
            acc = months.setdefault(
                month,
                {"n": 0, "on_time": 0, "days": 0.0, "days_n": 0, "promised": 0.0, "statutory": 0.0, "limits_n": 0},
            )
            acc["n"] += n
            acc["on_time"] += on_time
            try:
                taken = workdays.days_taken(
                    dt.date.fromisoformat(opened),
                    dt.date.fromisoformat(closed),
                    working_days_only=self.center.working_days_only,
                    calendar=self.center.calendar,
                )
                acc["days"] += taken * n
                acc["days_n"] += n
            except workdays.UnknownYear:
                pass
            matter = self.center.matters.get(matter_code) if matter_code else None
            if matter:
                acc["promised"] += matter.guide.promised_days * n
                acc["statutory"] += matter.guide.statutory_days * n
                acc["limits_n"] += n
        out = []
        for month, a in months.items():
            out.append(
                {
                    "month": month,
                    "cases": int(a["n"]),
                    "on_time_share": round(a["on_time"] / a["n"], 4),
                    "avg_days": round(a["days"] / a["days_n"], 2) if a["days_n"] else None,
                    "avg_promised_days": round(a["promised"] / a["limits_n"], 2) if a["limits_n"] else None,
                    "avg_statutory_days": round(a["statutory"] / a["limits_n"], 2) if a["limits_n"] else None,
                }
            )
        return out

    async def part(self, name: str) -> dict[str, Any]:
        """One part of the page's data, so the cheap charts draw while the costly ones count.

        ``volume`` (``periods`` and ``groups`` together) and ``times`` read the service
        facts; ``timeliness`` the cases. The page asks for ``periods`` first: one scan with
        no sort of every service, so its first chart waits for the least counting.
        """
        if name == "volume":
            return {**await self.part("periods"), **await self.part("groups"), "volume": await self.volumes()}
        if name == "periods":  # the page's first request: the cheap half of ``volume``
            return {
                "volume": await self.periods(),
                "heatmap": await self.heatmap(),
                "appointments": await self.appointments(),
            }
        if name == "groups":  # the rest of ``volume``
            return {
                "volume": await self.groups(),
                "outcomes": await self.outcomes(),
                "rejection_reasons": await self.rejection_reasons(),
            }
        if name == "times":
            return {
                "totals": await self.totals(),
                "service_by_matter": await self.service_by("matter"),
                "service_by_clerk": await self.service_by("clerk"),
            }
        if name == "timeliness":
            # Ratings arrive with the supervision issue; until then there are none to show.
            return {
                "timeliness": await self.timeliness(),
                "requests": await self.requests(),
                "satisfaction": {"by_window": [], "by_clerk": [], "by_matter": []},
            }
        raise ValueError(name)

    async def summary(self) -> dict[str, Any]:
        """Everything the statistics page draws, in one JSON object."""
        out: dict[str, Any] = {"from": self.params["lo"], "to": self.params["hi"]}
        for name in PARTS:
            out.update(await self.part(name))
        return out


PARTS = ("volume", "times", "timeliness")  # the summary; also "periods" and "groups", volume's halves
HALVES = ("periods", "groups")


def nearest_rank(counts: Sequence[Sequence[int]], q: float) -> int | None:
    """The nearest-rank ``q`` quantile of sorted ``[value, count]`` rows: the least value
    whose rank (1-based, in value order) reaches ``q`` × the number of values."""
    n = sum(c for _, c in counts)
    seen = 0
    for value, c in counts:
        seen += c
        if seen >= q * n:
            return value
    return None


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of ``day``'s month."""
    first = day.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


async def compare_months(store: Store, center: Center, day: dt.date) -> dict[str, Any]:
    """This month (to ``day``) against the whole of last month: the totals of each."""
    this_first, _ = month_bounds(day)
    last_first, last_end = month_bounds(this_first - dt.timedelta(days=1))
    this = await Stats(store, center, this_first, day).totals()
    last = await Stats(store, center, last_first, last_end).totals()
    return {
        "this": {"from": this_first.isoformat(), "to": day.isoformat(), **this},
        "last": {"from": last_first.isoformat(), "to": last_end.isoformat(), **last},
    }


def names(pairs: Sequence[Sequence[Any]], center: Center) -> list[list[Any]]:
    """Matter codes in ``[code, …]`` rows replaced by the matter's name for display."""
    return [[center.matters[p[0]].name if p[0] in center.matters else (p[0] or "未选事项"), *p[1:]] for p in pairs]
