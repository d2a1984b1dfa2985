"""The real server process under Debian's ``faketime`` (libfaketime, LD_PRELOAD): on a duty
day a ticket goes to the duty window; on a Sunday it is refused with the next opening."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.devserver import FAKETIME_LIB, ServerProcess, faked

LIB = FAKETIME_LIB
pytestmark = pytest.mark.skipif(not LIB.exists(), reason="needs the faketime Debian package (make debs-test)")


def call(url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def run_at(tmp_path: Path, moment: str) -> tuple[ServerProcess, str]:
    srv = ServerProcess(tmp_path / "queue.db", "--host", "127.0.0.1", env=faked(moment))
    token = srv.cli("add-device", "--kind", "kiosk", "--name", "取号机")
    srv.start()
    return srv, token


def test_duty_day_ticket_goes_to_the_duty_window(tmp_path):
    srv, token = run_at(tmp_path, "2026-12-01 10:00:00")  # Tuesday
    try:
        status, center = call(srv.url + "/api/center")
        assert status == 200 and center["mode"]["now"] == "duty" and center["mode"]["duty_windows"] == [4]
        status, ticket = call(srv.url + "/api/tickets", {"category": "B"}, token)
        assert status == 201 and ticket["window"] == 4 and ticket["issued_at"].startswith("2026-12-01T10:")
    finally:
        srv.stop()


def test_sunday_ticket_is_refused_with_the_next_opening(tmp_path):
    srv, token = run_at(tmp_path, "2026-12-06 10:00:00")  # Sunday
    try:
        status, center = call(srv.url + "/api/center")
        assert center["mode"] == {"now": "closed", "duty_windows": [], "next_open": "2026-12-07T08:30:00+08:00"}
        status, body = call(srv.url + "/api/tickets", {"category": "B"}, token)
        assert status == 409 and body["error"]["code"] == "office_closed"
        assert "12月7日 08:30" in body["error"]["message"]
    finally:
        srv.stop()
