"""Routes of the floor screens: ``/window/{n}``, ``/tv`` and their static files.

Files are read on each request and sent with ``Cache-Control: no-cache`` (an upgraded server
never leaves a counter screen on yesterday's script), the same rule as the clerk console.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from ..errors import NotFound
from ..keys import SERVICE
from ..web import path_int, serve_static

routes = web.RouteTableDef()
STATIC_DIR = Path(__file__).resolve().parent / "static"


@routes.get("/window/{number}")
async def window_screen(request: web.Request) -> web.Response:
    """The screen above window ``number`` (the page reads its number from the address)."""
    number = path_int(request.match_info["number"])
    windows = [w.number for w in request.app[SERVICE].center.windows]
    if number not in windows:
        listed = "、".join(str(n) for n in windows)
        raise NotFound(f"本中心没有这个窗口（窗口号：{listed}），请检查窗口屏的网址", code="unknown_window")
    return serve_static(STATIC_DIR, "window.html")


@routes.get("/tv")
async def tv(request: web.Request) -> web.Response:
    """The hall board for a 16:9 TV, for halls that use one instead of the Kivy display."""
    return serve_static(STATIC_DIR, "tv.html")


@routes.get("/floor/static/{name}")
async def static_file(request: web.Request) -> web.Response:
    return serve_static(STATIC_DIR, request.match_info["name"])
