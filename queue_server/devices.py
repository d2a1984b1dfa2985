"""Device health: kiosks and displays report how they are doing; the console lists it.

``POST /api/devices/health`` (the device's own token) stores the last report per device in
``devices.last_health`` with ``last_seen``. Reports are small (validated by
:class:`bianmin.protocol.DeviceHealth`, strings bounded) and rate-limited per device, so
a broken or hostile client on the hall LAN cannot fill the disk or the writer's queue.
:func:`device_list` is what the manager console's device list (issue 11) shows.
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

from aiohttp import web

from bianmin.protocol import DeviceHealth, ProtocolError

from . import keys
from .errors import BadRequest, TooManyRequests, Unauthorized
from .service import utc_now
from .web import json_response, read_json

routes = web.RouteTableDef()
MIN_INTERVAL = 5.0  # seconds between two accepted reports of one device
MAX_TEXT = 300  # characters kept of version and last_error
# device id -> monotonic time of its last accepted report; bounded by the devices table.
LAST_REPORT: web.AppKey[dict[int, float]] = web.AppKey("device_health_times")


def parse_health(data: dict[str, Any]) -> DeviceHealth:
    """The report as a typed message; a 400 naming what is wrong."""
    for name in ("version", "last_error"):
        value = data.get(name)
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise BadRequest(f"字段 {name} 太长（最多 {MAX_TEXT} 字）", code="bad_field", field=name)
    try:
        return DeviceHealth.from_dict(data)
    except ProtocolError as exc:
        raise BadRequest(f"设备状态格式有误：{exc}", code="bad_health") from None


@routes.post("/api/devices/health")
async def report_health(request: web.Request) -> web.Response:
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer ") or not auth[7:].strip():
        raise Unauthorized("缺少设备令牌（Authorization: Bearer …）", code="device_token_required")
    device = await request.app[keys.ACCOUNTS].device(auth[7:].strip(), None, request.remote or "?")
    health = parse_health(await read_json(request))
    times = request.app[LAST_REPORT]
    now = time.monotonic()
    if now - times.get(device.id, float("-inf")) < MIN_INTERVAL:
        raise TooManyRequests(f"状态报告太频繁，请 {MIN_INTERVAL:g} 秒后再报", code="health_too_often")
    times[device.id] = now
    seen = utc_now().isoformat(timespec="seconds")
    body = json.dumps(health.to_dict(), ensure_ascii=False)

    def store(db: sqlite3.Connection) -> None:
        db.execute("UPDATE devices SET last_health = ?, last_seen = ? WHERE id = ?", (body, seen, device.id))

    await request.app[keys.STORE].write(store)
    return json_response({"ok": True, "last_seen": seen})


async def device_list(store: Any) -> list[dict[str, Any]]:
    """Every registered device with its last health report (None before the first)."""
    rows = await store.fetchall(
        "SELECT id, kind, name, revoked, last_seen, last_health FROM devices ORDER BY kind, name, id"
    )
    out = []
    for row in rows:
        health = json.loads(row["last_health"]) if row["last_health"] else None
        out.append(
            {
                "id": row["id"],
                "kind": row["kind"],
                "name": row["name"],
                "revoked": bool(row["revoked"]),
                "last_seen": row["last_seen"],
                "health": health,
            }
        )
    return out


def setup(app: web.Application) -> None:
    """Register the health route and its per-device rate limiter on ``app``."""
    app[LAST_REPORT] = {}
    app.router.add_routes(routes)
