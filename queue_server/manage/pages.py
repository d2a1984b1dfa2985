"""Static files of the manager console: its one page, script and style (the font is the
clerk console's, at ``/clerk/fonts/``). Sent with ``no-cache`` like the clerk console's."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from ..web import serve_static

routes = web.RouteTableDef()
STATIC_DIR = Path(__file__).resolve().parent / "static"


@routes.get("/manage")
async def console(request: web.Request) -> web.Response:
    return serve_static(STATIC_DIR, "index.html")


@routes.get("/manage/static/{name}")
async def static_file(request: web.Request) -> web.Response:
    return serve_static(STATIC_DIR, request.match_info["name"])
