"""The controller with a plain recording view: only changed parts are redrawn."""

import datetime as dt
from dataclasses import replace

import pytest

from bianmin.protocol import CallView, CenterInfo, Event, ProtocolError, Snapshot, TicketView, WindowView, WorkCard
from display import present
from display.controller import DisplayController

CENTER_JSON = {
    "name": "示范镇便民服务中心",
    "timezone": "Asia/Shanghai",
    "working_days_only": True,
    "hotline": "12345",
    "duty_phone": "0731-0000000",
    "address": "示范镇",
    "office": {"days": [1, 3, 5], "open": "08:30", "close": "17:30", "note": "无", "open_now": True},
    "windows": [
        {"number": 1, "name": "民政窗口", "categories": ["A"]},
        {"number": 2, "name": "社保窗口", "categories": ["B"]},
    ],
    "categories": [{"code": "A", "name": "民政", "matters": []}, {"code": "B", "name": "社保", "matters": []}],
    "notices": ["通知一", "通知二"],
}
CENTER = CenterInfo.from_dict(CENTER_JSON)


class RecordingView:
    def __init__(self):
        self.calls: list[tuple] = []

    def show_center(self, center):
        self.calls.append(("center", center.name, center.notices))

    def show_windows(self, rows):
        self.calls.append(("windows", rows))

    def show_waiting(self, rows):
        self.calls.append(("waiting", rows))

    def show_calls(self, number, window, recall, recent, flash):
        self.calls.append(("calls", number, window, recent, flash, recall))

    def show_online(self, online):
        self.calls.append(("online", online))

    def show_results(self, text):
        self.calls.append(("results", text))

    def kinds(self):
        return [c[0] for c in self.calls]


def now_iso():
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def ticket(number, window, status="called"):
    return TicketView(
        id=1,
        number=number,
        category=number[0],
        matter=None,
        matter_name=None,
        priority=False,
        status=status,
        window=window,
        issued_at=now_iso(),
    )


def wv(number, t=None, paused=False):
    return WindowView(
        number=number,
        name=CENTER.windows[number - 1].name,
        categories=["A"],
        paused=paused,
        clerk="张三",
        ticket=t,
    )


@pytest.fixture
def ctl():
    view, said = RecordingView(), []
    c = DisplayController(view, said.append)
    c.said = said
    c.on_center(CENTER)
    c.on_message(
        Snapshot(
            seq=4,
            day="2026-11-27",
            waiting={"A": 3, "B": 1},
            windows=[wv(1), wv(2, paused=True)],
            recent_calls=[CallView("A001", 1, now_iso())],
            queue=[],
        )
    )
    view.calls.clear()
    return c


def test_a_work_card_shows_name_post_and_photo():
    card = WorkCard(name="赵六", post="民政专干", photo_url="/api/staff/zl/photo?v=2")
    row = present.window_row(1, replace(wv(1), card=card), None)
    assert (row.clerk, row.photo) == ("赵六\n民政专干", "/api/staff/zl/photo?v=2")
    row = present.window_row(1, replace(wv(1), card=WorkCard(name="赵六", post="")), None)
    assert (row.clerk, row.photo) == ("赵六", "")


def test_center_and_snapshot_rows(ctl):
    rows = present.window_rows(ctl.board.windows, ctl.center)
    assert rows[0] == present.WindowRow("1", "民政窗口", "—", "空闲", False, "暂无工作人员", "")
    assert rows[1].status == "暂停服务" and rows[1].paused
    assert present.waiting_rows(ctl.board.waiting, ctl.center) == [
        present.WaitingRow("A", "民政", "3"),
        present.WaitingRow("B", "社保", "1"),
    ]
    assert ctl.board.latest.number == "A001" and ctl.said == []


