"""Fixtures for the manager console: the real server process with a manager and a kiosk,
Debian's Chromium, and screenshots kept in var/shots/."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.devserver import ServerProcess
from tests.clerk.conftest import Api, browser  # noqa: F401  (browser: the fixture)

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "shots"
PASSWORD = "pass12345"


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


@pytest.fixture
def new_page(browser, server):  # noqa: F811  (browser: the fixture imported above)
    """``new_page()``: a fresh browser context (its own cookies) at 1366×768, and its page."""
    contexts = []
    errors: list[str] = []

    def make():
        ctx = browser.new_context(
            base_url=server.url, viewport={"width": 1366, "height": 768}, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        ctx.set_default_timeout(5000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    page.screenshot(path=str(path))
    return path


def manager_page(new_page):
    from playwright.sync_api import expect

    page = new_page()
    page.goto("/manage")
    page.fill("#login-form input[name=login]", "boss")
    page.fill("#login-form input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#main-view")).to_be_visible()
    expect(page.locator("#staff-table tbody tr")).to_have_count(1)
    return page
