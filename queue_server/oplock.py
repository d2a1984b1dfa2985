"""The service lock that lets operations pipeline through the group-commit writer."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .service import QueueService


class OpLock:
    """The service lock. Holding it, an operation computes its change, applies it to memory
    and submits it to the group-commit writer; on leaving the block the lock is released
    first and then the operation waits for its own commit. So operations pipeline through
    the writer, yet none returns (or is announced) before its change is on disk."""

    def __init__(self, service: QueueService):
        self.service = service
        self.raw = asyncio.Lock()
        self.pending: list[asyncio.Future] = []

    async def __aenter__(self) -> None:
        await self.raw.acquire()

    async def __aexit__(self, *exc) -> None:
        pending, self.pending = self.pending, []
        self.raw.release()
        for fut in pending:
            try:
                await fut
            except Exception:
                await self.service.recover()
                raise
