"""Hypothesis state machine over the pure rules: no ticket is called twice or lost, and
numbers are unique and gapless per category and day, across day changes."""

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from queue_server import rules
from queue_server.errors import AppError
from queue_server.rules import Completion

TZ = ZoneInfo("Asia/Shanghai")
WINDOWS = {1: ("A", "B"), 2: ("B", "C"), 3: ("C",)}
CATS = ("A", "B", "C")


class Hall(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.now = dt.datetime(2026, 11, 27, 8, 30, tzinfo=TZ)
        self.tickets: dict[int, rules.Ticket] = {}
        self.last_seq: dict[tuple, int] = {}
        self.calls: list[int] = []  # first calls only (recalls are not new calls)
        self.next_id = 1

    def day(self):
        return rules.service_day(self.now, TZ)

    def active(self):
        return [t for t in self.tickets.values() if t.status in rules.ACTIVE]

    def at(self, window):
        return next((t for t in self.active() if t.window == window and t.status in rules.AT_WINDOW), None)

    @rule(cat=st.sampled_from(CATS), priority=st.booleans())
    def issue(self, cat, priority):
        key = (self.day(), cat)
        t = rules.new_ticket(
            ticket_id=self.next_id,
            category=cat,
            matter=None,
            priority=priority,
            last_seq=self.last_seq.get(key, 0),
            now=self.now,
            tz=TZ,
        )
        self.next_id += 1
        self.last_seq[key] = t.seq
        self.tickets[t.id] = t

    @rule(window=st.sampled_from(sorted(WINDOWS)))
    def call_next(self, window):
        if self.at(window):
            return
        t = rules.choose_next(window, WINDOWS[window], self.active())
        if t is None:
            assert not [x for x in self.active() if x.status == "waiting" and x.category in WINDOWS[window]]
            return
        assert t.status in rules.IN_LINE
        if t.status == "waiting":
            # nothing older of higher rank was skipped
            better = [
                x
                for x in self.active()
                if x.status == "waiting"
                and x.category in WINDOWS[window]
                and (not x.priority, x.queue_key) < (not t.priority, t.queue_key)
            ]
            assert not better
        self.tickets[t.id] = rules.call(t, window, self.now)
        self.calls.append(t.id)

    @rule(
        window=st.sampled_from(sorted(WINDOWS)),
        action=st.sampled_from(["recall", "start", "no_show", "finish", "transfer"]),
        to=st.sampled_from(sorted(WINDOWS)),
    )
    def act(self, window, action, to):
        t = self.at(window)
        if t is None:
            return
        try:
            if action == "recall":
                new = rules.recall(t)
            elif action == "start":
                new = rules.start(t)
            elif action == "no_show":
                new = rules.no_show(t)
            elif action == "transfer":
                new = rules.transfer(t, to, self.now)
                self.calls.remove(t.id)  # it may be called again, by the other window
            else:
                rules.check_outcome(Completion("instant"), today=self.day(), window=window, windows=list(WINDOWS))
                new = rules.finish(t)
        except AppError:
            return
        self.tickets[t.id] = new

    @rule(gap=st.integers(0, 5))
    def requeue_a_no_show(self, gap):
        gone = [t for t in self.tickets.values() if t.status == "no_show" and t.day == self.day()]
        if gone:
            self.tickets[gone[0].id] = rules.requeue(gone[0], self.active(), gap)
            self.calls.remove(gone[0].id)

    @rule(minutes=st.integers(1, 600))
    def time_passes(self, minutes):
        self.now += dt.timedelta(minutes=minutes)
        for t in rules.expire(self.active(), self.day()):
            self.tickets[t.id] = t

    @precondition(lambda self: self.tickets)
    @invariant()
    def numbers_unique_and_gapless(self):
        by_key: dict[tuple, list[int]] = {}
        for t in self.tickets.values():
            by_key.setdefault((t.day, t.category), []).append(t.seq)
        for seqs in by_key.values():
            assert sorted(seqs) == list(range(1, len(seqs) + 1))

    @invariant()
    def never_called_twice_never_lost(self):
        assert len(self.calls) == len(set(self.calls))
        for t in self.tickets.values():
            assert t.status in ("waiting", "called", "serving", "done", "no_show", "transferred", "expired")
        # a window holds at most one ticket
        for w in WINDOWS:
            assert len([t for t in self.active() if t.window == w and t.status in rules.AT_WINDOW]) <= 1
        # every ticket in line is reachable by some window
        for t in self.active():
            if t.status == "waiting":
                assert any(t.category in cats for cats in WINDOWS.values())

    @invariant()
    def earlier_days_are_closed(self):
        for t in self.tickets.values():
            if t.day < self.day():
                assert t.status not in rules.ACTIVE


TestHall = Hall.TestCase
TestHall.settings = settings(max_examples=150, stateful_step_count=60, deadline=None)
