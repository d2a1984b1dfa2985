"""The county application factory: ``create_app(settings, pool)``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
from aiohttp import web

from bianmin.assets import FONT_BOLD, FONT_REGULAR

from . import api, figures, keys, notices
from .accounts import Accounts
from .ingest import Ingest
from .settings import Settings
from .web import error_middleware

STATIC = Path(__file__).resolve().parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def create_app(settings: Settings, pool: asyncpg.Pool) -> web.Application:
    """Build the app over an open pool; the caller owns (and closes) the pool."""
    app = web.Application(middlewares=[error_middleware], client_max_size=9 * 1024 * 1024)
    app[keys.SETTINGS] = settings
    app[keys.POOL] = pool
    app[keys.ACCOUNTS] = Accounts(pool, workers=settings.workers)
    app[keys.INGEST] = Ingest(pool)
    app.router.add_routes(api.routes)
    app.router.add_routes(figures.routes)
    notices.setup(app, settings.dsn)
    app.router.add_get("/board", _board)
    app.router.add_get("/board/hall/{id}", _board)
    app.router.add_static("/board/static", STATIC)
    app.router.add_get("/fonts/regular.otf", _font(FONT_REGULAR))
    app.router.add_get("/fonts/bold.otf", _font(FONT_BOLD))
    app.on_startup.append(_startup)
    app.on_shutdown.append(_shutdown)
    app.on_response_prepare.append(_headers)
    return app


async def _board(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "board.html")


def _font(path: Path) -> Callable[[web.Request], Awaitable[web.FileResponse]]:
    async def handler(request: web.Request) -> web.FileResponse:
        return web.FileResponse(path, headers={"Cache-Control": "max-age=86400"})

    return handler


async def _headers(request: web.Request, response: web.StreamResponse) -> None:
    for k, v in SECURITY_HEADERS.items():
        response.headers.setdefault(k, v)


async def _startup(app: web.Application) -> None:
    app[keys.INGEST].start()


async def _shutdown(app: web.Application) -> None:
    """Fail the requests still waiting for a commit at once, so shutdown never hangs on them."""
    await app[keys.INGEST].close()
