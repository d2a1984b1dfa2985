"""The ratings' SQL. Each write is a function for the store's single writer: the check and
the insert run in one transaction, and ``ratings.ticket_id`` is UNIQUE, so two taps at once
(the pad and the phone) make exactly one rating and the other gets 409 ``already_rated``.
A 差评 opens its rectification case in the same transaction."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import Conflict, NotFound
from ..queue_db import iso
from ..store import Store
from .ratings import RatingInput, Service, check_open, defaults_before

SINCE_KEY = "ratings_from_ticket"  # meta: the first ticket id rated (older services predate ratings)
DEFAULT_SWEEP_DAYS = 40  # the default sweep looks this far back (results count the rest anyway)


@dataclass(frozen=True)
class Rated:
    """A recorded rating: its id, and the rectification case a 差评 opened (else None)."""

    id: int
    ticket_id: int
    case_id: int | None


def _moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def rate(
    where: str,
    key: Any,
    rating: RatingInput,
    *,
    source: str,
    now: dt.datetime,
    tz: ZoneInfo,
    days: int,
    case_due: dt.date,
    extra: Callable[[sqlite3.Row], None] | None = None,
) -> Callable[[sqlite3.Connection], Rated]:
    """The write that records ``rating`` for the ticket ``where = ?`` (``token`` or ``id``).

    ``extra(row)`` may refuse the ticket first (a pad rates only its own window's services)."""
    assert where in ("token", "id")

    def write(db: sqlite3.Connection) -> Rated:
        row = db.execute(
            f"SELECT id, status, finished_at, day, window, clerk_id, matter FROM tickets WHERE {where} = ?", (key,)
        ).fetchone()
        if row is None:
            raise NotFound("没有这张号票", code="unknown_ticket")
        if extra is not None:
            extra(row)
        done = db.execute("SELECT 1 FROM ratings WHERE ticket_id = ?", (row["id"],)).fetchone() is not None
        check_open(Service(row["status"], _moment(row["finished_at"])), done, now, days)
        try:
            cur = db.execute(
                "INSERT INTO ratings (ticket_id, level, reasons, comment, phone, source, at, day, window, clerk_id, "
                "matter) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    row["id"],
                    rating.level,
                    json.dumps(list(rating.reasons), ensure_ascii=False),
                    rating.comment,
                    rating.phone,
                    source,
                    iso(now, tz),
                    row["day"],
                    row["window"],
                    row["clerk_id"],
                    row["matter"],
                ),
            )
        except sqlite3.IntegrityError:  # the UNIQUE backstop: another tap won
            raise Conflict("这次服务已经评价过了，感谢您的参与", code="already_rated") from None
        assert cur.lastrowid is not None
        case_id = None
        if rating.bad:
            case = db.execute(
                "INSERT INTO rating_cases (rating_id, opened_at, due) VALUES (?, ?, ?)",
                (cur.lastrowid, iso(now, tz), case_due.isoformat()),
            )
            case_id = case.lastrowid
        return Rated(cur.lastrowid, row["id"], case_id)

    return write


def apply_defaults(now: dt.datetime, tz: ZoneInfo, days: int) -> Callable[[sqlite3.Connection], int]:
    """The write that records 基本满意 (source ``default``) for every service finished more
    than ``days`` ago and never rated; returns how many. INSERT OR IGNORE: a rating that
    lands at the same moment wins and the default skips it."""
    cutoff = iso(defaults_before(now, days), tz)
    oldest = (now.astimezone(tz).date() - dt.timedelta(days=days + DEFAULT_SWEEP_DAYS)).isoformat()

    def write(db: sqlite3.Connection) -> int:
        cur = db.execute(
            "INSERT OR IGNORE INTO ratings (ticket_id, level, source, at, day, window, clerk_id, matter) "
            "SELECT t.id, 'basic', 'default', ?, t.day, t.window, t.clerk_id, t.matter FROM tickets t "
            "WHERE t.status = 'done' AND t.day >= ? AND t.finished_at < ? "
            "AND t.id >= (SELECT COALESCE(MAX(CAST(value AS INTEGER)), 0) FROM meta WHERE key = ?) "
            "AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.ticket_id = t.id)",
            (iso(now, tz), oldest, cutoff, SINCE_KEY),
        )
        return cur.rowcount

    return write


async def pending_at(store: Store, window: int, now: dt.datetime, tz: ZoneInfo, minutes: int) -> sqlite3.Row | None:
    """The latest service finished at ``window`` in the last ``minutes`` and not yet rated."""
    since = iso(now - dt.timedelta(minutes=minutes), tz)
    return await store.fetchone(
        "SELECT t.id, t.number, t.matter, t.finished_at FROM tickets t "
        "WHERE t.day = ? AND t.window = ? AND t.status = 'done' AND t.finished_at >= ? "
        "AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.ticket_id = t.id) "
        "ORDER BY t.finished_at DESC, t.id DESC LIMIT 1",
        (now.astimezone(tz).date().isoformat(), window, since),
    )


async def rating_of(store: Store, token: str) -> tuple[sqlite3.Row | None, sqlite3.Row | None]:
    """The ticket holding ``token`` and its rating (each None when absent)."""
    ticket = await store.fetchone("SELECT id, status, finished_at FROM tickets WHERE token = ?", (token,))
    if ticket is None:
        return None, None
    return ticket, await store.fetchone("SELECT level, source FROM ratings WHERE ticket_id = ?", (ticket["id"],))


async def ratings_between(store: Store, start: dt.date, end: dt.date) -> list[sqlite3.Row]:
    """The ratings of services on days ``start``..``end``, with the ticket and the clerk."""
    return await store.fetchall(
        "SELECT r.*, t.number, c.name AS clerk, rc.appeal_status FROM ratings r JOIN tickets t ON t.id = r.ticket_id "
        "LEFT JOIN clerks c ON c.id = r.clerk_id LEFT JOIN rating_cases rc ON rc.rating_id = r.id "
        "WHERE r.day BETWEEN ? AND ? ORDER BY r.day, r.at, r.id",
        (start.isoformat(), end.isoformat()),
    )
