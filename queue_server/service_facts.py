"""The ledger's facts of each service (issue 13), derived in this one place.

One row per ticket: the ticket's own columns, and from its transitions the first call, the
last start and call, the wait and service seconds, the no-shows, transfers and requeues,
and the hour and weekday of issue. :data:`FACTS_OF` is the one derivation; it serves three
ways:

- **closed days are stored** in ``service_facts`` (migration 14, in day order, with a covering
  index for the statistics): a day's tickets are final once the day has rolled over (the
  roll expires what is left, and nothing acts on an earlier day's tickets), so
  :func:`close_days` stores every day before today that is not stored yet, through the store's
  one write path, when the service starts a new day. Writing a ticket costs nothing more.
- **open days are derived when read** (:data:`OPEN`): today's tickets (and any day not
  closed yet, say after the hall PC was off at midnight) come from the tickets and
  transitions, a few hundred rows.
- the migration back-fills every day before the newest, and ``bench.ledger`` closes the days
  it generates, with the same statement. A column added later (``appointment``, migration
  16) is added and back-filled by its own migration; the derivation carries it last.

Readers take :func:`facts_sql`: the stored rows of a range and the open days' derived rows,
as one relation with the table's columns.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

# Migration 14's columns; the columns added later follow, each by its own migration.
V14_COLUMNS = (
    "day, ticket_id, number, category, matter, window, clerk_id, status, outcome, reason, recalls, issued_at, "
    "called_at, started_at, last_call, finished_at, wait_s, service_s, no_shows, transfers, requeues, hour, weekday"
)
COLUMNS = V14_COLUMNS + ", appointment"  # appointment: migration 16 (the ticket came from a booking)
_FIRST_CALL = "MIN(CASE WHEN x.to_status = 'called' THEN x.at END)"
_LAST_START = "MAX(CASE WHEN x.to_status = 'serving' THEN x.at END)"
_LAST_CALL = "MAX(CASE WHEN x.to_status = 'called' AND x.from_status <> 'called' THEN x.at END)"
# The facts of the tickets passing ``{where}`` (a condition on ``t``, the tickets, read
# ``{index}``: by day for the few open days, else in id order).
FACTS_OF = f"""
SELECT t.day AS day, t.id AS ticket_id, t.number AS number, t.category AS category, t.matter AS matter,
       t.window AS window, t.clerk_id AS clerk_id, t.status AS status, t.outcome AS outcome, t.reason AS reason,
       t.recalls AS recalls, t.issued_at AS issued_at, {_FIRST_CALL} AS called_at, {_LAST_START} AS started_at,
       {_LAST_CALL} AS last_call, t.finished_at AS finished_at,
       CAST(ROUND((julianday({_FIRST_CALL}) - julianday(t.issued_at)) * 86400) AS INTEGER) AS wait_s,
       CAST(ROUND((julianday(t.finished_at) - julianday(COALESCE({_LAST_START}, {_LAST_CALL}))) * 86400) AS INTEGER)
           AS service_s,
       COUNT(CASE WHEN x.to_status = 'no_show' THEN 1 END) AS no_shows,
       COUNT(CASE WHEN x.to_status = 'transferred' THEN 1 END) AS transfers,
       COUNT(CASE WHEN x.to_status = 'waiting' AND x.from_status = 'no_show' THEN 1 END) AS requeues,
       CAST(substr(t.issued_at, 12, 2) AS INTEGER) AS hour,
       (CAST(strftime('%w', t.day) AS INTEGER) + 6) % 7 + 1 AS weekday, t.appointment AS appointment
FROM tickets t {{index}} JOIN transitions x ON x.ticket_id = t.id
WHERE {{where}}
GROUP BY t.id
"""
_STORED_UP_TO = "(SELECT COALESCE(MAX(day), '') FROM service_facts)"
# The days not stored yet: derived from the tickets and transitions when read.
_BY_DAY = "INDEXED BY tickets_day_window"  # migration 4: (day, window)
OPEN = FACTS_OF.format(index=_BY_DAY, where=f"t.day > {_STORED_UP_TO}")
# Store the facts of the days before ``:today`` that are not stored yet.
CLOSE = "INSERT INTO service_facts " + FACTS_OF.format(
    index=_BY_DAY, where=f"t.day < :today AND t.day > {_STORED_UP_TO}"
)
# Migration 14's back-fill: every day before the newest one with tickets (which may be today),
# into that migration's columns (the later ones are back-filled by their own migrations).
BACK_FILL = (
    f"INSERT INTO service_facts ({V14_COLUMNS}) SELECT {V14_COLUMNS} FROM ("
    + FACTS_OF.format(index="", where="t.day < (SELECT MAX(day) FROM tickets)")
    + ")"
)
# Migration 16: whether the service came from a booking (tickets.appointment), back-filled.
APPOINTMENT_COLUMN = """
ALTER TABLE service_facts ADD COLUMN appointment INTEGER NOT NULL DEFAULT 0;
UPDATE service_facts SET appointment = 1 WHERE ticket_id IN (SELECT id FROM tickets WHERE appointment = 1);
CREATE INDEX service_facts_appointments ON service_facts (day) WHERE appointment = 1;
"""


def facts_sql(columns: str = COLUMNS, index: str = "") -> str:
    """The facts of ``:lo`` … ``:hi`` as a parenthesised relation: stored rows (read through
    ``index``, e.g. ``"INDEXED BY service_facts_figures"``), then the open days' rows."""
    return (
        f"(SELECT {columns} FROM service_facts {index} WHERE day BETWEEN :lo AND :hi "
        f"UNION ALL SELECT {columns} FROM ({OPEN}) WHERE day BETWEEN :lo AND :hi)"
    )


def close_days(conn: sqlite3.Connection, today: dt.date) -> int:
    """Store the facts of every day before ``today`` not stored yet (a write function for
    :meth:`~queue_server.store.Store.write`); returns how many services were stored."""
    return conn.execute(CLOSE, {"today": today.isoformat()}).rowcount
