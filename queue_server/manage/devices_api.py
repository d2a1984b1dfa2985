"""``/api/devices``: the manager lists, adds, renames and revokes kiosks and displays.

A new device's token is shown once (also as a QR code the console draws from
``qr_modules``); a revoked token is refused on the device's next request."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from aiohttp import web

from bianmin.qr import qr_matrix

from ..accounts import Staff
from ..api import require_role
from ..errors import BadRequest, NotFound
from ..keys import ACCOUNTS, SERVICE, STORE
from ..web import field, json_response, read_json
from . import audit

routes = web.RouteTableDef()


def device_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "kind": row["kind"],
        "name": row["name"],
        "last_seen": row["last_seen"],
        "address": row["last_address"],
        "health": json.loads(row["last_health"]) if row["last_health"] else None,
        "revoked": bool(row["revoked"]),
        "created_at": row["created_at"],
    }


def _id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise NotFound("设备编号必须是数字", code="unknown_device") from None


@routes.get("/api/devices")
async def list_devices(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    return json_response([device_json(r) for r in await Staff(request.app[ACCOUNTS]).devices()])


@routes.post("/api/devices")
async def add_device(request: web.Request) -> web.Response:
    me = await require_role(request, "manager")
    data = await read_json(request)
    kind = field(data, "kind", str, required=True, max_len=20)
    name = field(data, "name", str, required=True, max_len=40).strip()
    if not name:
        raise BadRequest("请填写设备名称", code="bad_field", field="name")
    if kind not in ("kiosk", "display", "pad"):
        raise BadRequest(
            "设备类型必须是 kiosk（取号机）、display（大屏）或 pad（评价器）", code="bad_device_kind", field="kind"
        )
    window = field(data, "window", int) if kind == "pad" else None
    if kind == "pad" and (window is None or request.app[SERVICE].center.window(window) is None):
        raise BadRequest("评价器须填写本中心已有的窗口号", code="unknown_window", field="window")
    device, token = await request.app[ACCOUNTS].add_device(kind, name, window)
    after = {"kind": kind, "name": name, **({"window": window} if window is not None else {})}
    await audit.record(request.app[STORE], me, "device_added", str(device.id), None, after)
    return json_response({"id": device.id, "token": token, "qr_modules": qr_matrix(token)}, status=201)


@routes.patch("/api/devices/{id}")
async def rename_device(request: web.Request) -> web.Response:
    me = await require_role(request, "manager")
    device_id = _id(request)
    name = field(await read_json(request), "name", str, required=True, max_len=40).strip()
    if not name:
        raise BadRequest("请填写设备名称", code="bad_field", field="name")
    st = Staff(request.app[ACCOUNTS])
    before = (await st.device(device_id))["name"]
    await st.update_device(device_id, name=name)
    await audit.record(request.app[STORE], me, "device_renamed", str(device_id), {"name": before}, {"name": name})
    return json_response({"id": device_id, "name": name})


@routes.post("/api/devices/{id}/revoke")
async def revoke_device(request: web.Request) -> web.Response:
    me = await require_role(request, "manager")
    device_id = _id(request)
    st = Staff(request.app[ACCOUNTS])
    await st.update_device(device_id, revoked=True)
    await audit.record(request.app[STORE], me, "device_revoked", str(device_id), {"revoked": False}, {"revoked": True})
    return json_response({"id": device_id, "revoked": True})
