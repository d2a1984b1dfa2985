"""Glue between the WebSocket client, the board model, the voice and a view (no Kivy).

The Kivy screen implements :class:`View`; tests use a plain recording view. The controller
only calls the view methods whose part of the screen actually changed, so an idle hall
costs no redraws.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import Protocol

from bianmin.fontcover import FontChoice, FontKeeper
from bianmin.protocol import CenterInfo, Event, Snapshot, SupervisionResults
from bianmin.text import supervision_line
from display import present
from display.board import Board, Change
from display.present import CallLine, WaitingRow, WindowRow
from display.speech import Announcement

log = logging.getLogger("display.controller")
RECENT_SHOWN = 6


class View(Protocol):
    def show_center(self, center: CenterInfo) -> None: ...
    def show_windows(self, rows: list[WindowRow]) -> None: ...
    def show_waiting(self, rows: list[WaitingRow]) -> None: ...
    def show_calls(self, number: str, window: str, recall: bool, recent: list[CallLine], flash: bool) -> None: ...
    def show_online(self, online: bool) -> None: ...
    def show_results(self, text: str) -> None: ...


class DisplayController:
    """Receives center info, messages and connection changes; drives the view and voice."""

    def __init__(
        self,
        view: View,
        announce: Callable[[Announcement], None] | None = None,
        *,
        max_age: float = 60.0,
        recent_shown: int = RECENT_SHOWN,
        tz: dt.tzinfo | None = None,
        fonts: FontKeeper | None = None,
        use_fonts: Callable[[FontChoice], None] | None = None,
    ):
        self.view = view
        self.fonts, self.use_fonts = fonts, use_fonts
        self.font_task: asyncio.Task | None = None
        self.announce = announce
        self.board = Board(max_age=max_age)
        self.center: CenterInfo | None = None
        self.recent_shown = recent_shown
        self.tz = tz
        self.online: bool | None = None
        # Server clock minus ours, from the HTTP Date header, so the age check of replayed
        # calls still works when the display PC's clock is off.
        self.clock_offset = dt.timedelta(0)

    @property
    def local_tz(self) -> dt.tzinfo | None:
        """Where the hall is: the center's timezone if known, else this PC's (None)."""
        return self.tz or (self.center.tz if self.center else None)

    def now_local(self) -> dt.datetime:
        """The hall's wall-clock time, for the header clock."""
        return self.server_now().astimezone(self.local_tz)

    def server_now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.clock_offset

    def set_server_date(self, server: dt.datetime | None) -> None:
        """Record the server's clock (HTTP ``Date``) as seen right now."""
        if server is not None:
            self.clock_offset = server - dt.datetime.now(dt.UTC)

    @property
    def since(self) -> int | None:
        """The ``?since=`` to reconnect with."""
        return self.board.seq

    def on_center(self, center: CenterInfo) -> None:
        """``GET /api/center`` arrived (parsed by the client)."""
        self.center = center
        self.view.show_center(self.center)
        self._render(Change(windows=True, waiting=True, calls=True))
        if self.fonts is not None and self.use_fonts is not None:
            self.font_task = asyncio.get_running_loop().create_task(self._check_fonts(center))

    def on_results(self, results: SupervisionResults) -> None:
        """The month's supervision figures arrived: the footer shows them."""
        self.view.show_results(supervision_line(results))

    async def _check_fonts(self, center: CenterInfo) -> None:
        """The center's names need the extended subset: draw with it (built in a thread)."""
        assert self.fonts is not None and self.use_fonts is not None
        choice = await self.fonts.update(center)
        if choice is not None:
            self.use_fonts(choice)

    def on_message(self, message: Snapshot | Event) -> Change:
        change = self.board.apply(message, self.server_now())
        self._render(change)
        if self.announce:
            for item in change.announce:
                self.announce(item)
        return change

    def on_connection(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self.view.show_online(online)

    def _render(self, change: Change) -> None:
        board = self.board
        if change.windows:
            self.view.show_windows(present.window_rows(board.windows, self.center))
        if change.waiting:
            self.view.show_waiting(present.waiting_rows(board.waiting, self.center))
        if change.calls:
            shown = present.current_call(board.recent, board.windows)
            number, window, recall = present.big_call(shown)
            # The big line is the newest call still served; the list shows the others.
            others = [c for c in board.recent if c is not shown]
            recent = present.call_lines(others, self.recent_shown, self.local_tz)
            self.view.show_calls(number, window, recall, recent, change.flash)
