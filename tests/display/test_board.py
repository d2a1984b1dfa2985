"""The board model with plain protocol messages: what changes, what flashes, what is said."""

import datetime as dt

from bianmin.protocol import CallView, Event, Snapshot, TicketView, WindowView
from display.board import Board, Change
from display.speech import Announcement

NOW = dt.datetime(2026, 11, 27, 2, 0, 0, tzinfo=dt.UTC)


def iso(seconds_ago: float = 0) -> str:
    return (NOW - dt.timedelta(seconds=seconds_ago)).isoformat(timespec="seconds")


def ticket(number="A001", status="called", window=1) -> TicketView:
    return TicketView(
        id=1,
        number=number,
        category=number[0],
        matter=None,
        matter_name=None,
        priority=False,
        status=status,
        window=window,
        issued_at=iso(300),
    )


def window(number=1, ticket_view=None, paused=False) -> WindowView:
    return WindowView(
        number=number, name=f"{number}号窗口", categories=["A"], paused=paused, clerk=None, ticket=ticket_view
    )


def snapshot(seq=10, calls=()) -> Snapshot:
    return Snapshot(
        seq=seq,
        day="2026-11-27",
        waiting={"A": 2, "B": 0},
        windows=[window(1), window(2)],
        recent_calls=list(calls),
        queue=[],
    )


def called(seq, number="A001", win=1, age=0.0, kind="ticket_called", waiting=None) -> Event:
    t = ticket(number, window=win)
    return Event(seq=seq, type=kind, at=iso(age), waiting=waiting or {"A": 1, "B": 0}, ticket=t, window=window(win, t))


def test_snapshot_shows_old_calls_without_flash_or_voice():
    board = Board()
    calls = [CallView("A001", 1, iso(100)), CallView("A002", 2, iso(50))]  # oldest first
    change = board.apply(snapshot(calls=calls), NOW)
    assert change.windows and change.waiting and change.calls
    assert not change.flash and change.announce == ()
    assert board.latest == calls[1]  # newest first on the board
    assert [c.number for c in board.recent] == ["A002", "A001"]


def test_live_call_flashes_and_is_announced_once():
    board = Board()
    board.apply(snapshot(seq=10), NOW)
    change = board.apply(called(11, "A003", 2), NOW)
    assert change.flash and change.calls and change.windows and change.waiting
    assert change.announce == (Announcement("A003", 2, recall=False, seq=11),)
    assert board.windows[2].ticket.number == "A003"
    assert board.waiting == {"A": 1, "B": 0}
    # the same event again (a replay overlap) is ignored entirely
    again = board.apply(called(11, "A003", 2), NOW)
    assert again == Change()  # nothing to redraw, nothing to say


def test_recall_is_announced_again_and_marked():
    board = Board()
    board.apply(snapshot(seq=1), NOW)
    board.apply(called(2, "B001", 1), NOW)
    change = board.apply(called(3, "B001", 1, kind="ticket_recalled"), NOW)
    assert change.announce == (Announcement("B001", 1, recall=True, seq=3),)
    assert board.latest.recall is True
    assert [c.number for c in board.recent] == ["B001", "B001"]


def test_replayed_calls_older_than_a_minute_are_shown_but_silent():
    board = Board(max_age=60)
    board.apply(snapshot(seq=5), NOW)
    old = board.apply(called(6, "A010", 1, age=125), NOW)
    assert old.calls and not old.flash and old.announce == ()
    assert board.latest.number == "A010"
    fresh = board.apply(called(7, "A011", 2, age=20), NOW)
    assert fresh.flash and [a.number for a in fresh.announce] == ["A011"]


def test_non_call_events_update_windows_and_waiting_only():
    board = Board()
    board.apply(snapshot(seq=1), NOW)
    pause = Event(seq=2, type="window_paused", at=iso(), waiting={"A": 2, "B": 0}, window=window(2, paused=True))
    change = board.apply(pause, NOW)
    # A window change redraws the calls too (the big panel is derived from the windows).
    assert change.windows and change.calls and not change.waiting and not change.announce
    assert board.windows[2].paused
    issued = Event(
        seq=3,
        type="ticket_issued",
        at=iso(),
        waiting={"A": 3, "B": 0},
        ticket=ticket("A009", status="waiting", window=None),
    )
    change = board.apply(issued, NOW)
    assert change.waiting and not change.windows and not change.calls


def test_transfer_updates_both_windows():
    board = Board()
    board.apply(snapshot(seq=1), NOW)
    t = ticket("A001", status="transferred", window=2)
    ev = Event(
        seq=2,
        type="ticket_transferred",
        at=iso(),
        waiting={"A": 2, "B": 0},
        ticket=t,
        window=window(1),
        to_window=window(2, t),
    )
    assert board.apply(ev, NOW).windows
    assert board.windows[1].ticket is None and board.windows[2].ticket.number == "A001"


def test_fresh_snapshot_after_server_reset_accepts_lower_seq():
    board = Board()
    board.apply(snapshot(seq=500), NOW)
    board.apply(snapshot(seq=3), NOW)  # a new database: the server starts over
    change = board.apply(called(4, "A001", 1), NOW)
    assert [a.number for a in change.announce] == ["A001"]


def test_recent_list_is_bounded_newest_first():
    board = Board()
    board.apply(snapshot(seq=0), NOW)
    for i in range(1, 15):
        board.apply(called(i, f"A{i:03d}", 1), NOW)
    assert len(board.recent) == 10
    assert board.recent[0].number == "A014" and board.recent[-1].number == "A005"


def test_unreadable_timestamp_on_a_live_call_is_still_announced():
    board = Board()
    board.apply(snapshot(seq=0), NOW)
    ev = Event(seq=1, type="ticket_called", at="garbage", waiting={}, ticket=ticket(), window=window(1, ticket()))
    assert board.apply(ev, NOW).announce


def test_new_service_day_clears_calls_and_windows():
    board = Board()
    board.apply(snapshot(seq=10), NOW)
    board.apply(called(11, "A003", 1), NOW)
    change = board.apply(Event(seq=12, type="day_started", at=iso(), waiting={"A": 0, "B": 0}, day="2026-11-28"), NOW)
    assert change.calls and change.windows and not change.flash and change.announce == ()
    assert board.recent == [] and board.day == "2026-11-28"
    assert board.windows[1].ticket is None
