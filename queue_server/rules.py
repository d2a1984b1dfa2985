"""The queue rules: pure functions over plain data. No I/O, no clock: ``now`` is passed in.

A ticket moves waiting → called → serving → done, or ends as no_show, transferred
(waiting for one specific window) or expired. Every function returns new values and
never mutates its inputs, so the service can compute a whole change before it applies,
persists and announces it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from bianmin import workdays
from bianmin.protocol import STATUS_NAMES, CaseBucket, TicketStatus
from bianmin.workdays import Calendar

from .errors import BadRequest, Conflict

ACTIVE = ("waiting", "transferred", "called", "serving")
IN_LINE = ("waiting", "transferred")
AT_WINDOW = ("called", "serving")
# The State Council calendar alone, for callers without a center (tests, tools).
NATIONAL = Calendar()


@dataclass(frozen=True)
class Ticket:
    """One queue ticket as the rules see it."""

    id: int
    day: dt.date
    category: str
    seq: int
    matter: str | None
    priority: bool
    status: TicketStatus
    issued_at: dt.datetime
    queue_key: float
    window: int | None = None
    transferred_to: int | None = None
    transferred_at: dt.datetime | None = None
    called_at: dt.datetime | None = None
    recalls: int = 0
    appointment: bool = False  # checked in with a booking: called before walk-ins

    @property
    def number(self) -> str:
        return format_number(self.category, self.seq)


def format_number(category: str, seq: int) -> str:
    """``A`` + 3 digits: ``format_number("A", 12) == "A012"``; past 999 it grows a digit."""
    return f"{category}{seq:03d}"


def service_day(now: dt.datetime, tz: ZoneInfo) -> dt.date:
    """The center-local calendar day that ``now`` (aware) belongs to."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(tz).date()


def new_ticket(
    *,
    ticket_id: int,
    category: str,
    matter: str | None,
    priority: bool,
    last_seq: int,
    now: dt.datetime,
    tz: ZoneInfo,
    appointment: bool = False,
) -> Ticket:
    """The next ticket of ``category`` today, numbered ``last_seq + 1``."""
    return Ticket(
        id=ticket_id,
        day=service_day(now, tz),
        category=category,
        seq=last_seq + 1,
        matter=matter,
        priority=priority,
        status="waiting",
        issued_at=now,
        queue_key=float(ticket_id),
        appointment=appointment,
    )


def line_rank(t: Ticket) -> tuple[bool, bool]:
    """Where a ticket's part of the line stands: green channel first, then checked-in
    appointments (预约), then walk-ins; within each part by ``queue_key``."""
    return (not t.priority, not t.appointment)


def line_order(tickets: Iterable[Ticket]) -> list[Ticket]:
    """Tickets in line, in the order a window serving all their categories would call them."""
    return sorted((t for t in tickets if t.status == "waiting"), key=lambda t: (*line_rank(t), t.queue_key))


def choose_next(window: int, categories: Sequence[str], tickets: Iterable[Ticket]) -> Ticket | None:
    """The ticket window ``window`` calls next.

    First tickets transferred to this window (earliest transfer first), then green-channel
    tickets in its categories, then the oldest waiting ticket across its categories.
    """
    pool = list(tickets)
    transferred = [t for t in pool if t.status == "transferred" and t.transferred_to == window]
    if transferred:
        return min(transferred, key=lambda t: (t.transferred_at or t.issued_at, t.queue_key))
    mine = line_order(t for t in pool if t.category in categories)
    return mine[0] if mine else None


def ahead_of(ticket: Ticket, tickets: Iterable[Ticket]) -> int:
    """How many people will be served before ``ticket`` in its own line."""
    pool = list(tickets)
    if ticket.status == "transferred":
        return sum(
            1
            for t in pool
            if t.status == "transferred"
            and t.id != ticket.id
            and t.transferred_to == ticket.transferred_to
            and (t.transferred_at, t.queue_key) < (ticket.transferred_at, ticket.queue_key)
        )
    if ticket.status != "waiting":
        return 0
    line = line_order(t for t in pool if t.category == ticket.category)
    return next((i for i, t in enumerate(line) if t.id == ticket.id), len(line))


def _require(ticket: Ticket, allowed: tuple[str, ...], action: str) -> None:
    if ticket.status not in allowed:
        raise Conflict(
            f"{ticket.number} 号当前状态为“{STATUS_NAMES.get(ticket.status, ticket.status)}”，不能{action}",
            code="invalid_state",
        )


def call(ticket: Ticket, window: int, now: dt.datetime) -> Ticket:
    """Call ``ticket`` to ``window``."""
    _require(ticket, IN_LINE, "叫号")
    return replace(ticket, status="called", window=window, called_at=now, transferred_to=None)


def mark_green(ticket: Ticket) -> Ticket:
    """A clerk puts a waiting ticket on the green channel (绿色通道): it goes ahead of the
    ordinary line, among the green tickets in the order they were issued."""
    _require(ticket, ("waiting",), "转入绿色通道")
    if ticket.priority:
        raise Conflict(f"{ticket.number} 号已在绿色通道中", code="already_green")
    return replace(ticket, priority=True)


