"""Open cases: promised (承诺办理) and agency (代为办理) services with a tracked due date."""

from __future__ import annotations

import datetime as dt

from . import rules
from .errors import Conflict, NotFound

BUCKET_NAMES = {"open": "待办结", "due_soon": "即将超期", "overdue": "已超期"}


async def list_open(service, windows: list[int] | None = None) -> list[dict]:
    """Open cases, soonest due first, each sorted into 待办结 / 即将超期 / 已超期."""
    rows = await service.store.fetchall(
        "SELECT c.id, c.kind, c.due, c.opened_at, t.number, t.matter, t.window, t.day, "
        "t.agency_to, t.joint_window FROM cases c JOIN tickets t ON t.id = c.ticket_id "
        "WHERE c.closed_at IS NULL ORDER BY c.due, c.id"
    )
    today = service.day
    out = []
    for r in rows:
        if windows is not None and r["window"] not in windows:
            continue
        due = dt.date.fromisoformat(r["due"])
        matter = service.center.matters.get(r["matter"]) if r["matter"] else None
        bucket = rules.case_bucket(due, today)
        out.append(
            {
                "id": r["id"],
                "kind": r["kind"],
                "due": r["due"],
                "opened_at": r["opened_at"],
                "number": r["number"],
                "day": r["day"],
                "window": r["window"],
                "matter": r["matter"],
                "matter_name": matter.name if matter else None,
                "agency_to": r["agency_to"],
                "bucket": bucket,
                "bucket_name": BUCKET_NAMES[bucket],
                "days_left": (due - today).days,
            }
        )
    return out


async def complete(service, case_id: int, clerk: tuple[int, str], windows: list[int]) -> dict:
    """Mark case ``case_id`` completed (办结), committed before it is announced."""
    # Read and check under the lock: two clicks at once must not both close the case.
    async with service.lock:
        await service.store.drain()  # earlier changes (maybe this very case) are on disk
        row = await service.store.fetchone(
            "SELECT c.*, t.window FROM cases c JOIN tickets t ON t.id = c.ticket_id WHERE c.id = ?", (case_id,)
        )
        if row is None:
            raise NotFound("没有这个待办件", code="case_not_found")
        if row["window"] not in windows:
            raise Conflict("这件事不是您的窗口受理的，不能由您办结", code="case_not_yours")
        if row["closed_at"] is not None:
            raise Conflict("这件事已经办结", code="case_closed")
        now = service.clock()
        with service.transaction() as db:
            db.execute(
                "UPDATE cases SET closed_at = ?, closed_by = ? WHERE id = ?", (service.iso(now), clerk[0], case_id)
            )
            db.event = service.record_event(db, "case_closed", now, window=row["window"])
    return {"id": case_id, "closed": True}
