"""Phone-sized pages: booking an appointment (``/book``, ``/b/{code}``) and the village
agent's page (``/agent``), with the booking's QR code. Static HTML and scripts over the
JSON API; the server renders nothing but the QR."""

from __future__ import annotations

from aiohttp import web

from .pages import routes


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)
