"""Reports of a date range: an xlsx workbook (XlsxWriter) or the ledger as CSV.

``python -m queue_server report --from D --to D --out FILE.xlsx|FILE.csv`` and the page's
download both use :func:`collect` (async reads through the store, in month steps, with a
progress callback) and then :func:`write_xlsx` (pure CPU and file work: the server runs it in
a thread so the hall keeps serving). The workbook has:

- 汇总: the range's figures (with the appointment tickets and their share), then monthly
  volume, outcomes and windows, each with a native Excel chart;
- one ledger sheet per window (``1号窗口`` …), rows of services called there;
- 办结时效: promised and agency cases per month against the promised and statutory limits,
  with a chart, then every case;
- 委托·上门·代办 (when the range has any): the requests per kind (closed, open, on time,
  late), then every request (:mod:`.request_ledger`);
and every table has a frozen header, an autofilter and Chinese column names.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bianmin.center import Center, load_center
from bianmin.protocol import OUTCOME_NAMES

from . import ledger, request_ledger, stats
from .errors import AppError
from .store import Store

if TYPE_CHECKING:  # imported when a workbook is written: XlsxWriter stays out of the server's start-up
    from .xlsx_rows import RowsWorksheet

Progress = Callable[[int, int], None]  # (steps done, steps in all)
TOTAL_NAMES = {
    "issued": "取号总数",
    "called": "叫号人数",
    "served": "办结件数",
    "rejected": "退办件数",
    "no_show_rate": "过号率",
    "transfer_rate": "转移率",
    "rejection_rate": "退办率",
    "wait_p50_s": "等候时间中位数（秒）",
    "wait_p90_s": "等候时间 P90（秒）",
    "wait_over_30_share": "等候超过 30 分钟的比例",
    "wait_avg_s": "平均等候（秒）",
    "service_avg_s": "平均办理时长（秒）",
}
APPOINTMENT_NAMES = {
    "tickets": "预约取号",
    "share": "预约取号占比",
    "bookings": "预约登记",
    "checked_in": "预约已签到",
}
REQUEST_SUMMARY = {
    "kind_name": "类型",
    "requests": "登记件数",
    "closed": "已办结",
    "open": "办理中",
    "on_time": "按时办结",
    "late": "超期",
    "on_time_share": "按时办结率",
}
REQUESTS_SHEET = "委托·上门·代办"
CASE_COLUMNS = ("day", "number", "matter_name", "window", "clerk", "outcome", "promised_days", "statutory_days",
                "due", "completed_at", "days_taken", "on_time")  # fmt: skip


@dataclass
class ReportData:
    """What a report shows, read once; the writers only format it."""

    start: dt.date
    end: dt.date
    center_name: str
    totals: dict[str, Any]
    months: list[list[Any]]
    outcomes: list[list[Any]]
    windows: list[list[Any]]
    timeliness: list[dict[str, Any]]
    # repr=False: asyncio.run() formats the task's result when it restores the SIGINT handler
    # (Python 3.11), and a year of rows takes two seconds to format.
    by_window: dict[int, list[ledger.LedgerRow]] = field(default_factory=dict, repr=False)
    unassigned: int = 0
    appointments: dict[str, Any] = field(default_factory=dict)
    requests: list[request_ledger.RequestRow] = field(default_factory=list, repr=False)

    @property
    def rows(self) -> list[ledger.LedgerRow]:
        return sorted((r for rs in self.by_window.values() for r in rs), key=_order)


def _order(row: ledger.LedgerRow) -> tuple[str, str]:
    return row.day, row.issued_at


def months_of(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The range cut at month ends: [(start, end of month), …, (first of month, end)]."""
    out, lo = [], start
    while lo <= end:
        _, last = stats.month_bounds(lo)
        hi = min(last, end)
        out.append((lo, hi))
        lo = hi + dt.timedelta(days=1)
    return out


