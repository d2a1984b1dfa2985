"""The statistics page ``/manage/stats`` (业务分析), its JSON and its vendored ECharts.

GET /manage/stats                       the page (it logs in with the manager's session)
GET /manage/stats/monthly?month=YYYY-MM the printable A4 monthly report
GET /api/stats?from=D&to=D[&part=P]     -> the aggregates of queue_server.stats, names filled in;
                                           part: volume | times | timeliness | compare (default all),
                                           or volume's halves periods | groups (the page's first two)
GET /manage/stats/static/{name}         the page's script and styles
GET /manage/stats/vendor/{name}         Apache ECharts from npm, with its licence files
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from .. import ledger, stats
from ..api import require_role
from ..errors import BadRequest
from ..keys import SERVICE, STORE
from ..web import json_response, serve_static

routes = web.RouteTableDef()
STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_DIR = STATIC_DIR / "vendor"


@routes.get("/manage/stats")
async def page(request: web.Request) -> web.Response:
    return serve_static(STATIC_DIR, "stats.html")


@routes.get("/manage/stats/monthly")
async def monthly(request: web.Request) -> web.Response:
    """The printable A4 monthly report (月度报告) for the county, drawn from /api/stats."""
    return serve_static(STATIC_DIR, "monthly.html")


@routes.get("/manage/stats/static/{name}")
async def static(request: web.Request) -> web.Response:
    return serve_static(STATIC_DIR, request.match_info["name"])


@routes.get("/manage/stats/vendor/{name}")
async def vendor(request: web.Request) -> web.Response:
    return serve_static(VENDOR_DIR, request.match_info["name"])


@routes.get("/api/stats")
async def get_stats(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    svc = request.app[SERVICE]
    start, end = ledger.parse_range(request.query.get("from"), request.query.get("to"), svc.day)
    store, center = request.app[STORE], svc.center
    part = request.query.get("part")
    if part is not None and part not in (*stats.PARTS, *stats.HALVES, "compare"):
        raise BadRequest(
            "part 只能是 volume、periods、groups、times、timeliness 或 compare", code="bad_field", field="part"
        )
    st = stats.Stats(store, center, start, end, svc.day)
    data: dict[str, Any] = {"from": start.isoformat(), "to": end.isoformat(), "center_name": center.name}
    if part is None:
        data.update(await st.summary())
    elif part != "compare":
        data.update(await st.part(part))
    if part in (None, "volume", "groups"):
        data["volume"]["matter"] = stats.names(data["volume"]["matter"], center)
    if part in (None, "volume", "periods", "groups"):
        data["windows"] = {str(w.number): w.name for w in center.windows}
        data["categories"] = {c.code: c.name for c in center.categories}
    if part in (None, "times"):
        data["service_by_matter"] = stats.names(data["service_by_matter"], center)
    if part in (None, "compare"):
        data["compare"] = await stats.compare_months(store, center, end)
    return json_response(data)
