"""The queue server as a real process on 127.0.0.1, for the benchmarks and the tests.

One place that knows how to make a throwaway hall: a free port, the CLI, ``serve`` on a
temporary database, waiting for ``/healthz``, and stopping it again. Every test suite
and benchmark uses it; code running inside an event loop (the kiosk harness) calls the
``*_async`` forms, which wait in a worker thread so the loop (and its UI) keeps running.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """A process's resident memory in MB: ``VmRSS`` now, or ``VmHWM`` (its peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cli(db: Path, *args: str, stdin: str | None = None) -> str:
    """Run ``python -m queue_server ARGS --db DB``; its stdout, stripped."""
    out = subprocess.run(
        [sys.executable, "-m", "queue_server", *args, "--db", str(db)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
    )
    if out.returncode != 0:
        raise RuntimeError(f"queue_server {args[0]} failed: {out.stderr}")
    return out.stdout.strip()


class ServerProcess:
    """``python -m queue_server serve`` on a real SQLite file; keeps its port across restarts."""

    def __init__(
        self,
        db: Path,
        *extra: str,
        log: Path | None = None,
        python: str = sys.executable,
        cwd: Path = ROOT,
        env: dict[str, str] | None = None,
    ):
        """``python``, ``cwd`` and ``env`` let a test run the server of an installed wheel."""
        self.db = db
        self.extra = extra or ("--always-open",)
        self.log = log or db.with_suffix(".log")
        self.python, self.cwd, self.env = python, cwd, env
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str, stdin: str | None = None) -> str:
        return cli(self.db, *args, stdin=stdin)

    def start(self, timeout: float = 20.0) -> None:
        """Start and wait until ``/healthz`` answers; the server's output goes to ``log``."""
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    self.python,
                    "-m",
                    "queue_server",
                    "serve",
                    "--db",
                    str(self.db),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    *self.extra,
                ],
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**(os.environ if self.env is None else self.env), "PYTHONUNBUFFERED": "1"},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.log.read_text(encoding="utf-8"))
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start:\n" + self.log.read_text(encoding="utf-8"))

    async def start_async(self, timeout: float = 20.0) -> None:
        """:meth:`start` without blocking the running event loop."""
        await asyncio.to_thread(self.start, timeout)

    async def stop_async(self) -> None:
        """:meth:`stop` without blocking the running event loop."""
        await asyncio.to_thread(self.stop)

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, sockets dropped as on a power cut."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
