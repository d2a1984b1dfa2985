"""The statistics page ``/manage/stats`` (业务分析), its JSON and its vendored ECharts.

GET /manage/stats                       the page (it logs in with the manager's session)
GET /api/stats?from=D&to=D              -> the aggregates of queue_server.stats, names filled in
GET /manage/stats/static/{name}         the page's script, styles and Apache ECharts (with LICENSE)
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from .. import ledger, stats
from ..api import require_role
from ..errors import NotFound
from ..keys import SERVICE, STORE
from ..web import json_response

routes = web.RouteTableDef()
STATIC_DIR = Path(__file__).resolve().parent / "static"
TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", "": "text/plain"}


def static_file(name: str) -> web.Response:
    # Plain file names of the static folder only: no sub-paths, no dot files, no traversal.
    path = STATIC_DIR / name
    if "/" in name or name.startswith(".") or path.suffix not in TYPES or not path.is_file():
        raise NotFound("没有这个文件", code="not_found")
    return web.Response(
        body=path.read_bytes(), content_type=TYPES[path.suffix], charset="utf-8", headers={"Cache-Control": "no-cache"}
    )


@routes.get("/manage/stats")
async def page(request: web.Request) -> web.Response:
    return static_file("stats.html")


@routes.get("/manage/stats/static/{name}")
async def static(request: web.Request) -> web.Response:
    return static_file(request.match_info["name"])


@routes.get("/api/stats")
async def get_stats(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    svc = request.app[SERVICE]
    start, end = ledger.parse_range(request.query.get("from"), request.query.get("to"), svc.day)
    store, center = request.app[STORE], svc.center
    data = await stats.Stats(store, center, start, end).summary()
    data["volume"]["matter"] = stats.names(data["volume"]["matter"], center)
    data["service_by_matter"] = stats.names(data["service_by_matter"], center)
    data["windows"] = {str(w.number): w.name for w in center.windows}
    data["categories"] = {c.code: c.name for c in center.categories}
    data["compare"] = await stats.compare_months(store, center, end)
    return json_response(data)
