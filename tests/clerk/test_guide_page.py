"""The phone guide page in Debian's Chromium against the real server: the live line reads the
same when the page is first served and after each refresh, whatever the ticket's state."""

from __future__ import annotations

import typing
from urllib.parse import urlsplit

from playwright.sync_api import expect

from bianmin.protocol import TicketStatus
from queue_server.guide import LIVE_TEXT

from .conftest import Api


def _open(page, ticket: dict) -> None:
    url = urlsplit(ticket["guide_url"])
    page.goto(f"{url.path}?{url.query}")


def _refresh(page, count: int) -> None:
    """Let the page's 15-second timer fire, and wait until it has shown the fresh state."""
    page.clock.run_for(15_000)
    page.wait_for_selector(f"#live[data-refreshed='{count}']", state="attached")


def test_transferred_ticket_reads_the_same_before_and_after_refresh(server, api, page):
    clerk_a, clerk_b = Api(server).login("a"), Api(server).login("b")
    ticket = api.issue("A", "A1")
    clerk_a.ok("POST", "/api/windows/1/call")
    clerk_a.ok("POST", "/api/windows/1/transfer", {"to_window": 2})

    page.clock.install()
    _open(page, ticket)
    state = page.locator("#state")
    expect(state).to_have_text("等候中（已转窗口），前面还有 0 人")  # as the server renders it
    _refresh(page, 1)
    expect(state).to_have_text("等候中（已转窗口），前面还有 0 人")  # as the script words it

    # Called at the new window: the refresh and a fresh page load agree again.
    clerk_b.ok("POST", "/api/windows/2/call")
    _refresh(page, 2)
    expect(state).to_have_text("已叫号，请到 2 号窗口")
    _open(page, ticket)
    expect(state).to_have_text("已叫号，请到 2 号窗口")


def test_every_ticket_state_has_its_live_text():
    assert set(LIVE_TEXT) == set(typing.get_args(TicketStatus))
