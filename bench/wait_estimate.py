"""Accuracy of the wait estimate on simulated days: ``python -m bench.wait_estimate``.

The sample center's windows serve a day of residents (arrivals shaped like a hall's day,
service times per category drawn from lognormal laws of different means) under the real
queue rule (``rules.choose_next``: oldest first across a window's categories). The day
before is the history. At each ticket's issue we record the estimate of
``queue_server.wait_estimate`` (relearned every 5 simulated minutes from the history and
today's finished services, as the server does) and the naive ``ahead × average service
time``; its real wait is known when it is called. Prints both mean absolute errors in
minutes over several simulated days.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bianmin.center import load_center
from queue_server import rules
from queue_server.wait_estimate import estimate, learn

# Mean service minutes per category: a hall's matters differ a lot.
SERVICE_MIN = {"A": 8, "B": 4, "C": 12, "D": 6, "E": 5, "F": 10, "G": 14, "H": 3}
HOURS = {8: 10, 9: 22, 10: 18, 11: 10, 12: 3, 13: 7, 14: 14, 15: 10, 16: 5}
TZ = ZoneInfo("Asia/Shanghai")


@dataclass
class Window:
    number: int
    categories: tuple[str, ...]
    free_at: int = 0
    serving: tuple[str, int] | None = None  # (category, seconds)


@dataclass
class DayResult:
    samples: list[tuple[str, int, float, float, bool]] = field(default_factory=list)
    ours: list[float] = field(default_factory=list)
    naive: list[float] = field(default_factory=list)


def simulate(rnd: random.Random, residents: int, history: list, evaluate: bool) -> DayResult:
    """One day from 08:00; ``history``: the earlier days' samples (category, window, s, n, False)."""
    center = load_center()
    windows = [Window(w.number, w.categories) for w in center.windows]
    layout = {w.number: w.categories for w in center.windows}
    cats = [c.code for c in center.categories]
    hours, weights = list(HOURS), list(HOURS.values())
    arrivals = sorted((rnd.choices(hours, weights)[0] - 8) * 3600 + rnd.randrange(3600) for _ in range(residents))
    day = dt.date(2026, 11, 30)
    base = dt.datetime.combine(day, dt.time(8, 0), TZ)
    waiting: dict[int, rules.Ticket] = {}
    issued_at: dict[int, int] = {}
    predicted: dict[int, tuple[float, float]] = {}
    result = DayResult()
    today: list[tuple[str, int, float, float, bool]] = []
    hist_n = sum(s[3] for s in history)
    naive_avg = sum(s[2] for s in history) / hist_n if hist_n else None
    learned = learn(history)
    i, t, tid = 0, 0, 0
    while i < len(arrivals) or waiting or any(w.serving for w in windows):
        if t % 300 == 0:
            learned = learn(history + today)
        while i < len(arrivals) and arrivals[i] <= t:
            tid += 1
            cat = rnd.choice(cats)
            ahead = sum(1 for x in waiting.values() if x.category == cat)
            waiting[tid] = rules.Ticket(
                id=tid, day=day, category=cat, seq=tid, matter=None, priority=False, status="waiting",
                issued_at=base + dt.timedelta(seconds=t), queue_key=float(tid),
            )  # fmt: skip
            issued_at[tid] = t
            ours = estimate(cat, ahead, layout, learned)
            if evaluate and ours is not None and naive_avg is not None:
                predicted[tid] = (float(ours), ahead * naive_avg / 60)
            i += 1
        for w in windows:
            if w.free_at > t:
                continue
            if w.serving:
                cat, seconds = w.serving
                today.append((cat, w.number, float(seconds), 1.0, True))
                w.serving = None
            nxt = rules.choose_next(w.number, w.categories, waiting.values())
            if nxt is None:
                continue
            del waiting[nxt.id]
            if nxt.id in predicted:
                real = (t - issued_at[nxt.id]) / 60
                ours_m, naive_m = predicted[nxt.id]
                result.ours.append(abs(ours_m - real))
                result.naive.append(abs(naive_m - real))
            seconds = max(30, int(rnd.lognormvariate(0, 0.5) * SERVICE_MIN[nxt.category] * 60 / 1.13))
            w.serving, w.free_at = (nxt.category, seconds), t + seconds
        t += 1
    result.samples = [(c, w, s, n, False) for c, w, s, n, _ in today]
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--days", type=int, default=5, help="simulated days to measure (default 5)")
    p.add_argument("--residents", type=int, default=220, help="residents a day (default 220)")
    p.add_argument("--seed", type=int, default=13)
    ns = p.parse_args()
    rnd = random.Random(ns.seed)
    history = simulate(rnd, ns.residents, [], evaluate=False).samples
    ours, naive = [], []
    for d in range(ns.days):
        r = simulate(rnd, ns.residents, history, evaluate=True)
        ours += r.ours
        naive += r.naive
        print(f"day {d + 1}: {len(r.ours)} tickets, MAE ours {statistics.mean(r.ours):.1f} min, "
              f"naive {statistics.mean(r.naive):.1f} min")  # fmt: skip
        history = (history + r.samples)[-20000:]
    print(f"wait estimate MAE over {len(ours)} tickets: ours {statistics.mean(ours):.1f} min, "
          f"naive (ahead × average service time) {statistics.mean(naive):.1f} min")  # fmt: skip


if __name__ == "__main__":
    main()
