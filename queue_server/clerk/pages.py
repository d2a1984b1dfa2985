"""Static files of the console: the one-page app, its scripts and styles, and our CJK font.

Files are read on each request and sent with ``Cache-Control: no-cache``, so an upgraded
server never leaves a window PC running yesterday's script.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bianmin.assets import FONT_BOLD, FONT_REGULAR

from ..errors import NotFound
from ..web import serve_static

routes = web.RouteTableDef()
STATIC_DIR = Path(__file__).resolve().parent / "static"
FONTS = {"regular.otf": FONT_REGULAR, "bold.otf": FONT_BOLD}


@routes.get("/clerk")
async def console(request: web.Request) -> web.Response:
    return serve_static(STATIC_DIR, "index.html")


@routes.get("/clerk/")
async def console_slash(request: web.Request) -> web.Response:
    raise web.HTTPFound("/clerk")


@routes.get("/clerk/static/{name}")
async def static_file(request: web.Request) -> web.Response:
    return serve_static(STATIC_DIR, request.match_info["name"])


@routes.get("/clerk/fonts/{name}")
async def font(request: web.Request) -> web.StreamResponse:
    path = FONTS.get(request.match_info["name"])
    if path is None or not path.is_file():
        raise NotFound("没有这个字体文件", code="not_found")
    # The font never changes between releases of the same file name: cache it for a day.
    return web.FileResponse(path, headers={"Content-Type": "font/otf", "Cache-Control": "max-age=86400"})
