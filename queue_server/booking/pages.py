"""Routes of the phone pages and the booking QR (an SVG of the 6-digit code, which a
kiosk's keyboard-wedge scanner types back)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bianmin.qr import qr_matrix

from ..errors import NotFound

routes = web.RouteTableDef()
STATIC_DIR = Path(__file__).resolve().parent / "static"
TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
MODULE = 8  # SVG units per QR module
QUIET = 4  # modules of quiet zone


def _static(name: str) -> web.Response:
    path = STATIC_DIR / name
    if "/" in name or name.startswith(".") or path.suffix not in TYPES or not path.is_file():
        raise NotFound("没有这个文件", code="not_found")
    return web.Response(
        body=path.read_bytes(), content_type=TYPES[path.suffix], charset="utf-8", headers={"Cache-Control": "no-cache"}
    )


@routes.get("/book")
async def book_page(request: web.Request) -> web.Response:
    return _static("book.html")


@routes.get(r"/b/{code:\d{6}}")
async def booking_page(request: web.Request) -> web.Response:
    return _static("book.html")


@routes.get("/agent")
async def agent_page(request: web.Request) -> web.Response:
    return _static("agent.html")


@routes.get("/book/static/{name}")
async def static_file(request: web.Request) -> web.Response:
    return _static(request.match_info["name"])


def qr_svg(data: str) -> str:
    """``data`` as a QR code in SVG (black modules on white, with the quiet zone)."""
    rows = qr_matrix(data)
    size = (len(rows) + 2 * QUIET) * MODULE
    cells = "".join(
        f'<rect x="{(x + QUIET) * MODULE}" y="{(y + QUIET) * MODULE}" width="{MODULE}" height="{MODULE}"/>'
        for y, row in enumerate(rows)
        for x, on in enumerate(row)
        if on
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" height="{size}">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><g fill="#000">{cells}</g></svg>'
    )


@routes.get(r"/b/{code:\d{6}}/qr.svg")
async def booking_qr(request: web.Request) -> web.Response:
    return web.Response(text=qr_svg(request.match_info["code"]), content_type="image/svg+xml")
