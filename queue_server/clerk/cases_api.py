"""Open cases (承诺件、代办件) and default due dates for the console, behind the clerk session.

GET  /api/cases[?window=n]          -> {"today", "cases": [...]}, soonest due first
POST /api/cases/{id}/complete       -> {"id", "closed": true}
GET  /api/due-date[?matter=A1][&from=YYYY-MM-DD]
                                    -> {"matter", "days", "working_days_only", "from", "due"}
     counted in the center's working days (statutory holidays off, 调休 days on); a year
     whose calendar is unknown answers 409 calendar_unknown
"""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from bianmin.center import DEFAULT_PROMISED_DAYS
from bianmin.protocol import CaseList

from .. import cases, outreach, rules
from ..accounts import Clerk
from ..api import current_clerk, working_clerk
from ..errors import BadRequest, Forbidden, NotFound
from ..keys import SERVICE
from ..web import json_response, path_int

routes = web.RouteTableDef()


def _allowed(request: web.Request, clerk: Clerk) -> list[int]:
    return [w.number for w in request.app[SERVICE].center.windows if clerk.may_use(w.number)]


def _int(value: str, name: str) -> int:
    number = path_int(value.strip())
    if number is None:
        raise BadRequest(f"{name} 必须是整数", code="bad_field", field=name)
    return number


@routes.get("/api/cases")
async def list_cases(request: web.Request) -> web.Response:
    svc = request.app[SERVICE]
    clerk = await working_clerk(request)
    windows = _allowed(request, clerk)
    if "window" in request.query:
        number = _int(request.query["window"], "window")
        if number not in windows:
            raise Forbidden(f"您没有 {number} 号窗口的操作权限", code="window_not_allowed")
        windows = [number]
    items = await cases.list_open(svc, windows)
    requests = await outreach.open_requests(svc)
    return json_response(CaseList(today=svc.day.isoformat(), cases=items, requests=requests).to_dict())


@routes.post(r"/api/cases/{case_id}/complete")
async def complete_case(request: web.Request) -> web.Response:
    clerk = await working_clerk(request)
    case_id = path_int(request.match_info["case_id"])
    if case_id is None:
        raise NotFound("没有这个待办件", code="case_not_found")
    result = await cases.complete(request.app[SERVICE], case_id, clerk, _allowed(request, clerk))
    return json_response(result)


@routes.get("/api/due-date")
async def due_date(request: web.Request) -> web.Response:
    """The default due date of a promised service: the matter's promised days from ``from`` (today)."""
    svc = request.app[SERVICE]
    await current_clerk(request)
    code = request.query.get("matter") or None
    if code is None:
        # A ticket issued without a matter has no promised time limit; an agency case opened
        # for it gets the same default, so the console proposes what the server will choose.
        days = DEFAULT_PROMISED_DAYS
    else:
        matter = svc.center.matters.get(code)
        if matter is None:
            raise NotFound(f"没有事项“{code}”", code="unknown_matter")
        days = matter.guide.promised_days
    start = svc.day
    if request.query.get("from"):
        try:
            start = dt.date.fromisoformat(request.query["from"])
        except ValueError:
            raise BadRequest("from 必须是日期，格式 YYYY-MM-DD", code="bad_field", field="from") from None
    working = svc.center.working_days_only
    due = rules.add_days(start, days, working, svc.center.calendar)
    return json_response(
        {
            "matter": code,
            "days": days,
            "working_days_only": working,
            "from": start.isoformat(),
            "due": due.isoformat(),
        }
    )
