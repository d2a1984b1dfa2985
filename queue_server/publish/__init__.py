"""The published guides (网站、便民卡、综合手册): ``export-guides`` and the manager's zip download.

``queue_server.app`` calls :func:`setup` when this package is present.
"""

from __future__ import annotations

from aiohttp import web

from . import routes


def setup(app: web.Application) -> None:
    app.router.add_routes(routes.routes)
