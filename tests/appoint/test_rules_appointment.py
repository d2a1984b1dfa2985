"""Check-in tickets (预约) go before walk-ins of their categories, behind the green channel;
the hall state's indexes agree with the pure rules with appointments and green marks."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server import rules
from queue_server.errors import Conflict
from queue_server.hall_state import HallState

TZ = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 11, 30, 9, 0, tzinfo=TZ)
WINDOWS = {1: ("A", "C"), 2: ("B",), 3: ("A", "B", "C")}
KINDS = st.sampled_from(["walk_in", "appointment", "green"])


def ticket(i: int, cat: str, kind: str) -> rules.Ticket:
    return rules.new_ticket(
        ticket_id=i,
        category=cat,
        matter=None,
        priority=kind == "green",
        last_seq=i - 1,
        now=START + dt.timedelta(minutes=i),
        tz=TZ,
        appointment=kind == "appointment",
    )


@given(st.lists(KINDS, min_size=1, max_size=40))
def test_a_check_in_is_called_before_every_older_walk_in(kinds):
    pool = [ticket(i + 1, "A", k) for i, k in enumerate(kinds)]
    order = []
    while True:
        t = rules.choose_next(1, ("A",), pool)
        if t is None:
            break
        order.append(t)
        pool = [rules.call(t, 1, START) if p.id == t.id else p for p in pool]
    assert len(order) == len(kinds)
    ranks = [(not t.priority, not t.appointment) for t in order]
    assert ranks == sorted(ranks)  # green, then appointments, then walk-ins
    for i, t in enumerate(order):
        if t.appointment:  # no walk-in, however old, is called before it
            assert not any(not o.appointment and not o.priority for o in order[:i])
    for part in (True, False):
        ids = [t.id for t in order if t.appointment == part and not t.priority]
        assert ids == sorted(ids)  # first come, first served within each part


def test_mark_green_puts_a_waiting_ticket_ahead_and_refuses_twice():
    pool = [ticket(1, "A", "walk_in"), ticket(2, "A", "walk_in")]
    green = rules.mark_green(pool[1])
    assert green.priority
    assert rules.choose_next(1, ("A",), [pool[0], green]) == green
    with pytest.raises(Conflict):
        rules.mark_green(green)
    with pytest.raises(Conflict):
        rules.mark_green(rules.call(pool[0], 1, START))


def test_call_chosen_takes_a_waiting_ticket_of_the_windows_categories_only():
    t = ticket(1, "B", "walk_in")
    assert rules.call_chosen(t, 2, ("B",), START).status == "called"
    with pytest.raises(Conflict):
        rules.call_chosen(t, 1, ("A", "C"), START)


step = st.one_of(
    st.tuples(st.just("issue"), st.sampled_from("ABC"), KINDS),
    st.tuples(st.just("call"), st.sampled_from(sorted(WINDOWS))),
    st.tuples(st.just("finish"), st.sampled_from(sorted(WINDOWS))),
    st.tuples(st.just("green"), st.integers(0, 10)),
)


@settings(max_examples=200)
@given(st.lists(step, max_size=50))
def test_indexes_equal_the_rules_with_appointments_and_green_marks(steps):
    hall = HallState("ABC")
    last_id = 0
    for op, arg, *more in steps:
        pool = list(hall.active.values())
        if op == "issue":
            last_id += 1
            before = hall.waiting_before_new(arg, more[0] == "green", more[0] == "appointment")
            t = ticket(last_id, arg, more[0])
            hall.apply([t])
            assert hall.ahead(t) == before
        elif op == "call" and hall.at_window(arg) is None:
            t = rules.choose_next(arg, WINDOWS[arg], pool)
            if t is not None:
                hall.apply([rules.call(t, arg, START)])
        elif op == "finish" and (t := hall.at_window(arg)) is not None:
            hall.apply([rules.finish(t)])
        elif op == "green":
            waiting = [t for t in pool if t.status == "waiting" and not t.priority]
            if waiting:
                hall.apply([rules.mark_green(waiting[arg % len(waiting)])])
        pool = list(hall.active.values())
        for window, cats in WINDOWS.items():
            assert hall.choose_next(window, cats) == rules.choose_next(window, cats, pool)
        for t in pool:
            assert hall.ahead(t) == rules.ahead_of(t, pool)
        for cat in "ABC":
            assert hall.line(cat) == [t for t in rules.line_order(pool) if t.category == cat]
