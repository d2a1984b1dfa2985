"""``/api/staff``: the manager lists, adds and edits clerks and uploads their work-card photos.

Window numbers are checked against the center; every change is audited and counts on the
clerk's very next request (see :class:`queue_server.accounts.Staff`)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from aiohttp import web

from ..accounts import ROLES, Staff
from ..api import require_role
from ..errors import BadRequest, NotFound
from ..keys import ACCOUNTS, SERVICE, SETTINGS, STORE
from ..web import field, json_response, read_json
from . import audit
from .photos import MAX_UPLOAD, card_jpeg

routes = web.RouteTableDef()
TEXT_FIELDS = {"name": 40, "post": 40, "department": 40, "phone": 40}


def staff(request: web.Request) -> Staff:
    return Staff(request.app[ACCOUNTS])


def staff_json(row: sqlite3.Row) -> dict[str, Any]:
    version = row["photo_version"]
    return {
        "login": row["login"],
        "name": row["name"],
        "role": row["role"],
        "windows": json.loads(row["windows"]),
        "active": bool(row["active"]),
        "post": row["post"],
        "department": row["department"],
        "phone": row["phone"],
        "photo_url": f"/api/staff/{row['login']}/photo?v={version}" if version else None,
    }


def _windows(request: web.Request, data: dict) -> list[int] | None:
    if data.get("windows") is None:
        return None
    value = data["windows"]
    if not isinstance(value, list) or any(not isinstance(w, int) or isinstance(w, bool) for w in value):
        raise BadRequest("windows 必须是窗口号的列表，例如 [1, 2]", code="bad_field", field="windows")
    known = {w.number for w in request.app[SERVICE].center.windows}
    bad = sorted(set(value) - known)
    if bad:
        listed = "、".join(str(n) for n in sorted(known))
        raise BadRequest(f"没有 {bad} 号窗口；本中心的窗口是 {listed}", code="unknown_window", field="windows")
    return sorted(set(value))


def _role(data: dict) -> str | None:
    role = field(data, "role", str, max_len=20)
    if role is not None and role not in ROLES:
        raise BadRequest("角色必须是 clerk、manager 或 agent", code="bad_role", field="role")
    return role


def _texts(data: dict) -> dict[str, str]:
    out = {}
    for name, limit in TEXT_FIELDS.items():
        value = field(data, name, str, max_len=limit)
        if value is not None:
            out[name] = value.strip()
    if out.get("name") == "":
        raise BadRequest("姓名不能为空", code="bad_field", field="name")
    return out


@routes.get("/api/staff")
async def list_staff(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    return json_response([staff_json(r) for r in await staff(request).everyone()])


@routes.post("/api/staff")
async def add_staff(request: web.Request) -> web.Response:
    me = await require_role(request, "manager")
    data = await read_json(request)
    login = field(data, "login", str, required=True, max_len=64)
    name = field(data, "name", str, required=True, max_len=40)
    password = field(data, "password", str, required=True, max_len=200)
    role = _role(data) or "clerk"
    windows = _windows(request, data) or []
    texts = _texts(data)
    texts.pop("name", None)
    clerk = await request.app[ACCOUNTS].add_clerk(login, name, windows, password, role)
    if texts:
        await staff(request).update(clerk.login, dict(texts))
    row = await staff(request).get(clerk.login)
    await audit.record(request.app[STORE], me, "staff_added", clerk.login, None, staff_json(row))
    return json_response(staff_json(row), status=201)


@routes.patch("/api/staff/{login}")
async def edit_staff(request: web.Request) -> web.Response:
    me = await require_role(request, "manager")
    login = request.match_info["login"]
    data = await read_json(request)
    changes: dict[str, Any] = dict(_texts(data))
    windows = _windows(request, data)
    if windows is not None:
        changes["windows"] = windows
    role = _role(data)
    if role is not None:
        changes["role"] = role
    active = field(data, "active", bool)
    if active is not None:
        changes["active"] = active
    password = field(data, "password", str, max_len=200)
    if login == me.login and (active is False or (role is not None and role != "manager")):
        raise BadRequest("不能停用自己或取消自己的负责人角色", code="self_lockout", field="active")
    st = staff(request)
    before = staff_json(await st.get(login))
    await st.update(login, changes, password)
    after = staff_json(await st.get(login))
    await request.app[SERVICE].refresh_cards()
    extra = {"password": "（已重置）"} if password is not None else {}
    await audit.record(request.app[STORE], me, "staff_edited", login, before, {**after, **extra})
    return json_response(after)


@routes.post("/api/staff/{login}/photo")
async def upload_photo(request: web.Request) -> web.Response:
    me = await require_role(request, "manager")
    login = request.match_info["login"]
    st = staff(request)
    await st.get(login)
    if request.content_length is not None and request.content_length > MAX_UPLOAD:
        raise BadRequest("照片太大（最多 4 MB）", code="photo_too_large", field="photo")
    raw = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        raw += chunk
        if len(raw) > MAX_UPLOAD:
            raise BadRequest("照片太大（最多 4 MB）", code="photo_too_large", field="photo")
    jpeg = await card_jpeg(bytes(raw))
    version = await st.set_photo(login, jpeg)
    await request.app[SERVICE].refresh_cards()
    await audit.record(request.app[STORE], me, "photo_uploaded", login, None, {"photo_version": version})
    return json_response(staff_json(await st.get(login)))


@routes.get("/api/staff/{login}/photo")
async def photo(request: web.Request) -> web.Response:
    """Public: the photo is printed on the work card every resident sees at the window."""
    jpeg = await staff(request).photo(request.match_info["login"])
    if not jpeg:
        raise NotFound("这位工作人员还没有照片", code="no_photo")
    return web.Response(body=jpeg, content_type="image/jpeg", headers={"Cache-Control": "max-age=86400"})


DEMO_LOGINS = ("demo1", "demo2", "demo-admin")  # made by ``make run`` (queue_server.launcher)
DEMO_DEVICE_PREFIX = "演示"


@routes.post("/api/demo/remove")
async def remove_demo(request: web.Request) -> web.Response:
    """Disable the demo clerks and revoke the demo devices that ``make run`` created."""
    me = await require_role(request, "manager")
    if me.login in DEMO_LOGINS:
        raise BadRequest("请先添加您自己的负责人账号，用它登录后再移除演示账号", code="demo_self", field="login")
    st = staff(request)
    clerks = [r for r in await st.everyone() if r["login"] in DEMO_LOGINS and r["active"]]
    for r in clerks:
        await st.update(r["login"], {"active": False})
    devices = [d for d in await st.devices() if d["name"].startswith(DEMO_DEVICE_PREFIX) and not d["revoked"]]
    for d in devices:
        await st.update_device(d["id"], revoked=True)
    demo_file = request.app[SETTINGS].db.parent / "demo-accounts.txt"
    demo_file.unlink(missing_ok=True)  # it holds the demo password and tokens
    removed = {"clerks": len(clerks), "devices": len(devices)}
    await audit.record(request.app[STORE], me, "demo_removed", "demo", None, removed)
    return json_response(removed)
