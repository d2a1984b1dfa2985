"""Self-inspection (自查) against the plan's 四个有 and 八个有: ``inspect``, ``/api/inspection``
and the manager page ``/manage/inspection``. ``queue_server.app`` calls :func:`setup`."""

from __future__ import annotations

from aiohttp import web

from . import routes


def setup(app: web.Application) -> None:
    app.router.add_routes(routes.routes)
