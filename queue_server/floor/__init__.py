"""The hall floor's public screens, live over the public ``/ws``: the window screen above each
counter (``/window/{n}``), the 16:9 TV board (``/tv``) for halls without the Kivy display, and
the phone page's live script (``/g/{matter}?t=…`` loads ``ticket.js``).

Static pages and scripts only: everything they show is the public board (numbers, windows,
work cards, counts) that any phone on the hall's Wi-Fi may read anyway, so they need no login
and no device token. ``queue_server.app`` calls :func:`setup` when this package is present.
"""

from __future__ import annotations

from aiohttp import web

from . import pages


def setup(app: web.Application) -> None:
    app.router.add_routes(pages.routes)
