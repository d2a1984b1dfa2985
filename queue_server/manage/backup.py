"""Backups: consistent online copies made with SQLite's backup API.

A copy runs every day into ``var/backups/`` (beside the database), keeping the last 30;
the manager can download one now; ``python -m queue_server backup`` makes one while the
server runs and ``restore`` puts one back, refusing a database a running server holds
(its ``DB.lock``, see :mod:`queue_server.instance`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import sqlite3
from pathlib import Path

from aiohttp import web

from .. import epoch, instance
from ..api import require_role
from ..errors import Unavailable
from ..keys import SETTINGS, STORE
from . import audit

log = logging.getLogger("queue_server")
routes = web.RouteTableDef()
KEEP_DAILY = 30
KEEP_MANUAL = 10
CHECK_EVERY = 3600.0  # seconds between looks for today's backup
BACKUP_TASK: web.AppKey[asyncio.Task[None]] = web.AppKey("backup_task")


class BackupError(RuntimeError):
    """A backup or restore failed; the message says why, in Chinese."""


def backup_dir(db: Path) -> Path:
    return db.parent / "backups"


def backup(db: Path, out: Path) -> Path:
    """Copy ``db`` to ``out`` while others write to it; the copy is checked before it is kept."""
    if not db.is_file():
        raise BackupError(f"数据库文件不存在：{db}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        dst = sqlite3.connect(tmp)
        try:
            # One step, one read transaction: a consistent snapshot. In WAL mode writers carry
            # on beside it (a stepped copy would restart on every commit of a busy hall).
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            (ok,) = dst.execute("PRAGMA integrity_check").fetchone()
        finally:
            dst.close()
    finally:
        src.close()
    if ok != "ok":
        tmp.unlink(missing_ok=True)
        raise BackupError(f"备份文件校验失败：{ok}")
    os.replace(tmp, out)
    return out


def restore(db: Path, source: Path) -> None:
    """Replace ``db`` with the backup ``source``; refused while a server holds ``db``."""
    if not source.is_file():
        raise BackupError(f"备份文件不存在：{source}")
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as check:
        try:
            (ok,) = check.execute("PRAGMA integrity_check").fetchone()
        except sqlite3.DatabaseError:
            ok = "不是 SQLite 数据库"
    check.close()
    if ok != "ok":
        raise BackupError(f"备份文件已损坏，不能恢复：{ok}")
    try:
        with instance.hold(db):
            db.parent.mkdir(parents=True, exist_ok=True)
            src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            dst = sqlite3.connect(db)
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
            after_restore(db)
    except instance.InstanceLocked:
        raise BackupError(f"服务器正在使用数据库 {db}，请先停止服务器再恢复") from None


def after_restore(db: Path) -> None:
    """Hook run on a restored database before anything opens it: a restored hall starts a
    new event epoch so displays and the county server resync (``queue_server.epoch``)."""
    epoch.new_epoch_after_restore(db)


def prune(folder: Path, prefix: str, keep: int) -> None:
    for old in sorted(folder.glob(f"{prefix}-*.db"))[:-keep]:
        old.unlink(missing_ok=True)


def daily(db: Path, today: dt.date) -> Path | None:
    """Today's backup, unless it exists; then keep only the last :data:`KEEP_DAILY`."""
    folder = backup_dir(db)
    out = folder / f"daily-{today:%Y%m%d}.db"
    if out.exists():
        return None
    backup(db, out)
    prune(folder, "daily", KEEP_DAILY)
    return out


async def _daily_loop(db: Path) -> None:
    while True:
        try:
            made = await asyncio.to_thread(daily, db, dt.date.today())
            if made:
                log.info("daily backup written to %s", made)
        except (OSError, sqlite3.Error, BackupError):
            log.exception("daily backup failed; retrying in an hour")
        await asyncio.sleep(CHECK_EVERY)


def install(app: web.Application) -> None:
    async def start(app: web.Application) -> None:
        app[BACKUP_TASK] = asyncio.create_task(_daily_loop(app[SETTINGS].db))

    async def stop(app: web.Application) -> None:
        app[BACKUP_TASK].cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await app[BACKUP_TASK]

    app.on_startup.append(start)
    app.on_shutdown.append(stop)


@routes.get("/api/backup")
async def download(request: web.Request) -> web.StreamResponse:
    me = await require_role(request, "manager")
    db = request.app[SETTINGS].db
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = backup_dir(db)
    try:
        out = await asyncio.to_thread(backup, db, folder / f"manual-{stamp}.db")
    except (OSError, sqlite3.Error, BackupError) as exc:
        raise Unavailable("备份失败，请稍后重试", code="backup_failed", detail=repr(exc)) from None
    await asyncio.to_thread(prune, folder, "manual", KEEP_MANUAL)
    await audit.record(request.app[STORE], me, "backup_downloaded", out.name)
    return web.FileResponse(
        out,
        headers={
            "Content-Type": "application/vnd.sqlite3",
            "Content-Disposition": f'attachment; filename="bianmin-{stamp}.db"',
        },
    )
