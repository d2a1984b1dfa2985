"""Helpers shared by the display benchmarks: processes, ports, Xvfb, CPU time."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from bench.devserver import ServerProcess

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def start_xvfb(size: str) -> tuple[subprocess.Popen, str]:
    if not shutil.which("Xvfb"):
        raise SystemExit("没有 $DISPLAY，也没有 Xvfb：请在图形界面下运行")
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    return proc, f":{number}"


def start_server(tmp: str) -> tuple[subprocess.Popen, str]:
    """``python -m queue_server serve`` on a free port over ``tmp/q.db``; returns (proc, url)."""
    server = ServerProcess(Path(tmp) / "q.db")
    server.start()
    assert server.proc is not None
    return server.proc, server.url


def stop_all(procs: list[subprocess.Popen]) -> None:
    """Terminate ``procs`` (newest first) and wait for each."""
    for proc in reversed(procs):
        proc.terminate()
    for proc in reversed(procs):
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
