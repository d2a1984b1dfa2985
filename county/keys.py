"""Typed keys for what the county app shares with its handlers."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from .accounts import Accounts
from .ingest import Ingest
from .settings import Settings

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
ACCOUNTS = web.AppKey("accounts", Accounts)
INGEST = web.AppKey("ingest", Ingest)
