"""SQLite storage through aiosqlite: WAL, one writer, a versioned schema.

All writes use one writer connection, serialised by a lock, each as ``BEGIN IMMEDIATE`` …
``COMMIT``. Queue changes go through :meth:`Store.submit`, the group-commit writer; the rare
account changes use :meth:`Store.transaction`. A UNIQUE constraint backs up ticket numbering.
Reads use a second connection, which WAL lets run beside the writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiosqlite

from .errors import Unavailable
from .schema import MIGRATIONS

log = logging.getLogger("queue_server")
GROUP_MAX = 256  # changes per group commit


class Store:
    """The hall's database. Open with :meth:`open`; close with :meth:`close`."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._lock = asyncio.Lock()
        self._queue: list[tuple[list, Callable[[], None] | None, asyncio.Future]] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._poisoned: BaseException | None = None
        self._task = asyncio.create_task(self._group_commits())

    @classmethod
    async def open(cls, path: Path | str) -> Store:
        """Open (creating if needed) the database at ``path`` and bring its schema up to date."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path)
        try:
            await _migrate(writer)
        except BaseException:
            await writer.close()
            raise
        reader = await _connect(path)
        return cls(path, writer, reader)

    async def close(self) -> None:
        await self.drain()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self._reader.close()
        await self._writer.close()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """The single write path: ``BEGIN IMMEDIATE``, commit on success, roll back on error."""
        async with self._lock:
            try:
                await self._writer.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise Unavailable("数据库忙，请稍后重试", code="database_busy") from exc
            try:
                yield self._writer
            except BaseException:
                await self._writer.rollback()
                raise
            else:
                await self._writer.commit()

    async def write(self, statements: list[tuple[str, tuple]]) -> None:
        """Run ``statements`` in one ``BEGIN IMMEDIATE`` … ``COMMIT`` on the writer."""
        if not statements:
            return
        async with self._lock:
            try:
                # aiosqlite has no public "run this function in the connection's thread";
                # _execute is that primitive (every public method is built on it).
                await self._writer._execute(_run_batch, self._writer._conn, statements)
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    raise Unavailable("数据库忙，请稍后重试", code="database_busy") from exc
                raise

    def submit(
        self, statements: list[tuple[str, tuple]], on_commit: Callable[[], None] | None = None
    ) -> asyncio.Future:
        """Queue one change for the group-commit writer and return a future for its commit.

        Changes submitted while the writer is busy are committed together in one
        transaction, in submission order; ``on_commit`` callbacks then run in that order,
        before the futures resolve. After a failed commit every later submission fails too
        (it was computed on top of the lost change) until :meth:`recover` is called.
        """
        fut = asyncio.get_running_loop().create_future()
        if self._poisoned is not None:
            fut.set_exception(Unavailable("数据库写入失败，系统正在恢复，请稍后重试", code="database_error"))
            return fut
        self._queue.append((statements, on_commit, fut))
        self._idle.clear()
        self._wake.set()
        return fut

    async def drain(self) -> None:
        """Wait until every submitted change is committed (or has failed)."""
        await self._idle.wait()

    @property
    def poisoned(self) -> bool:
        return self._poisoned is not None

    def recover(self) -> None:
        """Accept submissions again after the caller has reloaded its state from disk."""
        self._poisoned = None

    async def _group_commits(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                group, self._queue = self._queue[:GROUP_MAX], self._queue[GROUP_MAX:]
                statements = [st for item in group for st in item[0]]
                try:
                    if self._poisoned is not None:
                        raise self._poisoned
                    await self.write(statements)
                except Exception as exc:
                    self._poisoned = exc
                    for _, _, fut in group:
                        if not fut.done():
                            fut.set_exception(
                                Unavailable("数据库写入失败，系统正在恢复，请稍后重试", code="database_error")
                            )
                    continue
                for _, on_commit, fut in group:
                    if on_commit is not None:
                        try:
                            on_commit()
                        except Exception:  # a broken listener must not stop the writer
                            log.exception("announcing a committed change failed")
                    if not fut.done():
                        fut.set_result(None)
            self._idle.set()

    async def fetchall(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        """Read rows through the reader connection."""
        async with self._reader.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        async with self._reader.execute(sql, params) as cur:
            return await cur.fetchone()


class Batch:
    """Statements collected for one change, handed to :meth:`Store.submit`."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, tuple]] = []

    def execute(self, sql: str, params: tuple = ()) -> None:
        self.statements.append((sql, params))


def _run_batch(conn: sqlite3.Connection, statements: list[tuple[str, tuple]]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for sql, params in statements:
            conn.execute(sql, params)
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


async def _connect(path: Path) -> aiosqlite.Connection:
    # isolation_level=None: we issue BEGIN IMMEDIATE ourselves instead of Python's implicit BEGIN.
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    await conn.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode is durable against process crashes (SIGKILL); only power loss
    # can lose the last transactions, which is the usual trade-off for a hall PC.
    await conn.execute("PRAGMA synchronous=NORMAL")
    await conn.execute("PRAGMA foreign_keys=ON")
    await conn.execute("PRAGMA busy_timeout=5000")
    return conn


async def _migrate(conn: aiosqlite.Connection) -> None:
    async with conn.execute("PRAGMA user_version") as cur:
        (version,) = await cur.fetchone()
    if version > len(MIGRATIONS):
        raise RuntimeError(
            f"database schema version {version} is newer than this program ({len(MIGRATIONS)}); upgrade Bianmin"
        )
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in filter(str.strip, script.split(";")):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            await conn.rollback()
            raise
        await conn.commit()
