"""The hall database's identity: an ``epoch`` (random id) in ``meta``, and its ancestry.

A database restored from a backup gets a new epoch whose parent is the old one, forked at
the restored copy's last seq (:func:`new_epoch_after_restore`, called by the restore
command). The county then keeps the old line's later events without counting them, and
the restored hall's new events continue on the new epoch: nothing is counted twice.
"""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .store import Store

UPSERT = "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"


@dataclass(frozen=True)
class Identity:
    epoch: str
    parent_epoch: str | None = None
    fork_seq: int | None = None


def _new_epoch() -> str:
    return secrets.token_hex(16)


async def load_identity(store: Store) -> Identity:
    """This database's identity, creating its epoch the first time."""
    rows = await store.fetchall("SELECT key, value FROM meta WHERE key IN ('epoch', 'parent_epoch', 'fork_seq')")
    meta = {r["key"]: r["value"] for r in rows}
    if "epoch" not in meta:
        epoch = _new_epoch()
        await store.write(
            lambda conn: conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('epoch', ?)", (epoch,))
        )
        row = await store.fetchone("SELECT value FROM meta WHERE key = 'epoch'")
        meta["epoch"] = row["value"] if row else epoch
    fork = meta.get("fork_seq")
    return Identity(meta["epoch"], meta.get("parent_epoch"), int(fork) if fork is not None else None)


def new_epoch_after_restore(db_path: Path | str) -> Identity:
    """Give a just-restored database (not open by a server) a new epoch forked from its old one."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()
            (max_seq,) = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
            identity = Identity(_new_epoch(), row[0] if row else None, max_seq if row else None)
            conn.execute(UPSERT, ("epoch", identity.epoch))
            if identity.parent_epoch is not None:
                conn.execute(UPSERT, ("parent_epoch", identity.parent_epoch))
                conn.execute(UPSERT, ("fork_seq", str(identity.fork_seq)))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    return identity
