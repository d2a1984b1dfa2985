"""Mapping between ticket rows and the rules' :class:`~queue_server.rules.Ticket`."""

from __future__ import annotations

import datetime as dt
import sqlite3

from .rules import Ticket


def _moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def row_to_ticket(row: sqlite3.Row) -> Ticket:
    return Ticket(
        id=row["id"],
        day=dt.date.fromisoformat(row["day"]),
        category=row["category"],
        seq=row["seq"],
        matter=row["matter"],
        priority=bool(row["priority"]),
        status=row["status"],
        issued_at=_moment(row["issued_at"]),
        queue_key=row["queue_key"],
        window=row["window"],
        transferred_to=row["transferred_to"],
        transferred_at=_moment(row["transferred_at"]),
        called_at=_moment(row["called_at"]),
        recalls=row["recalls"],
    )


def save_ticket(db, t: Ticket, clerk_id: int | None = None) -> None:
    """Write the mutable fields of ``t`` (added to the caller's batch)."""
    db.execute(
        "UPDATE tickets SET status = ?, window = ?, transferred_to = ?, transferred_at = ?, "
        "called_at = ?, recalls = ?, queue_key = ?, clerk_id = COALESCE(?, clerk_id) "
        "WHERE id = ?",
        (
            t.status,
            t.window,
            t.transferred_to,
            t.transferred_at.isoformat(timespec="seconds") if t.transferred_at else None,
            t.called_at.isoformat(timespec="seconds") if t.called_at else None,
            t.recalls,
            t.queue_key,
            clerk_id,
            t.id,
        ),
    )


async def load_ticket(store, ticket_id: int) -> tuple[Ticket, str]:
    row = await store.fetchone("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
    return row_to_ticket(row), row["token"]
