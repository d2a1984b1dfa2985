"""``/api/duty``: the manager's duty rota (值班表) for the days that are not office days.

Working days (Monday–Friday) outside the center's concentrated office days each get duty
staff and a leader on duty (领导带班); today's entry shows on ``GET /api/center``."""

from __future__ import annotations

import calendar
import datetime as dt
import json
from typing import Any

from aiohttp import web

from ..api import require_role
from ..duty import duty_statement
from ..errors import BadRequest
from ..keys import SERVICE, STORE
from ..web import field, json_response, read_json
from . import audit

routes = web.RouteTableDef()


def _month(text: str | None, today: dt.date) -> tuple[int, int]:
    if not text:
        return today.year, today.month
    try:
        first = dt.date.fromisoformat(text + "-01")
    except ValueError:
        raise BadRequest("month 格式应为 YYYY-MM", code="bad_date", field="month") from None
    return first.year, first.month


def duty_days(year: int, month: int, office_days: tuple[int, ...]) -> list[dt.date]:
    """Monday–Friday days of the month that are not concentrated office days."""
    _, last = calendar.monthrange(year, month)
    days = (dt.date(year, month, d) for d in range(1, last + 1))
    return [d for d in days if d.isoweekday() <= 5 and d.isoweekday() not in office_days]


@routes.get("/api/duty")
async def month_rota(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    svc = request.app[SERVICE]
    today = svc.clock().astimezone(svc.center.tz).date()
    year, month = _month(request.query.get("month"), today)
    days = duty_days(year, month, svc.center.office.days)
    store = request.app[STORE]
    rows = {
        r["day"]: r
        for r in await store.fetchall(
            "SELECT day, staff, leader_id, windows FROM duty_rota WHERE day LIKE ?", (f"{year:04d}-{month:02d}-%",)
        )
    }
    logins = {r["id"]: r["login"] for r in await store.fetchall("SELECT id, login FROM clerks")}
    out: list[dict[str, Any]] = []
    for d in days:
        row = rows.get(d.isoformat())
        staff = [logins[i] for i in json.loads(row["staff"]) if i in logins] if row else []
        leader = logins.get(row["leader_id"]) if row and row["leader_id"] is not None else None
        windows = json.loads(row["windows"]) if row and row["windows"] else list(svc.center.duty_windows)
        out.append(
            {"day": d.isoformat(), "weekday": d.isoweekday(), "staff": staff, "leader": leader, "windows": windows}
        )
    return json_response({"month": f"{year:04d}-{month:02d}", "today": today.isoformat(), "days": out})


@routes.put("/api/duty/{day}")
async def set_day(request: web.Request) -> web.Response:
    me = await require_role(request, "manager")
    svc = request.app[SERVICE]
    try:
        day = dt.date.fromisoformat(request.match_info["day"])
    except ValueError:
        raise BadRequest("日期格式应为 YYYY-MM-DD", code="bad_date", field="day") from None
    if day.isoweekday() > 5 or day.isoweekday() in svc.center.office.days:
        raise BadRequest("值班表只排非集中办公的工作日", code="not_a_duty_day", field="day")
    data = await read_json(request)
    staff = data.get("staff") or []
    if not isinstance(staff, list) or any(not isinstance(s, str) for s in staff) or len(staff) > 20:
        raise BadRequest("staff 必须是登录名的列表", code="bad_field", field="staff")
    leader = field(data, "leader", str, max_len=64)
    store = request.app[STORE]
    ids = {r["login"]: r["id"] for r in await store.fetchall("SELECT id, login FROM clerks WHERE active = 1")}
    for name, wanted in [("staff", s) for s in staff] + ([("leader", leader)] if leader else []):
        if wanted not in ids:
            raise BadRequest(f"没有在岗的工作人员“{wanted}”", code="unknown_clerk", field=name)
    staff_ids = list(dict.fromkeys(ids[s] for s in staff))
    windows = _duty_windows(data.get("windows"), [w.number for w in svc.center.windows])
    # Committed with a center_changed event: the kiosk, display and guides re-read today's duty.
    await svc.replace_center(svc.center, duty_statement(day, staff_ids, ids[leader] if leader else None, windows))
    await svc.load_rota()  # the entry is committed now: the mode of the day follows it
    await audit.record(
        store, me, "duty_set", day.isoformat(), None, {"staff": staff, "leader": leader, "windows": windows}
    )
    return json_response({"day": day.isoformat(), "staff": staff, "leader": leader, "windows": windows})


def _duty_windows(value: Any, numbers: list[int]) -> list[int] | None:
    """``windows`` of a rota entry: the day's duty windows (None or []: the center's default)."""
    if value is None:
        return None
    if not isinstance(value, list) or any(not isinstance(n, int) or isinstance(n, bool) for n in value):
        raise BadRequest("windows 必须是窗口号的列表", code="bad_field", field="windows")
    for n in value:
        if n not in numbers:
            raise BadRequest(f"没有 {n} 号窗口", code="unknown_window", field="windows")
    return list(dict.fromkeys(value)) or None
