"""Idle cost of the hall display: ``python -m bench.display_idle [--seconds 60]``.

Starts a real server (temporary database) and the real display, lets them settle, then
reads utime+stime from ``/proc/PID/stat`` over the measuring window and prints the CPU
share of the display, the server and the X server. Without ``$DISPLAY`` it starts its
own Xvfb. Extra arguments after ``--`` go to the display (e.g. ``-- --marquee-fps 15``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.displayutil import cpu_seconds, start_server, start_xvfb, stop_all


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    extra: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1 :]
    p = argparse.ArgumentParser(prog="python -m bench.display_idle", description=__doc__)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--settle", type=float, default=10.0)
    p.add_argument("--size", default="1920x1080")
    ns = p.parse_args(argv)
    procs: list[subprocess.Popen] = []
    env = dict(os.environ, KIVY_NO_ARGS="1")
    with tempfile.TemporaryDirectory(prefix="bianmin-bench-") as tmp:
        env.setdefault("KIVY_HOME", str(Path(tmp) / "kivy"))
        try:
            xvfb = None
            if not env.get("DISPLAY"):
                xvfb, env["DISPLAY"] = start_xvfb(ns.size)
                procs.append(xvfb)
            server, url = start_server(tmp)
            procs.append(server)
            display = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "display",
                    "--server",
                    url,
                    "--windowed",
                    "--size",
                    ns.size,
                    "--audio",
                    "none",
                    *extra,
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            procs.append(display)
            time.sleep(ns.settle)
            if display.poll() is not None:
                raise SystemExit(f"显示屏进程已退出（{display.returncode}）")
            watched = {"display": display, "server": server} | ({"Xvfb": xvfb} if xvfb else {})
            before = {k: cpu_seconds(v.pid) for k, v in watched.items()}
            t0 = time.monotonic()
            time.sleep(ns.seconds)
            wall = time.monotonic() - t0
            after = {k: cpu_seconds(v.pid) for k, v in watched.items()}
        finally:
            stop_all(procs)
    print(f"idle CPU over {wall:.1f} s at {ns.size} (display args: {' '.join(extra) or '-'}):")
    for name in watched:
        used = after[name] - before[name]
        print(f"  {name:8s} {used:6.2f} s CPU = {100 * used / wall:5.1f} % of one core")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
