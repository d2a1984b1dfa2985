"""A wake-up for every task waiting at the moment it fires (asyncio), re-armed at once."""

from __future__ import annotations

import asyncio


class Pulse:
    """``fire()`` sets the current event and starts a new one.

    A waiter takes ``current()`` *before* it checks what it waits for: a fire between its
    check and its wait has set that event already, so it is never missed (as it is with an
    ``asyncio.Condition`` notified before the waiter got to ``wait()``)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def current(self) -> asyncio.Event:
        return self._event

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()
