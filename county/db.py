"""The PostgreSQL connection pool, schema migrations and on-demand month partitions."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import asyncpg

from .schema import MIGRATIONS

TZ = ZoneInfo("Asia/Shanghai")
MIGRATION_LOCK = 0x6269616E  # advisory lock id: one migrator at a time


async def connect(dsn: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    """A pool on ``dsn`` with the schema brought up to date."""
    pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, command_timeout=60, init=_codecs)
    try:
        async with pool.acquire() as conn:
            await migrate(conn)
    except BaseException:
        await pool.close()
        raise
    return pool


def _json_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


async def _codecs(conn: asyncpg.Connection) -> None:
    """``json`` values go in as UTF-8 bytes or text, and come out as text (asyncpg's default).

    Ingest passes each event's payload as the bytes the hall sent (:func:`county.events.decode_batch`),
    so it is neither decoded to a str nor encoded again per event (``json``'s binary form is its text)."""
    await conn.set_type_codec("json", schema="pg_catalog", encoder=_json_bytes, decoder=bytes.decode, format="binary")


async def migrate(conn: asyncpg.Connection) -> int:
    """Apply the migrations this database lacks, each in its own transaction; the new version."""
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
        version = await conn.fetchval("SELECT max(version) FROM schema_version") or 0
        if version > len(MIGRATIONS):
            raise RuntimeError(f"database schema version {version} is newer than this program; upgrade Bianmin")
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            async with conn.transaction():
                await conn.execute(script)
                await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", number)
        return len(MIGRATIONS)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)


def month_of(moment: dt.datetime) -> dt.date:
    """The first day of ``moment``'s month in China Standard Time (the partition it goes to)."""
    local = moment.astimezone(TZ)
    return dt.date(local.year, local.month, 1)


def _next_month(first: dt.date) -> dt.date:
    return dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)


def partition_name(first: dt.date) -> str:
    return f"events_y{first.year:04d}m{first.month:02d}"


async def ensure_partitions(conn: asyncpg.Connection, months: set[dt.date], known: set[dt.date]) -> None:
    """Create the month partitions of ``events`` in ``months`` and not in ``known``."""
    for first in sorted(months - known):
        start = dt.datetime.combine(first, dt.time(), TZ)
        end = dt.datetime.combine(_next_month(first), dt.time(), TZ)
        await conn.execute(
            f"CREATE TABLE IF NOT EXISTS {partition_name(first)} PARTITION OF events "
            f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
        )
