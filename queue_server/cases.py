"""Open cases: promised (承诺办理), agency (代为办理) and joint (联合办理) services with a
tracked due date.

A joint case is the co-handling window's part: the leading window finished its service, so
the case is listed at, and closed by, the window chosen as 协办窗口 (:func:`rules.case_window`).
"""

from __future__ import annotations

import datetime as dt

from bianmin.protocol import OUTCOME_NAMES, CaseBucket, CaseView

from . import queue_db, rules
from .accounts import Clerk
from .errors import Conflict, NotFound
from .service import Change, QueueService

BUCKET_NAMES: dict[CaseBucket, str] = {"open": "待办结", "due_soon": "即将超期", "overdue": "已超期"}


async def list_open(service: QueueService, windows: list[int] | None = None) -> list[CaseView]:
    """Open cases, soonest due first, each sorted into 待办结 / 即将超期 / 已超期."""
    today = service.day
    out = []
    for r in await queue_db.open_cases(service.store):
        if windows is not None and rules.case_window(r["kind"], r["window"], r["joint_window"]) not in windows:
            continue
        due = dt.date.fromisoformat(r["due"])
        matter = service.center.matters.get(r["matter"]) if r["matter"] else None
        bucket = rules.case_bucket(due, today)
        out.append(
            CaseView(
                id=r["id"],
                kind=r["kind"],
                kind_name=OUTCOME_NAMES.get(r["kind"], r["kind"]),
                due=r["due"],
                opened_at=r["opened_at"],
                number=r["number"],
                day=r["day"],
                window=r["window"],
                matter=r["matter"],
                matter_name=matter.name if matter else None,
                agency_to=r["agency_to"],
                joint_window=r["joint_window"],
                bucket=bucket,
                bucket_name=BUCKET_NAMES[bucket],
                days_left=(due - today).days,
            )
        )
    return out


async def complete(service: QueueService, case_id: int, clerk: Clerk, windows: list[int]) -> dict:
    """Mark case ``case_id`` completed (办结), committed before it is announced."""

    # Read and check inside the operation: two clicks at once must not both close the case.
    async def plan(now: dt.datetime) -> Change:
        row = await queue_db.case(service.store, case_id)
        if row is None:
            raise NotFound("没有这个待办件", code="case_not_found")
        owner = rules.case_window(row["kind"], row["window"], row["joint_window"])
        if owner not in windows:
            raise Conflict("这件事不是您的窗口受理的，不能由您办结", code="case_not_yours")
        if row["closed_at"] is not None:
            raise Conflict("这件事已经办结", code="case_closed")
        db = service.batch()
        db.close_case(case_id, clerk.id, now)
        return Change("case_closed", db, window=owner)

    await service.perform(plan, from_disk=True)  # earlier changes (maybe this very case) are on disk
    return {"id": case_id, "closed": True}
