"""Appointment slots (预约时段) and the check-in window: pure rules over the center's settings.

Slots exist on concentrated office days only (holidays excluded by the working-day
calendar): every ``slot_minutes`` from ``office.open``, each ending by ``office.close``, in
the categories ``[appointments]`` opens. A booking checks in at the kiosk from
``checkin_before`` minutes before its slot to ``checkin_after`` minutes after its start.
No clock, no I/O: ``now`` is passed in.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from bianmin.center import Center
from bianmin.daymode import is_office_day

from .errors import BadRequest

Verdict = Literal["ok", "too_early", "too_late"]


def bookable(center: Center, category: str) -> bool:
    a = center.appointments
    return a.capacity > 0 and (not a.categories or category in a.categories) and center.category(category) is not None


def day_slots(center: Center, day: dt.date) -> list[dt.datetime]:
    """The slots of ``day`` (center-local, aware); none on days that are not office days."""
    if not is_office_day(center, day):
        return []
    step = dt.timedelta(minutes=center.appointments.slot_minutes)
    start = dt.datetime.combine(day, center.office.open, tzinfo=center.tz)
    close = dt.datetime.combine(day, center.office.close, tzinfo=center.tz)
    out = []
    while start + step <= close:
        out.append(start)
        start += step
    return out


def open_slots(center: Center, first: dt.date, last: dt.date, now: dt.datetime) -> list[dt.datetime]:
    """Slots from ``first`` to ``last`` that may still be booked at ``now``: not yet started,
    and within ``days_ahead`` days."""
    today = now.astimezone(center.tz).date()
    last = min(last, today + dt.timedelta(days=center.appointments.days_ahead))
    out: list[dt.datetime] = []
    day = max(first, today)
    while day <= last:
        out.extend(s for s in day_slots(center, day) if s > now)
        day += dt.timedelta(days=1)
    return out


def check_slot(center: Center, category: str, slot: dt.datetime, now: dt.datetime) -> dt.datetime:
    """``slot`` as a bookable slot of ``category`` at ``now``, or a 400 that says why not."""
    if not bookable(center, category):
        raise BadRequest(f"类别“{category}”不接受预约", code="not_bookable", field="category")
    if slot.tzinfo is None:
        slot = slot.replace(tzinfo=center.tz)
    local = slot.astimezone(center.tz)
    if local not in day_slots(center, local.date()):
        raise BadRequest(
            "所选时段不在集中办公日的预约时段内（节假日和非集中办公日不能预约）",
            code="slot_outside_calendar",
            field="slot",
        )
    if local <= now:
        raise BadRequest("所选时段已经开始或已过去，请另选时段", code="slot_past", field="slot")
    if local.date() > now.astimezone(center.tz).date() + dt.timedelta(days=center.appointments.days_ahead):
        raise BadRequest(f"最多可预约 {center.appointments.days_ahead} 天以内的时段", code="slot_too_far", field="slot")
    return local


def checkin_verdict(center: Center, slot: dt.datetime, now: dt.datetime) -> Verdict:
    """Whether a booking of ``slot`` may check in at ``now``."""
    a = center.appointments
    if now < slot - dt.timedelta(minutes=a.checkin_before):
        return "too_early"
    if now > slot + dt.timedelta(minutes=a.checkin_after):
        return "too_late"
    return "ok"


def parse_slot(value: str, center: Center) -> dt.datetime:
    """An ISO 8601 slot from a request (center-local when it has no offset), or a 400."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        example = "2026-12-02T09:00:00+08:00"
        raise BadRequest(f"slot 格式应为 ISO 8601，例如 {example}", code="bad_slot", field="slot") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=center.tz)
