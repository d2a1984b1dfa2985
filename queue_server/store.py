"""SQLite storage: WAL, one writer thread with group commit, one reader thread, a versioned schema.

:meth:`Store.write` is the one write path, for queue changes and account changes alike. It
takes a function of a ``sqlite3.Connection`` (the shape of Datasette's ``execute_write_fn``)
and returns a future for its result once committed. A single-thread executor owns the writer
connection: functions queued while a commit runs go into the next ``BEGIN IMMEDIATE`` …
``COMMIT`` together (group commit), each inside its own savepoint.

Failure, in one place:

- a function that raises an :class:`~queue_server.errors.AppError` (a refusal such as
  "login taken") is rolled back to its savepoint alone; its future raises that error;
- any other failure inside one function (bad text, a bug, a constraint) is rolled back to its
  savepoint alone too: only its own future fails (:class:`~queue_server.errors.Unavailable`),
  the cause is logged, the rest of the group commits, and the ``on_failure`` listeners are
  called (the memory that change was computed on is no longer what is on disk);
- a failure of the transaction itself (``BEGIN``/``COMMIT``: disk full, read-only file) rolls
  back the whole group. Every change in it, and every change already queued behind it
  (computed on top of the lost ones), fails with :class:`~queue_server.errors.Unavailable`
  naming the cause (磁盘已满, 数据库文件只读…), the error is logged, and the ``on_failure``
  listeners are called at once, before any caller resumes. The queue service listens and
  reloads its state from disk before its next operation. Until a commit succeeds again,
  :attr:`Store.fault` says what is wrong (``/healthz`` reports it).

Checkpoints stay off the request path: the writer runs with ``wal_autocheckpoint=0``, and
the store starts a PASSIVE checkpoint, on a third connection in its own thread, when the
writer has been idle for ``CHECKPOINT_IDLE`` seconds or every ``CHECKPOINT_COMMITS`` commits
under constant load. A PASSIVE checkpoint takes no write lock, so commits carry on beside
it and none pays the bulk copy. Then the writer itself, between two groups, copies the few
frames those commits added, so the WAL is wholly copied and the next commit starts the WAL
file over: its size stays bounded.

Reads run on a second connection in their own thread, which WAL lets run beside the writer.
A thread, not aiosqlite, so reads and writes use one mechanism (threads that own a
``sqlite3`` connection) and no private API.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from .errors import AppError, Unavailable
from .schema import MIGRATIONS

log = logging.getLogger("queue_server")
T = TypeVar("T")
WriteFn = Callable[[sqlite3.Connection], Any]
GROUP_MAX = 256  # changes per group commit
CHECKPOINT_IDLE = 0.5  # seconds without writes before a checkpoint
CHECKPOINT_COMMITS = 200  # commits after which a checkpoint starts even if never idle


class Store:
    """The hall's database. Open with :meth:`open`; close with :meth:`close`."""

    def __init__(
        self,
        path: Path,
        writer: ThreadPoolExecutor,
        wconn: sqlite3.Connection,
        rconn: sqlite3.Connection,
        cconn: sqlite3.Connection,
    ):
        self.path = path
        self._wx = writer
        self._rx = ThreadPoolExecutor(1, thread_name_prefix="bianmin-reader")
        self._cx = ThreadPoolExecutor(1, thread_name_prefix="bianmin-checkpoint")
        self._wconn, self._rconn, self._cconn = wconn, rconn, cconn
        self._checkpointing: asyncio.Future[bool] | None = None
        self._finish_checkpoint = False
        self._queue: list[tuple[WriteFn, Callable[[Any], None] | None, asyncio.Future[Any]]] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._unchecked = 0  # commits since the last checkpoint started
        self.on_failure: list[Callable[[], None]] = []
        self.fault: str | None = None  # why the last commit failed, until one succeeds
        self._task = asyncio.create_task(self._group_commits())

    @classmethod
    async def open(cls, path: Path | str) -> Store:
        """Open (creating if needed) the database at ``path`` and bring its schema up to date."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        loop = asyncio.get_running_loop()
        writer = ThreadPoolExecutor(1, thread_name_prefix="bianmin-writer")
        try:
            wconn = await loop.run_in_executor(writer, _open_writer, path)
            rconn = await loop.run_in_executor(writer, _connect, path)
            cconn = await loop.run_in_executor(writer, _connect, path)
        except BaseException:
            writer.shutdown()
            raise
        return cls(path, writer, wconn, rconn, cconn)

    async def close(self) -> None:
        await self.drain()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        if self._checkpointing is not None:
            await asyncio.wait([self._checkpointing])
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._cx, self._cconn.close)
        await loop.run_in_executor(self._rx, self._rconn.close)
        await loop.run_in_executor(self._wx, self._wconn.close)
        for pool in (self._cx, self._rx, self._wx):
            pool.shutdown()

    def write(
        self, fn: Callable[[sqlite3.Connection], T], on_commit: Callable[[T], None] | None = None
    ) -> asyncio.Future[T]:
        """Queue ``fn`` for the group-commit writer; the future resolves once it is committed.

        ``fn`` runs in the writer thread inside a transaction (do not commit in it). Changes
        commit in submission order; ``on_commit(result)`` callbacks then run in that order on
        the event loop, before the futures resolve. Failures: see the module docstring.
        """
        fut: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append((fn, on_commit, fut))
        self._idle.clear()
        self._wake.set()
        return fut

    async def drain(self) -> None:
        """Wait until every queued change is committed (or has failed)."""
        await self._idle.wait()

    async def fetchall(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        """Read rows through the reader connection."""
        return await asyncio.get_running_loop().run_in_executor(self._rx, _fetchall, self._rconn, sql, params)

    async def fetchone(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def _group_commits(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._queue:
                self._idle.set()
                # Idle: wake on the next write, or after CHECKPOINT_IDLE to checkpoint.
                timer = loop.call_later(CHECKPOINT_IDLE, self._wake.set) if self._unchecked else None
                await self._wake.wait()
                self._wake.clear()
                if timer is not None:
                    timer.cancel()
                    if not self._queue:
                        self._checkpoint(loop)
                elif self._finish_checkpoint and not self._queue:
                    await self._finish(loop)
                continue
            if self._finish_checkpoint:
                await self._finish(loop)
            group, self._queue = self._queue[:GROUP_MAX], self._queue[GROUP_MAX:]
            try:
                results = await loop.run_in_executor(self._wx, _run_group, self._wconn, [item[0] for item in group])
            except Exception as exc:
                self.fault = fault_message(exc)
                log.exception("group commit failed (%s); the queue reloads from disk", self.fault)
                self._fail(group + self._queue, repr(exc))
                continue
            self.fault = None
            self._unchecked += 1
            if self._unchecked >= CHECKPOINT_COMMITS:
                self._checkpoint(loop)
            poisoned = False
            for (_, on_commit, fut), (ok, value) in zip(group, results, strict=True):
                if not ok:
                    if isinstance(value, ChangeFailed):
                        poisoned = True
                        self.fault = value.cause if value.storage else self.fault
                    fut.set_exception(value)
                    continue
                if on_commit is not None:
                    try:
                        on_commit(value)
                    except Exception:  # a broken listener must not stop the writer
                        log.exception("announcing a committed change failed")
                fut.set_result(value)
            if poisoned:
                for listener in self.on_failure:
                    listener()

    def _fail(self, items: list, cause: str) -> None:
        self._queue = []
        for _, _, fut in items:
            fut.set_exception(
                Unavailable(
                    f"数据库写入失败（{self.fault}），系统正在恢复，请稍后重试", code="database_error", detail=cause
                )
            )
        for listener in self.on_failure:
            listener()

    async def _finish(self, loop: asyncio.AbstractEventLoop) -> None:
        """Copy what commits added during the last checkpoint, here between two groups: the WAL
        is then wholly copied, so the next commit starts the WAL file over (bounded size)."""
        self._finish_checkpoint = False
        try:
            await loop.run_in_executor(self._wx, _checkpoint, self._wconn)
        except sqlite3.Error:
            log.exception("WAL checkpoint failed; the next one retries")

    def _checkpoint(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start a PASSIVE checkpoint in its own thread, unless one is still running."""
        if self._checkpointing is not None and not self._checkpointing.done():
            return
        self._unchecked = 0
        self._checkpointing = loop.run_in_executor(self._cx, _checkpoint, self._cconn)
        self._checkpointing.add_done_callback(functools.partial(self._checkpoint_done, loop))

    def _checkpoint_done(self, loop: asyncio.AbstractEventLoop, fut: asyncio.Future[bool]) -> None:
        if fut.cancelled():
            return
        if fut.exception() is not None:
            log.error("WAL checkpoint failed; the next one retries", exc_info=fut.exception())
        elif fut.result():
            self._finish_checkpoint = True
            self._wake.set()


