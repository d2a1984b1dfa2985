"""``GET /api/report``: the xlsx workbook (or ledger CSV) of a range, as a download.

GET /api/report?from=D&to=D[&format=xlsx|csv]    manager session; at most a year

The reads go through the store; the workbook is written in a worker thread so the hall
keeps serving, one report at a time (a second asks again later: 429), into a temporary
file that is removed once sent.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from aiohttp import web

from .. import ledger, report
from ..api import require_role
from ..errors import BadRequest, TooManyRequests
from ..keys import SERVICE, STORE

routes = web.RouteTableDef()
_BUILDING = asyncio.Lock()
TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv"}


@routes.get("/api/report")
async def get_report(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    svc = request.app[SERVICE]
    start, end = ledger.parse_range(request.query.get("from"), request.query.get("to"), svc.day)
    fmt = request.query.get("format", "xlsx")
    if fmt not in TYPES:
        raise BadRequest("format 只能是 xlsx 或 csv", code="bad_field", field="format")
    if _BUILDING.locked():
        raise TooManyRequests("正在生成另一份报表，请稍后再试", code="report_busy")
    async with _BUILDING:
        data = await report.collect(request.app[STORE], svc.center, start, end, today=svc.day)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"report.{fmt}"
            writer = report.write_xlsx if fmt == "xlsx" else report.write_csv
            await asyncio.to_thread(writer, data, path)
            body = await asyncio.to_thread(path.read_bytes)
    name = f"bianmin-{start.isoformat()}-{end.isoformat()}.{fmt}"
    return web.Response(
        body=body, content_type=TYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
