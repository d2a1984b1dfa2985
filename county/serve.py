"""``python -m county serve``: one server process over its own connection pool."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import multiprocessing
import os
import signal
import socket

import uvloop
from aiohttp import web

from . import db
from . import settings as settings_mod
from .app import create_app

# Python's cyclic garbage collector, tuned for ingest: the events of the batches waiting for a
# commit are a million young objects that live a second or two and die by reference counting.
# With the default thresholds (700, 10, 10) they were promoted to the old generation and
# full collections over every hall's live state took a fifth of the server's CPU. Young
# collections now run every 100,000 allocations, and a full one after 100 of the middle ones.
GC_THRESHOLDS = (100_000, 50, 100)
ORPHAN_CHECK_S = 1.0


async def serve(settings: settings_mod.Settings, sock: socket.socket | None = None) -> None:
    """Serve until SIGINT/SIGTERM, on ``settings``' address or on ``sock`` (listening already,
    shared with the other workers)."""
    pool = await db.connect(settings.dsn, max_size=settings.pool_size)
    app = create_app(settings, pool)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    gc.collect()
    gc.freeze()  # what start-up made lives as long as the process: never scanned again
    gc.set_threshold(*GC_THRESHOLDS)
    site: web.BaseSite
    if sock is None:
        site = web.TCPSite(runner, settings.host, settings.port, backlog=4096)
    else:
        site = web.SockSite(runner, sock)
    await site.start()
    print(f"县级监控服务器已启动：http://{settings.host}:{settings.port}/board", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    orphan = asyncio.create_task(_stop_when_orphaned(stop)) if sock is not None else None
    try:
        await stop.wait()
    finally:
        if orphan is not None:
            orphan.cancel()
        await runner.cleanup()
        await pool.close()


async def _stop_when_orphaned(stop: asyncio.Event) -> None:
    """A worker stops when its supervisor is gone (killed with SIGKILL, it could not stop us):
    else it would go on holding the port and its connections with no one to replace it."""
    # The supervisor's pid as it spawned us: it may be gone before this runs (getppid is then 1).
    parent = multiprocessing.parent_process()
    assert parent is not None  # only workers (spawned by county.workers) run this
    while os.getppid() == parent.pid:
        await asyncio.sleep(ORPHAN_CHECK_S)
    logging.getLogger("county.serve").warning("county worker: the supervisor is gone; stopping")
    stop.set()


def run(settings: settings_mod.Settings, sock: socket.socket | None = None) -> None:
    """One server process: the only one, or one of ``--workers`` on their shared ``sock``."""
    if sock is not None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        # uvloop: the event loop and sockets in C, for the thousands of sync requests a second.
        uvloop.run(serve(settings, sock))
