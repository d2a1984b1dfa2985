"""Typed keys for the objects the app shares with its handlers (``request.app[SERVICE]``)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    pass

SETTINGS = web.AppKey("settings", "Settings")
STORE = web.AppKey("store", "Store")
SERVICE = web.AppKey("service", "QueueService")
ACCOUNTS = web.AppKey("accounts", "Accounts")
HUB = web.AppKey("hub", "Hub")
TICKER = web.AppKey("ticker", asyncio.Task)
