"""Benchmark the ledger and statistics on a year of services: ``python -m bench.ledger``.

Generates about 100,000 services (a center's year) into a real SQLite file in the schema's
shape, then prints: the statistics page's first-chart time in Chromium (Playwright), the
year's xlsx build time, and the month ledger query time. Targets: ≤ 1 s, ≤ 10 s, ≤ 200 ms.

The generator writes rows directly (the service would take hours to replay a year); it
keeps what the queue guarantees: each ticket's transitions in order, one number per
(day, category, seq), cases for promised and agency services with due dates in the
center's working days. Tests use :func:`generate` on a few weeks.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import secrets
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bianmin import workdays
from bianmin.center import Center, load_center
from queue_server import ledger, report, service_facts
from queue_server.accounts import Accounts
from queue_server.store import Store

PASSWORD = "bench-password"
OUTCOME_WEIGHTS = {"instant": 70, "promised": 12, "joint": 4, "agency": 4, "assisted": 4, "rejected": 6}
REASONS = ["材料不全", "不属于本中心受理范围", "申请人不符合条件", "证件过期"]
# The share of a day's tickets issued in each hour (peaks at opening and after lunch).
HOURS = {8: 10, 9: 22, 10: 18, 11: 10, 12: 3, 13: 7, 14: 14, 15: 10, 16: 5, 17: 1}


async def _accounts(db: Path, center: Center) -> dict[int, int]:
    """One clerk per window (window -> clerk id) and a manager ``m``; the schema is migrated."""
    store = await Store.open(db)
    try:
        accounts = Accounts(store)
        await accounts.add_clerk("m", "王主任", [], PASSWORD, role="manager")
        names = ["张三", "李四", "王五", "赵六", "钱七", "孙八"]
        out = {}
        for i, w in enumerate(center.windows):
            clerk = await accounts.add_clerk(f"c{w.number}", names[i % len(names)], [w.number], PASSWORD)
            out[w.number] = clerk.id
        return out
    finally:
        await store.close()


def generate(db: Path, start: dt.date, days: int, per_day: int, *, seed: int = 13, center: Center | None = None) -> int:
    """Write ``per_day`` services (±20 %) on each office day of ``start`` + ``days``; returns the count."""
    center = center or load_center()
    clerks = asyncio.run(_accounts(db, center))
    rnd = random.Random(seed)
    tz = center.tz
    serving: dict[str, list[int]] = {}
    for w in center.windows:
        for c in w.categories:
            serving.setdefault(c, []).append(w.number)
    cats = [c.code for c in center.categories]
    outcomes, weights = list(OUTCOME_WEIGHTS), list(OUTCOME_WEIGHTS.values())
    hours, hour_w = list(HOURS), list(HOURS.values())
    tickets, transitions, cases = [], [], []
    tid = 0

    def iso(moment: dt.datetime) -> str:
        return moment.isoformat(timespec="seconds")

    for d in range(days):
        day = start + dt.timedelta(days=d)
        if day.isoweekday() not in center.office.days or not center.calendar.is_workday(day):
            continue
        n = int(per_day * rnd.uniform(0.8, 1.2))
        seqs: dict[str, int] = {}
        stamps = sorted(
            dt.datetime.combine(day, dt.time(rnd.choices(hours, hour_w)[0], rnd.randrange(60), rnd.randrange(60)), tz)
            for _ in range(n)
        )
        for issued in stamps:
            tid += 1
            cat = rnd.choice(cats)
            matter = rnd.choice(center.category(cat).matters).code  # type: ignore[union-attr]
            seqs[cat] = seqs.get(cat, 0) + 1
            window = rnd.choice(serving[cat])
            clerk = clerks[window]
            called = issued + dt.timedelta(seconds=int(rnd.expovariate(1 / 900)) + 30)
            log: list[tuple[str, str | None, str, int | None]] = [(iso(issued), None, "waiting", None)]
            log.append((iso(called), "waiting", "called", window))
            status, outcome, reason, finished, due = "done", None, None, None, None
            if rnd.random() < 0.05:
                status = "no_show"
                log.append((iso(called + dt.timedelta(minutes=2)), "called", "no_show", window))
            else:
                started = called + dt.timedelta(seconds=rnd.randint(20, 120))
                log.append((iso(started), "called", "serving", window))
                finished = started + dt.timedelta(seconds=int(rnd.lognormvariate(6.3, 0.5)))
                log.append((iso(finished), "serving", "done", window))
                outcome = rnd.choices(outcomes, weights)[0]
                reason = rnd.choice(REASONS) if outcome == "rejected" else None
                if outcome in ("promised", "agency"):
                    g = center.matters[matter].guide
                    try:
                        due = workdays.due_date(
                            day, g.promised_days, working_days_only=center.working_days_only, calendar=center.calendar
                        )
                    except workdays.UnknownYear:
                        due = day + dt.timedelta(days=g.promised_days)
                    late = rnd.random() < 0.1
                    took = (due - day).days + (rnd.randint(1, 5) if late else -rnd.randint(0, (due - day).days))
                    closed = dt.datetime.combine(day + dt.timedelta(days=took), dt.time(15, 0), tz)
                    cases.append((tid, outcome, due.isoformat(), iso(finished), iso(closed), clerk))
            tickets.append(
                (
                    tid, day.isoformat(), cat, seqs[cat], f"{cat}{seqs[cat]:03d}", matter, 0, status,
                    secrets.token_hex(8), iso(issued), float(tid), window, iso(called), outcome, reason,
                    due.isoformat() if due else None, iso(finished) if finished else None, clerk,
                )
            )  # fmt: skip
            transitions += [(tid, at, frm, to, w, clerk if w else None) for at, frm, to, w in log]
    conn = sqlite3.connect(db)
    with conn:
        conn.executemany(
            "INSERT INTO tickets (id, day, category, seq, number, matter, priority, status, token, issued_at, "
            "queue_key, window, called_at, outcome, reason, due, finished_at, clerk_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            tickets,
        )
        conn.executemany(
            "INSERT INTO transitions (ticket_id, at, from_status, to_status, window, clerk_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            transitions,
        )
        conn.executemany(
            "INSERT INTO cases (ticket_id, kind, due, opened_at, closed_at, closed_by) VALUES (?, ?, ?, ?, ?, ?)", cases
        )
        # The service stores a day's facts when the next day starts; the generated days are over.
        service_facts.close_days(conn, start + dt.timedelta(days=days))
    conn.execute("ANALYZE")
    conn.close()
    return len(tickets)


async def month_query_ms(db: Path, center: Center, first: dt.date, repeat: int = 5) -> float:
    """Median milliseconds of a month's ledger query, through the real store."""
    store = await Store.open(db)
    try:
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            rows = await ledger.rows(store, center, first, last)
            times.append((time.perf_counter() - t0) * 1000)
        print(f"  month ledger rows: {len(rows)}")
        return statistics.median(times)
    finally:
        await store.close()


