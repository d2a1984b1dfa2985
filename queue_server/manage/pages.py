"""Static files of the manager console: its one page, script and style (the font is the
clerk console's, at ``/clerk/fonts/``). Sent with ``no-cache`` like the clerk console's."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from ..errors import NotFound

routes = web.RouteTableDef()
STATIC_DIR = Path(__file__).resolve().parent / "static"
TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}


def _static(name: str) -> web.Response:
    path = STATIC_DIR / name
    if "/" in name or name.startswith(".") or path.suffix not in TYPES or not path.is_file():
        raise NotFound("没有这个文件", code="not_found")
    return web.Response(
        body=path.read_bytes(), content_type=TYPES[path.suffix], charset="utf-8", headers={"Cache-Control": "no-cache"}
    )


@routes.get("/manage")
async def console(request: web.Request) -> web.Response:
    return _static("index.html")


@routes.get("/manage/static/{name}")
async def static_file(request: web.Request) -> web.Response:
    return _static(request.match_info["name"])
