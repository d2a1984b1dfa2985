"""Statistics (业务分析) of a date range, from SQL aggregates over the ledger's tables.

Every figure is counted by SQLite (GROUP BY, window functions for the percentiles) so a
year of services costs a few index scans, never a Python loop over the rows. The one
exception is the working days a case took: SQLite does not know the State Council calendar,
so cases are grouped by (opened, closed) day pairs in SQL and only those distinct pairs are
counted in Python.

Definitions (the tests check them by hand):
- wait: first call − issue, over tickets that were called; p50/p90 are nearest-rank.
- service: finish − start of the last service (or the last call when never started).
- no-show rate: tickets missed at least once / tickets called; transfer rate likewise;
  rejection rate: 退办告知 outcomes / finished services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from bianmin import workdays
from bianmin.center import Center
from bianmin.protocol import OUTCOME_NAMES

from .store import Store

RANGE = "t.day BETWEEN :lo AND :hi"
FIRST_CALL = "(SELECT MIN(x.at) FROM transitions x WHERE x.ticket_id = t.id AND x.to_status = 'called')"
LAST_START = (
    "COALESCE((SELECT MAX(x.at) FROM transitions x WHERE x.ticket_id = t.id AND x.to_status = 'serving'), "
    "(SELECT MAX(x.at) FROM transitions x WHERE x.ticket_id = t.id AND x.to_status = 'called' "
    "AND x.from_status <> 'called'))"
)
SECONDS = "CAST(ROUND((julianday({b}) - julianday({a})) * 86400) AS INTEGER)"
WAIT = SECONDS.format(a="t.issued_at", b=FIRST_CALL)
SERVICE = SECONDS.format(a=LAST_START, b="t.finished_at")
HAD = "EXISTS (SELECT 1 FROM transitions x WHERE x.ticket_id = t.id AND x.to_status = '{0}')"


class Stats:
    """The aggregates of ``start`` … ``end`` for one center's store."""

    def __init__(self, store: Store, center: Center, start: dt.date, end: dt.date) -> None:
        self.store, self.center = store, center
        self.params = {"lo": start.isoformat(), "hi": end.isoformat()}

    async def _rows(self, sql: str) -> list[list[Any]]:
        return [list(r) for r in await self.store.fetchall(sql, self.params)]

    async def volume(self, key: str) -> list[list[Any]]:
        """Tickets issued per ``key``: day, week, month, category, matter or window."""
        expr = {
            "day": "t.day",
            "week": "strftime('%Y-W%W', t.day)",
            "month": "substr(t.day, 1, 7)",
            "category": "t.category",
            "matter": "COALESCE(t.matter, '')",
            "window": "t.window",
        }[key]
        where = f"{RANGE} AND t.window IS NOT NULL" if key == "window" else RANGE
        return await self._rows(f"SELECT {expr} AS k, COUNT(*) FROM tickets t WHERE {where} GROUP BY k ORDER BY k")

    async def totals(self) -> dict[str, Any]:
        """Counts, rates and the wait/service figures of the whole range."""
        (row,) = await self._rows(
            f"SELECT COUNT(*), SUM(called), SUM(t.status = 'done'), SUM(t.outcome = 'rejected'), "
            f"SUM(called AND {HAD.format('no_show')}), SUM(called AND {HAD.format('transferred')}) "
            f"FROM (SELECT t.*, {HAD.format('called')} AS called "
            f"FROM tickets t WHERE {RANGE}) t"
        )
        issued, called, done, rejected, no_shows, transfers = (v or 0 for v in row)
        (wait,) = await self._rows(
            "SELECT COUNT(*), MIN(CASE WHEN rn >= 0.5 * n THEN w END), MIN(CASE WHEN rn >= 0.9 * n THEN w END), "
            "AVG(w > 1800), AVG(w) FROM (SELECT w, ROW_NUMBER() OVER (ORDER BY w) AS rn, COUNT(*) OVER () AS n "
            f"FROM (SELECT {WAIT} AS w FROM tickets t WHERE {RANGE}) WHERE w IS NOT NULL)"
        )
        (service,) = await self._rows(
            f"SELECT AVG(s) FROM (SELECT {SERVICE} AS s FROM tickets t WHERE {RANGE} AND t.finished_at IS NOT NULL)"
        )

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
            "wait_p50_s": wait[1],
            "wait_p90_s": wait[2],
            "wait_over_30_share": round(wait[3], 4) if wait[3] is not None else None,
            "wait_avg_s": round(wait[4]) if wait[4] is not None else None,
            "service_avg_s": round(service[0]) if service[0] is not None else None,
        }

    async def service_by(self, key: str) -> list[list[Any]]:
        """Average service seconds and count per matter or per clerk."""
        if key == "matter":
            expr, join = "COALESCE(t.matter, '')", ""
        else:
            expr, join = "COALESCE(c.name, '')", "LEFT JOIN clerks c ON c.id = t.clerk_id"
        return await self._rows(
            f"SELECT k, CAST(ROUND(AVG(s)) AS INTEGER), COUNT(*) FROM (SELECT {expr} AS k, {SERVICE} AS s "
            f"FROM tickets t {join} WHERE {RANGE} AND t.finished_at IS NOT NULL) GROUP BY k ORDER BY k"
        )

    async def heatmap(self) -> list[list[int]]:
        """Tickets issued per (hour, ISO weekday 1–7)."""
        return await self._rows(
            "SELECT CAST(substr(t.issued_at, 12, 2) AS INTEGER) AS h, "
            "(CAST(strftime('%w', t.day) AS INTEGER) + 6) % 7 + 1 AS wd, COUNT(*) "
            f"FROM tickets t WHERE {RANGE} GROUP BY h, wd ORDER BY h, wd"
        )

    async def outcomes(self) -> list[list[Any]]:
        rows = await self._rows(
            f"SELECT t.outcome, COUNT(*) FROM tickets t WHERE {RANGE} AND t.outcome IS NOT NULL "
            "GROUP BY t.outcome ORDER BY COUNT(*) DESC, t.outcome"
        )
        return [[OUTCOME_NAMES.get(k, k), n] for k, n in rows]

    async def rejection_reasons(self, limit: int = 20) -> list[list[Any]]:
        return await self._rows(
            f"SELECT TRIM(t.reason) AS r, COUNT(*) FROM tickets t WHERE {RANGE} AND t.outcome = 'rejected' "
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

    async def summary(self) -> dict[str, Any]:
        """Everything the statistics page draws, in one JSON object."""
        return {
            "from": self.params["lo"],
            "to": self.params["hi"],
            "totals": await self.totals(),
            "volume": {k: await self.volume(k) for k in ("day", "week", "month", "category", "matter", "window")},
            "service_by_matter": await self.service_by("matter"),
            "service_by_clerk": await self.service_by("clerk"),
            "heatmap": await self.heatmap(),
            "outcomes": await self.outcomes(),
            "rejection_reasons": await self.rejection_reasons(),
            "timeliness": await self.timeliness(),
            # Ratings arrive with the supervision issue; until then there are none to show.
            "satisfaction": {"by_window": [], "by_clerk": [], "by_matter": []},
        }


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
