"""The complaint and suggestion box (意见箱): a short anonymous phone form (我要投诉 / 我要建议 /
我要表扬) returning a 查询码, the manager's entries of the paper 意见簿, the 意见箱 and hotline
calls, assignment and the reply the resident reads with the code.

The anonymous form is size-limited and rate-limited per address and in total, and the
public look-up shows the status and the reply only: never the phone or the text."""

from __future__ import annotations

import secrets
import sqlite3
import time
from typing import Any

from aiohttp import web

from bianmin.passwords import RateLimiter

from ..api import require_role
from ..errors import BadRequest, Conflict, NotFound, TooManyRequests
from ..keys import STORE
from ..queue_db import iso
from ..web import field, json_response, path_int, read_json
from .common import center, due_in, now, today
from .ratings import clean_phone

routes = web.RouteTableDef()
KINDS = {"complaint": "投诉", "suggestion": "建议", "praise": "表扬"}
SOURCES = {"web": "手机留言", "book": "意见簿", "box": "意见箱", "hotline": "监督电话"}
STATUS_NAMES = {"open": "待处理", "assigned": "处理中", "replied": "已答复"}
MAX_TEXT = 500
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud or typed from paper
CODE_LENGTH = 8
FORM_TRIES = web.AppKey("complaint_form_tries", RateLimiter)  # per address
FORM_TOTAL = web.AppKey("complaint_form_total", RateLimiter)  # the whole LAN
LOOKUPS = web.AppKey("complaint_lookups", RateLimiter)  # 查询码 look-ups per address


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def status_of(row: sqlite3.Row) -> str:
    if row["replied_at"] is not None:
        return "replied"
    return "assigned" if row["assigned_to"] is not None else "open"


def _limit(request: web.Request, key: web.AppKey[RateLimiter], who: str, message: str) -> None:
    limiter, t = request.app[key], time.monotonic()
    if limiter.retry_after(who, t) > 0:
        raise TooManyRequests(message, code="complaint_rate_limited")
    limiter.take(who, t)


@routes.post("/api/complaints")
async def submit(request: web.Request) -> web.Response:
    """A resident's entry (``source`` web), or a manager's entry of a paper or phoned one."""
    data = await read_json(request)
    source = field(data, "source", str, default="web", max_len=10)
    if source not in SOURCES:
        raise BadRequest("来源必须是 web、book、box 或 hotline", code="bad_source", field="source")
    if source != "web":
        await require_role(request, "manager")
    kind = field(data, "kind", str, required=True, max_len=20)
    if kind not in KINDS:
        raise BadRequest("类型必须是投诉、建议或表扬", code="bad_kind", field="kind")
    text = field(data, "text", str, required=True, max_len=MAX_TEXT).strip()
    if not text:
        raise BadRequest("请填写内容", code="missing_field", field="text")
    phone = clean_phone(field(data, "phone", str, max_len=30))
    c = center(request)
    matter = (field(data, "matter", str, max_len=20) or "").strip() or None
    if matter is not None and matter not in c.matters:
        raise BadRequest("没有这个办事事项", code="unknown_matter", field="matter")
    window = field(data, "window", int)
    if window is not None and c.window(window) is None:
        raise BadRequest("没有这个窗口", code="unknown_window", field="window")
    if source == "web":
        _limit(request, FORM_TRIES, request.remote or "?", "提交太频繁，请过几分钟再试")
        _limit(request, FORM_TOTAL, "all", "留言太多，请稍后再试或拨打监督电话")
    moment, day = now(request), today(request)
    due = due_in(c, day, c.supervision.complaint_days)
    params = (kind, source, text, phone, matter, window, iso(moment, c.tz), day.isoformat(), due.isoformat())

    def insert(db: sqlite3.Connection) -> str:
        for _ in range(5):
            code = new_code()
            try:
                db.execute(
                    "INSERT INTO complaints (code, kind, source, text, phone, matter, window, created_at, day, due) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (code, *params),
                )
            except sqlite3.IntegrityError:
                continue  # the code is taken: draw another
            return code
        raise Conflict("生成查询码失败，请重试", code="code_collision")

    code = await request.app[STORE].write(insert)
    return json_response({"code": code, "url": f"/box/{code}", "due": due.isoformat()}, status=201)


