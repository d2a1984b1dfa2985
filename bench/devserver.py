"""The hall and county servers as real processes on 127.0.0.1, for the benchmarks and the tests.

One place that knows how to make a throwaway server: a free port, the CLI, ``serve`` on a
temporary database (a hall's SQLite file, or a county database in a throwaway PostgreSQL
cluster, :class:`PgCluster`), waiting for ``/healthz``, and stopping it again. Every test
suite and benchmark uses it; code running inside an event loop (the kiosk harness) calls
the ``*_async`` forms, which wait in a worker thread so the loop (and its UI) keeps running.
"""

from __future__ import annotations

import asyncio
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAKETIME_LIB = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")  # Debian's faketime


def faked(moment: str, speed: float = 1.0) -> dict[str, str]:
    """The environment of a process whose wall clock libfaketime starts at ``moment``
    (Shanghai time) and runs ``speed`` times as fast; the monotonic clock stays real, so
    event-loop timers, timeouts and rate limits keep real seconds. Without
    ``BIANMIN_ALWAYS_OPEN``: the faked clock decides whether the hall is open."""
    env = {k: v for k, v in os.environ.items() if k != "BIANMIN_ALWAYS_OPEN"}
    spec = f"@{moment}" if speed == 1 else f"@{moment} x{speed:g}"
    env.update(LD_PRELOAD=str(FAKETIME_LIB), FAKETIME=spec, TZ="Asia/Shanghai", FAKETIME_DONT_FAKE_MONOTONIC="1")
    return env


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


def _run_cli(module: str, args: tuple[str, ...], stdin: str | None) -> str:
    out = subprocess.run(
        [sys.executable, "-m", module, *args], input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    if out.returncode != 0:
        raise RuntimeError(f"{module} {args[0]} failed: {out.stderr}")
    return out.stdout.strip()


def cli(db: Path, *args: str, stdin: str | None = None) -> str:
    """Run ``python -m queue_server ARGS --db DB``; its stdout, stripped."""
    return _run_cli("queue_server", (*args, "--db", str(db)), stdin)


class Process:
    """A server as a real process: a free port kept across restarts, output in ``log``.

    Subclasses say how to run it (:meth:`argv`); :meth:`start` waits until ``/healthz``
    answers 200."""

    def __init__(self, log: Path, *, python: str = sys.executable, cwd: Path = ROOT, env: dict[str, str] | None = None):
        self.log = log
        self.python, self.cwd, self.env = python, cwd, env
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def argv(self) -> list[str]:
        raise NotImplementedError

    def __enter__(self) -> Process:
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

    def start(self, timeout: float = 30.0) -> None:
        """Start and wait until ``/healthz`` answers; the server's output goes to ``log``."""
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv(),
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

    async def start_async(self, timeout: float = 30.0) -> None:
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


class ServerProcess(Process):
    """``python -m queue_server serve`` on a real SQLite file."""

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
        super().__init__(log or db.with_suffix(".log"), python=python, cwd=cwd, env=env)
        self.db = db
        self.extra = extra or ("--always-open",)

    def argv(self) -> list[str]:
        host = ["--host", "127.0.0.1", "--port", str(self.port)]
        return [self.python, "-m", "queue_server", "serve", "--db", str(self.db), *host, *self.extra]

    def cli(self, *args: str, stdin: str | None = None) -> str:
        return cli(self.db, *args, stdin=stdin)


def county_cli(dsn: str, *args: str, stdin: str | None = None) -> str:
    """Run ``python -m county ARGS --dsn DSN``; its stdout, stripped."""
    return _run_cli("county", (*args, "--dsn", dsn), stdin)


class CountyProcess(Process):
    """``python -m county serve`` on a PostgreSQL database."""

    def __init__(self, dsn: str, log: Path, *extra: str):
        super().__init__(log)
        self.dsn = dsn
        self.extra = extra
        self.prefix: tuple[str, ...] = ()  # interpreter options, e.g. a profiler

    def argv(self) -> list[str]:
        return [
            self.python,
            *self.prefix,
            "-m",
            "county",
            "serve",
            "--dsn",
            self.dsn,
            "--port",
            str(self.port),
            *self.extra,
        ]


PG_USER = "nobody"


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql")
    return found[-1]


class PgCluster:
    """``initdb`` + ``pg_ctl start`` in a temporary directory; ``dsn`` for a fresh database."""

    def __init__(self, *, fast: bool = True, settings: dict[str, str] | None = None):
        self.fast = fast
        self.settings = settings or {}
        self.dir = Path(tempfile.mkdtemp(prefix="bianmin-pg-"))
        self.data = self.dir / "data"
        self.port = 5432
        self._n = 0

    def _run(self, *cmd: str) -> subprocess.CompletedProcess:
        if os.geteuid() == 0:
            cmd = ("runuser", "-u", PG_USER, "--", *cmd)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)

    def start(self) -> PgCluster:
        if os.geteuid() == 0:
            uid = pwd.getpwnam(PG_USER).pw_uid
            os.chown(self.dir, uid, -1)
        os.chmod(self.dir, 0o755)
        out = self._run(pg_bin("initdb"), "-D", str(self.data), "-U", "bianmin", "--auth=trust", "-E", "UTF8")
        if out.returncode:
            raise RuntimeError(f"initdb failed: {out.stderr}")
        conf = {
            "listen_addresses": "''",
            "unix_socket_directories": f"'{self.dir}'",
            "max_connections": "200",
            "shared_buffers": "256MB",
        }
        if self.fast:
            conf.update(fsync="off", synchronous_commit="off", full_page_writes="off")
        conf.update(self.settings)
        with open(self.data / "postgresql.conf", "a") as f:
            f.writelines(f"{k} = {v}\n" for k, v in conf.items())
        out = self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "pg.log"), "-w", "start")
        if out.returncode:
            raise RuntimeError(f"pg_ctl start failed: {out.stderr}\n{self.log()}")
        return self

    def log(self) -> str:
        p = self.dir / "pg.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://bianmin@/{database}?host={self.dir}&port={self.port}"

    def new_database(self) -> str:
        """A fresh empty database's DSN."""
        self._n += 1
        name = f"county_{self._n}"
        out = subprocess.run(
            [pg_bin("createdb"), "-h", str(self.dir), "-p", str(self.port), "-U", "bianmin", name],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if out.returncode:
            raise RuntimeError(f"createdb failed: {out.stderr}")
        return self.dsn(name)

    def stop(self) -> None:
        if self.data.exists():
            self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
