"""The pure queue rules, on plain data."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from queue_server import rules
from queue_server.errors import BadRequest, Conflict
from queue_server.rules import Completion

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=TZ)


def make(tid, cat="A", seq=None, priority=False, status="waiting", **kw):
    return rules.Ticket(
        id=tid,
        day=NOW.date(),
        category=cat,
        seq=seq or tid,
        matter=None,
        priority=priority,
        status=status,
        issued_at=NOW,
        queue_key=float(tid),
        **kw,
    )


def test_number_format_and_growth():
    assert rules.format_number("A", 12) == "A012"
    assert rules.format_number("H", 1) == "H001"
    assert rules.format_number("B", 1000) == "B1000"


def test_service_day_uses_center_timezone():
    # 16:30 UTC on the 27th is 00:30 on the 28th in Shanghai: a new local day.
    late = dt.datetime(2026, 11, 27, 16, 30, tzinfo=dt.UTC)
    assert rules.service_day(late, TZ) == dt.date(2026, 11, 28)
    assert rules.service_day(late, ZoneInfo("UTC")) == dt.date(2026, 11, 27)
    with pytest.raises(ValueError):
        rules.service_day(dt.datetime(2026, 1, 1), TZ)


def test_new_ticket_counts_from_last_seq():
    t = rules.new_ticket(ticket_id=9, category="C", matter="C1", priority=False, last_seq=4, now=NOW, tz=TZ)
    assert (t.number, t.status, t.day) == ("C005", "waiting", NOW.date())


def test_choose_next_order_transferred_then_priority_then_oldest():
    a1, a2 = make(1), make(2)
    c3 = make(3, cat="C", priority=True)
    b4 = make(4, cat="B")
    moved = make(5, cat="B", status="transferred", transferred_to=1, transferred_at=NOW)
    pool = [a1, a2, c3, b4, moved]
    assert rules.choose_next(1, ["A", "C"], pool) == moved
    pool.remove(moved)
    assert rules.choose_next(1, ["A", "C"], pool) == c3
    pool.remove(c3)
    assert rules.choose_next(1, ["A", "C"], pool) == a1
    assert rules.choose_next(2, ["B", "D"], pool) == b4
    assert rules.choose_next(3, ["E"], pool) is None


def test_transfer_goes_to_other_window_only():
    called = rules.call(make(1), 1, NOW)
    with pytest.raises(BadRequest):
        rules.transfer(called, 1, NOW)
    moved = rules.transfer(called, 3, NOW)
    assert (moved.status, moved.transferred_to, moved.window) == ("transferred", 3, None)
    assert rules.choose_next(2, ["A"], [moved]) is None  # only window 3 may take it


def test_recall_keeps_ticket_and_no_show_closes_it():
    called = rules.call(make(1), 2, NOW)
    again = rules.recall(called)
    assert (again.status, again.window, again.recalls) == ("called", 2, 1)
    gone = rules.no_show(again)
    assert gone.status == "no_show"
    with pytest.raises(Conflict):
        rules.recall(gone)
    with pytest.raises(Conflict):
        rules.call(gone, 2, NOW)


def test_requeue_puts_no_show_gap_places_behind_head():
    line = [make(i) for i in range(2, 8)]
    gone = rules.no_show(rules.call(make(1), 1, NOW))
    back = rules.requeue(gone, line, gap=3)
    order = rules.line_order([*line, back])
    assert [t.id for t in order][:5] == [2, 3, 4, 1, 5]
    assert rules.requeue(gone, line[:2], gap=3).queue_key > line[1].queue_key
    assert rules.requeue(gone, line, gap=0).queue_key < line[0].queue_key


def test_finish_outcomes_require_what_they_need():
    today = NOW.date()
    ok = dict(today=today, window=1, windows=[1, 2, 3])
    with pytest.raises(BadRequest) as e:
        rules.check_outcome(Completion("promised"), **ok)
    assert e.value.field == "due"
    with pytest.raises(BadRequest):
        rules.check_outcome(Completion("promised", due=today - dt.timedelta(days=1)), **ok)
    with pytest.raises(BadRequest) as e:
        rules.check_outcome(Completion("rejected", reason="  "), **ok)
    assert e.value.field == "reason"
    with pytest.raises(BadRequest):
        rules.check_outcome(Completion("joint", joint_window=1), **ok)
    with pytest.raises(BadRequest):
        rules.check_outcome(Completion("agency"), **ok)
    for out in (
        Completion("instant"),
        Completion("assisted"),
        Completion("promised", due=today),
        Completion("joint", joint_window=2),
        Completion("agency", agency_to="县民政局"),
        Completion("rejected", reason="材料不全"),
    ):
        assert rules.check_outcome(out, **ok) == out
    done = rules.finish(rules.call(make(1), 1, NOW))
    assert done.status == "done"
    with pytest.raises(Conflict):
        rules.finish(make(2))


def test_expire_only_earlier_days_active_tickets():
    old = [make(1), make(2, status="called", window=1), make(3, status="done")]
    tomorrow = NOW.date() + dt.timedelta(days=1)
    assert [t.id for t in rules.expire(old, tomorrow)] == [1, 2]
    assert all(t.status == "expired" for t in rules.expire(old, tomorrow))
    assert rules.expire(old, NOW.date()) == []


def test_working_day_due_dates_skip_weekends():
    friday = dt.date(2026, 11, 27)
    assert rules.add_days(friday, 1, True) == dt.date(2026, 11, 30)
    assert rules.add_days(friday, 5, True) == dt.date(2026, 12, 4)
    assert rules.add_days(friday, 1, False) == dt.date(2026, 11, 28)
    assert rules.add_days(friday, 0, True) == friday


def test_case_buckets():
    today = dt.date(2026, 11, 27)
    assert rules.case_bucket(dt.date(2026, 11, 26), today) == "overdue"
    assert rules.case_bucket(today, today) == "due_soon"
    assert rules.case_bucket(dt.date(2026, 12, 20), today) == "open"


def test_ahead_of_counts_priority_first():
    line = [make(1), make(2), make(3, priority=True)]
    assert rules.ahead_of(line[0], line) == 1
    assert rules.ahead_of(line[2], line) == 0
    assert rules.ahead_of(line[1], line) == 2


def test_rate_limiter_window_and_memory():
    from bianmin.passwords import RateLimiter

    rl = RateLimiter(limit=2, window=60)
    rl.take("k", 0)
    assert rl.retry_after("k", 1) == 0
    rl.take("k", 1)
    assert rl.retry_after("k", 2) == 58
    assert rl.retry_after("k", 61) == 0  # the first failure aged out
    assert rl.retry_after("k", 200) == 0
    assert len(rl) == 0  # nothing kept for quiet keys
