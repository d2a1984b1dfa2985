"""After a restart the hall looks as it did: a real store on a real file, closed and reopened."""

import datetime as dt
from zoneinfo import ZoneInfo

from bianmin.center import load_center
from queue_server.accounts import Accounts
from queue_server.service import QueueService
from queue_server.store import Store
from queue_server.window_actions import WindowActions

CENTER = load_center()
NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


async def _open(path):
    store = await Store.open(path)
    svc = QueueService(CENTER, store, base_url="http://x", clock=lambda: NOW, always_open=True)
    await svc.start()
    return store, svc


async def test_window_keeps_its_clerk_and_ticket_across_a_restart(tmp_path):
    store, svc = await _open(tmp_path / "q.db")
    clerk = await Accounts(store).add_clerk("w1", "窗口一", [1], "pass-12345")
    await svc.issue(category="A", matter=None, priority=False, device_id=1, request_id=None)
    await WindowActions(svc).call_next(1, clerk)
    before = svc.window_view(1)
    assert before.clerk == "窗口一" and before.ticket is not None and before.ticket.number == "A001"
    await store.close()

    store, svc = await _open(tmp_path / "q.db")
    after = svc.window_view(1)
    assert after.ticket is not None and after.ticket.number == "A001"
    assert after.clerk == "窗口一"
    assert svc.snapshot().windows[0] == after
    await store.close()