def _run_group(conn: sqlite3.Connection, fns: list[WriteFn]) -> list[tuple[bool, Any]]:
    """One ``BEGIN IMMEDIATE`` … ``COMMIT`` for ``fns``, each in a savepoint (writer thread)."""
    out: list[tuple[bool, Any]] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for fn in fns:
            conn.execute("SAVEPOINT change")
            try:
                value = fn(conn)
            except AppError as refusal:
                conn.execute("ROLLBACK TO change")
                out.append((False, refusal))
            except Exception as exc:  # this change alone fails; the group goes on
                if not conn.in_transaction:  # SQLite ended the transaction (SQLITE_FULL…)
                    raise
                conn.execute("ROLLBACK TO change")
                cause = fault_message(exc)
                log.error("a change failed and was rolled back alone (%s)", cause, exc_info=exc)
                out.append((False, ChangeFailed(cause, exc)))
            else:
                out.append((True, value))
            conn.execute("RELEASE change")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return out


class ChangeFailed(Unavailable):
    """One change failed for a reason other than a refusal; the rest of its group committed."""

    def __init__(self, cause: str, exc: BaseException):
        super().__init__(f"保存失败（{cause}），请重试", code="database_error", detail=repr(exc))
        self.cause = cause
        self.storage = not isinstance(exc, (UnicodeError, ValueError, TypeError))


