"""The rating pad (评价器) at a counter: ``/rate/{window}`` pairs a browser once with a pad
device token (``?pair=TOKEN``, then kept in an HttpOnly cookie and dropped from the URL),
and serves the pad's page. The page reads the public board over ``/ws`` (the work card,
paused) and, when the clerk finishes, asks ``GET /api/pad/{window}`` for the service to rate."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from ..accounts import Device
from ..errors import Forbidden, NotFound, Unauthorized
from ..keys import ACCOUNTS, STORE
from ..web import path_int
from .common import PAD_COOKIE, center

routes = web.RouteTableDef()
STATIC = Path(__file__).resolve().parent / "static"
TEN_YEARS = 10 * 365 * 86400


def window_number(request: web.Request, name: str = "window") -> int:
    number = path_int(request.match_info[name])
    if number is None or center(request).window(number) is None:
        raise NotFound("没有这个窗口", code="unknown_window")
    return number


async def pad_device(request: web.Request, token: str | None, window: int) -> Device:
    """The pad holding ``token``, if it is registered for ``window``."""
    if not token:
        raise Unauthorized("本设备尚未登记为评价器，请联系中心负责人配对", code="pad_not_paired")
    device = await request.app[ACCOUNTS].device(token, "pad", request.remote or "?")
    row = await request.app[STORE].fetchone("SELECT window FROM devices WHERE id = ?", (device.id,))
    if row is None or row["window"] != window:
        raise Forbidden(f"此评价器不是 {window} 号窗口的", code="wrong_window")
    return device


@routes.get(r"/rate/{window}")
async def pad_page(request: web.Request) -> web.StreamResponse:
    window = window_number(request)
    pair = request.query.get("pair")
    if pair is not None:
        await pad_device(request, pair.strip(), window)
        resp = web.Response(status=302, headers={"Location": f"/rate/{window}", "Cache-Control": "no-store"})
        resp.set_cookie(PAD_COOKIE, pair.strip(), httponly=True, samesite="Strict", path="/", max_age=TEN_YEARS)
        return resp
    return web.Response(
        body=(STATIC / "pad.html").read_bytes(),
        content_type="text/html",
        charset="utf-8",
        headers={"Cache-Control": "no-cache"},
    )
