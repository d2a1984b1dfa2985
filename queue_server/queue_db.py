"""The queue's SQL, in one place: tickets, transitions, events, windows and cases.

Writes are added to a :class:`Batch`, which is itself the write function handed to
:meth:`queue_server.store.Store.write`. Reads are small async functions over the store.
Every stored moment is written by :func:`iso`: center-local time with its offset.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .rules import Completion, Ticket

if TYPE_CHECKING:
    from .store import Store


def iso(moment: dt.datetime | None, tz: ZoneInfo) -> str | None:
    """A moment in the center's local time as ISO 8601 with its offset, to the second."""
    return moment.astimezone(tz).isoformat(timespec="seconds") if moment else None


def _moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


class Batch:
    """The statements of one change; calling it runs them (in the store's writer thread)."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.statements: list[tuple[str, tuple]] = []

    def __call__(self, conn: sqlite3.Connection) -> None:
        for sql, params in self.statements:
            conn.execute(sql, params)

    def _add(self, sql: str, params: tuple) -> None:
        self.statements.append((sql, params))

    def insert_ticket(self, t: Ticket, *, token: str, device_id: int, request_id: str | None) -> None:
        self._add(
            "INSERT INTO tickets (id, day, category, seq, number, matter, priority, status, token, "
            "device_id, request_id, issued_at, queue_key, appointment) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                t.id,
                t.day.isoformat(),
                t.category,
                t.seq,
                t.number,
                t.matter,
                int(t.priority),
                t.status,
                token,
                device_id,
                request_id,
                iso(t.issued_at, self.tz),
                t.queue_key,
                int(t.appointment),
            ),
        )

    def save_ticket(self, t: Ticket, clerk_id: int | None = None) -> None:
        """Write the mutable fields of ``t``."""
        self._add(
            "UPDATE tickets SET status = ?, window = ?, transferred_to = ?, transferred_at = ?, "
            "called_at = ?, recalls = ?, queue_key = ?, priority = ?, clerk_id = COALESCE(?, clerk_id) WHERE id = ?",
            (
                t.status,
                t.window,
                t.transferred_to,
                iso(t.transferred_at, self.tz),
                iso(t.called_at, self.tz),
                t.recalls,
                t.queue_key,
                int(t.priority),
                clerk_id,
                t.id,
            ),
        )

    def log_transition(
        self,
        t: Ticket,
        from_status: str | None,
        now: dt.datetime,
        window: int | None = None,
        clerk_id: int | None = None,
        detail: str | None = None,
    ) -> None:
        self._add(
            "INSERT INTO transitions (ticket_id, at, from_status, to_status, window, clerk_id, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (t.id, iso(now, self.tz), from_status, t.status, window, clerk_id, detail),
        )

    def insert_event(self, seq: int, at: str, type_: str, payload: str) -> None:
        self._add("INSERT INTO events (seq, at, type, payload) VALUES (?, ?, ?, ?)", (seq, at, type_, payload))

    def save_window(self, number: int, *, clerk_id: int, paused: bool | None = None) -> None:
        """Record the clerk now at window ``number`` (and, when given, whether it is paused)."""
        if paused is None:
            self._add(
                "INSERT INTO windows (number, clerk_id) VALUES (?, ?) "
                "ON CONFLICT (number) DO UPDATE SET clerk_id = excluded.clerk_id",
                (number, clerk_id),
            )
        else:
            self._add(
                "INSERT INTO windows (number, paused, clerk_id) VALUES (?, ?, ?) "
                "ON CONFLICT (number) DO UPDATE SET paused = excluded.paused, clerk_id = excluded.clerk_id",
                (number, int(paused), clerk_id),
            )

    def finish_ticket(self, ticket_id: int, out: Completion, now: dt.datetime) -> None:
        self._add(
            "UPDATE tickets SET outcome = ?, reason = ?, due = ?, joint_window = ?, agency_to = ?, "
            "finished_at = ? WHERE id = ?",
            (
                out.mode,
                out.reason,
                out.due.isoformat() if out.due else None,
                out.joint_window,
                out.agency_to,
                iso(now, self.tz),
                ticket_id,
            ),
        )

    def open_case(self, ticket_id: int, kind: str, due: dt.date, now: dt.datetime) -> None:
        self._add(
            "INSERT INTO cases (ticket_id, kind, due, opened_at) VALUES (?, ?, ?, ?)",
            (ticket_id, kind, due.isoformat(), iso(now, self.tz)),
        )

    def close_case(self, case_id: int, clerk_id: int, now: dt.datetime) -> None:
        self._add("UPDATE cases SET closed_at = ?, closed_by = ? WHERE id = ?", (iso(now, self.tz), clerk_id, case_id))


def row_to_ticket(row: sqlite3.Row) -> Ticket:
    issued_at = _moment(row["issued_at"])
    assert issued_at is not None  # NOT NULL in the schema
    return Ticket(
        id=row["id"],
        day=dt.date.fromisoformat(row["day"]),
        category=row["category"],
        seq=row["seq"],
        matter=row["matter"],
        priority=bool(row["priority"]),
        status=row["status"],
        issued_at=issued_at,
        queue_key=row["queue_key"],
        window=row["window"],
        transferred_to=row["transferred_to"],
        transferred_at=_moment(row["transferred_at"]),
        called_at=_moment(row["called_at"]),
        recalls=row["recalls"],
        appointment=bool(row["appointment"]),
    )


# ---- reads -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """Where numbering and the event log stand."""

    seq: int
    last_id: int


async def totals(store: Store) -> Totals:
    row = await store.fetchone(
        "SELECT (SELECT COALESCE(MAX(seq), 0) FROM events), (SELECT COALESCE(MAX(id), 0) FROM tickets)"
    )
    assert row is not None
    return Totals(row[0], row[1])


async def windows(store: Store) -> list[sqlite3.Row]:
    """Each stored window: paused or not, and the name of the clerk who last acted there."""
    return await store.fetchall(
        "SELECT w.number, w.paused, c.name AS clerk, c.login, c.post, c.photo_version "
        "FROM windows w LEFT JOIN clerks c ON c.id = w.clerk_id"
    )


async def live_tickets(store: Store) -> list[tuple[Ticket, str]]:
    rows = await store.fetchall(
        "SELECT * FROM tickets WHERE status IN ('waiting','transferred','called','serving') ORDER BY id"
    )
    return [(row_to_ticket(r), r["token"]) for r in rows]


async def last_seqs(store: Store, day: dt.date) -> dict[str, int]:
    rows = await store.fetchall(
        "SELECT category, MAX(seq) AS s FROM tickets WHERE day = ? GROUP BY category", (day.isoformat(),)
    )
    return {r["category"]: r["s"] for r in rows}


async def served(store: Store, day: dt.date) -> dict[int, int]:
    rows = await store.fetchall(
        "SELECT window, COUNT(*) AS n FROM tickets WHERE day = ? AND status = 'done' GROUP BY window",
        (day.isoformat(),),
    )
    return {r["window"]: r["n"] for r in rows}


async def recent_calls(store: Store, day: dt.date, limit: int) -> list[sqlite3.Row]:
    """The day's last ``limit`` calls, oldest first."""
    rows = await store.fetchall(
        "SELECT t.number, tr.window, tr.at, tr.detail FROM transitions tr "
        "JOIN tickets t ON t.id = tr.ticket_id WHERE t.day = ? AND tr.to_status = 'called' "
        "AND tr.window IS NOT NULL ORDER BY tr.id DESC LIMIT ?",
        (day.isoformat(), limit),
    )
    return list(reversed(rows))


