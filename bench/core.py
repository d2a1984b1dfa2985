"""Benchmark the queue core in process, on a real SQLite file: ``python -m bench.core``.

Prints issue latency at concurrency 1 (p50/p99, the WAL checkpoint kept off the request
path), then, with ``--waiting`` tickets in line, the latency of calling the next ticket and
of a retried ``request_id`` (which recomputes the ticket's place in line).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from bianmin.center import load_center
from queue_server.accounts import Accounts
from queue_server.rules import Completion
from queue_server.service import QueueService
from queue_server.store import Store
from queue_server.window_actions import WindowActions

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _ms(samples: list[float]) -> str:
    samples = sorted(samples)
    p50 = statistics.median(samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return f"p50 {p50 * 1000:.3f} ms / p99 {p99 * 1000:.3f} ms (max {samples[-1] * 1000:.3f} ms, n={len(samples)})"


def _noise(n: int = 5000) -> list[float]:
    """A fixed 0.3 ms CPU task, timed: its p99 shows how much the machine itself adds."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        x = 0
        while time.perf_counter() - t0 < 0.0003:
            x += 1
        out.append(time.perf_counter() - t0)
    return out


async def run(ns: argparse.Namespace) -> None:
    print(f"machine noise (0.3 ms CPU task):      {_ms(_noise())}")
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "bench.db")
        svc = QueueService(load_center(), store, base_url="http://x", clock=lambda: NOW, always_open=True)
        await svc.start()
        clerk = await Accounts(store).add_clerk("bench", "压测", [], "bench-password")
        desk = WindowActions(svc)
        cats = "ACGH"  # window 1 serves A and C
        issue_times: list[float] = []
        for i in range(ns.waiting):
            t0 = time.perf_counter()
            await svc.issue(category=cats[i % 4], matter=None, priority=i % 50 == 0, device_id=1, request_id=f"r{i}")
            issue_times.append(time.perf_counter() - t0)
        print(f"issue, concurrency 1, {ns.waiting} tickets:  {_ms(issue_times)}")
        print(f"issue, first {ns.calls} (short line):      {_ms(issue_times[: ns.calls])}")

        retry: list[float] = []
        for i in range(ns.calls):
            rid = f"r{(i * 7919) % ns.waiting}"
            t0 = time.perf_counter()
            await svc.issue(category="A", matter=None, priority=False, device_id=1, request_id=rid)
            retry.append(time.perf_counter() - t0)
        print(f"retried request_id, {ns.waiting} waiting:  {_ms(retry)}")

        calls: list[float] = []
        done = Completion("instant")
        for _ in range(ns.calls):
            t0 = time.perf_counter()
            await desk.call_next(1, clerk)
            calls.append(time.perf_counter() - t0)
            await desk.finish(1, done, clerk)
        left = sum(svc.waiting_counts().values())
        print(f"call next, ~{left} waiting:            {_ms(calls)}")
        await store.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--waiting", type=int, default=20_000)
    p.add_argument("--calls", type=int, default=1000)
    asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    main()
