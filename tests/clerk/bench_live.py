"""Benchmark the clerk console in Chromium against the real server; prints numbers.

    .venv/bin/python -m tests.clerk.bench_live [--runs 30]

Measures (milliseconds, median and 95th percentile):
  open       /clerk loaded, logged-in session, until the working screen has its snapshot
  push       a kiosk ticket's POST returned, until its row is on the clerk's waiting list
  call       F1 pressed, until the called number is on screen
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from .conftest import CHROMIUM_ARGS, CLERKS, PASSWORD, Api, Server, cli, log_in


def summary(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{name:<6} n={len(samples):<3} median {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    tmp = Path(tempfile.mkdtemp(prefix="bench-clerk-"))
    db = tmp / "queue.db"
    token = cli(db, "add-device", "--kind", "kiosk", "--name", "取号机")
    for login, (name, windows) in CLERKS.items():
        cli(
            db,
            "add-clerk",
            "--login",
            login,
            "--name",
            name,
            "--windows",
            windows,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
    server = Server(db, token)
    server.start()
    kiosk, other = Api(server), Api(server).login("c")
    opened, pushed, called = [], [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            ctx = browser.new_context(base_url=server.url, viewport={"width": 1366, "height": 768})
            page = ctx.new_page()
            log_in(page, "a", 1)
            for _ in range(runs):
                t0 = time.perf_counter()
                page.reload()
                page.wait_for_selector("body[data-seq]", state="attached")
                opened.append((time.perf_counter() - t0) * 1000)
            for i in range(runs):
                t0 = time.perf_counter()
                kiosk.issue("A", "A1")
                page.wait_for_function(f"document.querySelectorAll('#queue tr').length === {i + 1}", polling="raf")
                pushed.append((time.perf_counter() - t0) * 1000)
            for i in range(runs):
                number = f"A{i + 1:03d}"
                t0 = time.perf_counter()
                page.keyboard.press("F1")
                page.wait_for_function(
                    f"document.querySelector('#cur-number').textContent === '{number}'", polling="raf"
                )
                called.append((time.perf_counter() - t0) * 1000)
                other.ok("POST", "/api/windows/1/finish", {"outcome": "instant"})
                page.wait_for_function("!document.querySelector('#btn-call').disabled", polling="raf")
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(summary("open", opened))
    print(summary("push", pushed))
    print(summary("call", called))


if __name__ == "__main__":
    main()
