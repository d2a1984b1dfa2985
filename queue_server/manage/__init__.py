"""The manager console (中心负责人) at ``/manage``: staff, devices, the center's settings,
the duty rota, attendance, the audit log and backups. ``queue_server.app`` calls :func:`setup` when it is present."""

from __future__ import annotations

from aiohttp import web

from . import attendance, audit, backup, config_api, devices_api, pages, rota, staff_api


def setup(app: web.Application) -> None:
    """Register the console's pages and JSON routes, and its startup work, on ``app``."""
    for module in (pages, staff_api, devices_api, config_api, rota, attendance, audit, backup):
        app.router.add_routes(module.routes)
    config_api.install(app)
    backup.install(app)