async def lookup(request: web.Request, code: str) -> dict[str, Any]:
    """What a code's holder may see: the status, and the reply once there is one."""
    _limit(request, LOOKUPS, request.remote or "?", "查询太频繁，请稍后再试")
    code = code.strip().upper()[:CODE_LENGTH]
    row = await request.app[STORE].fetchone(
        "SELECT kind, assigned_to, reply, replied_at FROM complaints WHERE code = ?", (code,)
    )
    if row is None:
        raise NotFound("没有这个查询码，请核对后再试", code="unknown_code")
    out: dict[str, Any] = {"status": status_of(row), "status_name": STATUS_NAMES[status_of(row)]}
    if row["replied_at"] is not None:
        out.update(reply=row["reply"], replied_at=row["replied_at"])
    return out


@routes.get("/api/complaints/{code}")
async def public_status(request: web.Request) -> web.Response:
    return json_response(await lookup(request, request.match_info["code"]))


@routes.get("/api/complaints")
async def list_all(request: web.Request) -> web.Response:
    """The manager's list, open ones first (``?state=all`` for every entry)."""
    await require_role(request, "manager")
    where = "" if request.query.get("state") == "all" else " WHERE c.replied_at IS NULL"
    rows = await request.app[STORE].fetchall(
        "SELECT c.*, s.name AS assignee FROM complaints c LEFT JOIN clerks s ON s.id = c.assigned_to"
        + where
        + " ORDER BY c.replied_at IS NOT NULL, c.due, c.id LIMIT 500"
    )
    day = today(request).isoformat()
    matters = {code: m.name for code, m in center(request).matters.items()}
    return json_response(
        [
            {
                "id": r["id"],
                "code": r["code"],
                "kind": r["kind"],
                "kind_name": KINDS[r["kind"]],
                "source": r["source"],
                "source_name": SOURCES[r["source"]],
                "text": r["text"],
                "phone": r["phone"],
                "matter": r["matter"],
                "matter_name": matters.get(r["matter"] or ""),
                "window": r["window"],
                "created_at": r["created_at"],
                "due": r["due"],
                "overdue": r["replied_at"] is None and day > r["due"],
                "status": status_of(r),
                "status_name": STATUS_NAMES[status_of(r)],
                "assigned_to": r["assigned_to"],
                "assignee": r["assignee"],
                "reply": r["reply"],
                "replied_at": r["replied_at"],
            }
            for r in rows
        ]
    )


def _complaint_id(request: web.Request) -> int:
    number = path_int(request.match_info["id"])
    if number is None:
        raise NotFound("没有这条意见", code="unknown_complaint")
    return number


def _change(complaint_id: int, sql: str, params: tuple) -> Any:
    def write(db: sqlite3.Connection) -> None:
        row = db.execute("SELECT replied_at FROM complaints WHERE id = ?", (complaint_id,)).fetchone()
        if row is None:
            raise NotFound("没有这条意见", code="unknown_complaint")
        if row["replied_at"] is not None:
            raise Conflict("这条意见已经答复办结", code="complaint_closed")
        db.execute(sql, (*params, complaint_id))

    return write


@routes.post("/api/complaints/{id}/assign")
async def assign(request: web.Request) -> web.Response:
    """``{"login"}``: who handles it."""
    await require_role(request, "manager")
    complaint_id = _complaint_id(request)
    login = field(await read_json(request), "login", str, required=True, max_len=64)
    row = await request.app[STORE].fetchone("SELECT id, name FROM clerks WHERE login = ? AND active = 1", (login,))
    if row is None:
        raise BadRequest("没有这位工作人员", code="unknown_clerk", field="login")
    sql = "UPDATE complaints SET assigned_to = ? WHERE id = ?"
    await request.app[STORE].write(_change(complaint_id, sql, (row["id"],)))
    return json_response({"id": complaint_id, "status": "assigned", "assignee": row["name"]})


@routes.post("/api/complaints/{id}/reply")
async def reply(request: web.Request) -> web.Response:
    """``{"text"}``: the reply the resident reads with the code; it closes the entry."""
    await require_role(request, "manager")
    complaint_id = _complaint_id(request)
    text = field(await read_json(request), "text", str, required=True, max_len=1000).strip()
    if not text:
        raise BadRequest("请填写答复内容", code="missing_field", field="text")
    at = iso(now(request), center(request).tz)
    sql = "UPDATE complaints SET reply = ?, replied_at = ? WHERE id = ?"
    await request.app[STORE].write(_change(complaint_id, sql, (text, at)))
    return json_response({"id": complaint_id, "status": "replied", "replied_at": at})


def install(app: web.Application) -> None:
    app[FORM_TRIES] = RateLimiter(limit=5, window=600)
    app[FORM_TOTAL] = RateLimiter(limit=300, window=3600)
    app[LOOKUPS] = RateLimiter(limit=30, window=300)
    app.router.add_routes(routes)
