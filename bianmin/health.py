"""Report this device's health to the server (kiosk and display): ``POST /api/devices/health``.

Kivy-free. Holds only the latest :class:`~bianmin.protocol.DeviceHealth` (bounded), sends
it when it changes (at most one report per :data:`MIN_GAP` seconds, the server's limit)
and every :data:`EVERY` seconds so ``last_seen`` stays fresh. A server that is away costs
a log line per outage, never a stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from importlib import metadata
from typing import Any

import aiohttp

from bianmin.protocol import DeviceHealth

log = logging.getLogger("bianmin.health")
EVERY = 60.0
MIN_GAP = 5.5  # a little over the server's 5 s per device
TIMEOUT = aiohttp.ClientTimeout(total=5)


def app_version() -> str:
    """The installed Bianmin version, or ``dev`` in a checkout that was never installed."""
    try:
        return metadata.version("bianmin")
    except metadata.PackageNotFoundError:
        return "dev"


class HealthReporter:
    """Run :meth:`run` as a task; call :meth:`update` whenever something changes."""

    def __init__(self, server: str, token: str, health: DeviceHealth, every: float = EVERY):
        self.url = f"{server.rstrip('/')}/api/devices/health"
        self.token = token
        self.health = health
        self.every = every
        self.sent: list[DeviceHealth] = []  # the last few reports the server accepted (tests)
        self._changed = asyncio.Event()
        self._failing = False

    def update(self, **changes: Any) -> None:
        """Change fields of the report (``audio="fault"``, ``last_error=...``); sent soon."""
        new = dataclasses.replace(self.health, **changes)
        if new != self.health:
            self.health = new
            self._changed.set()

    async def run(self) -> None:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
            while True:
                self._changed.clear()
                await self._send(http)
                await asyncio.sleep(MIN_GAP)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), max(0.0, self.every - MIN_GAP))

    async def _send(self, http: aiohttp.ClientSession) -> None:
        report = self.health
        try:
            headers = {"Authorization": f"Bearer {self.token}"}
            async with http.post(self.url, json=report.to_dict(), headers=headers) as resp:
                if resp.status != 200:
                    raise aiohttp.ClientResponseError(resp.request_info, (), status=resp.status)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            if not self._failing:
                log.warning("device health not reported: %s", exc)
            self._failing = True
            return
        self._failing = False
        self.sent = [*self.sent[-9:], report]
