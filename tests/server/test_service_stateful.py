"""Hypothesis drives the real service over a real SQLite file, restarts included.

After every step the database and the live state must agree: no ticket is lost, none is
called twice without being transferred or put back in line, and numbers are unique and
gapless per category and day.
"""

import asyncio
import datetime as dt
import shutil
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from bianmin.center import load_center
from queue_server import rules
from queue_server.accounts import Clerk
from queue_server.errors import AppError
from queue_server.rules import Completion
from queue_server.service import QueueService
from queue_server.store import Store
from queue_server.window_actions import WindowActions

CENTER = load_center()
CLERK = Clerk(1, "t1", "测试", ())


class Clock:
    def __init__(self):
        self.now = dt.datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

    def __call__(self):
        return self.now


class ServiceMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.dir = Path(tempfile.mkdtemp())
        self.clock = Clock()
        self.issued: list[str] = []  # (day, number) of every ticket the service confirmed
        self.svc = self.run(self._open())
        self.desk = WindowActions(self.svc)

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    async def _open(self):
        store = await Store.open(self.dir / "q.db")
        svc = QueueService(CENTER, store, base_url="http://x", clock=self.clock, always_open=True)
        await svc.start()
        return svc

    def teardown(self):
        self.run(self.svc.store.close())
        self.loop.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @rule(cat=st.sampled_from("ACGH"), priority=st.booleans(), retry=st.booleans())
    def issue(self, cat, priority, retry):
        rid = f"r{len(self.issued)}"
        t = self.run(self.svc.issue(category=cat, matter=None, priority=priority, device_id=1, request_id=rid))
        if retry:  # the kiosk retries the same tap: same ticket, never a second one
            again = self.run(self.svc.issue(category=cat, matter=None, priority=priority, device_id=1, request_id=rid))
            assert again.token == t.token
        self.issued.append(t.token)

    @rule(window=st.sampled_from([1, 4]))
    def call(self, window):
        try:
            self.run(self.desk.call_next(window, CLERK))
        except AppError as err:
            assert err.code in ("queue_empty", "window_busy")

    @rule(window=st.sampled_from([1, 4]), action=st.sampled_from(["recall", "start", "no_show", "transfer", "finish"]))
    def act(self, window, action):
        desk = self.desk
        do = {
            "recall": lambda: desk.recall(window, CLERK),
            "start": lambda: desk.start(window, CLERK),
            "no_show": lambda: desk.no_show(window, CLERK),
            "transfer": lambda: desk.transfer(window, 5 - window, CLERK),
            "finish": lambda: desk.finish(window, Completion("instant"), CLERK),
        }[action]
        try:
            self.run(do())
        except AppError as err:
            assert err.code in ("no_current_ticket", "invalid_state")

    @rule()
    def requeue_a_no_show(self):
        rows = self.run(
            self.svc.store.fetchall(
                "SELECT number FROM tickets WHERE status = 'no_show' AND day = ?", (self.svc.day.isoformat(),)
            )
        )
        if rows:
            self.run(self.desk.requeue(1, rows[0]["number"], CLERK))

    @rule(hours=st.integers(1, 20))
    def time_passes(self, hours):
        self.clock.now += dt.timedelta(hours=hours)
        self.run(self.svc.roll_day())

    @rule()
    def restart(self):
        self.run(self.svc.store.close())
        self.svc = self.run(self._open())
        self.desk = WindowActions(self.svc)

    @invariant()
    def disk_and_memory_agree(self):
        svc = self.svc
        rows = self.run(svc.store.fetchall("SELECT * FROM tickets"))
        assert {r["token"] for r in rows} == set(self.issued)  # nothing lost, nothing extra
        per_day: dict[tuple, list[int]] = {}
        for r in rows:
            per_day.setdefault((r["day"], r["category"]), []).append(r["seq"])
            if r["day"] < svc.day.isoformat():
                assert r["status"] not in rules.ACTIVE  # yesterday's line closed as expired
        for seqs in per_day.values():
            assert sorted(seqs) == list(range(1, len(seqs) + 1))
        active = {r["id"]: r["status"] for r in rows if r["status"] in rules.ACTIVE}
        assert {i: t.status for i, t in svc.hall.active.items()} == active
        for w in (1, 4):
            at = [r for r in rows if r["window"] == w and r["status"] in rules.AT_WINDOW]
            assert len(at) <= 1

    @invariant()
    def never_called_twice(self):
        rows = self.run(
            self.svc.store.fetchall(
                "SELECT ticket_id, TOTAL(to_status = 'called' AND detail IS NULL) AS calls, "
                "TOTAL(to_status = 'transferred') + TOTAL(detail IS 'requeue') AS back_in_line "
                "FROM transitions GROUP BY ticket_id"
            )
        )
        for r in rows:
            assert r["calls"] <= 1 + r["back_in_line"]


TestService = ServiceMachine.TestCase
TestService.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
