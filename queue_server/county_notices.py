"""Notices from the county center (县政务服务中心), as this hall received them.

The sync task (:mod:`.county_sync`) fetches them with a cursor; :func:`store_batch` writes
the notices and the cursor in one transaction of the single writer (``county_id`` is the
primary key: a notice fetched twice is stored once), then commits a ``center_changed``
event so the display and the consoles re-read them. ``GET /api/center`` lists the current
ones first among the center's notices, marked as the county's (:func:`display_lines`).
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from bianmin.sync import NoticeBatch

from .epoch import UPSERT
from .service import QueueService, utc_now
from .store import Store

CURSOR_KEY = "county_notice_cursor"
CHANGED_KEY = "county_notices_at"
MARK = "县政务服务中心"
SHOWN_MAX = 20  # the newest current notices shown; older ones stay stored


async def cursor(store: Store) -> int:
    """The id after which the county has notices this hall has not received yet."""
    row = await store.fetchone("SELECT value FROM meta WHERE key = ?", (CURSOR_KEY,))
    return int(row["value"]) if row else 0


async def store_batch(service: QueueService, batch: NoticeBatch) -> int:
    """Store ``batch`` and its cursor at once; announce new notices. How many were new."""
    received = utc_now().isoformat(timespec="seconds")
    rows = [(n.id, n.title, n.text, n.created_at, n.expires, received) for n in batch.notices]

    def write(conn: sqlite3.Connection) -> int:
        before = conn.total_changes
        conn.executemany(
            "INSERT OR IGNORE INTO county_notices (county_id, title, body, created_at, expires, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        added = conn.total_changes - before
        conn.execute(UPSERT, (CURSOR_KEY, str(batch.upto)))
        return added

    added: int = await service.store.write(write)
    if added:
        await service.replace_center(service.center, (UPSERT, (CHANGED_KEY, received)))
    return added


async def current(store: Store, today: dt.date) -> list[dict[str, object]]:
    """The notices not expired by ``today``, newest first."""
    rows = await store.fetchall(
        "SELECT county_id, title, body, created_at, expires FROM county_notices "
        "WHERE expires IS NULL OR expires >= ? ORDER BY county_id DESC LIMIT ?",
        (today.isoformat(), SHOWN_MAX),
    )
    return [
        {
            "id": r["county_id"],
            "title": r["title"],
            "text": r["body"],
            "created_at": r["created_at"],
            "expires": r["expires"],
            "from": MARK,
        }
        for r in rows
    ]


async def display_lines(store: Store, today: dt.date) -> list[str]:
    """The current notices as lines of the hall's notices (the display's marquee)."""
    return [f"【{MARK}】{n['title']}：{n['text']}" for n in await current(store, today)]