def test_call_redraws_calls_windows_waiting_and_speaks(ctl):
    t = ticket("A002", 1)
    ctl.on_message(
        Event(seq=5, type="ticket_called", at=now_iso(), waiting={"A": 2, "B": 1}, ticket=t, window=wv(1, t))
    )
    assert ctl.view.kinds() == ["windows", "waiting", "calls"]
    _, number, window, recent, flash, recall = ctl.view.calls[-1]
    assert (number, window, flash, recall) == ("A002", "1", True, False)
    assert [c.number for c in recent] == ["A001"]  # the list holds the calls before it
    assert [a.text for a in ctl.said] == ["请A零零二号到1号窗口办理"]
    assert present.window_rows(ctl.board.windows, ctl.center)[0].ticket == "A002"


def test_unchanged_parts_are_not_redrawn(ctl):
    # Same waiting counts, a window change only: the table and the calls it derives.
    t = ticket("A001", 1, status="serving")
    ctl.on_message(
        Event(seq=5, type="service_started", at=now_iso(), waiting={"A": 3, "B": 1}, ticket=t, window=wv(1, t))
    )
    assert ctl.view.kinds() == ["windows", "calls"]
    assert present.window_rows(ctl.board.windows, ctl.center)[0].status == "办理中"


def test_online_changes_only_once_each(ctl):
    ctl.on_connection(True)
    ctl.on_connection(True)
    ctl.on_connection(False)
    ctl.on_connection(False)
    assert ctl.view.calls == [("online", True), ("online", False)]


def test_server_clock_offset_used_for_staleness(ctl):
    # The display PC's clock is 10 minutes slow: a call stamped "now" by the server
    # still counts as fresh once we know the offset from the HTTP Date header.
    ctl.set_server_date(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10))
    at = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)).isoformat(timespec="seconds")
    t = ticket("B001", 2)
    ctl.on_message(Event(seq=5, type="ticket_called", at=at, waiting={"A": 3, "B": 0}, ticket=t, window=wv(2, t)))
    assert [a.number for a in ctl.said] == ["B001"]


def test_bad_center_payload_is_a_clear_error():
    with pytest.raises(ProtocolError, match="CenterInfo: missing field"):
        CenterInfo.from_dict({"name": "x"})
    with pytest.raises(ProtocolError, match="unknown time zone"):
        CenterInfo.from_dict({**CENTER_JSON, "timezone": "Mars/Olympus"})


def test_center_timezone_drives_the_clock_and_call_times():
    view = RecordingView()
    c = DisplayController(view)
    assert c.local_tz is None  # unknown: this PC's own timezone
    c.on_center(CenterInfo.from_dict({**CENTER_JSON, "timezone": "Asia/Shanghai"}))
    assert c.now_local().utcoffset() == dt.timedelta(hours=8)
    c.on_message(
        Snapshot(
            seq=1,
            day="2026-11-28",
            waiting={},
            windows=[],
            queue=[],
            recent_calls=[
                CallView("A002", 1, "2026-11-27T23:30:00+00:00"),
                CallView("A003", 1, "2026-11-27T23:31:00+00:00"),
            ],
        )
    )
    # No window serves either call any more: no big call, both listed, in local time.
    assert view.calls[-1][1] == ""
    recent = view.calls[-1][3]
    assert [(line.number, line.time) for line in recent] == [("A003", "07:31"), ("A002", "07:30")]


def test_time_texts():
    moment = dt.datetime(2026, 11, 29, 8, 5)
    assert present.date_text(moment) == "2026年11月29日 星期日"
    assert present.clock_text(moment) == "08:05"
    assert present.local_hhmm("2026-11-27T00:30:00+00:00", dt.timezone(dt.timedelta(hours=8))) == "08:30"


def test_the_footer_shows_the_months_supervision_figures():
    from bianmin.protocol import SupervisionResults

    view = RecordingView()
    DisplayController(view).on_results(SupervisionResults("2026-11", 0.9833, 60, 3, 1, 0, 4, 0.75, 0))
    assert view.calls == [("results", "本月满意率 98.3% · 投诉答复率 75.0%")]
    view.calls.clear()
    DisplayController(view).on_results(SupervisionResults("2026-12", None, 0, 0, 0, 0, 0, None, 0))
    assert view.calls == [("results", "本月满意率 — · 投诉答复率 —")]
