"""A database the server cannot write (issue 10, item 8), against the real server process.

The tests run as root, and root writes any file. So the server runs under ``setpriv`` with
every capability dropped: still uid 0, but file permissions now hold for it as for anyone.
A file made read-only while the server has it open stays writable through its descriptors,
so "the disk became read-only" is made with ``chattr +i`` (writes then fail with EPERM),
and undone with ``chattr -i``."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bench.devserver import ServerProcess

from .conftest import PASSWORD

needs_root = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root and setpriv")


def _unprivileged_python(tmp_path: Path) -> str:
    """A ``python`` that runs without capabilities, so permissions apply to it."""
    wrapper = tmp_path / "python-nocaps"
    wrapper.write_text(f'#!/bin/sh\nexec setpriv --bounding-set -all --inh-caps -all {sys.executable} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def _hall(folder: Path) -> ServerProcess:
    folder.mkdir()
    srv = ServerProcess(folder / "queue.db")
    srv.kiosk = srv.cli("add-device", "--kind", "kiosk", "--name", "取号机")
    srv.cli("add-clerk", "--login", "w1", "--name", "窗口一", "--password-stdin", stdin=PASSWORD + "\n")
    return srv


def _refused_start(srv: ServerProcess, python: str) -> str:
    """Start ``srv`` under ``python``; it must exit at once. Returns what it printed."""
    srv.python = python
    try:
        srv.start(timeout=20)
    except RuntimeError as failed:
        assert srv.proc is not None and srv.proc.wait(10) != 0
        return str(failed)
    srv.stop()
    pytest.fail("the server started on a database it cannot write")


def _read_only_file(db: Path) -> None:
    for f in db.parent.glob("queue.db*"):
        f.chmod(0o444)


def _read_only_rollback_journal_file(db: Path) -> None:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    assert not Path(f"{db}-wal").exists()
    db.chmod(0o444)


@needs_root
@pytest.mark.parametrize("make_read_only", [_read_only_file, _read_only_rollback_journal_file], ids=["wal", "non-wal"])
def test_a_read_only_database_stops_start_up_with_a_chinese_message(tmp_path, make_read_only):
    srv = _hall(tmp_path / "hall")
    make_read_only(srv.db)
    out = _refused_start(srv, _unprivileged_python(tmp_path))
    assert "数据库文件只读" in out
    assert "Traceback" not in out


@needs_root
def test_a_read_only_folder_stops_start_up_with_a_chinese_message(tmp_path):
    srv = _hall(tmp_path / "hall")
    srv.db.parent.chmod(0o555)
    try:
        out = _refused_start(srv, _unprivileged_python(tmp_path))
    finally:
        srv.db.parent.chmod(0o755)
    assert "文件夹必须可写" in out
    assert "Traceback" not in out


def _chattr(flag: str, *paths: Path) -> bool:
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", flag, *map(str, paths)], capture_output=True).returncode == 0


@needs_root
async def test_a_database_that_turns_read_only_gives_503_then_recovers(tmp_path):
    srv = _hall(tmp_path / "hall")
    srv.start()
    kiosk = {"Authorization": f"Bearer {srv.kiosk}"}
    files = [srv.db, Path(f"{srv.db}-wal")]
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(srv.url + "/api/tickets", json={"category": "A"}, headers=kiosk) as r:
                assert r.status == 201
            if not _chattr("+i", *files):
                pytest.skip("this file system has no immutable flag")
            try:
                async with http.post(srv.url + "/api/tickets", json={"category": "A"}, headers=kiosk) as r:
                    assert r.status == 503
                    assert "数据库写入失败" in (await r.json())["error"]["message"]
                async with http.post(srv.url + "/api/login", json={"login": "w1", "password": PASSWORD}) as r:
                    assert r.status == 503  # never a 500
                    assert "数据库写入失败" in (await r.json())["error"]["message"]
                async with http.get(srv.url + "/healthz") as r:
                    assert r.status == 503
                    assert (await r.json())["error"]["code"] == "degraded"
            finally:
                _chattr("-i", *files)
            # Writable again: the very next requests succeed, not 503 until a restart.
            async with http.post(srv.url + "/api/tickets", json={"category": "A"}, headers=kiosk) as r:
                assert r.status == 201, await r.text()
            async with http.post(srv.url + "/api/login", json={"login": "w1", "password": PASSWORD}) as r:
                assert r.status == 200
            async with http.get(srv.url + "/healthz") as r:
                assert r.status == 200
    finally:
        _chattr("-i", *files)
        srv.stop()
