"""One server per database: ``serve`` holds an exclusive lock on the file ``DB.lock``.

Two servers on one database would hand out the same numbers and their displays would
silently diverge. ``restore`` uses the same lock to refuse overwriting a database a running
server has open. The lock is an advisory ``flock``: the kernel drops it when the process
dies, however it dies, so a crashed server never leaves a stale lock behind."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class InstanceLocked(RuntimeError):
    """Another process (a running server) holds the database's lock, or the lock cannot be made."""


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


def hold_for_process(db: Path) -> int:
    """Lock ``DB.lock`` for the rest of this process's life; returns the descriptor (closing it
    releases the lock). Raises :class:`InstanceLocked` if another process holds it."""
    path = lock_path(db)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:  # a read-only folder or disk: the database could not be written either
        raise InstanceLocked(
            f"无法在 {path.parent} 中建立锁文件 {path.name}（{exc.strerror}）："
            "数据库所在的文件夹必须可写，请检查权限或磁盘"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise InstanceLocked(f"另一个便民服务器正在使用数据库 {db}，本服务器不启动") from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


@contextlib.contextmanager
def hold(db: Path) -> Iterator[None]:
    """Hold ``DB.lock`` exclusively for the ``with`` block; raise InstanceLocked if taken."""
    fd = hold_for_process(db)
    try:
        yield
    finally:
        os.close(fd)
