"""The manager's ledger (业务台帐) and statistics (业务分析): ``/api/ledger``, ``/api/stats``,
``/api/report``, ``/manage/stats`` and the printable ``/manage/stats/monthly``. Manager session only.

``queue_server.app`` calls :func:`setup` when this package is present.
"""

from __future__ import annotations

from aiohttp import web

from . import ledger_api, report_api, stats_api


def setup(app: web.Application) -> None:
    """Register the ledger and statistics routes on ``app``."""
    app.router.add_routes(ledger_api.routes)
    app.router.add_routes(stats_api.routes)
    app.router.add_routes(report_api.routes)
