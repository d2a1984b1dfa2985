"""The requests' ledger (委托办理, 上门服务, 跨部门代办): one row per request, and on-time figures.

The plan asks that these requests count in the ledger beside the services. A request is
not a ticket (no wait, no window), so it has its own rows: what, for whom, which department,
recorded when and due when, who it is assigned to, its status and outcome, and whether it
was closed on time (closed on or before its due date). An open request past its due date
counts as late; one not yet due has no verdict. The range selects requests by the day they
were recorded; the table is small (a few a day), so one scan answers a year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from bianmin import workdays
from bianmin.center import Center
from bianmin.protocol import REQUEST_KIND_NAMES, REQUEST_KINDS, REQUEST_STATUS_NAMES

from . import ledger
from .store import Store

COLUMNS = {
    "code": "编号",
    "kind_name": "类型",
    "day": "登记日期",
    "name": "群众姓名",
    "village": "村（社区）",
    "matter_name": "事项",
    "detail": "办理事项",
    "department": "承办部门",
    "assignee": "承办人",
    "created_by": "登记人",
    "due": "办结期限",
    "status_name": "状态",
    "outcome": "办理结果",
    "closed_at": "实际办结",
    "days_taken": "用时（天）",
    "on_time": "按时办结",
}
SQL = """
SELECT r.code, r.kind, substr(r.created_at, 1, 10) AS day, r.name, r.village, r.matter, r.detail, r.department,
       a.name AS assignee, c.name AS created_by, r.due, r.status, r.outcome, r.closed_at
FROM requests r JOIN clerks c ON c.id = r.created_by LEFT JOIN clerks a ON a.id = r.assignee_id
WHERE substr(r.created_at, 1, 10) BETWEEN :lo AND :hi
ORDER BY r.created_at, r.id
"""


@dataclass(frozen=True, slots=True)
class RequestRow:
    """One request as ``GET /api/ledger/requests`` sends it."""

    code: str
    kind: str
    kind_name: str
    day: str
    name: str
    village: str
    matter: str | None
    matter_name: str | None
    detail: str
    department: str
    assignee: str | None
    created_by: str
    due: str
    status: str
    status_name: str
    outcome: str
    closed_at: str | None
    days_taken: int | None
    on_time: bool | None  # closed by the due date; an open one past it: False; not yet due: None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def on_time(due: str, closed_at: str | None, today: dt.date) -> bool | None:
    """Closed on or before ``due``; open and already past it: late; open and not due yet: None."""
    if closed_at is not None:
        return workdays.on_time(dt.date.fromisoformat(closed_at[:10]), dt.date.fromisoformat(due))
    return False if today > dt.date.fromisoformat(due) else None


async def rows(store: Store, center: Center, start: dt.date, end: dt.date, today: dt.date) -> list[RequestRow]:
    """The requests recorded ``start`` … ``end`` (inclusive), oldest first."""
    out = []
    for r in await store.fetchall(SQL, {"lo": start.isoformat(), "hi": end.isoformat()}):
        matter = center.matters.get(r["matter"]) if r["matter"] else None
        taken = None
        if r["closed_at"] is not None:
            try:
                taken = workdays.days_taken(
                    dt.date.fromisoformat(r["day"]),
                    dt.date.fromisoformat(r["closed_at"][:10]),
                    working_days_only=center.working_days_only,
                    calendar=center.calendar,
                )
            except workdays.UnknownYear:
                taken = None  # said as unknown rather than guessed
        out.append(
            RequestRow(
                code=r["code"], kind=r["kind"], kind_name=REQUEST_KIND_NAMES[r["kind"]], day=r["day"],
                name=r["name"], village=r["village"], matter=r["matter"], matter_name=matter.name if matter else None,
                detail=r["detail"], department=r["department"], assignee=r["assignee"], created_by=r["created_by"],
                due=r["due"], status=r["status"], status_name=REQUEST_STATUS_NAMES[r["status"]],
                outcome=r["outcome"], closed_at=r["closed_at"], days_taken=taken,
                on_time=on_time(r["due"], r["closed_at"], today),
            )
        )  # fmt: skip
    return out


def summary(requests: list[RequestRow]) -> list[dict[str, Any]]:
    """Per kind (then 合计): recorded, closed (done or rejected), still open, closed on time,
    late (closed late or open past due), and the on-time share of the closed ones."""
    out = []
    for kind in (*REQUEST_KINDS, None):
        mine = [r for r in requests if kind is None or r.kind == kind]
        closed = [r for r in mine if r.closed_at is not None]
        timely = sum(1 for r in closed if r.on_time)
        out.append(
            {
                "kind": kind or "all",
                "kind_name": REQUEST_KIND_NAMES[kind] if kind else "合计",
                "requests": len(mine),
                "closed": len(closed),
                "open": len(mine) - len(closed),
                "on_time": timely,
                "late": sum(1 for r in mine if r.on_time is False),
                "on_time_share": round(timely / len(closed), 4) if closed else None,
            }
        )
    return out


def cell(row: RequestRow, key: str) -> object:
    value = getattr(row, key)
    return "是" if value is True else "否" if value is False else value


def to_csv(requests: list[RequestRow]) -> str:
    return ledger.csv_text(COLUMNS, requests, cell)
