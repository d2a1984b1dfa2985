"""Cold start of the kiosk: process start to the home screen showing the center's data.

    .venv/bin/python -m bench.kiosk_start [--runs 3] [--size 1080x1920]

Starts a queue server on a temporary database, then runs the real
``python -m kiosk --server URL --token T --printer preview:DIR --windowed`` several
times, timing each from spawn to the ``kiosk ready`` log line (the controller logs it
once, when home first shows the categories and waiting counts). Needs a display:
without one it re-runs itself under ``xvfb-run``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.devserver import ServerProcess, cli
from kiosk.controller import READY_MARK

ROOT = Path(__file__).resolve().parent.parent


async def _ready_after(cmd: list[str], env: dict, timeout: float) -> float:
    start = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *cmd, cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    assert proc.stderr is not None
    try:
        async with asyncio.timeout(timeout):
            while line := await proc.stderr.readline():
                if READY_MARK.encode() in line:
                    return time.perf_counter() - start
        raise SystemExit(f"取号机退出了，没有显示首页（退出码 {await proc.wait()}）")
    except TimeoutError:
        raise SystemExit(f"取号机没有在 {timeout:.0f} 秒内显示首页") from None
    finally:
        if proc.returncode is None:
            proc.terminate()
        await proc.wait()


def one_run(url: str, token: str, size: str, tmp: Path, timeout: float = 60.0) -> float:
    """Seconds from spawning the kiosk to its ready line."""
    env = {
        **os.environ,
        "KIVY_NO_ARGS": "1",
        "KIVY_LOG_MODE": "PYTHON",
        "SDL_AUDIODRIVER": "dummy",
        "KIVY_HOME": str(tmp / "kivy_home"),
    }
    cmd = [
        sys.executable,
        "-m",
        "kiosk",
        "--server",
        url,
        "--token",
        token,
        "--printer",
        f"preview:{tmp / 'tickets'}",
        "--windowed",
        "--size",
        size,
    ]
    return asyncio.run(_ready_after(cmd, env, timeout))


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.kiosk_start", description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--size", default="1080x1920")
    ns = p.parse_args()
    if not os.environ.get("DISPLAY") and shutil.which("xvfb-run") and "BENCH_UNDER_XVFB" not in os.environ:
        os.environ["BENCH_UNDER_XVFB"] = "1"
        os.execvp(
            "xvfb-run",
            [
                "xvfb-run",
                "-a",
                "-s",
                "-screen 0 1920x1920x24",
                sys.executable,
                "-m",
                "bench.kiosk_start",
                *sys.argv[1:],
            ],
        )
    with tempfile.TemporaryDirectory(prefix="bench-kiosk-") as tmp_name:
        tmp = Path(tmp_name)
        db = tmp / "queue.db"
        token = cli(db, "add-device", "--kind", "kiosk", "--name", "bench")
        with ServerProcess(db) as server:
            times = [one_run(server.url, token, ns.size, tmp) for _ in range(ns.runs)]
    print(f"kiosk cold start (process start -> home with data), window {ns.size}, {ns.runs} runs")
    for i, t in enumerate(times, 1):
        print(f"  run {i}: {t:.2f} s")
    print(f"  median {statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s")


if __name__ == "__main__":
    main()