def call_chosen(ticket: Ticket, window: int, categories: Sequence[str], now: dt.datetime) -> Ticket:
    """Call a chosen waiting ticket out of order (the clerk records why)."""
    if ticket.status == "transferred" and ticket.transferred_to != window:
        raise Conflict(f"{ticket.number} 号已转给 {ticket.transferred_to} 号窗口", code="not_in_line")
    if ticket.status == "waiting" and ticket.category not in categories:
        raise Conflict(f"{ticket.number} 号不属于本窗口办理的业务", code="not_in_line")
    return call(ticket, window, now)


def recall(ticket: Ticket) -> Ticket:
    """Call the same ticket again; it keeps its place at the window."""
    _require(ticket, ("called",), "重呼")
    return replace(ticket, recalls=ticket.recalls + 1)


def start(ticket: Ticket) -> Ticket:
    _require(ticket, ("called",), "开始办理")
    return replace(ticket, status="serving")


def no_show(ticket: Ticket) -> Ticket:
    _require(ticket, ("called",), "标记过号")
    return replace(ticket, status="no_show")


def requeue(ticket: Ticket, tickets: Iterable[Ticket], gap: int) -> Ticket:
    """Put a no-show back in line (过号重排), ``gap`` places behind the head of its line."""
    _require(ticket, ("no_show",), "重新排队")
    line = [t for t in line_order(tickets) if t.category == ticket.category and not t.priority]
    if not line:
        key = ticket.queue_key
    elif gap >= len(line):
        key = line[-1].queue_key + 1.0
    elif gap <= 0:
        key = line[0].queue_key - 1.0
    else:
        key = (line[gap - 1].queue_key + line[gap].queue_key) / 2
    return replace(ticket, status="waiting", window=None, queue_key=key)


def transfer(ticket: Ticket, to_window: int, now: dt.datetime) -> Ticket:
    """Hand a ticket at a window to another window; it goes first in that window's line."""
    _require(ticket, AT_WINDOW, "转移")
    if ticket.window == to_window:
        raise BadRequest("不能转移到本窗口，请选择其他窗口", code="same_window", field="to_window")
    return replace(ticket, status="transferred", transferred_to=to_window, transferred_at=now, window=None)


# Outcomes that leave an open case (待办件) with a due date: promised (承诺办理), agency
# (代为办理, the center follows up) and joint (联合办理, the co-handling window's part).
CASE_MODES = ("promised", "agency", "joint")


def case_window(kind: str, window: int | None, joint_window: int | None) -> int | None:
    """The window whose open case it is: the co-handler's for a joint case, else the one that
    took the service."""
    return joint_window if kind == "joint" else window


@dataclass(frozen=True)
class Completion:
    """How a service ended: one of the plan's six modes, with what that mode needs."""

    mode: str
    reason: str | None = None
    due: dt.date | None = None
    joint_window: int | None = None
    agency_to: str | None = None


def check_outcome(out: Completion, *, today: dt.date, window: int, windows: Sequence[int]) -> Completion:
    """Validate an outcome; raises BadRequest naming the missing or wrong field."""
    if out.mode == "promised" and out.due is None:
        raise BadRequest("承诺办理必须填写承诺办结日期", code="due_required", field="due")
    if out.due is not None and out.due < today:
        raise BadRequest("办结日期不能早于今天", code="due_in_past", field="due")
    if out.mode == "rejected" and not (out.reason or "").strip():
        raise BadRequest("退办告知必须填写不予受理的理由", code="reason_required", field="reason")
    if out.mode == "joint":
        if out.joint_window is None:
            raise BadRequest("联合办理必须选择协办窗口", code="joint_window_required", field="joint_window")
        if out.joint_window == window or out.joint_window not in windows:
            raise BadRequest("协办窗口必须是本中心的其他窗口", code="bad_joint_window", field="joint_window")
    if out.mode == "agency" and not (out.agency_to or "").strip():
        raise BadRequest("代为办理必须填写报送的上级部门", code="agency_to_required", field="agency_to")
    return out


def finish(ticket: Ticket) -> Ticket:
    """Close the service; a ticket called but never started may be finished directly."""
    _require(ticket, AT_WINDOW, "办结")
    return replace(ticket, status="done")


def expire(tickets: Iterable[Ticket], today: dt.date) -> list[Ticket]:
    """Tickets from earlier days still active: they close as expired."""
    return [replace(t, status="expired") for t in tickets if t.day < today and t.status in ACTIVE]


def add_days(start_day: dt.date, days: int, working_days_only: bool, calendar: Calendar = NATIONAL) -> dt.date:
    """The due date ``days`` days after ``start_day``, in the center's working days when asked.

    Working days follow ``calendar`` (statutory holidays off, 调休 make-up days on). A year
    nobody has published is refused with a Conflict the console shows, never guessed.
    """
    try:
        return workdays.due_date(start_day, days, working_days_only=working_days_only, calendar=calendar)
    except workdays.UnknownYear as exc:
        raise Conflict(str(exc), code="calendar_unknown", field="due") from None


def case_bucket(due: dt.date, today: dt.date, soon_days: int = 2) -> CaseBucket:
    """Sort an open case into 已超期 (overdue), 即将超期 (due soon) or 待办结 (open)."""
    if due < today:
        return "overdue"
    if (due - today).days <= soon_days:
        return "due_soon"
    return "open"
