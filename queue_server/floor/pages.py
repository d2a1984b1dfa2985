"""Routes of the floor screens: ``/window/{n}``, ``/tv`` and their static files.

Files are read on each request and sent with ``Cache-Control: no-cache`` (an upgraded server
never leaves a counter screen on yesterday's script), the same rule as the clerk console.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from ..errors import NotFound
from ..keys import SERVICE
from ..web import path_int

routes = web.RouteTableDef()
STATIC_DIR = Path(__file__).resolve().parent / "static"
TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}


def _static(name: str) -> web.Response:
    # Only plain file names of the static folder: no sub-paths, no dot files, no traversal.
    path = STATIC_DIR / name
    if "/" in name or name.startswith(".") or path.suffix not in TYPES or not path.is_file():
        raise NotFound("没有这个文件", code="not_found")
    return web.Response(
        body=path.read_bytes(), content_type=TYPES[path.suffix], charset="utf-8", headers={"Cache-Control": "no-cache"}
    )


@routes.get("/window/{number}")
async def window_screen(request: web.Request) -> web.Response:
    """The screen above window ``number`` (the page reads its number from the address)."""
    number = path_int(request.match_info["number"])
    windows = [w.number for w in request.app[SERVICE].center.windows]
    if number not in windows:
        listed = "、".join(str(n) for n in windows)
        raise NotFound(f"本中心没有这个窗口（窗口号：{listed}），请检查窗口屏的网址", code="unknown_window")
    return _static("window.html")


@routes.get("/tv")
async def tv(request: web.Request) -> web.Response:
    """The hall board for a 16:9 TV, for halls that use one instead of the Kivy display."""
    return _static("tv.html")


@routes.get("/floor/static/{name}")
async def static_file(request: web.Request) -> web.Response:
    return _static(request.match_info["name"])
