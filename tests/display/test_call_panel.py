"""The big call panel is derived from the windows: it never names a window that moved on."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bianmin.protocol import CallView, TicketView, WindowView
from display import present


def tv(number: str, status: str, window: int) -> TicketView:
    return TicketView(1, number, number[0], None, None, False, status, window, "2026-11-30T08:00:00+08:00")  # type: ignore[arg-type]


def wv(number: int, ticket: TicketView | None = None, paused: bool = False) -> WindowView:
    return WindowView(number, f"{number} 号窗口", ["A"], paused, None, ticket)


CALLS = [CallView("C003", 1, "t3"), CallView("B002", 2, "t2"), CallView("A001", 3, "t1")]  # newest first


def test_the_newest_call_its_window_still_serves():
    windows = {1: wv(1, tv("C003", "called", 1)), 2: wv(2, tv("B002", "serving", 2)), 3: wv(3)}
    assert present.current_call(CALLS, windows) is CALLS[0]


def test_no_show_transfer_pause_and_done_make_a_call_stale():
    for window_1 in (
        wv(1),  # no-show or done: the window is free (空闲)
        wv(1, tv("C003", "transferred", 1)),  # transferred away
        wv(1, tv("C003", "called", 1), paused=True),  # 暂停服务
        wv(1, tv("C004", "called", 1)),  # called someone else (not yet in our list)
        wv(1, tv("C003", "no_show", 1)),
    ):
        windows = {1: window_1, 2: wv(2, tv("B002", "serving", 2)), 3: wv(3)}
        assert present.current_call(CALLS, windows) is CALLS[1], window_1
    assert present.current_call(CALLS, {1: wv(1), 2: wv(2), 3: wv(3)}) is None
    assert present.current_call(CALLS, {}) is None  # a snapshot with no windows: nothing stale shown


STATUSES = ["waiting", "called", "serving", "done", "no_show", "transferred", "expired"]
window_state = st.tuples(
    st.booleans(), st.one_of(st.none(), st.tuples(st.sampled_from("ABC"), st.sampled_from(STATUSES)))
)


@given(
    calls=st.lists(st.tuples(st.sampled_from("ABC"), st.integers(1, 4)), max_size=8),
    states=st.dictionaries(st.integers(1, 4), window_state),
)
def test_the_panel_agrees_with_the_window_table(calls, states):
    recent = [CallView(f"{letter}001", window, f"t{i}") for i, (letter, window) in enumerate(calls)]
    windows = {n: wv(n, tv(f"{t[0]}001", t[1], n) if t else None, paused) for n, (paused, t) in states.items()}
    shown = present.current_call(recent, windows)
    rows = {r.number: r for r in present.window_rows(windows, None)}
    if shown is None:
        # Nothing is shown only when no listed call is still at its window.
        for c in recent:
            row = rows.get(str(c.window))
            assert not (row and not row.paused and row.ticket == c.number and row.status in ("已叫号", "办理中"))
    else:
        row = rows[str(shown.window)]
        assert not row.paused and row.ticket == shown.number and row.status in ("已叫号", "办理中")