def fault_message(exc: BaseException) -> str:
    """The cause of a failed write, in words for the hall's staff."""
    text = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError) and "full" in text:
        return "磁盘已满"
    if "readonly" in text or "read-only" in text:
        return "数据库文件只读"
    if isinstance(exc, OSError) or "disk i/o" in text:
        return "磁盘读写出错"
    if isinstance(exc, UnicodeError):
        return "文字含有无效字符"
    return f"数据库错误：{type(exc).__name__}"


def _checkpoint(conn: sqlite3.Connection) -> bool:
    """One PASSIVE checkpoint; True if it copied every frame the WAL held when it started."""
    ((busy, log_frames, copied),) = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    return not busy and log_frames == copied


def _fetchall(conn: sqlite3.Connection, sql: str, params: tuple | dict) -> list[sqlite3.Row]:
    return conn.execute(sql, params).fetchall()


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN IMMEDIATE ourselves instead of Python's implicit BEGIN.
    # check_same_thread=False: each connection is only ever used by its one executor thread.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode is durable against process crashes (SIGKILL); only power loss
    # can lose the last transactions, which is the usual trade-off for a hall PC.
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


def _open_writer(path: Path) -> sqlite3.Connection:
    conn = _connect(path)
    try:
        conn.execute("PRAGMA wal_autocheckpoint=0")  # the writer checkpoints when idle instead
        _migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _migrate(conn: sqlite3.Connection) -> None:
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version > len(MIGRATIONS):
        raise RuntimeError(
            f"database schema version {version} is newer than this program ({len(MIGRATIONS)}); upgrade Bianmin"
        )
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in filter(str.strip, script.split(";")):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
