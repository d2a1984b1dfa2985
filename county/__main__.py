"""``python -m county serve | add-hall | add-user``."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import signal
import sys

import uvloop
from aiohttp import web

from bianmin.errors import AppError

from . import db
from . import settings as settings_mod
from .accounts import Accounts
from .app import create_app


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m county", description="县政务服务中心 便民服务中心监控服务器")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the county server (creates the schema)")
    settings_mod.add_dsn(serve)
    settings_mod.add_arguments(serve)
    hall = sub.add_parser("add-hall", help="register a township hall; prints its id and token once")
    settings_mod.add_dsn(hall)
    hall.add_argument("--name", required=True)
    user = sub.add_parser("add-user", help="create a county user")
    settings_mod.add_dsn(user)
    user.add_argument("--login", required=True)
    user.add_argument("--name", required=True)
    user.add_argument("--password-stdin", action="store_true", required=True, help="read the password from stdin")
    return p


# Python's cyclic garbage collector, tuned for ingest: the events of the batches waiting for a
# commit are a million young dicts that live a second or two and die by reference counting.
# With the default thresholds (700, 10, 10) they were promoted to the old generation and
# full collections over every hall's live state took a fifth of the server's CPU. Young
# collections now run every 100,000 allocations, and a full one after 100 of the middle ones.
GC_THRESHOLDS = (100_000, 50, 100)


async def _serve(settings: settings_mod.Settings) -> None:
    pool = await db.connect(settings.dsn, max_size=settings.pool_size)
    app = create_app(settings, pool)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    gc.collect()
    gc.freeze()  # what start-up made lives as long as the process: never scanned again
    gc.set_threshold(*GC_THRESHOLDS)
    site = web.TCPSite(runner, settings.host, settings.port, backlog=4096)
    await site.start()
    print(f"县级监控服务器已启动：http://{settings.host}:{settings.port}/board", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await pool.close()


async def _add_hall(dsn: str, name: str) -> None:
    pool = await db.connect(dsn, min_size=1, max_size=1)
    try:
        hid, token = await Accounts(pool).add_hall(name)
    finally:
        await pool.close()
    print(f"{hid} {token}")


async def _add_user(dsn: str, login: str, name: str, password: str) -> None:
    pool = await db.connect(dsn, min_size=1, max_size=1)
    try:
        user = await Accounts(pool).add_user(login, name, password)
    finally:
        await pool.close()
    print(f"已创建县级用户 {user.name}（{user.login}）")


def main(argv: list[str] | None = None) -> None:
    ns = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        if ns.command == "serve":
            # uvloop: the event loop and sockets in C, for the thousands of sync requests a second.
            uvloop.run(_serve(settings_mod.from_args(ns)))
        elif ns.command == "add-hall":
            asyncio.run(_add_hall(settings_mod.dsn_of(ns), ns.name))
        else:
            password = sys.stdin.readline().rstrip("\n")
            asyncio.run(_add_user(settings_mod.dsn_of(ns), ns.login, ns.name, password))
    except AppError as exc:
        raise SystemExit(exc.message) from None
    except OSError as exc:
        raise SystemExit(f"连接不上县级数据库：{exc}") from None
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
