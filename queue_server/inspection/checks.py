"""The manager's ticks on manual items and their photos of evidence, written through the
store's one write path. ``inspection_checks`` holds each item's current state; every tick and
every photo is also appended to ``inspection_history`` (migration 12), so what was shown when
is kept."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from ..store import Store

NOTE_MAX = 300
HISTORY_SHOWN = 5  # entries per item on the page


@dataclass(frozen=True)
class Entry:
    """One tick or photo in an item's history."""

    id: int
    done: bool
    note: str
    has_photo: bool
    by: str
    at: str


async def save_check(store: Store, item: str, done: bool, note: str, by: str, now: dt.datetime) -> None:
    at = now.isoformat(timespec="seconds")

    def upsert(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO inspection_checks (item, done, note, by_name, at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (item) DO UPDATE SET done = excluded.done, note = excluded.note, "
            "by_name = excluded.by_name, at = excluded.at",
            (item, int(done), note, by, at),
        )
        conn.execute(
            "INSERT INTO inspection_history (item, done, note, by_name, at) VALUES (?, ?, ?, ?, ?)",
            (item, int(done), note, by, at),
        )

    await store.write(upsert)


async def save_photo(store: Store, item: str, jpeg: bytes, by: str, now: dt.datetime) -> None:
    """Make ``jpeg`` the item's evidence (its tick and note unchanged) and keep it in the history."""
    at = now.isoformat(timespec="seconds")

    def upsert(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO inspection_checks (item, done, note, photo, by_name, at) VALUES (?, 0, '', ?, ?, ?) "
            "ON CONFLICT (item) DO UPDATE SET photo = excluded.photo, by_name = excluded.by_name, at = excluded.at",
            (item, jpeg, by, at),
        )
        conn.execute(
            "INSERT INTO inspection_history (item, done, note, photo, by_name, at) "
            "SELECT item, done, note, photo, by_name, at FROM inspection_checks WHERE item = ?",
            (item,),
        )

    await store.write(upsert)


async def has_photo(store: Store, item: str) -> bool:
    row = await store.fetchone("SELECT photo IS NOT NULL AS p FROM inspection_checks WHERE item = ?", (item,))
    return bool(row and row["p"])


async def photo(store: Store, item: str, entry: int | None = None) -> bytes | None:
    """The item's current photo, or the one of history entry ``entry``."""
    if entry is None:
        row = await store.fetchone("SELECT photo FROM inspection_checks WHERE item = ?", (item,))
    else:
        row = await store.fetchone("SELECT photo FROM inspection_history WHERE item = ? AND id = ?", (item, entry))
    return row["photo"] if row else None


async def history(store: Store, limit: int = HISTORY_SHOWN) -> dict[str, list[Entry]]:
    """The latest ``limit`` entries of each item, newest first."""
    rows = await store.fetchall(
        "SELECT id, item, done, note, has_photo, by_name, at FROM ("
        "SELECT id, item, done, note, photo IS NOT NULL AS has_photo, by_name, at, "
        "ROW_NUMBER() OVER (PARTITION BY item ORDER BY id DESC) AS n FROM inspection_history"
        ") WHERE n <= ? ORDER BY item, id DESC",
        (limit,),
    )
    out: dict[str, list[Entry]] = {}
    for r in rows:
        out.setdefault(r["item"], []).append(
            Entry(r["id"], bool(r["done"]), r["note"], bool(r["has_photo"]), r["by_name"], r["at"])
        )
    return out
