"""What the page tests share: Debian's Chromium (``browser``), fresh pages on it that fail the
test on any JavaScript error (``new_page``), the consoles' login form (:func:`form_log_in`) and
a second party over plain HTTP (:class:`Api`).

Loaded for the whole suite as a plugin (``pytest_plugins`` in tests/conftest.py); ``new_page``
needs the ``server`` fixture of the folder or module that uses it (anything with ``url``).
"""

from __future__ import annotations

import http.cookiejar
import json
import urllib.error
import urllib.request
from typing import Any

import pytest

PASSWORD = "pass12345"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium (never a downloaded browser).

    Module scope, not session: while Playwright's sync API is open its event loop counts as
    running, and async tests collected after ours (pytest-asyncio) would refuse to start."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, server):
    """``new_page(width=1366, height=768, timeout=5000)``: a fresh context (its own cookies) on
    the server, in Chinese and Beijing time, and its page. A JavaScript error on any of them
    fails the test."""
    contexts, errors = [], []

    def make(width: int = 1366, height: int = 768, timeout: int = 5000):
        ctx = browser.new_context(
            base_url=server.url,
            viewport={"width": width, "height": height},
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        ctx.set_default_timeout(timeout)
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def form_log_in(page, path: str, login: str, password: str = PASSWORD) -> None:
    """Open a console (``/clerk``, ``/manage``) and send its login form."""
    page.goto(path)
    page.fill("#login-form input[name=login]", login)
    page.fill("#login-form input[name=password]", password)
    page.click("#login-form button[type=submit]")


class Api:
    """A second party over plain HTTP with its own cookies: a kiosk issuing tickets (the
    server's ``kiosk_token``), or a clerk or manager acting."""

    def __init__(self, server: Any):
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

    def login(self, login: str, password: str = PASSWORD) -> Api:
        self.ok("POST", "/api/login", {"login": login, "password": password})
        return self

    def issue(self, category: str, matter: str | None = None, priority: bool = False) -> dict:
        body = {"category": category, "priority": priority, **({"matter": matter} if matter else {})}
        return self.ok("POST", "/api/tickets", body, headers={"Authorization": f"Bearer {self.server.kiosk_token}"})
