"""Working days (工作日) by the State Council's calendar, with the center's own overrides.

Due dates of promised services count working days, and China moves them every year: the
statutory holidays (法定节假日) are days off even on a weekday, and the make-up working days
(调休) are working days even on a Saturday or Sunday. The State Council publishes each year's
arrangement late in the year before; ``chinesecalendar`` (a maintained package) carries the
published years and refuses the others. We never guess a year nobody has published: asking
about it raises :class:`UnknownYear`, whose message the API and the console show.

A center may add days (a local holiday, a make-up day the package does not have yet) in the
``[calendar]`` table of its settings; when the year's notice is out before the package is
updated, it may copy the notice there and list the year in ``calendar.years``.

Pure: no clock, no I/O beyond the package's bundled tables.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

import chinese_calendar  # type: ignore[import-untyped]  # the package ships no types


class UnknownYear(ValueError):
    """The calendar of ``year`` has not been published (or not reached this install)."""

    def __init__(self, year: int):
        super().__init__(
            f"{year} 年的法定节假日安排尚未收录，无法按工作日计算。"
            f"请在中心配置 [calendar] 中填写 {year} 年的节假日和调休，或手动填写日期。"
        )
        self.year = year


@functools.lru_cache(maxsize=8192)
def _national_workday(day: dt.date) -> bool | None:
    """The package's answer for ``day`` (None: year not published), cached: it is slow."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


@dataclass(frozen=True)
class Calendar:
    """The working-day calendar of one center: the package's years plus local overrides.

    ``holidays`` are extra days off, ``workdays`` extra working days, and ``years`` the years
    the center declares complete by its own lists (for a year the package does not know yet).
    """

    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)
    years: frozenset[int] = field(default_factory=frozenset)

    def known(self, year: int) -> bool:
        """True when working days of ``year`` can be told without guessing."""
        return year in self.years or _national_workday(dt.date(year, 1, 1)) is not None

    def is_workday(self, day: dt.date) -> bool:
        """True when ``day`` is a working day; raises :class:`UnknownYear` for an unknown year."""
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        if day.year in self.years:
            return day.isoweekday() <= 5
        national = _national_workday(day)
        if national is None:
            raise UnknownYear(day.year)
        return national

    def add(self, start: dt.date, days: int) -> dt.date:
        """The day ``days`` working days after ``start`` (``start`` itself does not count)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        day, left = start, days
        while left > 0:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                left -= 1
        return day

    def count(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``)."""
        n, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            n += self.is_workday(day)
        return n


def due_date(start: dt.date, days: int, *, working_days_only: bool, calendar: Calendar) -> dt.date:
    """The due date ``days`` days after ``start``: working days when asked, else calendar days."""
    if not working_days_only:
        return start + dt.timedelta(days=days)
    return calendar.add(start, days)


def days_taken(start: dt.date, end: dt.date, *, working_days_only: bool, calendar: Calendar) -> int:
    """How many (working) days a case opened on ``start`` and closed on ``end`` took."""
    if not working_days_only:
        return max(0, (end - start).days)
    return calendar.count(start, end)


def on_time(completed: dt.date, due: dt.date) -> bool:
    """A case is on time when it is completed on or before its due date."""
    return completed <= due
