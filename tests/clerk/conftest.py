"""Fixtures for the clerk console: the real server as a process, Debian's Chromium, a clerk API.

The server runs ``python -m queue_server serve --always-open`` on 127.0.0.1 over a SQLite file
copied from a template made once per session with the real CLI (clerks and a kiosk token).
"""

from __future__ import annotations

import http.cookiejar
import json
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.devserver import ServerProcess, cli

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "shots"
PASSWORD = "pass12345"
# login -> (name, windows): a may sit at 1 or 2; b works at 2 and 3; c only at 1.
CLERKS = {"a": ("张三", "1,2"), "b": ("李四", "2,3"), "c": ("王五", "1")}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


class Server(ServerProcess):
    """The queue server process, with the kiosk token made for it."""

    def __init__(self, db: Path, kiosk_token: str):
        super().__init__(db)
        self.kiosk_token = kiosk_token


class Api:
    """A second party over plain HTTP: a kiosk issuing tickets, or another clerk acting."""

    def __init__(self, server: Server):
        self.server = server
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(self, method: str, path: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.server.url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with self.opener.open(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            with err:
                return err.code, json.loads(err.read())

    def ok(self, method: str, path: str, body: dict | None = None, **kw) -> dict:
        status, data = self.call(method, path, body, **kw)
        assert status < 300, (status, data)
        return data

    def login(self, login: str) -> Api:
        self.ok("POST", "/api/login", {"login": login, "password": PASSWORD})
        return self

    def issue(self, category: str, matter: str | None = None, priority: bool = False) -> dict:
        body = {"category": category, "priority": priority, **({"matter": matter} if matter else {})}
        return self.ok("POST", "/api/tickets", body, headers={"Authorization": f"Bearer {self.server.kiosk_token}"})


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


@pytest.fixture(scope="module")
def browser():
    # Module scope, not session: while Playwright's sync API is open its event loop counts as
    # running, and async tests collected after ours (pytest-asyncio) would refuse to start.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser, server):
    ctx = browser.new_context(
        base_url=server.url, viewport={"width": 1366, "height": 768}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    ctx.set_default_timeout(5000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    assert not errors, f"JavaScript errors on the page: {errors}"


def log_in(page, login: str = "a", window: int | None = 1) -> None:
    """Open /clerk, log in and (when asked) pick a window."""
    from playwright.sync_api import expect

    page.goto("/clerk")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
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
