"""The ledger (业务台帐): one row per service, read from the service facts and cases.

A read model: the per-service facts are derived in one place (:mod:`.service_facts`: stored
once a day is closed, derived when read for the open days), the rest here. Each ticket of the
range that was issued is one row (a resident's visit): the wait runs from issue to the first
call; the service from the start of the last service (or the last call, when the clerk never
pressed 开始) to the finish, so a transfer's second wait is not counted as service; how often
it was recalled, missed, transferred or put back in line; the outcome (one of the six modes,
with a rejection's reason); whether it came from a booking (预约: 是 in the exports, blank for
a walk-in); and, for a promised or agency case, its limits, due date,
completion and whether it was on time. Ratings come with the supervision issue; until then
``rating`` is null.

The range is bounded (a year at most) and answered by one range scan of ``service_facts``,
which is stored in day order: a month is a few thousand adjacent rows, never an aggregate
over the transitions (but today's few hundred).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from bianmin import workdays
from bianmin.center import Center

from . import service_facts
from .errors import BadRequest
from .store import Store

R = TypeVar("R")  # a row of an export

MAX_DAYS = 366
# The Chinese column names of the exports (CSV, xlsx), in their order.
COLUMNS = {
    "day": "日期",
    "number": "号码",
    "category": "类别",
    "matter": "事项编号",
    "matter_name": "事项",
    "appointment": "预约",
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

# One range scan of the stored facts (in day order) and the open days' derived facts, with
# each row's clerk and case by primary key.
LEDGER_SQL = f"""
SELECT f.number, f.day, f.category, f.matter, f.window, f.status, f.outcome, f.reason, f.recalls,
       f.issued_at, f.called_at, f.started_at, f.finished_at, f.wait_s, f.service_s,
       f.no_shows, f.transfers, f.requeues, f.appointment, c.name AS clerk,
       k.due AS case_due, k.opened_at AS case_opened, k.closed_at AS case_closed
FROM {service_facts.facts_sql()} f
LEFT JOIN clerks c ON c.id = f.clerk_id
LEFT JOIN cases k ON k.ticket_id = f.ticket_id
WHERE f.day BETWEEN :lo AND :hi {{where}}
ORDER BY f.day, f.ticket_id
"""


@dataclass(slots=True)
class LedgerRow:
    """One service, as ``GET /api/ledger`` sends it (the contract's keys first).

    Slotted, not frozen: a year's report builds 100,000 of them, and a frozen dataclass's
    ``__init__`` costs three times as much. Treat it as read-only all the same.
    """

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
    appointment: bool = False  # the ticket came from a booking (预约取号)

    def to_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in FIELDS}  # flat fields only: no deep copy needed


FIELDS = tuple(f.name for f in fields(LedgerRow))


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
    return build(center, await fetch(store, start, end, window))


async def fetch(store: Store, start: dt.date, end: dt.date, window: int | None = None) -> list[Any]:
    """The stored rows :func:`build` turns into the ledger (apart, so a report reads the next
    month in the reader thread while this one is built)."""
    params: dict[str, object] = {"lo": start.isoformat(), "hi": end.isoformat()}
    where = ""
    if window is not None:
        where = "AND f.window = :window"
        params["window"] = window
    return await store.fetchall(LEDGER_SQL.format(where=where), params)


def build(center: Center, stored: list[Any]) -> list[LedgerRow]:
    """Ledger rows from :func:`fetch`'s rows: the matter's names and limits, days taken, on time."""
    matters = {m.code: (m.name, m.guide.promised_days, m.guide.statutory_days) for m in center.matters.values()}
    none = (None, None, None)
    taken: dict[tuple[str, str], int | None] = {}  # (opened, closed) day pairs repeat: count each once
    out = []
    for r in stored:
        (number, day, category, matter, win, status, outcome, reason, recalls, issued_at, called_at, started_at,
         finished_at, wait_s, service_s, no_shows, transfers, requeues, booked, clerk, due, opened,
         closed) = r  # fmt: skip
        name, promised, statutory = matters.get(matter, none) if matter else none
        on_time = days = None
        if closed is not None:
            if due is not None:
                on_time = workdays.on_time(dt.date.fromisoformat(closed[:10]), dt.date.fromisoformat(due))
            pair = (opened[:10], closed[:10])
            if pair not in taken:
                taken[pair] = _taken(center, opened, closed)
            days = taken[pair]
        out.append(
            LedgerRow(
                number=number, day=day, matter=matter, window=win, clerk=clerk, issued_at=issued_at,
                called_at=called_at, started_at=started_at, finished_at=finished_at, wait_s=wait_s,
                service_s=service_s, outcome=outcome, due=due, completed_at=closed, on_time=on_time, rating=None,
                category=category, matter_name=name, status=status, reason=reason, recalls=recalls,
                no_shows=no_shows, transfers=transfers, requeues=requeues, promised_days=promised,
                statutory_days=statutory, days_taken=days, appointment=bool(booked),
            )
        )  # fmt: skip
    return out


def cell(row: LedgerRow, key: str) -> object:
    """A field as the exports show it: yes/no for booleans (the appointment mark: 是 or blank)."""
    value = getattr(row, key)
    if key == "appointment":
        return "是" if value else None
    return "是" if value is True else "否" if value is False else value


def to_csv(rows: list[LedgerRow]) -> str:
    return csv_text(COLUMNS, rows, cell)


def csv_text(columns: Mapping[str, str], rows: Iterable[R], cell: Callable[[R, str], object]) -> str:
    """Rows as CSV under ``columns``' Chinese headers, each value from ``cell(row, key)``
    (UTF-8 with BOM, so Excel opens it right); the ledger's and the requests' exports."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns.values())
    for row in rows:
        writer.writerow([cell(row, k) for k in columns])
    return "\ufeff" + out.getvalue()