async def collect(
    store: Store,
    center: Center,
    start: dt.date,
    end: dt.date,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> ReportData:
    """Read the figures and the ledger of ``start`` … ``end`` (at most a year); ``today``
    (default: ``end``) decides which open requests are already late."""
    chunks = months_of(start, end)
    steps = len(chunks) + 1
    st = stats.Stats(store, center, start, end, today)
    data = ReportData(
        start=start,
        end=end,
        center_name=center.name,
        totals=await st.totals(),
        months=await st.volume("month"),
        outcomes=await st.outcomes(),
        windows=await st.volume("window"),
        timeliness=await st.timeliness(),
        by_window={w.number: [] for w in center.windows},
        appointments=await st.appointments(),
        requests=await request_ledger.rows(store, center, start, end, st.today),
    )
    if progress:
        progress(1, steps)
    # Each month is read in the store's reader thread while the one before is built here.
    pending = asyncio.ensure_future(ledger.fetch(store, *chunks[0]))
    try:
        for i in range(len(chunks)):
            stored = await pending
            if i + 1 < len(chunks):
                pending = asyncio.ensure_future(ledger.fetch(store, *chunks[i + 1]))
            for row in ledger.build(center, stored):
                if row.window is None:
                    data.unassigned += 1
                else:
                    data.by_window.setdefault(row.window, []).append(row)
            if progress:
                progress(i + 2, steps)
    finally:
        pending.cancel()  # a failure must not leave the next month's read behind
    return data


def write_csv(data: ReportData, path: Path) -> None:
    path.write_text(ledger.to_csv(data.rows), encoding="utf-8")


def _table(ws: Any, top: int, headers: list[str], rows: list[list[Any]], fmt: Any, widths: list[int]) -> int:
    """A table at row ``top`` with a bold header; returns the row after it."""
    ws.write_row(top, 0, headers, fmt)
    for i, r in enumerate(rows, start=1):
        ws.write_row(top + i, 0, r)
    for col, w in enumerate(widths):
        ws.set_column(col, col, w)
    return top + len(rows) + 2


def write_xlsx(data: ReportData, path: Path, progress: Progress | None = None) -> None:
    """Write the workbook (blocking: run it in a thread inside the server)."""
    import xlsxwriter  # here, not at the top: the server starts (and stays) smaller without it

    from .xlsx_rows import RowsWorksheet

    # constant_memory: each row goes to disk as written (rows are written in order, sheet by sheet).
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    head = wb.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True, "valign": "top"})
    title = wb.add_format({"bold": True, "font_size": 14})
    pct = wb.add_format({"num_format": "0.0%"})

    ws = wb.add_worksheet("汇总")
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)  # the figures and their charts side by side on one page width
    ws.write(0, 0, f"{data.center_name} 业务统计 {data.start.isoformat()} 至 {data.end.isoformat()}", title)
    ws.write_row(2, 0, ["指标", "数值"], head)
    for i, (key, name) in enumerate(TOTAL_NAMES.items(), start=3):
        value = data.totals.get(key)
        ws.write(i, 0, name)
        if isinstance(value, float) and key.endswith(("rate", "share")):
            ws.write_number(i, 1, value, pct)
        elif value is not None:
            ws.write(i, 1, value)
    for i, (key, name) in enumerate(APPOINTMENT_NAMES.items(), start=3 + len(TOTAL_NAMES)):
        value = data.appointments.get(key)
        ws.write(i, 0, name)
        if key == "share" and value is not None:
            ws.write_number(i, 1, value, pct)
        elif value is not None:
            ws.write(i, 1, value)
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 14)
    ws.freeze_panes(3, 0)
    top = 4 + len(TOTAL_NAMES) + len(APPOINTMENT_NAMES)
    charts = [("按月业务量", "月份", data.months, "column"), ("办理方式", "办理方式", data.outcomes, "pie")]
    charts.append(("各窗口业务量", "窗口", [[f"{w}号窗口", n] for w, n in data.windows], "column"))
    chart_row = 2
    for name, label, rows, kind in charts:
        ws.write(top, 0, name, title)
        _table(ws, top + 1, [label, "件数"], rows, head, [26, 14])
        if rows:
            chart = wb.add_chart({"type": kind})
            chart.add_series(
                {
                    "name": name,
                    "categories": ["汇总", top + 2, 0, top + 1 + len(rows), 0],
                    "values": ["汇总", top + 2, 1, top + 1 + len(rows), 1],
                    "data_labels": {"value": kind == "column", "percentage": kind == "pie"},
                }
            )
            chart.set_title({"name": name})
            chart.set_legend({"none": kind != "pie"})
            if kind == "column":
                chart.set_y_axis({"min": 0})
            chart.set_size({"width": 560, "height": 300})
            ws.insert_chart(chart_row, 3, chart)
            chart_row += 16
        top += len(rows) + 4

    # The window is the sheet and the number says the category: those columns are left out.
    keys = [k for k in ledger.COLUMNS if k not in ("window", "category", "matter")]
    windows = sorted(data.by_window)
    for n, number in enumerate(windows, start=1):
        ls = wb.add_worksheet(f"{number}号窗口", worksheet_class=RowsWorksheet)
        _ledger_sheet(wb, ls, data.by_window[number], keys, head)
        if progress:
            progress(n, len(windows) + 1)

    ts = wb.add_worksheet("办结时效", worksheet_class=RowsWorksheet)
    headers = ["月份", "办结件数", "按时办结率", "平均用时（天）", "平均承诺时限（天）", "平均法定时限（天）"]
    ts.write_row(0, 0, headers, head)
    for i, m in enumerate(data.timeliness, start=1):
        ts.write_row(i, 0, [m["month"], m["cases"]])
        ts.write_number(i, 2, m["on_time_share"], pct)
        ts.write_row(i, 3, [m["avg_days"], m["avg_promised_days"], m["avg_statutory_days"]])
    ts.freeze_panes(1, 0)
    ts.set_column(0, 5, 16)
    if data.timeliness:
        last = len(data.timeliness)
        chart = wb.add_chart({"type": "line"})
        for col, name in ((3, "平均用时"), (4, "承诺时限"), (5, "法定时限")):
            chart.add_series(
                {"name": name, "categories": ["办结时效", 1, 0, last, 0], "values": ["办结时效", 1, col, last, col]}
            )
        chart.set_title({"name": "办结用时与法定、承诺时限（天）"})
        chart.set_size({"width": 620, "height": 300})
        ts.insert_chart(1, 7, chart)
    cases = sorted((r for rs in data.by_window.values() for r in rs if r.due is not None), key=_order)
    top = max(len(data.timeliness) + 3, 18)
    _ledger_sheet(wb, ts, cases, list(CASE_COLUMNS), head, top=top)
    if data.requests:
        _requests_sheet(wb, data.requests, head, pct)
    wb.close()
    if progress:
        progress(len(windows) + 1, len(windows) + 1)


