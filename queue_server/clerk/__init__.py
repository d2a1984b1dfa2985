"""The clerk console (窗口工作台) at ``/clerk``: static pages, open cases and printable notices.

``queue_server.app`` calls :func:`setup` when this package is present.
"""

from __future__ import annotations

from aiohttp import web

from . import cases_api, notices, pages


def setup(app: web.Application) -> None:
    """Register the console's pages, its JSON routes and the notice pages on ``app``."""
    app.router.add_routes(pages.routes)
    app.router.add_routes(cases_api.routes)
    app.router.add_routes(notices.routes)
