"""Fixtures: the real app in-process over a real SQLite file, and the real server as a process."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from queue_server.accounts import Accounts
from queue_server.app import create_app
from queue_server.settings import Settings
from queue_server.store import Store

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pass-12345"


class FakeClock:
    """A settable clock for day-boundary tests (the rules take ``now``; so does the service)."""

    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock():
    return FakeClock(dt.datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))


@pytest.fixture
async def hall(tmp_path, aiohttp_client, clock):
    """An in-process app on a real database file, with a kiosk token and two clerks."""
    store = await Store.open(tmp_path / "queue.db")
    accounts = Accounts(store)
    _, kiosk = await accounts.add_device("kiosk", "取号机")
    await accounts.add_clerk("w1", "窗口一", [1], PASSWORD)
    await accounts.add_clerk("w3", "窗口三", [3], PASSWORD)
    settings = Settings(db=tmp_path / "queue.db", always_open=True)
    client = await aiohttp_client(create_app(settings, store, clock=clock))
    client.kiosk = {"Authorization": f"Bearer {kiosk}"}
    yield client
    await store.close()


async def login(client, who="w1"):
    r = await client.post("/api/login", json={"login": who, "password": PASSWORD})
    assert r.status == 200, await r.text()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """``python -m queue_server serve`` as a real process on 127.0.0.1."""

    def __init__(self, db: Path, *extra: str):
        self.db = db
        self.port = free_port()
        self.extra = extra
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str, stdin: str | None = None) -> str:
        out = subprocess.run([sys.executable, "-m", "queue_server", *args, "--db", str(self.db)],
                             input=stdin, capture_output=True, text=True, cwd=ROOT, check=True,
                             timeout=30)
        return out.stdout.strip()

    def start(self) -> None:
        self.log = self.db.with_suffix(".log")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "queue_server", "serve", "--db", str(self.db),
                 "--port", str(self.port), *self.extra],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.log.read_text(encoding="utf-8"))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@pytest.fixture
def server(tmp_path):
    srv = ServerProcess(tmp_path / "queue.db", "--always-open")
    srv.kiosk = srv.cli("add-device", "--kind", "kiosk", "--name", "取号机")
    srv.cli("add-clerk", "--login", "w1", "--name", "窗口一", "--password-stdin",
            stdin=PASSWORD + "\n")
    srv.start()
    yield srv
    srv.stop()
