"""County server settings, read once from the command line and the environment."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    dsn: str
    host: str = "127.0.0.1"
    port: int = 8100
    # A hall unheard of for this long is flagged silent on the board.
    silent_after_s: int = 120
    pool_size: int = 10
    # Server processes on the port (county.workers); 1: this process serves alone.
    workers: int = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    env = os.environ.get
    parser.add_argument("--host", default=env("COUNTY_HOST", "127.0.0.1"), help="address to listen on")
    parser.add_argument("--port", type=int, default=int(env("COUNTY_PORT", "8100")), help="TCP port (default 8100)")
    parser.add_argument(
        "--silent-after",
        type=int,
        default=int(env("COUNTY_SILENT_AFTER", "120")),
        help="seconds without news before a hall is flagged silent (default 120)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(env("COUNTY_WORKERS", "1")),
        help="server processes sharing the port, for a province's ingest (default 1; at most 16)",
    )
    parser.add_argument(
        "--pool-size",
        type=int,
        default=int(env("COUNTY_POOL_SIZE", "10")),
        help="PostgreSQL connections per server process (default 10); all of them, plus one each, "
        "must fit the database's max_connections",
    )


def add_dsn(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dsn",
        default=os.environ.get("COUNTY_DSN"),
        help="PostgreSQL connection string, e.g. postgresql://county@/county?host=/run/postgresql",
    )


def dsn_of(ns: argparse.Namespace) -> str:
    if not ns.dsn:
        raise SystemExit("缺少 --dsn：请给出县级 PostgreSQL 数据库的连接串")
    return ns.dsn


def from_args(ns: argparse.Namespace) -> Settings:
    if not 0 < ns.port < 65536:
        raise SystemExit(f"--port {ns.port} 无效：必须在 1–65535 之间")
    if ns.silent_after < 10:
        raise SystemExit("--silent-after 至少 10 秒")
    if not 1 <= ns.workers <= 16:
        raise SystemExit(f"--workers {ns.workers} 无效：必须在 1–16 之间")
    if not 4 <= ns.pool_size <= 100:  # two commits in flight, the partitions ahead, and reads
        raise SystemExit(f"--pool-size {ns.pool_size} 无效：必须在 4–100 之间")
    return Settings(
        dsn=dsn_of(ns),
        host=ns.host,
        port=ns.port,
        silent_after_s=ns.silent_after,
        workers=ns.workers,
        pool_size=ns.pool_size,
    )
