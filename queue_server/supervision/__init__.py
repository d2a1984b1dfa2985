"""Supervision (issue 12): 好差评 ratings at the counter's pad and on the phone, 差评
rectification and appeals, the complaint and suggestion box, and the published results.
``queue_server.app`` registers it with :func:`setup`."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web

from ..keys import SERVICE, STORE
from . import cases, complaints, manage_pages, pad, public_pages, ratings_api, results
from .rating_store import apply_defaults

log = logging.getLogger("queue_server")
SWEEP_EVERY = 600.0  # seconds between default-rating sweeps
SWEEPER: web.AppKey[asyncio.Task[None]] = web.AppKey("rating_default_sweeper")


async def sweep_once(app: web.Application) -> int:
    """Record 基本满意 for every service whose rating period ended unrated; returns how many."""
    svc = app[SERVICE]
    c = svc.center
    return await app[STORE].write(apply_defaults(svc.clock(), c.tz, c.supervision.rating_days))


async def _sweeper(app: web.Application) -> None:
    while True:
        try:
            await sweep_once(app)
        except Exception:  # keep sweeping; the results count unswept services anyway
            log.exception("default rating sweep failed")
        await asyncio.sleep(SWEEP_EVERY)


async def _start(app: web.Application) -> None:
    app[SWEEPER] = asyncio.create_task(_sweeper(app))


async def _stop(app: web.Application) -> None:
    app[SWEEPER].cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await app[SWEEPER]


def setup(app: web.Application) -> None:
    ratings_api.install(app)
    complaints.install(app)
    for module in (pad, cases, results, public_pages, manage_pages):
        app.router.add_routes(module.routes)
    app.on_startup.append(_start)
    app.on_shutdown.append(_stop)
