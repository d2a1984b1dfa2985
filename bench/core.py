"""Benchmark the queue core in process, on a real SQLite file: ``python -m bench.core``.

Prints issue latency at concurrency 1 (p50/p99, the WAL checkpoint kept off the request
path) and what the machine's CPUs did meanwhile (``/proc/stat``), steal included: on a
virtual machine, the time the hypervisor gave them to other guests, which no code of ours
gets back (on this project's 2-core test VM issue p99 rose with it: over 60 runs, under
2 ms in all 35 with at most 6 % stolen, over it in 20 of the 25 with more), then, with ``--waiting``
tickets in line, the latency of calling the next ticket and of a retried ``request_id``
(which recomputes the ticket's place in line).

``--phases`` times each issue's phases with ``perf_counter`` stamps (a hook of this bench
only, wrapped around the store; nothing in the server changes): on the loop before the
write, waiting for the writer thread to start the group, the group itself (SQL and
COMMIT), and back to the caller; with the checkpoints and garbage collections that
overlapped it. It prints each phase's distribution and what the slow issues spent.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import statistics
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from bianmin.center import load_center
from queue_server import cores, event_loop
from queue_server import store as store_mod
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


def _cpu_times() -> list[int]:
    """The machine's CPU time so far, by kind (the ``cpu`` line of ``/proc/stat``, in ticks)."""
    try:
        with open("/proc/stat") as f:
            return [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return []


def _share(before: list[int], after: list[int]) -> str:
    """What the machine spent its CPU time on between two readings: user, system, idle,
    I/O wait, interrupts and steal (time the hypervisor gave this machine's CPUs to others)."""
    if len(before) != 8 or len(after) != 8:
        return "unknown (no /proc/stat)"
    d = [b - a for a, b in zip(before, after, strict=True)]
    total = sum(d) or 1
    user, nice, system, idle, iowait, irq, softirq, steal = d
    parts = {
        "user": user + nice,
        "system": system,
        "idle": idle,
        "iowait": iowait,
        "irq": irq + softirq,
        "steal": steal,
    }
    return ", ".join(f"{k} {100 * v / total:.1f}%" for k, v in parts.items())


class Phases:
    """perf_counter stamps around the store's group commit, its checkpoints and the GC."""

    def __init__(self) -> None:
        self.writes: list[tuple[float, float, float, float]] = []  # write, group start, group end, resumed
        self.spans: dict[str, list[tuple[float, float]]] = {"checkpoint": [], "writer finish": [], "gc": []}
        self._group = (0.0, 0.0)
        self._gc_start = 0.0

    def install(self) -> None:
        run_group, catch_up, finish = store_mod._run_group, store_mod._catch_up, store_mod._checkpoint
        write = Store.write
        clock = time.perf_counter

        def timed_group(conn, fns):  # the writer thread
            t0 = clock()
            try:
                return run_group(conn, fns)
            finally:
                self._group = (t0, clock())

        def timed(kind, fn):
            def wrapper(*args):
                t0 = clock()
                try:
                    return fn(*args)
                finally:
                    self.spans[kind].append((t0, clock()))

            return wrapper

        def timed_write(store, fn, on_commit=None):
            t0 = clock()
            fut = write(store, fn, on_commit)
            fut.add_done_callback(lambda _f: self.writes.append((t0, *self._group, clock())))
            return fut

        def on_gc(phase: str, _info: dict) -> None:
            if phase == "start":
                self._gc_start = clock()
            else:
                self.spans["gc"].append((self._gc_start, clock()))

        store_mod._run_group = timed_group
        store_mod._catch_up = timed("checkpoint", catch_up)
        store_mod._checkpoint = timed("writer finish", finish)
        Store.write = timed_write  # type: ignore[method-assign]
        gc.callbacks.append(on_gc)

    def report(self, issues: list[tuple[float, float]]) -> None:
        """``issues``: (start, end) of each timed issue."""
        by_start = sorted(self.writes)
        rows = []
        for s0, s1 in issues:
            w = next((x for x in by_start if s0 <= x[0] <= s1), None)
            if w is None:
                continue
            t0, g0, g1, back = w
            over = {k: sum(min(b, s1) - max(a, s0) for a, b in v if a < s1 and b > s0) for k, v in self.spans.items()}
            rows.append(({"loop": t0 - s0, "wait": g0 - t0, "group": g1 - g0, "back": back - g1}, s1 - s0, over))
        print(f"phases of {len(rows)} issues (ms):")
        for name in ("loop", "wait", "group", "back"):
            print(f"  {name:>5}: {_ms([r[0][name] for r in rows])}")
        slow = [r for r in rows if r[1] > 0.002]
        worst: dict[str, int] = {}
        for phases, _, _ in slow:
            top = max(phases, key=lambda k: phases[k])
            worst[top] = worst.get(top, 0) + 1
        print(f"  issues over 2 ms: {len(slow)}; longest phase: {worst}")
        for kind in self.spans:
            hit = sum(1 for r in slow if r[2][kind] > 0)
            spans = sorted(b - a for a, b in self.spans[kind])
            if spans:
                print(f"  {kind}: {len(spans)} runs, {_ms(spans)}; overlapped {hit} slow issues")


async def run(ns: argparse.Namespace) -> None:
    phases = Phases() if ns.phases else None
    if phases is not None:
        phases.install()
    print(f"machine noise (0.3 ms CPU task):      {_ms(_noise())}")
    cores.share_core()  # as the server does before it opens the store
    asyncio.get_running_loop().set_default_executor(cores.free_executor())
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "bench.db")
        svc = QueueService(load_center(), store, base_url="http://x", clock=lambda: NOW, always_open=True)
        await svc.start()
        gc.collect()
        gc.freeze()  # as the server does after start-up
        if phases is not None:
            phases.spans["gc"].clear()  # that collection was start-up's, not an issue's
        clerk = await Accounts(store).add_clerk("bench", "压测", [], "bench-password")
        desk = WindowActions(svc)
        cats = "ACGH"  # window 1 serves A and C
        issue_times: list[float] = []
        spans: list[tuple[float, float]] = []
        cpu0 = _cpu_times()
        for i in range(ns.waiting):
            t0 = time.perf_counter()
            await svc.issue(category=cats[i % 4], matter=None, priority=i % 50 == 0, device_id=1, request_id=f"r{i}")
            t1 = time.perf_counter()
            issue_times.append(t1 - t0)
            spans.append((t0, t1))
        print(f"issue, concurrency 1, {ns.waiting} tickets:  {_ms(issue_times)}")
        print(f"  meanwhile, of the machine's CPU time: {_share(cpu0, _cpu_times())}")
        print(f"issue, first {ns.calls} (short line):      {_ms(issue_times[: ns.calls])}")
        if phases is not None:
            phases.report(spans)

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
    p.add_argument("--phases", action="store_true", help="time each issue's phases (see the module docstring)")
    event_loop.run(run(p.parse_args()))  # the server's loop


if __name__ == "__main__":
    main()
