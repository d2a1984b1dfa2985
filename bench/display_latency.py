"""Call-to-screen latency: ``python -m bench.display_latency [--calls 20]``.

Starts a real server and the display probe (``python -m bench.display_probe``), then calls
tickets through the HTTP API one at a time and prints, per call, the time from the HTTP
request and from its response to (a) the display setting the big call label and (b) the
next frame being drawn. All times are ``time.monotonic()``, which Linux shares across
processes. Without ``$DISPLAY`` it starts its own Xvfb.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import aiohttp

from bench.devserver import cli
from bench.displayutil import start_server, start_xvfb, stop_all

WINDOWS = {1: "A", 2: "B", 3: "E", 4: "G"}  # one category each window serves
PASSWORD = "bench-pass-1"


class ProbeReader:
    def __init__(self, proc: asyncio.subprocess.Process):
        self.proc = proc
        self.reports: list[dict] = []
        self.changed = asyncio.Event()

    async def run(self) -> None:
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            if line.startswith(b"@@ "):
                self.reports.append(json.loads(line[3:]))
                self.changed.set()

    async def wait_for(self, test: Callable[[dict], bool], start: int, timeout: float = 15.0) -> dict:
        async with asyncio.timeout(timeout):
            while True:
                for report in self.reports[start:]:
                    if test(report):
                        return report
                self.changed.clear()
                await self.changed.wait()


def _is_call(report: dict, number: str) -> bool:
    return report["kind"] == "calls" and report["number"] == number


def _is_drawn(report: dict, after: float) -> bool:
    return report["kind"] == "drawn" and report["t"] >= after


async def measure(url: str, kiosk: str, size: str, calls: int, gap: float, env: dict) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bianmin-wav-") as keep:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.display_probe",
            "--server",
            url,
            "--size",
            size,
            "--keep-dir",
            keep,
            "--play-scale",
            "0.01",
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        probe = ProbeReader(proc)
        reader = asyncio.create_task(probe.run())
        jar = aiohttp.CookieJar(unsafe=True)
        try:
            async with aiohttp.ClientSession(cookie_jar=jar) as http:
                await probe.wait_for(lambda r: r["kind"] == "online" and r["online"], 0, 30)
                for i in range(calls):
                    await http.post(
                        f"{url}/api/tickets",
                        json={"category": WINDOWS[i % 4 + 1]},
                        headers={"Authorization": f"Bearer {kiosk}"},
                    )
                await http.post(f"{url}/api/login", json={"login": "bench", "password": PASSWORD})
                await asyncio.sleep(1.0)  # let the board settle
                results = []
                for i in range(calls):
                    window = i % 4 + 1
                    mark = len(probe.reports)
                    t_req = time.monotonic()
                    async with http.post(f"{url}/api/windows/{window}/call") as r:
                        number = (await r.json())["ticket"]["number"]
                    t_resp = time.monotonic()
                    label = await probe.wait_for(partial(_is_call, number=number), mark)
                    drawn = await probe.wait_for(partial(_is_drawn, after=label["t"]), mark)
                    results.append(
                        {
                            "number": number,
                            "req_label": label["t"] - t_req,
                            "resp_label": label["t"] - t_resp,
                            "resp_drawn": drawn["t"] - t_resp,
                        }
                    )
                    await http.post(f"{url}/api/windows/{window}/start")
                    await http.post(f"{url}/api/windows/{window}/finish", json={"outcome": "instant"})
                    await asyncio.sleep(gap)
                return results
        finally:
            if proc.stdin:
                proc.stdin.write(b"quit\n")
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
            await reader


def ms(values: list[float]) -> str:
    values = sorted(v * 1000 for v in values)
    p90 = values[min(len(values) - 1, round(0.9 * (len(values) - 1)))]
    return (
        f"median {statistics.median(values):6.1f} ms   p90 {p90:6.1f} ms   "
        f"min {values[0]:6.1f} ms   max {values[-1]:6.1f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.display_latency", description=__doc__)
    p.add_argument("--calls", type=int, default=20)
    p.add_argument("--size", default="1920x1080")
    p.add_argument(
        "--gap", type=float, default=2.5, help="seconds between calls (the 1.8 s flash of one call is over by the next)"
    )
    ns = p.parse_args(argv)
    procs: list[subprocess.Popen] = []
    env = dict(os.environ, KIVY_NO_ARGS="1", SDL_AUDIODRIVER="dummy")
    with tempfile.TemporaryDirectory(prefix="bianmin-bench-") as tmp:
        env.setdefault("KIVY_HOME", str(Path(tmp) / "kivy"))
        try:
            if not env.get("DISPLAY"):
                xvfb, env["DISPLAY"] = start_xvfb(ns.size)
                procs.append(xvfb)
            db = Path(tmp) / "q.db"
            kiosk = cli(db, "add-device", "--kind", "kiosk", "--name", "bench")
            cli(db, "add-clerk", "--login", "bench", "--name", "测速", "--password-stdin", stdin=PASSWORD + "\n")
            server, url = start_server(tmp)
            procs.append(server)
            results = asyncio.run(measure(url, kiosk, ns.size, ns.calls, ns.gap, env))
        finally:
            stop_all(procs)
    print(f"call-to-screen latency over {len(results)} calls at {ns.size}, {ns.gap:g} s apart:")
    print("  HTTP request  -> label set   ", ms([r["req_label"] for r in results]))
    print("  HTTP response -> label set   ", ms([r["resp_label"] for r in results]))
    print("  HTTP response -> frame drawn ", ms([r["resp_drawn"] for r in results]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
