"""The duty rota's SQL (值班表): who is on duty on a day that is not an office day, and the
leader on duty (领导带班). The manager edits it (``queue_server.manage.rota``); the public
``GET /api/center`` shows today's entry with phones, for the kiosk, the display and guides."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from bianmin.protocol import DutyInfo, DutyPerson

from .store import Store


def _person(row: sqlite3.Row) -> DutyPerson:
    return DutyPerson(name=row["name"], post=row["post"], phone=row["phone"])


async def duty_on(store: Store, day: dt.date) -> DutyInfo | None:
    """The rota's entry for ``day`` (only active people), or None when nobody is listed."""
    row = await store.fetchone("SELECT staff, leader_id FROM duty_rota WHERE day = ?", (day.isoformat(),))
    if row is None:
        return None
    ids = [int(i) for i in json.loads(row["staff"])]
    people = {
        r["id"]: r
        for r in await store.fetchall(
            f"SELECT id, name, post, phone FROM clerks WHERE active = 1 AND id IN ({','.join('?' * len(ids))})"
            if ids
            else "SELECT id, name, post, phone FROM clerks WHERE 0",
            tuple(ids),
        )
    }
    leader = None
    if row["leader_id"] is not None:
        found = await store.fetchone(
            "SELECT id, name, post, phone FROM clerks WHERE id = ? AND active = 1", (row["leader_id"],)
        )
        leader = _person(found) if found else None
    staff = [_person(people[i]) for i in ids if i in people]
    if not staff and leader is None:
        return None
    return DutyInfo(day=day.isoformat(), staff=staff, leader=leader)


def duty_statement(
    day: dt.date, staff: list[int], leader: int | None, windows: list[int] | None = None
) -> tuple[str, tuple]:
    """The one statement that sets (or, with nobody, clears) ``day``'s entry. ``windows``:
    the day's duty windows (None: the center's ``[duty] windows``)."""
    if not staff and leader is None and not windows:
        return "DELETE FROM duty_rota WHERE day = ?", (day.isoformat(),)
    return (
        "INSERT INTO duty_rota (day, staff, leader_id, windows) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (day) DO UPDATE SET staff = excluded.staff, leader_id = excluded.leader_id, "
        "windows = excluded.windows",
        (day.isoformat(), json.dumps(staff), leader, json.dumps(windows) if windows else None),
    )
