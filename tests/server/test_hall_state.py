"""The hall state's indexed answers equal the pure rules' answers over random lines."""

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server import rules
from queue_server.hall_state import HallState

TZ = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 11, 27, 9, 0, tzinfo=TZ)
WINDOWS = {1: ("A", "C"), 2: ("B",), 3: ("A", "B", "C")}

step = st.one_of(
    st.tuples(st.just("issue"), st.sampled_from("ABC"), st.booleans()),
    st.tuples(st.just("call"), st.sampled_from(sorted(WINDOWS))),
    st.tuples(st.just("act"), st.sampled_from(sorted(WINDOWS)), st.sampled_from(["finish", "no_show", "transfer"])),
    st.tuples(st.just("requeue"), st.integers(0, 4)),
    st.tuples(st.just("tick"), st.integers(0, 2)),
)


def check(hall: HallState) -> None:
    pool = list(hall.active.values())
    for window, cats in WINDOWS.items():
        assert hall.choose_next(window, cats) == rules.choose_next(window, cats, pool)
    for t in pool:
        assert hall.ahead(t) == rules.ahead_of(t, pool)
    for cat in "ABC":
        line = [t for t in rules.line_order(pool) if t.category == cat]
        assert hall.line(cat) == line
        assert hall.waiting_before_new(cat, True) == sum(t.priority for t in line)
        assert hall.waiting_before_new(cat, False) == len(line)
        assert hall.counts.get(cat, 0) == sum(t.category == cat and t.status in rules.IN_LINE for t in pool)
    transferred = sorted((t for t in pool if t.status == "transferred"), key=lambda t: (t.transferred_at, t.queue_key))
    assert hall.queue() == transferred + rules.line_order(pool)
    for window in WINDOWS:
        at = [t for t in pool if t.window == window and t.status in rules.AT_WINDOW]
        assert hall.at_window(window) == (at[0] if at else None)


@settings(max_examples=300, deadline=None)
@given(st.lists(step, max_size=60))
def test_indexed_answers_equal_the_rules(steps):
    hall = HallState("ABC")
    now, last_id, seq = START, 0, {c: 0 for c in "ABC"}
    gone = []  # no-shows, which the rules may put back in line
    for op, *args in steps:
        pool = list(hall.active.values())
        if op == "issue":
            cat, priority = args
            last_id += 1
            t = rules.new_ticket(
                ticket_id=last_id, category=cat, matter=None, priority=priority, last_seq=seq[cat], now=now, tz=TZ
            )
            seq[cat] = t.seq
            hall.apply([t], {t.id: f"tok{t.id}"})
        elif op == "call":
            (window,) = args
            if hall.at_window(window) is None:
                t = rules.choose_next(window, WINDOWS[window], pool)
                if t is not None:
                    hall.apply([rules.call(t, window, now)])
        elif op == "act":
            window, action = args
            t = hall.at_window(window)
            if t is not None:
                if action == "finish":
                    new = rules.finish(t)
                elif action == "no_show":
                    new = rules.no_show(t)
                    gone.append(new)
                else:
                    new = rules.transfer(t, window % 3 + 1, now)
                hall.apply([new])
        elif op == "requeue" and gone:
            (gap,) = args
            t = gone.pop(0)
            hall.apply([rules.requeue(t, pool, gap)])
        elif op == "tick":
            (minutes,) = args
            now += dt.timedelta(minutes=minutes)  # 0 minutes: equal transfer times, ties
        check(hall)
