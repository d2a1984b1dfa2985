"""The audit log: every manager action, with who, when, what, and the state before and after."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

from aiohttp import web

from ..accounts import Clerk
from ..api import require_role
from ..keys import STORE
from ..store import Store
from ..web import json_response

routes = web.RouteTableDef()
AUDIT_PAGE = 200


def _text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


async def record(store: Store, actor: Clerk, action: str, target: str, before: Any = None, after: Any = None) -> None:
    """Write one audit row; call it after the action committed."""
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    row = (at, actor.login, action, target, _text(before), _text(after))

    def insert(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO audit_log (at, actor, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?)", row)

    await store.write(insert)


@routes.get("/api/audit")
async def audit_log(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    rows = await request.app[STORE].fetchall(
        "SELECT id, at, actor, action, target, before, after FROM audit_log ORDER BY id DESC LIMIT ?", (AUDIT_PAGE,)
    )
    return json_response(
        [
            {
                **{k: r[k] for k in ("id", "at", "actor", "action", "target")},
                "before": json.loads(r["before"]) if r["before"] else None,
                "after": json.loads(r["after"]) if r["after"] else None,
            }
            for r in rows
        ]
    )
