"""``python -m county serve | add-hall | add-user``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bianmin.errors import AppError

from . import db, serve, workers
from . import settings as settings_mod
from .accounts import Accounts


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


async def _check_connections(settings: settings_mod.Settings) -> None:
    """Refuse to start when the workers' connections would not fit PostgreSQL's limit: past
    it, a worker's requests would fail at random under load rather than at start."""
    need = settings.workers * (settings.pool_size + 1)  # each worker's pool and its LISTEN connection
    pool = await db.connect(settings.dsn, min_size=1, max_size=1)
    try:
        allowed = await pool.fetchval(
            "SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int"
        )
    finally:
        await pool.close()
    if need > allowed:
        raise SystemExit(
            f"PostgreSQL 的连接数不够：{settings.workers} 个工作进程共需 {need} 个连接"
            f"（每个 {settings.pool_size}+1），而 max_connections 只留给它 {allowed} 个；"
            "请减少 --workers，或调大 PostgreSQL 的 max_connections"
        )


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
            settings = settings_mod.from_args(ns)
            asyncio.run(_check_connections(settings))
            if settings.workers > 1:
                workers.supervise(settings, serve.run)
            else:
                serve.run(settings)
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
