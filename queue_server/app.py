"""The application factory: ``create_app(settings, store)``."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web

from bianmin.center import Center, load_center

from . import (
    api,
    appointments,
    booking,
    clerk,
    county_sync,
    devices,
    floor,
    guide,
    inspection,
    keys,
    manage,
    outreach,
    publish,
    stats_pages,
    supervision,
)
from .accounts import Accounts
from .hub import Hub
from .service import Clock, QueueService, utc_now
from .settings import Settings
from .store import Store
from .supervision.results import county_figures_source
from .wait_estimate import ESTIMATOR, Estimator
from .web import csrf_middleware, error_middleware
from .window_actions import WindowActions

log = logging.getLogger("queue_server")


def create_app(
    settings: Settings, store: Store, *, clock: Clock | None = None, center: Center | None = None
) -> web.Application:
    """Build the aiohttp app over an open ``store``; the caller owns (and closes) the store."""
    center = center or load_center(settings.config)
    app = web.Application(middlewares=[error_middleware, csrf_middleware], client_max_size=64 * 1024)
    service = QueueService(
        center, store, base_url=settings.base_url, always_open=settings.always_open, clock=clock or utc_now
    )
    app[keys.SETTINGS] = settings
    app[keys.STORE] = store
    app[keys.SERVICE] = service
    app[keys.WINDOWS] = WindowActions(service)
    app[keys.ACCOUNTS] = Accounts(
        store, idle_minutes=settings.session_idle_minutes, max_hours=settings.session_max_hours
    )
    app[keys.HUB] = Hub(service)
    app[ESTIMATOR] = Estimator(store)
    app.router.add_routes(api.routes)
    app.router.add_routes(guide.routes)
    app.router.add_get("/ws", app[keys.HUB].handle)
    devices.setup(app)
    appointments.setup(app)
    outreach.setup(app)
    booking.setup(app)
    for setup in (
        clerk.setup,
        stats_pages.setup,
        publish.setup,
        inspection.setup,
        manage.setup,
        floor.setup,
        supervision.setup,
    ):
        setup(app)
    county_sync.setup(app, supervision=county_figures_source(service))
    app.on_startup.append(_startup)
    app.on_shutdown.append(_shutdown)
    return app


async def _startup(app: web.Application) -> None:
    await app[keys.SERVICE].start()
    await app[keys.HUB].load(app[keys.STORE])
    app[keys.TICKER] = asyncio.create_task(_day_ticker(app[keys.SERVICE]))


async def _shutdown(app: web.Application) -> None:
    app[keys.TICKER].cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await app[keys.TICKER]
    await app[keys.HUB].close_all()


async def _day_ticker(service: QueueService) -> None:
    """Close yesterday's line at local midnight, and announce the mode of the day when it
    changes (08:30, 17:30), even when nobody acts."""
    while True:
        await asyncio.sleep(30)
        try:
            await service.roll_day()
            await service.announce_mode()
        except Exception:  # keep ticking; the next operation retries the roll-over
            log.exception("day roll-over failed")
