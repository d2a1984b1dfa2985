"""Routes of the phone pages and the booking QR (an SVG of the 6-digit code, which a
kiosk's keyboard-wedge scanner types back)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bianmin.qr import qr_matrix

from ..web import serve_static

routes = web.RouteTableDef()
STATIC_DIR = Path(__file__).resolve().parent / "static"
MODULE = 8  # SVG units per QR module
QUIET = 4  # modules of quiet zone


@routes.get("/book")
async def book_page(request: web.Request) -> web.Response:
    return serve_static(STATIC_DIR, "book.html")


@routes.get(r"/b/{code:\d{6}}")
async def booking_page(request: web.Request) -> web.Response:
    return serve_static(STATIC_DIR, "book.html")


@routes.get("/agent")
async def agent_page(request: web.Request) -> web.Response:
    return serve_static(STATIC_DIR, "agent.html")


@routes.get("/book/static/{name}")
async def static_file(request: web.Request) -> web.Response:
    return serve_static(STATIC_DIR, request.match_info["name"])


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
