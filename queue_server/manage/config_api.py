"""The center's settings, editable: ``GET/PUT /api/config`` in ``center.toml``'s shape.

``center.toml`` stays the seed and the export format. A saved change is validated by the
same parser as the file (:func:`bianmin.center.parse_center`, so errors name the field),
kept as a version (who, when, a diff) in ``center_versions``, and applied live: the service
swaps its :class:`~bianmin.center.Center` and a ``center_changed`` event goes out on
``/ws`` once committed. On start the newest version, if any, wins over the seed file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import sqlite3
import tomllib
from typing import Any

import tomli_w
from aiohttp import web

from bianmin.center import Center, ConfigError, parse_center

from ..api import require_role
from ..errors import BadRequest, NotFound
from ..keys import SERVICE, SETTINGS, STORE
from ..web import json_response
from . import audit

log = logging.getLogger("queue_server")
routes = web.RouteTableDef()


class Current:
    """The settings in force, in ``center.toml``'s shape (one owner: this module)."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}


CONFIG: web.AppKey[Current] = web.AppKey("center_config")
MAX_CONFIG = 1024 * 1024  # bytes of JSON or TOML


def install(app: web.Application) -> None:
    app[CONFIG] = Current()
    app.on_startup.append(_load_latest)


async def _load_latest(app: web.Application) -> None:
    """Runs before the service starts: the newest saved version replaces the seed file."""
    with open(app[SETTINGS].config, "rb") as f:
        app[CONFIG].data = with_defaults(json_ready(tomllib.load(f)), app[SERVICE].center)
    row = await app[STORE].fetchone("SELECT id, data FROM center_versions ORDER BY id DESC LIMIT 1")
    if row is None:
        return
    data = json.loads(row["data"])
    try:
        center = parse_center(data)
    except ConfigError as exc:
        log.error("saved center settings version %s is invalid (%s); using the seed file", row["id"], exc)
        return
    app[CONFIG].data = with_defaults(data, center)
    app[SERVICE].center = center


def with_defaults(data: dict[str, Any], center: Center) -> dict[str, Any]:
    """``data`` with the ``[supervision]`` table filled in from ``center`` (its defaults) when
    the file leaves it out, so the console's form shows the deadlines in force and a save
    counts only what the manager changed."""
    if "supervision" in data:
        return data
    return {**data, "supervision": dataclasses.asdict(center.supervision)}


def json_ready(value: Any) -> Any:
    """TOML's dates (``[calendar] holidays = [2027-01-04]``) as ISO strings, which JSON can
    carry and the center loader accepts, so a file with dates never breaks the console."""
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_ready(v) for v in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Leaf values by field path (``windows[0].name``), the way errors name fields."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{path}.{k}" if path else k))
        return out
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        out = {}
        for i, v in enumerate(value):
            out.update(flatten(v, f"{path}[{i}]"))
        return out
    return {path: value}


def diff(before: dict, after: dict) -> list[dict[str, Any]]:
    a, b = flatten(before), flatten(after)
    return [
        {"field": k, "before": a.get(k), "after": b.get(k)} for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)
    ]


async def _body(request: web.Request) -> bytes:
    raw = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        raw += chunk
        if len(raw) > MAX_CONFIG:
            raise BadRequest("配置内容太大（最多 1 MB）", code="too_large")
    return bytes(raw)


async def save(request: web.Request, data: Any, action: str) -> web.Response:
    """Validate ``data``, store it as a new version and apply it live."""
    me = await require_role(request, "manager")
    if not isinstance(data, dict):
        raise BadRequest("配置必须是一个 JSON 对象", code="bad_json")
    try:
        center = parse_center(data)
    except ConfigError as exc:
        raise BadRequest(f"{exc.path}：{exc.reason}", code="bad_config", field=exc.path) from None
    app = request.app
    _check_live(app, center)
    data = with_defaults(data, center)
    changes = diff(app[CONFIG].data, data)
    if not changes:
        return json_response({"ok": True, "changes": []})  # nothing to keep or announce
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    row = (at, me.login, json.dumps(data, ensure_ascii=False), json.dumps(changes, ensure_ascii=False))
    statement = ("INSERT INTO center_versions (at, actor, data, diff) VALUES (?, ?, ?, ?)", row)
    await app[SERVICE].replace_center(center, statement)
    app[CONFIG].data = data
    await audit.record(app[STORE], me, action, "center", None, {"changes": len(changes)})
    return json_response({"ok": True, "changes": changes})


def _check_live(app: web.Application, center: Center) -> None:
    """Refuse to drop a category or window that today's live line still uses."""
    live = list(app[SERVICE].hall.active.values())
    codes = {c.code for c in center.categories}
    numbers = {w.number for w in center.windows}
    for t in live:
        if t.category not in codes:
            raise BadRequest(
                f"类别“{t.category}”还有今天的号在排队，不能删除", code="category_in_use", field="categories"
            )
        for w in (t.window, t.transferred_to):
            if w is not None and w not in numbers:
                raise BadRequest(f"{w} 号窗口还有今天的号，不能删除", code="window_in_use", field="windows")


@routes.get("/api/config")
async def get_config(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    return json_response(request.app[CONFIG].data)


@routes.put("/api/config")
async def put_config(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    try:
        data = json.loads(await _body(request))
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("请求内容不是有效的 JSON", code="bad_json") from None
    return await save(request, data, "config_saved")


@routes.get("/api/config/export")
async def export_toml(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    data = request.app[CONFIG].data
    text = tomli_w.dumps(data)
    return web.Response(
        text=text,
        content_type="application/toml",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="center.toml"'},
    )


@routes.post("/api/config/import")
async def import_toml(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    try:
        data = json_ready(tomllib.loads((await _body(request)).decode("utf-8")))
    except UnicodeDecodeError:
        raise BadRequest("文件必须是 UTF-8 编码", code="bad_toml") from None
    except tomllib.TOMLDecodeError as exc:
        raise BadRequest(f"TOML 格式错误：{exc}", code="bad_toml") from None
    return await save(request, data, "config_imported")


@routes.get("/api/config/versions")
async def versions(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    rows = await request.app[STORE].fetchall(
        "SELECT id, at, actor, diff FROM center_versions ORDER BY id DESC LIMIT 100"
    )
    return json_response(
        [{"id": r["id"], "at": r["at"], "actor": r["actor"], "diff": json.loads(r["diff"])} for r in rows]
    )


@routes.post("/api/config/versions/{id}/restore")
async def restore(request: web.Request) -> web.Response:
    await require_role(request, "manager")
    try:
        version = int(request.match_info["id"])
    except ValueError:
        raise NotFound("版本号必须是数字", code="unknown_version") from None
    row: sqlite3.Row | None = await request.app[STORE].fetchone(
        "SELECT data FROM center_versions WHERE id = ?", (version,)
    )
    if row is None:
        raise NotFound(f"没有第 {version} 版设置", code="unknown_version")
    return await save(request, json.loads(row["data"]), "config_restored")
