"""The month's published figures (月度满意率、投诉答复率) and the manager's breakdown.

:func:`month_results` is the one function every view calls: the guide site, the display's
footer (``GET /api/supervision/results``) and the county board. A service counts in the
month of its service day; one never rated within the rating period counts as 基本满意
(defaulted) whether or not the default sweep has written its row yet; a 差评 whose appeal
was upheld is left out of every statistic (the record stays).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bianmin.protocol import BAD_LEVELS, SupervisionResults

from ..api import require_role
from ..errors import BadRequest
from ..keys import STORE
from ..store import Store
from ..web import json_response
from .common import center, today
from .rating_store import SINCE_KEY
from .ratings import satisfaction

if TYPE_CHECKING:
    from ..service import QueueService

routes = web.RouteTableDef()


def month_bounds(day: dt.date) -> tuple[str, str]:
    first = day.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first.isoformat(), (nxt - dt.timedelta(days=1)).isoformat()


def _bad_sql() -> str:
    return "(" + ", ".join(f"'{level}'" for level in BAD_LEVELS) + ")"


async def month_results(store: Store, today: dt.date, *, rating_days: int = 7) -> SupervisionResults:
    """The figures of ``today``'s month, and the open backlog as of ``today``."""
    first, last = month_bounds(today)
    bad = _bad_sql()
    row = await store.fetchone(
        "SELECT "
        "COUNT(*) FILTER (WHERE r.source IN ('pad', 'phone')) AS rated, "
        "COUNT(*) FILTER (WHERE r.source = 'default') AS defaulted, "
        f"COUNT(*) FILTER (WHERE r.level IN {bad} AND rc.appeal_status = 'upheld') AS removed, "
        f"COUNT(*) FILTER (WHERE r.level IN {bad} AND COALESCE(rc.appeal_status, '') != 'upheld') AS bad "
        "FROM ratings r LEFT JOIN rating_cases rc ON rc.rating_id = r.id WHERE r.day BETWEEN ? AND ?",
        (first, last),
    )
    assert row is not None
    # Services whose rating period ends by ``today`` and that the sweep has not reached yet
    # count as defaulted too (by day: a rating given on that last day replaces it).
    cutoff = (today - dt.timedelta(days=rating_days)).isoformat()
    pending = await store.fetchone(
        "SELECT COUNT(*) AS n FROM tickets t WHERE t.day BETWEEN ? AND ? AND t.status = 'done' "
        "AND substr(t.finished_at, 1, 10) <= ? "
        "AND t.id >= (SELECT COALESCE(MAX(CAST(value AS INTEGER)), 0) FROM meta WHERE key = ?) "
        "AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.ticket_id = t.id)",
        (first, last, cutoff, SINCE_KEY),
    )
    defaulted = row["defaulted"] + (pending["n"] if pending else 0)
    counted = row["rated"] + defaulted - row["removed"]
    backlog = await store.fetchone(
        "SELECT COUNT(*) AS open, COUNT(*) FILTER (WHERE due < ?) AS overdue "
        "FROM rating_cases WHERE replied_at IS NULL",
        (today.isoformat(),),
    )
    complaints = await store.fetchone(
        "SELECT COUNT(*) FILTER (WHERE kind = 'complaint' AND day BETWEEN ? AND ?) AS n, "
        "COUNT(*) FILTER (WHERE kind = 'complaint' AND day BETWEEN ? AND ? AND replied_at IS NOT NULL) AS replied, "
        "COUNT(*) FILTER (WHERE replied_at IS NULL AND due < ?) AS overdue FROM complaints",
        (first, last, first, last, today.isoformat()),
    )
    assert backlog is not None and complaints is not None
    return SupervisionResults(
        month=today.strftime("%Y-%m"),
        satisfaction_rate=satisfaction(counted - row["bad"], counted),
        rated=row["rated"],
        defaulted=defaulted,
        bad_open=backlog["open"],
        bad_overdue=backlog["overdue"],
        complaints=complaints["n"],
        complaint_reply_rate=satisfaction(complaints["replied"], complaints["n"]),
        complaints_overdue=complaints["overdue"],
    )


async def results_for(request: web.Request) -> SupervisionResults:
    c = center(request)
    return await month_results(request.app[STORE], today(request), rating_days=c.supervision.rating_days)


@routes.get("/api/supervision/results")
async def public_results(request: web.Request) -> web.Response:
    """The month's figures, public (the guide site, the hall display's footer)."""
    return json_response((await results_for(request)).to_dict())


@routes.get("/api/supervision/breakdown")
async def breakdown(request: web.Request) -> web.Response:
    """The manager's view of a month (``?month=YYYY-MM``): per window, per clerk, per matter,
    with the 差评 reasons."""
    await require_role(request, "manager")
    day = today(request)
    month = request.query.get("month", "")
    try:
        day = dt.date.fromisoformat(month + "-01") if month else day
    except ValueError:
        raise BadRequest("月份格式应为 YYYY-MM", code="bad_month", field="month") from None
    first, last = month_bounds(day)
    rows = await request.app[STORE].fetchall(
        "SELECT r.level, r.reasons, r.window, r.matter, r.source, c.name AS clerk, rc.appeal_status "
        "FROM ratings r LEFT JOIN clerks c ON c.id = r.clerk_id LEFT JOIN rating_cases rc ON rc.rating_id = r.id "
        "WHERE r.day BETWEEN ? AND ?",
        (first, last),
    )
    matters = {code: m.name for code, m in center(request).matters.items()}
    groups: dict[str, dict[str, dict[str, Any]]] = {"window": {}, "clerk": {}, "matter": {}}
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        if r["level"] in BAD_LEVELS and r["appeal_status"] == "upheld":
            continue  # upheld appeal: out of the statistics
        keys = {
            "window": f"{r['window']} 号窗口" if r["window"] is not None else "—",
            "clerk": r["clerk"] or "—",
            "matter": matters.get(r["matter"] or "", "未选事项"),
        }
        for by, key in keys.items():
            g = groups[by].setdefault(key, {"name": key, "counted": 0, "bad": 0, "defaulted": 0, "levels": Counter()})
            g["counted"] += 1
            g["levels"][r["level"]] += 1
            g["defaulted"] += r["source"] == "default"
            if r["level"] in BAD_LEVELS:
                g["bad"] += 1
                reasons[f"{by}:{key}"].update(json.loads(r["reasons"]))
    out: dict[str, Any] = {"month": day.strftime("%Y-%m")}
    for by, items in groups.items():
        out[by] = [
            {
                **{k: v for k, v in g.items() if k != "levels"},
                "levels": dict(g["levels"]),
                "satisfaction_rate": satisfaction(g["counted"] - g["bad"], g["counted"]),
                "reasons": dict(reasons[f"{by}:{g['name']}"]),
            }
            for g in sorted(items.values(), key=lambda g: g["name"])
        ]
    return json_response(out)


def county_figures_source(
    service: QueueService,
) -> Callable[[Store, dt.date], Awaitable[SupervisionResults]]:
    """The supervision figures the county sync sends, with the center's current rating period."""

    async def figures(store: Store, today: dt.date) -> SupervisionResults:
        return await month_results(store, today, rating_days=service.center.supervision.rating_days)

    return figures