MOMENTS = frozenset({"issued_at", "called_at", "started_at", "finished_at", "completed_at"})
DAYS = frozenset({"day", "due"})
LIMITS = frozenset({"promised_days", "statutory_days"})
_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (its serial numbers count days from here)


Tail = Callable[[Any], str]  # a value (None when missing) → its cell's tail, "" for no cell


class _Kept(dict[Any, str]):
    """Values → their cell tails, each made once by ``make`` (up to a bound: free texts are many)."""

    def __init__(self, make: Callable[[Any], str]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, value: Any) -> str:
        tail = self.make(value)
        if len(self) < 100_000:
            self[value] = tail
        return tail


def _fraction(clock: str) -> str:
    """``hh:mm:ss`` → the digits after a serial day number's point, to 11 places (under a microsecond)."""
    seconds = int(clock[:2]) * 3600 + int(clock[3:5]) * 60 + int(clock[6:8])
    return f"{seconds / 86400:.11f}".rstrip("0").rstrip(".")[1:]


def _tails(wb: Any, ws: RowsWorksheet, keys: list[str]) -> tuple[list[Tail], list[Tail]]:
    """Per column, the value → cell tail of a ledger row: for a case, and for any other service.

    Each distinct day, time of day, text and count is formatted once and kept, so most cells
    are one dictionary lookup; a moment is its day's serial number joined to its time of
    day's fraction. An empty tail writes no cell.
    """
    from . import xlsx_rows

    day_xf = wb.add_format({"num_format": "yyyy-mm-dd"})._get_xf_index()
    moment_head = xlsx_rows.style(wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})._get_xf_index()) + "><v>"
    serials = _Kept(lambda day: str((dt.date.fromisoformat(day) - _EPOCH).days))
    fractions = _Kept(_fraction)
    days = _Kept(lambda day: f"{xlsx_rows.style(day_xf)}><v>{serials[day]}</v></c>")
    texts = _Kept(ws.text_cell)
    numbers = _Kept(xlsx_rows.number_cell)
    outcomes = _Kept(lambda code: ws.text_cell(OUTCOME_NAMES.get(code, code)))
    yes, no = ws.text_cell("是"), ws.text_cell("否")

    def moment(value: str) -> str:
        return f"{moment_head}{serials[value[:10]]}{fractions[value[11:19]]}</v></c>"

    def mark(value: bool) -> str:
        return yes if value else ""  # 是 on a booking's ticket, blank on a walk-in's

    def nothing(value: object) -> str:
        return ""

    types = {f.name: str(f.type) for f in fields(ledger.LedgerRow)}
    case: list[Tail] = []
    other: list[Tail] = []
    for k in keys:
        kind = types[k]
        tail: Tail
        if k in MOMENTS:
            tail = moment
        elif k in DAYS:
            tail = days.__getitem__
        elif k == "outcome":
            tail = outcomes.__getitem__
        elif k == "appointment":
            tail = mark
        elif "bool" in kind:
            tail = {True: yes, False: no}.__getitem__
        elif "str" in kind:
            tail = texts.__getitem__
        else:
            tail = numbers.__getitem__
        case.append(tail)
        other.append(nothing if k in LIMITS else tail)  # the limits apply to cases only
    return case, other


