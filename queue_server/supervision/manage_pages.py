"""The manager console's supervision page (``/manage/supervision``): 差评 cases, the box,
the month's figures per window, clerk and matter. The page is static; it reads the JSON API."""

from __future__ import annotations

from aiohttp import web

from .public_pages import static_response

routes = web.RouteTableDef()


@routes.get("/manage/supervision")
async def supervision_page(request: web.Request) -> web.Response:
    return static_response("manage.html")
