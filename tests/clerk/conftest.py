"""Fixtures for the clerk console: the real server as a process, a page on it, a clerk API.

The server runs ``python -m queue_server serve --always-open`` on 127.0.0.1 over a SQLite file
copied from a template made once per session with the real CLI (clerks and a kiosk token).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.devserver import ServerProcess, cli
from tests.browser import CHROMIUM_ARGS, PASSWORD, Api, form_log_in

__all__ = ["CHROMIUM_ARGS", "PASSWORD", "Api"]  # the clerk tests and bench_live import them from here

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "shots"
# login -> (name, windows): a may sit at 1 or 2; b works at 2 and 3; c only at 1.
CLERKS = {"a": ("张三", "1,2"), "b": ("李四", "2,3"), "c": ("王五", "1")}


class Server(ServerProcess):
    """The queue server process, with the kiosk token made for it."""

    def __init__(self, db: Path, kiosk_token: str):
        super().__init__(db)
        self.kiosk_token = kiosk_token


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> tuple[Path, str]:
    db = tmp_path_factory.mktemp("clerk-template") / "queue.db"
    token = cli(db, "add-device", "--kind", "kiosk", "--name", "取号机")
    for login, (name, windows) in CLERKS.items():
        cli(
            db,
            "add-clerk",
            "--login",
            login,
            "--name",
            name,
            "--windows",
            windows,
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
    return db, token


@pytest.fixture
def server(template_db, tmp_path):
    db, token = template_db
    shutil.copy(db, tmp_path / "queue.db")
    srv = Server(tmp_path / "queue.db", token)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def api(server) -> Api:
    # Logged in: /api/snapshot gives a session the full hall (the line, matters, times);
    # anonymous clients get only the public board.
    return Api(server).login("a")


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def context(page):
    return page.context


def log_in(page, login: str = "a", window: int | None = 1) -> None:
    """Open /clerk, log in and (when asked) pick a window."""
    from playwright.sync_api import expect

    form_log_in(page, "/clerk", login)
    if window is not None and len(CLERKS[login][1].split(",")) > 1:
        page.click(f"#window-list button[data-window='{window}']")
    if window is not None:
        expect(page.locator("#work-view")).to_be_visible()
        page.wait_for_selector("body[data-seq]", state="attached")  # the snapshot is in
        expect(page.locator("#offline")).to_be_hidden()


SHORTCUTS = {"F1": "#btn-call", "F2": "#btn-recall", "F3": "#btn-start", "F4": "#btn-finish"}


def press(page, key: str) -> None:
    """Press a shortcut once its button is enabled (keys are ignored while a request is in flight)."""
    from playwright.sync_api import expect

    expect(page.locator(SHORTCUTS[key])).to_be_enabled()
    page.keyboard.press(key)
