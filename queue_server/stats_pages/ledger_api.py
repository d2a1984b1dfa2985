"""``GET /api/ledger``: the ledger of a date range, as JSON or as a CSV download.

GET /api/ledger?from=D&to=D[&window=n][&format=csv]
    -> [{"number", "day", "matter", "window", "clerk", "issued_at", "called_at", "started_at",
         "finished_at", "wait_s", "service_s", "outcome", "due", "completed_at", "on_time",
         "rating", "appointment", ...}]   (manager session; at most a year per request)
GET /api/ledger/requests?from=D&to=D[&format=csv]
    -> {"requests": [{"code", "kind", "day", "name", "department", "assignee", "due", "status",
         "outcome", "closed_at", "on_time", ...}], "summary": [{"kind", "requests", "closed",
         "open", "on_time", "late", "on_time_share"}, ..., 合计]}   (委托办理、上门服务、跨部门代办
         recorded in the range)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from aiohttp import web

from .. import ledger, request_ledger
from ..api import require_role
from ..errors import BadRequest
from ..keys import SERVICE, STORE
from ..web import json_response

routes = web.RouteTableDef()


def window_param(request: web.Request) -> int | None:
    """The optional ``window`` filter, which must be one of the center's windows."""
    value = request.query.get("window")
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise BadRequest("window 必须是窗口号", code="bad_field", field="window") from None
    if request.app[SERVICE].center.window(number) is None:
        raise BadRequest(f"没有 {number} 号窗口", code="unknown_window", field="window")
    return number


@dataclass(frozen=True)
class RangeRead:
    """A manager's read of a date range (``from``/``to``, at most a year) as JSON or CSV."""

    start: date
    end: date
    csv: bool

    def csv_download(self, prefix: str, text: str) -> web.Response:
        """``text`` as the attachment ``{prefix}-{from}-{to}.csv``."""
        name = f"{prefix}-{self.start.isoformat()}-{self.end.isoformat()}.csv"
        return web.Response(
            text=text,
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


async def range_read(request: web.Request) -> RangeRead:
    """The manager's session, the range and the ``format`` (json or csv) of a ledger read."""
    await require_role(request, "manager")
    start, end = ledger.parse_range(request.query.get("from"), request.query.get("to"), request.app[SERVICE].day)
    fmt = request.query.get("format", "json")
    if fmt not in ("json", "csv"):
        raise BadRequest("format 只能是 json 或 csv", code="bad_field", field="format")
    return RangeRead(start, end, fmt == "csv")


@routes.get("/api/ledger")
async def get_ledger(request: web.Request) -> web.Response:
    read = await range_read(request)
    svc = request.app[SERVICE]
    rows = await ledger.rows(request.app[STORE], svc.center, read.start, read.end, window_param(request))
    if read.csv:
        return read.csv_download("ledger", ledger.to_csv(rows))
    return json_response([r.to_dict() for r in rows])


@routes.get("/api/ledger/requests")
async def get_requests(request: web.Request) -> web.Response:
    read = await range_read(request)
    svc = request.app[SERVICE]
    rows = await request_ledger.rows(request.app[STORE], svc.center, read.start, read.end, svc.day)
    if read.csv:
        return read.csv_download("requests", request_ledger.to_csv(rows))
    return json_response({"requests": [r.to_dict() for r in rows], "summary": request_ledger.summary(rows)})
