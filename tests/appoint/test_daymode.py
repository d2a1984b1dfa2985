"""The mode of the day over the calendar, with the clock passed in (sample center: office
days Mon/Wed/Fri 08:30–17:30, duty window 4 on the other working days)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from bianmin.center import load_center
from bianmin.daymode import mode_at, next_open

TZ = ZoneInfo("Asia/Shanghai")
CENTER = load_center()


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=TZ)


def test_office_day_is_office_mode():
    mode = mode_at(CENTER, at(2026, 11, 30))  # Monday
    assert mode.now == "office" and mode.duty_windows == () and mode.next_open is None


def test_working_day_off_the_office_days_is_duty_at_the_duty_window():
    mode = mode_at(CENTER, at(2026, 12, 1))  # Tuesday
    assert mode.now == "duty" and mode.duty_windows == (4,)


def test_the_rota_names_the_duty_window_of_a_day():
    mode = mode_at(CENTER, at(2026, 12, 1), {dt.date(2026, 12, 1): (2,)})
    assert mode.duty_windows == (2,)


def test_weekend_is_closed_until_monday_morning():
    mode = mode_at(CENTER, at(2026, 12, 5))  # Saturday
    assert mode.now == "closed"
    assert mode.next_open == at(2026, 12, 7, 8, 30)


def test_national_day_is_closed_even_on_an_office_weekday():
    # 2026-10-01 (Thu) … 10-07 are the 国庆节 holiday; 10-02 is a Friday, an office weekday.
    for day in range(1, 8):
        assert mode_at(CENTER, at(2026, 10, day)).now == "closed", day
    assert mode_at(CENTER, at(2026, 10, 2)).next_open == at(2026, 10, 8, 8, 30)  # Thursday: duty


def test_make_up_working_day_on_a_saturday_is_a_duty_day():
    assert at(2026, 10, 10).isoweekday() == 6  # 调休: Saturday 10 October 2026 is a working day
    mode = mode_at(CENTER, at(2026, 10, 10))
    assert mode.now == "duty" and mode.duty_windows == (4,)


def test_a_local_holiday_from_the_center_settings_closes_the_day():
    cal = replace(CENTER.calendar, holidays=frozenset({dt.date(2026, 11, 30)}))
    center = replace(CENTER, calendar=cal)
    assert mode_at(center, at(2026, 11, 30)).now == "closed"


@pytest.mark.parametrize(("hh", "mm", "office", "duty"), [(8, 29, "closed", "closed"), (8, 30, "office", "duty")])
def test_the_hall_opens_at_0830_not_0829(hh, mm, office, duty):
    assert mode_at(CENTER, at(2026, 11, 30, hh, mm)).now == office
    assert mode_at(CENTER, at(2026, 12, 1, hh, mm)).now == duty
    if office == "closed":
        assert mode_at(CENTER, at(2026, 11, 30, hh, mm)).next_open == at(2026, 11, 30, 8, 30)


def test_evening_is_closed_until_the_next_working_morning():
    assert mode_at(CENTER, at(2026, 12, 4, 17, 29)).now == "office"  # Friday
    mode = mode_at(CENTER, at(2026, 12, 4, 17, 30))
    assert mode.now == "closed" and mode.next_open == at(2026, 12, 7, 8, 30)


def test_without_duty_windows_a_duty_day_is_closed_and_next_open_is_an_office_day():
    center = replace(CENTER, duty_windows=())
    assert mode_at(center, at(2026, 12, 1)).now == "closed"
    assert next_open(center, at(2026, 12, 1)) == at(2026, 12, 2, 8, 30)


def test_always_open_means_office_mode_at_any_hour():
    assert mode_at(CENTER, at(2026, 12, 6, 3, 0), always_open=True).now == "office"


def test_now_must_be_aware():
    with pytest.raises(ValueError):
        mode_at(CENTER, dt.datetime(2026, 12, 1, 10, 0))
