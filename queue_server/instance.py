"""One server per database: ``serve`` holds an exclusive lock on the file ``DB.lock``.

``restore`` uses the same lock to refuse overwriting a database a running server has open.
The lock is an advisory ``flock``: the kernel drops it when the process dies, so a crashed
server never leaves a stale lock behind."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class InstanceLocked(RuntimeError):
    """Another process (a running server) holds the database's lock."""


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


@contextlib.contextmanager
def hold(db: Path) -> Iterator[None]:
    """Hold ``DB.lock`` exclusively for the ``with`` block; raise InstanceLocked if taken."""
    path = lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InstanceLocked(str(db)) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