async def request_ids(store: Store, day: dt.date) -> dict[tuple[int, str], int]:
    rows = await store.fetchall(
        "SELECT id, device_id, request_id FROM tickets WHERE day = ? AND request_id IS NOT NULL", (day.isoformat(),)
    )
    return {(r["device_id"], r["request_id"]): r["id"] for r in rows}


async def ticket_by_id(store: Store, ticket_id: int) -> tuple[Ticket, str] | None:
    row = await store.fetchone("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
    return (row_to_ticket(row), row["token"]) if row else None


async def ticket_by_token(store: Store, token: str) -> Ticket | None:
    row = await store.fetchone("SELECT * FROM tickets WHERE token = ?", (token,))
    return row_to_ticket(row) if row else None


async def ticket_by_number(store: Store, day: dt.date, number: str) -> Ticket | None:
    row = await store.fetchone("SELECT * FROM tickets WHERE day = ? AND number = ?", (day.isoformat(), number))
    return row_to_ticket(row) if row else None


async def rejection(store: Store, ticket_id: int) -> sqlite3.Row | None:
    """A ticket with its clerk's name, for the printed 不予受理告知书."""
    return await store.fetchone(
        "SELECT t.*, c.name AS clerk_name FROM tickets t LEFT JOIN clerks c ON c.id = t.clerk_id WHERE t.id = ?",
        (ticket_id,),
    )


async def open_cases(store: Store) -> list[sqlite3.Row]:
    return await store.fetchall(
        "SELECT c.id, c.kind, c.due, c.opened_at, t.number, t.matter, t.window, t.day, "
        "t.agency_to, t.joint_window FROM cases c JOIN tickets t ON t.id = c.ticket_id "
        "WHERE c.closed_at IS NULL ORDER BY c.due, c.id"
    )


async def case(store: Store, case_id: int) -> sqlite3.Row | None:
    return await store.fetchone(
        "SELECT c.*, t.window, t.joint_window FROM cases c JOIN tickets t ON t.id = c.ticket_id WHERE c.id = ?",
        (case_id,),
    )


async def recent_events(store: Store, limit: int) -> list[tuple[int, str]]:
    """The last ``limit`` events as (seq, JSON text), oldest first."""
    rows = await store.fetchall("SELECT seq, payload FROM events ORDER BY seq DESC LIMIT ?", (limit,))
    return [(r["seq"], r["payload"]) for r in reversed(rows)]


EVENT_DAYS = 7  # days of events kept for replay; the tickets and transitions are the ledger


def prune_events(db: sqlite3.Connection, before: str, keep_from_seq: int | None = None) -> int:
    """Delete events older than ``before`` (ISO moment), but none at or after ``keep_from_seq``
    (the county sync passes the seq it has not yet pushed); returns how many went."""
    bound = keep_from_seq if keep_from_seq is not None else 2**63 - 1
    return db.execute("DELETE FROM events WHERE at < ? AND seq < ?", (before, bound)).rowcount
