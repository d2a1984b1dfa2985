"""The ledger (业务台帐): one row per service, read from tickets, their transitions and cases.

A read model, derived here and nowhere else: nothing is stored twice. Each ticket of the
range that was issued is one row (a resident's visit): the wait runs from issue to the first
call; the service from the start of the last service (or the last call, when the clerk never
pressed 开始) to the finish, so a transfer's second wait is not counted as service; how often
it was recalled, missed, transferred or put back in line; the outcome (one of the six modes,
with a rejection's reason); and, for a promised or agency case, its limits, due date,
completion and whether it was on time. Ratings come with the supervision issue; until then
``rating`` is null.

The range is bounded (a year at most) and answered by one SQL statement over the indexes of
``tickets (day, …)`` and ``transitions (ticket_id, to_status, from_status, at)`` (migration 3).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from bianmin import workdays
from bianmin.center import Center

from .errors import BadRequest
from .store import Store

MAX_DAYS = 366
# The Chinese column names of the exports (CSV, xlsx), in their order.
COLUMNS = {
    "day": "日期",
    "number": "号码",
    "category": "类别",
    "matter": "事项编号",
    "matter_name": "事项",
    "window": "窗口",
    "clerk": "经办人",
    "issued_at": "取号时间",
    "called_at": "叫号时间",
    "started_at": "开始办理",
    "finished_at": "办结时间",
    "wait_s": "等候（秒）",
    "service_s": "办理（秒）",
    "recalls": "重呼",
    "no_shows": "过号",
    "transfers": "转移",
    "requeues": "重新排队",
    "outcome": "办理方式",
    "reason": "退办理由",
    "promised_days": "承诺时限（天）",
    "statutory_days": "法定时限（天）",
    "due": "承诺办结日期",
    "completed_at": "实际办结",
    "days_taken": "用时（天）",
    "on_time": "按时办结",
    "rating": "评价",
}

# One statement; each per-ticket figure is a seek in the covering index transitions_ticket_status.
_T = "FROM transitions x WHERE x.ticket_id = t.id AND x.to_status = "
LEDGER_SQL = f"""
SELECT t.number, t.day, t.category, t.matter, t.window, t.status, t.outcome, t.reason,
       t.issued_at, t.finished_at, t.recalls, c.name AS clerk,
       (SELECT MIN(x.at) {_T}'called') AS called_at,
       (SELECT MAX(x.at) {_T}'serving') AS started_at,
       (SELECT MAX(x.at) {_T}'called' AND x.from_status <> 'called') AS last_call,
       (SELECT COUNT(*) {_T}'no_show') AS no_shows,
       (SELECT COUNT(*) {_T}'transferred') AS transfers,
       (SELECT COUNT(*) {_T}'waiting' AND x.from_status = 'no_show') AS requeues,
       k.due AS case_due, k.opened_at AS case_opened, k.closed_at AS case_closed
FROM tickets t
LEFT JOIN clerks c ON c.id = t.clerk_id
LEFT JOIN cases k ON k.ticket_id = t.id
WHERE t.day BETWEEN :lo AND :hi {{where}}
ORDER BY t.day, t.id
"""


@dataclass(frozen=True)
class LedgerRow:
    """One service, as ``GET /api/ledger`` sends it (the contract's keys first)."""

    number: str
    day: str
    matter: str | None
    window: int | None
    clerk: str | None
    issued_at: str
    called_at: str | None
    started_at: str | None
    finished_at: str | None
    wait_s: int | None
    service_s: int | None
    outcome: str | None
    due: str | None
    completed_at: str | None
    on_time: bool | None
    rating: int | None
    category: str
    matter_name: str | None
    status: str
    reason: str | None
    recalls: int
    no_shows: int
    transfers: int
    requeues: int
    promised_days: int | None
    statutory_days: int | None
    days_taken: int | None

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)  # flat fields only: no deep copy needed


def parse_range(lo: str | None, hi: str | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """``from``/``to`` query values (default: today) as dates, at most :data:`MAX_DAYS` apart."""

    def one(value: str | None, name: str) -> dt.date:
        if not value:
            return today
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise BadRequest(f"{name} 必须是日期，格式 YYYY-MM-DD", code="bad_field", field=name) from None

    start, end = one(lo, "from"), one(hi, "to")
    if end < start:
        raise BadRequest("结束日期不能早于开始日期", code="bad_range", field="to")
    if (end - start).days >= MAX_DAYS:
        raise BadRequest(f"一次最多查询 {MAX_DAYS} 天", code="range_too_long", field="to")
    return start, end


def _seconds(a: str | None, b: str | None) -> int | None:
    """Whole seconds from ISO moment ``a`` to ``b`` (None when either is missing)."""
    if a is None or b is None:
        return None
    return round((dt.datetime.fromisoformat(b) - dt.datetime.fromisoformat(a)).total_seconds())


def _taken(center: Center, opened: str, closed: str) -> int | None:
    try:
        return workdays.days_taken(
            dt.date.fromisoformat(opened[:10]),
            dt.date.fromisoformat(closed[:10]),
            working_days_only=center.working_days_only,
            calendar=center.calendar,
        )
    except workdays.UnknownYear:
        return None  # said as "unknown" rather than guessed


async def rows(
    store: Store, center: Center, start: dt.date, end: dt.date, window: int | None = None
) -> list[LedgerRow]:
    """The ledger of ``start`` … ``end`` (inclusive), optionally of one window, oldest first."""
    params: dict[str, object] = {"lo": start.isoformat(), "hi": end.isoformat()}
    where = ""
    if window is not None:
        where = "AND t.window = :window"
        params["window"] = window
    out = []
    for r in await store.fetchall(LEDGER_SQL.format(where=where), params):
        matter = center.matters.get(r["matter"]) if r["matter"] else None
        closed = r["case_closed"]
        on_time = None
        if r["case_due"] is not None and closed is not None:
            on_time = workdays.on_time(dt.date.fromisoformat(closed[:10]), dt.date.fromisoformat(r["case_due"]))
        out.append(
            LedgerRow(
                number=r["number"],
                day=r["day"],
                matter=r["matter"],
                window=r["window"],
                clerk=r["clerk"],
                issued_at=r["issued_at"],
                called_at=r["called_at"],
                started_at=r["started_at"],
                finished_at=r["finished_at"],
                wait_s=_seconds(r["issued_at"], r["called_at"]),
                service_s=_seconds(r["started_at"] or r["last_call"], r["finished_at"]),
                outcome=r["outcome"],
                due=r["case_due"],
                completed_at=closed,
                on_time=on_time,
                rating=None,
                category=r["category"],
                matter_name=matter.name if matter else None,
                status=r["status"],
                reason=r["reason"],
                recalls=r["recalls"],
                no_shows=r["no_shows"] or 0,
                transfers=r["transfers"] or 0,
                requeues=r["requeues"] or 0,
                promised_days=matter.guide.promised_days if matter else None,
                statutory_days=matter.guide.statutory_days if matter else None,
                days_taken=_taken(center, r["case_opened"], closed) if closed else None,
            )
        )
    return out


def cell(row: LedgerRow, key: str) -> object:
    """A field as the exports show it: yes/no for booleans."""
    value = getattr(row, key)
    return "是" if value is True else "否" if value is False else value


def to_csv(rows: list[LedgerRow]) -> str:
    """The rows as CSV with Chinese headers (UTF-8 with BOM, so Excel opens it right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS.values())
    for row in rows:
        writer.writerow([cell(row, k) for k in COLUMNS])
    return "\ufeff" + out.getvalue()
