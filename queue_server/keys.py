"""Typed keys for the objects the app shares with its handlers (``request.app[SERVICE]``)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from .accounts import Accounts
    from .hub import Hub
    from .service import QueueService
    from .settings import Settings
    from .store import Store
    from .window_actions import WindowActions

# Annotated rather than given the type: the classes import the app, so they load after this.
SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
STORE: web.AppKey[Store] = web.AppKey("store")
SERVICE: web.AppKey[QueueService] = web.AppKey("service")
WINDOWS: web.AppKey[WindowActions] = web.AppKey("windows")
ACCOUNTS: web.AppKey[Accounts] = web.AppKey("accounts")
HUB: web.AppKey[Hub] = web.AppKey("hub")
TICKER: web.AppKey[asyncio.Task[None]] = web.AppKey("ticker")
