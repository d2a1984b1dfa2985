"""Helpers shared by the display benchmarks: processes, ports, Xvfb, CPU time."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("服务器启动失败")
        with contextlib.suppress(OSError), urllib.request.urlopen(url + "/healthz", timeout=1) as r:
            if r.status == 200:
                return
        time.sleep(0.2)
    raise SystemExit("服务器没有响应")


def start_xvfb(size: str) -> tuple[subprocess.Popen, str]:
    if not shutil.which("Xvfb"):
        raise SystemExit("没有 $DISPLAY，也没有 Xvfb：请在图形界面下运行")
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", f"{size}x24",
                             "-nolisten", "tcp"], pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    return proc, f":{number}"


def start_server(tmp: str) -> tuple[subprocess.Popen, str]:
    """``python -m queue_server serve`` on a free port over ``tmp/q.db``; returns (proc, url)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "queue_server", "serve", "--db", f"{tmp}/q.db",
         "--port", str(port), "--always-open"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_healthy(url, proc)
    return proc, url


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