async def _collect(db: Path, center: Center, start: dt.date, end: dt.date) -> report.ReportData:
    store = await Store.open(db)
    try:
        return await report.collect(store, center, start, end)
    finally:
        await store.close()


def first_chart_s(db: Path, start: dt.date, end: dt.date, shot: Path | None = None) -> float:
    """Seconds from navigation to the statistics page's first rendered chart, logged in.

    With ``shot``, waits for every chart and saves a 1366×768 screenshot there.
    """
    from playwright.sync_api import sync_playwright

    from .devserver import ServerProcess

    with ServerProcess(db) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.request.post(f"{server.url}/api/login", data={"login": "m", "password": PASSWORD})
            url = f"{server.url}/manage/stats?from={start.isoformat()}&to={end.isoformat()}"
            page.goto(url)
            page.wait_for_function("window.bianminStats && window.bianminStats.firstChartMs !== null", timeout=30000)
            ms = page.evaluate("window.bianminStats.firstChartMs")
            if shot is not None:
                page.wait_for_function("window.bianminStats.complete === true", timeout=60000)
                all_ms = page.evaluate("performance.now()")
                print(f"  every chart drawn after {all_ms / 1000:.2f} s")
                shot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(shot))
            return float(ms) / 1000
        finally:
            browser.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--services", type=int, default=100_000, help="services in the year (default 100000)")
    p.add_argument("--db", type=Path, default=None, help="keep the generated database here")
    p.add_argument("--shot", type=Path, default=Path("var/shots/stats_year.png"), help="screenshot of the page")
    ns = p.parse_args()
    center = load_center()
    start, end = dt.date(2025, 12, 1), dt.date(2026, 11, 30)
    office_days = sum(
        1
        for d in range((end - start).days + 1)
        if (start + dt.timedelta(days=d)).isoweekday() in center.office.days
        and center.calendar.is_workday(start + dt.timedelta(days=d))
    )
    with tempfile.TemporaryDirectory() as tmp:
        db = ns.db or Path(tmp) / "year.db"
        t0 = time.perf_counter()
        n = generate(db, start, (end - start).days + 1, ns.services // office_days, center=center)
        print(f"generated {n} services on {office_days} office days in {time.perf_counter() - t0:.1f} s")
        print(f"  database: {db.stat().st_size / 1e6:.1f} MB")
        ms = asyncio.run(month_query_ms(db, center, dt.date(2026, 10, 1)))
        print(f"month ledger query: {ms:.0f} ms (target ≤ 200 ms)")
        print(f"  load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        t0, c0 = time.perf_counter(), time.process_time()
        data = asyncio.run(_collect(db, center, start, end))
        t1, c1 = time.perf_counter(), time.process_time()
        report.write_xlsx(data, Path(tmp) / "year.xlsx")
        t2, c2 = time.perf_counter(), time.process_time()
        print(f"year xlsx build: {t2 - t0:.1f} s (read {t1 - t0:.1f} s + write {t2 - t1:.1f} s; target ≤ 10 s)")
        print(f"  CPU time of this process: {c2 - c0:.1f} s (read {c1 - c0:.1f} s + write {c2 - c1:.1f} s)")
        print(f"statistics page first chart: {first_chart_s(db, start, end, ns.shot):.2f} s (target ≤ 1 s)")


if __name__ == "__main__":
    main()
