"""Backups of the real server's database, taken while a burst of tickets is being issued."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import urllib.request

from bench.devserver import ROOT, ServerProcess

from .conftest import PASSWORD, manager_hall


def issue(server: ServerProcess, token: str) -> str:
    req = urllib.request.Request(
        server.url + "/api/tickets",
        data=json.dumps({"category": "A"}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 201
        return json.loads(resp.read())["number"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "queue_server", *args], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def test_backup_during_a_burst_holds_every_ticket_committed_before_it(tmp_path):
    db = tmp_path / "hall" / "queue.db"
    db.parent.mkdir()
    with ServerProcess(db) as server:
        token = server.cli("add-device", "--kind", "kiosk", "--name", "取号机")
        stop = threading.Event()
        issued: list[str] = []  # numbers whose 201 arrived, in order

        def burst() -> None:
            while not stop.is_set():
                issued.append(issue(server, token))

        workers = [threading.Thread(target=burst) for _ in range(4)]
        for w in workers:
            w.start()
        try:
            while len(issued) < 200:
                stop.wait(0.01)
            committed_before = set(issued)  # each was answered only after its commit
            out = tmp_path / "backup.db"
            done = run_cli("backup", "--db", str(db), "--out", str(out))
            during = len(issued) - len(committed_before)
        finally:
            stop.set()
            for w in workers:
                w.join()
        assert done.returncode == 0, done.stderr
        with sqlite3.connect(out) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            numbers = {n for (n,) in copy.execute("SELECT number FROM tickets")}
        copy.close()
        assert committed_before <= numbers
        print(
            f"\nbackup: {len(numbers)} tickets in the copy, {len(committed_before)} committed before it began, "
            f"{during} issued while it ran"
        )
        # The server holds DB.lock: restoring over its database is refused.
        refused = run_cli("restore", "--db", str(db), "--from", str(out))
        assert refused.returncode != 0 and "正在使用" in refused.stderr
        # A daily backup was made at start, in var/backups beside the database.
        assert [p.name for p in (db.parent / "backups").glob("daily-*.db")]


def test_restore_into_a_fresh_directory_gives_the_same_hall(tmp_path):
    db = tmp_path / "old" / "queue.db"
    db.parent.mkdir()
    server = manager_hall(db)
    token = server.kiosk_token
    with server:
        numbers = [issue(server, token) for _ in range(5)]
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())

        def call(method: str, path: str, body: object) -> dict:
            req = urllib.request.Request(
                server.url + path,
                data=json.dumps(body).encode(),
                method=method,
                headers={"Content-Type": "application/json"},
            )
            with opener.open(req, timeout=10) as resp:
                return json.loads(resp.read())

        call("POST", "/api/login", {"login": "boss", "password": PASSWORD})
        with opener.open(server.url + "/api/config", timeout=10) as resp:
            config = json.loads(resp.read())
        config["center"]["name"] = "恢复测试便民服务中心"
        call("PUT", "/api/config", config)
        out = tmp_path / "b.db"
        assert run_cli("backup", "--db", str(db), "--out", str(out)).returncode == 0
    fresh = tmp_path / "new" / "queue.db"
    done = run_cli("restore", "--db", str(fresh), "--from", str(out))
    assert done.returncode == 0, done.stderr
    with ServerProcess(fresh) as again:
        with urllib.request.urlopen(again.url + "/api/center", timeout=10) as resp:
            assert json.loads(resp.read())["name"] == "恢复测试便民服务中心"
        staff = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        req = urllib.request.Request(
            again.url + "/api/login",
            data=json.dumps({"login": "boss", "password": PASSWORD}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with staff.open(req, timeout=10) as resp:
            assert json.loads(resp.read())["role"] == "manager"
        # The line is in the full view (a session's); the anonymous board shows no line.
        with staff.open(again.url + "/api/snapshot", timeout=10) as resp:
            assert [t["number"] for t in json.loads(resp.read())["queue"]] == numbers
        assert issue(again, token) == "A006"  # the kiosk's token came along too
    bad = tmp_path / "junk.db"
    bad.write_bytes(b"not a database at all" * 100)
    refused = run_cli("restore", "--db", str(fresh), "--from", str(bad))
    assert refused.returncode != 0 and "损坏" in refused.stderr
