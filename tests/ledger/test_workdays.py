"""Working days by the State Council calendar: 国庆节 is skipped, a 调休 Saturday counts,
an unpublished year is refused (never guessed), and the center's [calendar] overrides apply."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from bianmin.assets import SAMPLE_CENTER
from bianmin.center import ConfigError, load_center, parse_center
from bianmin.workdays import Calendar, UnknownYear, days_taken, due_date
from queue_server.accounts import Accounts
from queue_server.app import create_app
from queue_server.settings import Settings
from queue_server.store import Store

NATIONAL = Calendar()
# 2026 国庆节: 10-01 … 10-07 off; Sunday 09-20 and Saturday 10-10 are 调休 working days.
EVE = dt.date(2026, 9, 30)


def test_due_date_across_national_day_skips_the_holiday():
    assert due_date(EVE, 1, working_days_only=True, calendar=NATIONAL) == dt.date(2026, 10, 8)
    assert due_date(EVE, 2, working_days_only=True, calendar=NATIONAL) == dt.date(2026, 10, 9)
    # Calendar days ignore the holiday.
    assert due_date(EVE, 1, working_days_only=False, calendar=NATIONAL) == dt.date(2026, 10, 1)


def test_make_up_saturday_counts_as_a_working_day():
    saturday = dt.date(2026, 10, 10)
    assert saturday.isoweekday() == 6 and NATIONAL.is_workday(saturday)
    assert not NATIONAL.is_workday(dt.date(2026, 10, 11))  # the Sunday after stays off
    assert due_date(EVE, 3, working_days_only=True, calendar=NATIONAL) == saturday
    assert NATIONAL.count(EVE, dt.date(2026, 10, 12)) == 4  # 8, 9, 10 (Sat), 12
    assert days_taken(EVE, dt.date(2026, 10, 12), working_days_only=False, calendar=NATIONAL) == 12


def test_unpublished_year_is_refused_not_guessed():
    assert not NATIONAL.known(2027)
    with pytest.raises(UnknownYear) as err:
        NATIONAL.is_workday(dt.date(2027, 1, 4))
    assert err.value.year == 2027 and "2027 年" in str(err.value)
    # A due date that would cross into it is refused too.
    with pytest.raises(UnknownYear):
        due_date(dt.date(2026, 12, 30), 5, working_days_only=True, calendar=NATIONAL)


def test_local_overrides_and_declared_years():
    local = Calendar(
        holidays=frozenset({dt.date(2026, 10, 8)}),
        workdays=frozenset({dt.date(2026, 10, 11)}),
        years=frozenset({2027}),
    )
    assert due_date(EVE, 1, working_days_only=True, calendar=local) == dt.date(2026, 10, 9)
    assert local.is_workday(dt.date(2026, 10, 11))
    assert local.known(2027) and local.is_workday(dt.date(2027, 1, 4)) and not local.is_workday(dt.date(2027, 1, 9))


def _sample(extra: str) -> dict:
    data = tomllib.loads(SAMPLE_CENTER.read_text("utf-8"))
    data["calendar"] = tomllib.loads(extra)
    return data


def test_calendar_table_parsed_and_errors_name_the_field():
    assert load_center().calendar == Calendar()
    center = parse_center(_sample('holidays = [2026-10-08]\nworkdays = ["2026-10-11"]\nyears = [2027]'))
    assert center.calendar == Calendar(
        frozenset({dt.date(2026, 10, 8)}), frozenset({dt.date(2026, 10, 11)}), frozenset({2027})
    )
    cases = {
        'holidays = ["10/08"]': "calendar.holidays[0]",
        "workdays = [1]": "calendar.workdays[0]",
        'years = ["2027"]': "calendar.years[0]",
        "holiday = []": "calendar.holiday",
        "holidays = [2026-10-08]\nworkdays = [2026-10-08]": "calendar.workdays",
        'holidays = "2026-10-08"': "calendar.holidays",
    }
    for text, path in cases.items():
        with pytest.raises(ConfigError) as err:
            parse_center(_sample(text))
        assert err.value.path == path, text


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


async def test_due_date_api_counts_holidays_and_flags_unknown_years(tmp_path, aiohttp_client):
    store = await Store.open(tmp_path / "q.db")
    await Accounts(store).add_clerk("a", "张三", [1], "pass12345")
    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    local = replace(load_center(), calendar=Calendar(workdays=frozenset({dt.date(2026, 10, 4)})))
    client = await aiohttp_client(create_app(Settings(always_open=True), store, clock=Clock(now), center=local))
    try:
        resp = await client.post("/api/login", json={"login": "a", "password": "pass12345"})
        assert resp.status == 200
        # A1 promises 3 working days; the local override makes Sunday 10-04 one of them.
        data = await (await client.get("/api/due-date?matter=A1&from=2026-09-30")).json()
        assert data == {"matter": "A1", "days": 3, "working_days_only": True, "from": "2026-09-30", "due": "2026-10-09"}
        resp = await client.get("/api/due-date?matter=A1&from=2026-12-30")
        assert resp.status == 409
        err = (await resp.json())["error"]
        assert err["code"] == "calendar_unknown" and "2027" in err["message"]
        resp = await client.get("/api/due-date?matter=A1&from=2026-13-01")
        assert resp.status == 400 and (await resp.json())["error"]["field"] == "from"
    finally:
        await store.close()
