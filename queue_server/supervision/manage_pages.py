"""The manager console's supervision page (``/manage/supervision``): 差评 cases, the box,
the month's figures per window, clerk and matter; and a clerk's own 差评 with the appeal
(``/supervision/appeal``). The pages are static; they read the JSON API."""

from __future__ import annotations

from aiohttp import web

from ..web import serve_static
from .public_pages import STATIC

routes = web.RouteTableDef()


@routes.get("/manage/supervision")
async def supervision_page(request: web.Request) -> web.Response:
    return serve_static(STATIC, "manage.html")


@routes.get("/supervision/appeal")
async def appeal_page(request: web.Request) -> web.Response:
    """A clerk's own 差评 and the appeal against one (the clerk console's session)."""
    return serve_static(STATIC, "appeal.html")
