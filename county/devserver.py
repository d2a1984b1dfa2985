"""Throwaway PostgreSQL clusters and county server processes, for the tests and the benchmark.

The cluster is Debian's ``postgresql`` (``initdb`` and ``pg_ctl`` under
/usr/lib/postgresql/*/bin), run as an unprivileged user when we are root, listening only
on a Unix socket in its own temporary directory.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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


def county_cli(dsn: str, *args: str, stdin: str | None = None) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "county", *args, "--dsn", dsn],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    if out.returncode:
        raise RuntimeError(f"county {args[0]} failed: {out.stderr}")
    return out.stdout.strip()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CountyProcess:
    """``python -m county serve`` as a real process; keeps its port across restarts."""

    def __init__(self, dsn: str, log: Path, *extra: str):
        self.dsn = dsn
        self.log = log
        self.extra = extra
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.prefix: tuple[str, ...] = ()  # interpreter options, e.g. a profiler

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> CountyProcess:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    *self.prefix,
                    "-m",
                    "county",
                    "serve",
                    "--dsn",
                    self.dsn,
                    "--port",
                    str(self.port),
                    *self.extra,
                ],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.log.read_text(encoding="utf-8"))
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("county server did not start:\n" + self.log.read_text(encoding="utf-8"))

    def kill(self) -> None:
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
