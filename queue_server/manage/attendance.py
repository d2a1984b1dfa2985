"""``/api/attendance``: the monthly attendance sheet (考勤), derived from what was recorded.

A person's day at a window starts with their first recorded action there (sign-in) and
ends with their last (sign-out); pauses come from the window_paused / window_resumed events
they made. Nothing extra is written: the sheet is derived in this one place."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from typing import Any

from aiohttp import web

from ..api import require_role
from ..errors import BadRequest
from ..keys import SERVICE, STORE
from ..store import Store
from ..web import json_response

routes = web.RouteTableDef()


async def sheet(store: Store, month: str) -> list[dict[str, Any]]:
    """One row per person and day of ``month`` (YYYY-MM) on which they worked at a window."""
    like = f"{month}-%"
    rows = await store.fetchall(
        "SELECT c.login, c.name, substr(t.at, 1, 10) AS day, MIN(t.at) AS first, MAX(t.at) AS last, "
        "COUNT(DISTINCT t.ticket_id) AS tickets, GROUP_CONCAT(DISTINCT t.window) AS windows "
        "FROM transitions t JOIN clerks c ON c.id = t.clerk_id "
        "WHERE t.at LIKE ? GROUP BY c.id, day ORDER BY c.id, day",
        (like,),
    )
    pauses: dict[tuple[str, str], list[float]] = defaultdict(list)
    reasons: dict[tuple[str, str], list[str]] = defaultdict(list)
    open_at: dict[int, tuple[str, dt.datetime, str]] = {}
    for ev in await store.fetchall(
        "SELECT type, at, payload FROM events WHERE type IN ('window_paused', 'window_resumed') AND at LIKE ? "
        "ORDER BY seq",
        (like,),
    ):
        payload = json.loads(ev["payload"])
        window = payload.get("window") or {}
        at = dt.datetime.fromisoformat(ev["at"])
        number = int(window.get("number") or 0)
        if ev["type"] == "window_paused":
            open_at[number] = (window.get("clerk") or "", at, payload.get("reason") or "未填原因")
        elif number in open_at:
            who, since, reason = open_at.pop(number)
            key = (who, since.date().isoformat())
            minutes = (at - since).total_seconds() / 60
            pauses[key].append(minutes)
            reasons[key].append(f"{reason} {round(minutes)} 分钟")
    out = []
    for r in rows:
        spans = pauses.get((r["name"], r["day"]), [])
        out.append(
            {
                "login": r["login"],
                "name": r["name"],
                "day": r["day"],
                "sign_in": r["first"][11:16],
                "sign_out": r["last"][11:16],
                "tickets": r["tickets"],
                "windows": sorted({int(w) for w in (r["windows"] or "").split(",") if w}),
                "pauses": len(spans),
                "pause_minutes": round(sum(spans)),
                "pause_reasons": reasons.get((r["name"], r["day"]), []),
            }
        )
    return out


def _month(request: web.Request) -> str:
    svc = request.app[SERVICE]
    text = request.query.get("month") or svc.clock().astimezone(svc.center.tz).strftime("%Y-%m")
    try:
        dt.date.fromisoformat(text + "-01")
    except ValueError:
        raise BadRequest("month 格式应为 YYYY-MM", code="bad_date", field="month") from None
    return text


@routes.get("/api/attendance")
async def attendance(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    month = _month(request)
    return json_response({"month": month, "rows": await sheet(request.app[STORE], month)})


@routes.get("/api/attendance.csv")
async def attendance_csv(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    month = _month(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["登录名", "姓名", "日期", "签到", "签退", "办理件数", "窗口", "暂停次数", "暂停分钟", "暂停原因"])
    for r in await sheet(request.app[STORE], month):
        writer.writerow(
            [
                r["login"],
                r["name"],
                r["day"],
                r["sign_in"],
                r["sign_out"],
                r["tickets"],
                "、".join(map(str, r["windows"])),
                r["pauses"],
                r["pause_minutes"],
                "；".join(r["pause_reasons"]),
            ]
        )
    return web.Response(
        body=("\ufeff" + out.getvalue()).encode("utf-8"),  # the BOM lets Excel read UTF-8
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="attendance-{month}.csv"'},
    )
