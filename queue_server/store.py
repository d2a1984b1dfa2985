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
the store starts a checkpoint, on a third connection in its own thread, when the writer has
been idle for ``CHECKPOINT_IDLE`` seconds or every ``CHECKPOINT_COMMITS`` commits under
constant load. That thread runs PASSIVE rounds (no write lock: commits carry on beside it,
and none pays the bulk copy) until a round finds nothing new to copy. When the
writer was idle meanwhile, the WAL is then wholly copied and the next commit starts the WAL
file over for free. Under constant load a commit always lands during the last round, so
once the WAL file passes ``WAL_MAX_BYTES`` the writer itself, between two groups, copies
the few frames the last round missed (telling the rounds to stop), and the next commit starts
the file over and truncates it to that size (``journal_size_limit``): its size stays bounded
however slow the checkpoint thread is, and one commit in some 600 waits for that short copy.

Reads run on a second connection in their own thread, which WAL lets run beside the writer.
A thread, not aiosqlite, so reads and writes use one mechanism (threads that own a
``sqlite3`` connection) and no private API.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from . import cores
from .errors import AppError, Unavailable
from .schema import MIGRATIONS

log = logging.getLogger("queue_server")
T = TypeVar("T")
WriteFn = Callable[[sqlite3.Connection], Any]
GROUP_MAX = 256  # changes per group commit
CHECKPOINT_IDLE = 0.5  # seconds without writes before a checkpoint
CHECKPOINT_COMMITS = 200  # commits after which a checkpoint starts even if never idle
CHECKPOINT_ROUNDS = 20  # PASSIVE rounds a checkpoint runs to catch up with the commits beside it
WAL_MAX_BYTES = 64 * 1024 * 1024  # some 1,100 tickets one by one: past this the writer finishes a checkpoint


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
        self._rx = ThreadPoolExecutor(1, thread_name_prefix="bianmin-reader", initializer=cores.any_core)
        self._cx = ThreadPoolExecutor(1, thread_name_prefix="bianmin-checkpoint", initializer=_background)
        self._wconn, self._rconn, self._cconn = wconn, rconn, cconn
        self._checkpointing: asyncio.Future[None] | None = None
        self._finish_checkpoint = False
        self._stop_rounds = threading.Event()  # the writer finishes: the checkpoint thread stops
        self._wal = Path(f"{path}-wal")
        self._queue: list[tuple[WriteFn, Callable[[Any], None] | None, asyncio.Future[Any]]] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._unchecked = 0  # commits since the last checkpoint started
        self.on_failure: list[Callable[[], None]] = []
        self.fault: str | None = None  # why the last commit failed, until one succeeds
        # watch id -> listener; the writer's temp triggers add the ids of changed tables here.
        self._watchers: dict[str, Callable[[], None]] = {}
        self._touched: set[str] = set()
        wconn.create_function("bianmin_changed", 1, self._touched.add)
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

    async def watch(self, table: str, listener: Callable[[], None], *, columns: tuple[str, ...] = ()) -> None:
        """Call ``listener`` after every commit that inserted into, deleted from or updated
        (only ``columns``, when given) ``table``, on the event loop before that commit's callers
        resume: a cache of those rows learns at once that they changed.

        Temp triggers on the writer's connection see every write of this store, whichever
        module makes it; writes by other processes (the CLI) are not seen."""
        assert all(name.isidentifier() for name in (table, *columns))
        watch_id = f"w{len(self._watchers)}"
        self._watchers[watch_id] = listener
        update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"

        def create(db: sqlite3.Connection) -> None:
            for op in ("INSERT", "DELETE", update):
                db.execute(
                    f"CREATE TEMP TRIGGER bianmin_{watch_id}_{op.split()[0].lower()} AFTER {op} ON {table} "
                    f"BEGIN SELECT bianmin_changed('{watch_id}'); END"
                )

        await self.write(create)

    async def check_writable(self) -> None:
        """Raise ``sqlite3.Error`` now (``serve`` at start-up) rather than on the first ticket
        if the database cannot be written; reading tools (``report``) do not ask."""
        await asyncio.get_running_loop().run_in_executor(self._wx, _check_writable, self._wconn)

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
                self._tell_watchers()
                self.fault = fault_message(exc)
                log.exception("group commit failed (%s); the queue reloads from disk", self.fault)
                self._fail(group + self._queue, repr(exc))
                continue
            self._tell_watchers()
            self.fault = None
            self._unchecked += 1
            if _size(self._wal) > WAL_MAX_BYTES:
                self._finish_checkpoint = True
                self._stop_rounds.set()
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

    def _tell_watchers(self) -> None:
        """After a group (committed or not: a rolled-back change only costs a cache refill)."""
        if not self._touched:
            return
        touched = list(self._touched)
        self._touched.clear()  # the writer thread is idle between groups
        for watch_id in touched:
            try:
                self._watchers[watch_id]()
            except Exception:  # a broken listener must not stop the writer
                log.exception("a change listener failed")

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
        """Copy what the checkpoint thread has not, here between two groups: the WAL is then
        wholly copied, so the next commit starts the WAL file over. Only once the WAL file
        passed ``WAL_MAX_BYTES``; a checkpoint still running makes this one give up (busy),
        and the next group boundary retries."""
        self._finish_checkpoint = False
        try:
            await loop.run_in_executor(self._wx, _checkpoint, self._wconn)
        except sqlite3.Error:
            log.exception("WAL checkpoint failed; the next one retries")

    def _checkpoint(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start a checkpoint's PASSIVE rounds in their own thread, unless one is still running
        or the writer is about to finish one (two checkpoints at once: one of them gives up)."""
        if self._finish_checkpoint or (self._checkpointing is not None and not self._checkpointing.done()):
            return
        self._unchecked = 0
        self._stop_rounds.clear()
        self._checkpointing = loop.run_in_executor(self._cx, _catch_up, self._cconn, self._stop_rounds)
        self._checkpointing.add_done_callback(self._checkpoint_done)

    def _checkpoint_done(self, fut: asyncio.Future[None]) -> None:
        if not fut.cancelled() and fut.exception() is not None:
            log.error("WAL checkpoint failed; the next one retries", exc_info=fut.exception())


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


def _catch_up(conn: sqlite3.Connection, stop: threading.Event) -> None:
    """PASSIVE rounds (checkpoint thread) until one finds nothing new to copy, a reader holds
    older frames, or the writer is about to finish the checkpoint itself (``stop``)."""
    last = -1
    for _ in range(CHECKPOINT_ROUNDS):
        if stop.is_set():
            return
        ((busy, frames, copied),) = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        if busy or copied != frames or frames == last:
            return
        last = frames


def _background() -> None:
    """Run the calling (checkpoint) thread only when no other thread wants the CPU.

    On a hall PC's two cores, a checkpoint competing with the event loop and the writer
    thread delayed the writer's wake-up and the loop's reply by milliseconds. Under
    ``SCHED_IDLE`` Linux also gives the thread's disk I/O the idle class. A WAL the idle
    thread cannot keep up with is finished by the writer (``WAL_MAX_BYTES``). It runs on
    every core, not on the one the loop and the writer share (:mod:`.cores`)."""
    cores.any_core()
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


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
        conn.execute("PRAGMA wal_autocheckpoint=0")  # the store checkpoints when idle instead
        conn.execute(f"PRAGMA journal_size_limit={WAL_MAX_BYTES}")  # a restarted WAL is truncated to this
        _migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _check_writable(conn: sqlite3.Connection) -> None:
    """Raise ``sqlite3.OperationalError`` (readonly) if the file or its folder cannot be
    written. Writes nothing: rolled back."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        conn.execute(f"PRAGMA user_version = {int(version)}")
    finally:
        conn.execute("ROLLBACK")


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
