"""``GET /api/ledger``: the ledger of a date range, as JSON or as a CSV download.

GET /api/ledger?from=D&to=D[&window=n][&format=csv]
    -> [{"number", "day", "matter", "window", "clerk", "issued_at", "called_at", "started_at",
         "finished_at", "wait_s", "service_s", "outcome", "due", "completed_at", "on_time",
         "rating", ...}]   (manager session; at most a year per request)
"""

from __future__ import annotations

import csv
import io

from aiohttp import web

from .. import ledger
from ..api import require_role
from ..errors import BadRequest
from ..keys import SERVICE, STORE
from ..web import json_response

routes = web.RouteTableDef()

# The CSV's Chinese headers, in the order of the ledger row's fields.
CSV_COLUMNS = {
    "day": "日期",
    "number": "号码",
    "category": "类别",
    "matter": "事项编号",
    "matter_name": "事项",
    "window": "窗口",
    "clerk": "经办人",
    "issued_at": "取号时间",
    "called_at": "叫号时间",
    "started_at": "开始办理",
    "finished_at": "办结时间",
    "wait_s": "等候（秒）",
    "service_s": "办理（秒）",
    "recalls": "重呼",
    "no_shows": "过号",
    "transfers": "转移",
    "requeues": "重新排队",
    "outcome": "办理方式",
    "reason": "退办理由",
    "promised_days": "承诺时限（天）",
    "statutory_days": "法定时限（天）",
    "due": "承诺办结日期",
    "completed_at": "实际办结",
    "days_taken": "用时（天）",
    "on_time": "按时办结",
    "rating": "评价",
}


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


def to_csv(rows: list[ledger.LedgerRow]) -> str:
    """The rows as CSV with Chinese headers (UTF-8 with BOM, so Excel opens it right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS.values())
    for row in rows:
        d = row.to_dict()
        writer.writerow(["是" if d[k] is True else "否" if d[k] is False else d[k] for k in CSV_COLUMNS])
    return "\ufeff" + out.getvalue()


@routes.get("/api/ledger")
async def get_ledger(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    svc = request.app[SERVICE]
    start, end = ledger.parse_range(request.query.get("from"), request.query.get("to"), svc.day)
    fmt = request.query.get("format", "json")
    if fmt not in ("json", "csv"):
        raise BadRequest("format 只能是 json 或 csv", code="bad_field", field="format")
    rows = await ledger.rows(request.app[STORE], svc.center, start, end, window_param(request))
    if fmt == "csv":
        name = f"ledger-{start.isoformat()}-{end.isoformat()}.csv"
        return web.Response(
            text=to_csv(rows),
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return json_response([r.to_dict() for r in rows])
