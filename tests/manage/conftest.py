"""Fixtures for the manager console: the real server process with a manager and a kiosk,
and screenshots kept in var/shots/ (Chromium and ``new_page``: tests/browser.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.devserver import ServerProcess
from tests.browser import PASSWORD, Api, form_log_in

__all__ = ["PASSWORD", "Api"]  # the manager tests import them from here

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "shots"


class Server(ServerProcess):
    def __init__(self, db: Path):
        super().__init__(db)
        self.kiosk_token = ""


def manager_hall(db: Path) -> Server:
    """A hall on ``db``, not started yet: a kiosk (``kiosk_token``) and the manager ``boss``."""
    srv = Server(db)
    srv.kiosk_token = srv.cli("add-device", "--kind", "kiosk", "--name", "取号机")
    srv.cli(
        "add-clerk",
        "--login",
        "boss",
        "--name",
        "刘主任",
        "--role",
        "manager",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    return srv


@pytest.fixture
def server(tmp_path):
    with manager_hall(tmp_path / "queue.db") as srv:
        yield srv


@pytest.fixture
def api(server) -> Api:
    return Api(server)


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    page.screenshot(path=str(path))
    return path


def manager_page(new_page):
    from playwright.sync_api import expect

    page = new_page()
    form_log_in(page, "/manage", "boss")
    expect(page.locator("#main-view")).to_be_visible()
    expect(page.locator("#staff-table tbody tr")).to_have_count(1)
    return page