def _ledger_sheet(wb: Any, ws: Any, rows: list[ledger.LedgerRow], keys: list[str], head: Any, top: int = 0) -> None:
    """Ledger rows under a frozen, filtered header of Chinese names, from row ``top``.

    A year is over a million cells: each row goes to the sheet in one write
    (:meth:`~queue_server.xlsx_rows.RowsWorksheet.write_cells`), nothing for a missing
    value. Days and moments are Excel dates (numbers with a date format, so they sort and
    filter as dates); the moments are the center's local time, as stored. The promised and
    statutory limits are shown on the cases (promised and agency services) they apply to.
    """
    ws.write_row(top, 0, [ledger.COLUMNS[k] for k in keys], head)
    case_tails, other_tails = _tails(wb, ws, keys)
    cols = range(len(keys))
    values = attrgetter(*keys)
    write = ws.write_cells
    for i, row in enumerate(rows, start=top + 1):
        tails = case_tails if row.due is not None else other_tails
        write(
            i,
            [
                (col, tail)
                for col, make, value in zip(cols, tails, values(row), strict=True)
                if value is not None and (tail := make(value))
            ],
        )
    ws.freeze_panes(top + 1, 0)
    ws.autofilter(top, 0, top + max(1, len(rows)), len(keys) - 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(top)
    ws.set_column(0, len(keys) - 1, 11)
    for key, width in (("matter_name", 30), ("issued_at", 19), ("called_at", 19), ("started_at", 19),
                       ("finished_at", 19), ("completed_at", 19), ("reason", 20)):  # fmt: skip
        if key in keys:
            ws.set_column(keys.index(key), keys.index(key), width)


def _requests_sheet(wb: Any, requests: list[request_ledger.RequestRow], head: Any, pct: Any) -> None:
    """委托·上门·代办: the figures per kind, then every request under a filtered header."""
    from .xlsx_rows import RowsWorksheet

    rs = wb.add_worksheet(REQUESTS_SHEET, worksheet_class=RowsWorksheet)
    rs.write_row(0, 0, list(REQUEST_SUMMARY.values()), head)
    summary = request_ledger.summary(requests)
    for i, figures in enumerate(summary, start=1):
        for col, key in enumerate(REQUEST_SUMMARY):
            value = figures[key]
            if key == "on_time_share" and value is not None:
                rs.write_number(i, col, value, pct)
            elif value is not None:
                rs.write(i, col, value)
    top = len(summary) + 2
    keys = list(request_ledger.COLUMNS)
    rs.write_row(top, 0, list(request_ledger.COLUMNS.values()), head)
    for i, row in enumerate(requests, start=top + 1):
        rs.write_row(i, 0, [request_ledger.cell(row, k) for k in keys])
    rs.freeze_panes(top + 1, 0)
    rs.autofilter(top, 0, top + len(requests), len(keys) - 1)
    rs.set_column(0, len(keys) - 1, 12)
    for key, width in (("detail", 30), ("outcome", 30), ("closed_at", 19), ("matter_name", 24)):
        rs.set_column(keys.index(key), keys.index(key), width)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
    p.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD (at most a year after --from)")
    p.add_argument("--out", type=Path, required=True, help="FILE.xlsx (workbook with charts) or FILE.csv (ledger)")
    p.add_argument("--db", type=Path, default=Path("var/queue.db"))
    p.add_argument("--config", type=Path, default=None, help="center file (default: the sample center)")


class Bar:
    """A text progress bar on stderr, redrawn at most ten times a second."""

    def __init__(self, label: str, stream: Any = sys.stderr, width: int = 30) -> None:
        self.label, self.stream, self.width, self.last = label, stream, width, 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        filled = self.width * done // max(total, 1)
        pct = 100 * done // max(total, 1)
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {pct:3d}%")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def run_cli(ns: argparse.Namespace) -> None:
    """``report``: validate the arguments, read, write; errors exit with a Chinese message."""
    try:
        start, end = ledger.parse_range(ns.start, ns.end, dt.date.today())
    except AppError as exc:
        raise SystemExit(f"{exc.field and '--' + exc.field}: {exc.message}") from None
    suffix = ns.out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise SystemExit("--out 必须以 .xlsx 或 .csv 结尾")
    if not ns.db.is_file():
        raise SystemExit(f"找不到数据库 {ns.db}")
    center = load_center(ns.config) if ns.config else load_center()

    async def read() -> ReportData:
        store = await Store.open(ns.db)
        try:
            return await collect(store, center, start, end, Bar("读取台帐"), today=dt.date.today())
        finally:
            await store.close()

    data = asyncio.run(read())
    if suffix == ".csv":
        write_csv(data, ns.out)
    else:
        write_xlsx(data, ns.out, Bar("生成报表"))
    print(f"已生成 {ns.out}：{start.isoformat()} 至 {end.isoformat()}，{len(data.rows)} 条台帐记录")
