"""The mode of the hall at any moment: 集中办公 (office), 值班 (duty) or closed.

The plan lets a township hold 2–3 concentrated office days a week and serve on the other
working days by duty staff, appointments and entrusted requests, "but someone must be
reachable and things must get done". So a working day that is not an office day is not a
closed day: during office hours the duty window(s) from the rota take tickets for every
category. Nights, weekends and holidays (the working-day calendar, with 调休 make-up days
counted as working days) are closed, and the hall says when it next opens.

Pure: the settings, the rota's duty windows per day and ``now`` are passed in, so the
server and the tests ask the same function about any moment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from .center import Center
from .workdays import UnknownYear

ModeName = Literal["office", "duty", "closed"]
MODE_NAMES = {"office": "集中办公", "duty": "值班", "closed": "休息"}
LOOK_AHEAD_DAYS = 31  # how far the next opening is searched (a long holiday is ~8 days)


@dataclass(frozen=True)
class DayMode:
    """What the hall is doing at one moment, and when it next opens while closed."""

    now: ModeName
    duty_windows: tuple[int, ...] = ()
    next_open: dt.datetime | None = None


def _working(center: Center, day: dt.date) -> bool:
    """The center's calendar; a year nobody published counts Monday–Friday (never crash)."""
    try:
        return center.calendar.is_workday(day)
    except UnknownYear:
        return day.isoweekday() <= 5


def is_office_day(center: Center, day: dt.date) -> bool:
    """A concentrated office day: a working day on one of the office weekdays."""
    return day.isoweekday() in center.office.days and _working(center, day)


def duty_windows_on(center: Center, day: dt.date, rota: Mapping[dt.date, Sequence[int]]) -> tuple[int, ...]:
    """The duty windows of a working day that is not an office day (rota first, else the
    center's default ``[duty].windows``); () on office days and days off."""
    if not _working(center, day) or is_office_day(center, day):
        return ()
    chosen = rota.get(day)
    windows = tuple(chosen) if chosen else center.duty_windows
    known = {w.number for w in center.windows}
    return tuple(w for w in windows if w in known)


def _opens(center: Center, day: dt.date, rota: Mapping[dt.date, Sequence[int]]) -> bool:
    return is_office_day(center, day) or bool(duty_windows_on(center, day, rota))


def mode_at(
    center: Center,
    now: dt.datetime,
    rota: Mapping[dt.date, Sequence[int]] | None = None,
    *,
    always_open: bool = False,
) -> DayMode:
    """The mode at ``now`` (aware). ``rota``: duty windows by day where the rota names them.
    ``always_open`` (``BIANMIN_ALWAYS_OPEN=1``, demos and tests) means office mode always."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if always_open:
        return DayMode("office")
    rota = rota or {}
    local = now.astimezone(center.tz)
    day, o = local.date(), center.office
    if o.open <= local.time() < o.close:
        if is_office_day(center, day):
            return DayMode("office")
        windows = duty_windows_on(center, day, rota)
        if windows:
            return DayMode("duty", windows)
    return DayMode("closed", next_open=next_open(center, local, rota))


def next_open(
    center: Center, now: dt.datetime, rota: Mapping[dt.date, Sequence[int]] | None = None
) -> dt.datetime | None:
    """The next moment after ``now`` the hall opens (office or duty), or None within a month."""
    rota = rota or {}
    local = now.astimezone(center.tz)
    day = local.date()
    if local.time() >= center.office.open:
        day += dt.timedelta(days=1)
    for _ in range(LOOK_AHEAD_DAYS):
        if _opens(center, day, rota):
            return dt.datetime.combine(day, center.office.open, tzinfo=center.tz)
        day += dt.timedelta(days=1)
    return None
