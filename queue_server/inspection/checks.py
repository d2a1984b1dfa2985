"""The manager's ticks on manual items, written through the store's one write path."""

from __future__ import annotations

import datetime as dt
import sqlite3

from ..store import Store

NOTE_MAX = 300


async def save_check(store: Store, item: str, done: bool, note: str, by: str, now: dt.datetime) -> None:
    def upsert(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO inspection_checks (item, done, note, by_name, at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (item) DO UPDATE SET done = excluded.done, note = excluded.note, "
            "by_name = excluded.by_name, at = excluded.at",
            (item, int(done), note, by, now.isoformat(timespec="seconds")),
        )

    await store.write(upsert)
