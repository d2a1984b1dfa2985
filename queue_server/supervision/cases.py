"""差评 rectification (整改) and appeals (申诉).

Every 差评 opens a case (:mod:`.rating_store` does, in the rating's own transaction) with a
due date in working days. The manager records the 回访 (called, reached, what was said),
the rectification and the reply; the case closes only with a reply. The clerk rated may
appeal with a reason; the manager upholds or rejects it. An upheld appeal leaves the 差评
out of the statistics (:mod:`.results`) but keeps the record. Overdue: open past its due date.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bianmin.protocol import RATING_NAMES

from ..api import require_role
from ..errors import BadRequest, Conflict, Forbidden, NotFound
from ..keys import STORE
from ..queue_db import iso
from ..web import field, json_response, path_int, read_json
from .common import center, now, today

routes = web.RouteTableDef()
MAX_TEXT = 1000

CASES_SQL = (
    "SELECT rc.*, r.level, r.reasons, r.comment, r.phone, r.day, r.window, r.matter, r.at AS rated_at, "
    "r.clerk_id, t.number, c.name AS clerk FROM rating_cases rc JOIN ratings r ON r.id = rc.rating_id "
    "JOIN tickets t ON t.id = r.ticket_id LEFT JOIN clerks c ON c.id = r.clerk_id"
)


def case_json(row: sqlite3.Row, matters: dict[str, str], day: dt.date) -> dict[str, Any]:
    closed = row["replied_at"] is not None
    return {
        "id": row["id"],
        "ticket": row["number"],
        "day": row["day"],
        "window": row["window"],
        "clerk": row["clerk"],
        "matter": row["matter"],
        "matter_name": matters.get(row["matter"] or ""),
        "level": row["level"],
        "level_name": RATING_NAMES.get(row["level"], row["level"]),
        "reasons": json.loads(row["reasons"]),
        "comment": row["comment"],
        "phone": row["phone"],
        "rated_at": row["rated_at"],
        "opened_at": row["opened_at"],
        "due": row["due"],
        "overdue": not closed and day > dt.date.fromisoformat(row["due"]),
        "callback": None
        if row["callback_at"] is None
        else {"at": row["callback_at"], "reached": bool(row["callback_reached"]), "note": row["callback_note"]},
        "rectification": row["rectification"],
        "reply": row["reply"],
        "replied_at": row["replied_at"],
        "closed": closed,
        "appeal": None
        if row["appeal_status"] is None
        else {
            "status": row["appeal_status"],
            "reason": row["appeal_reason"],
            "at": row["appeal_at"],
            "note": row["appeal_note"],
            "decided_at": row["appeal_decided_at"],
        },
    }


def _matters(request: web.Request) -> dict[str, str]:
    return {code: m.name for code, m in center(request).matters.items()}


def _id(request: web.Request) -> int:
    number = path_int(request.match_info["id"])
    if number is None:
        raise NotFound("没有这个整改件", code="unknown_case")
    return number


def _update(case_id: int, check: Callable[[sqlite3.Row], None], sql: str, params: tuple) -> Callable:
    def write(db: sqlite3.Connection) -> None:
        row = db.execute(CASES_SQL + " WHERE rc.id = ?", (case_id,)).fetchone()
        if row is None:
            raise NotFound("没有这个整改件", code="unknown_case")
        check(row)
        db.execute(sql, (*params, case_id))

    return write


def _open(row: sqlite3.Row) -> None:
    if row["replied_at"] is not None:
        raise Conflict("此整改件已答复办结", code="case_closed")


async def _one(request: web.Request, case_id: int) -> web.Response:
    row = await request.app[STORE].fetchone(CASES_SQL + " WHERE rc.id = ?", (case_id,))
    assert row is not None
    return json_response(case_json(row, _matters(request), today(request)))


@routes.get("/api/rating-cases")
async def list_cases(request: web.Request) -> web.Response:
    """The manager's cases: ``?state=open`` (default) or ``all``; overdue first, then by due date."""
    await require_role(request, "manager")
    where = "" if request.query.get("state") == "all" else " WHERE rc.replied_at IS NULL"
    rows = await request.app[STORE].fetchall(CASES_SQL + where + " ORDER BY rc.replied_at IS NOT NULL, rc.due, rc.id")
    return json_response([case_json(r, _matters(request), today(request)) for r in rows])


@routes.post("/api/rating-cases/{id}/callback")
async def callback(request: web.Request) -> web.Response:
    """The 回访: ``{"reached": bool, "note"}``."""
    await require_role(request, "manager")
    case_id, data = _id(request), await read_json(request)
    reached = field(data, "reached", bool, required=True)
    note = (field(data, "note", str, max_len=MAX_TEXT) or "").strip()
    at = iso(now(request), center(request).tz)
    sql = "UPDATE rating_cases SET callback_at = ?, callback_reached = ?, callback_note = ? WHERE id = ?"
    await request.app[STORE].write(_update(case_id, _open, sql, (at, int(reached), note)))
    return await _one(request, case_id)


@routes.post("/api/rating-cases/{id}/reply")
async def reply(request: web.Request) -> web.Response:
    """``{"rectification", "reply"}``: the case closes with its reply (a reply is required)."""
    me = await require_role(request, "manager")
    case_id, data = _id(request), await read_json(request)
    fix = (field(data, "rectification", str, max_len=MAX_TEXT) or "").strip()
    text = field(data, "reply", str, required=True, max_len=MAX_TEXT).strip()
    if not text:
        raise BadRequest("请填写给群众的答复", code="missing_field", field="reply")
    at = iso(now(request), center(request).tz)
    sql = "UPDATE rating_cases SET rectification = ?, reply = ?, replied_at = ?, closed_by = ? WHERE id = ?"
    await request.app[STORE].write(_update(case_id, _open, sql, (fix, text, at, me.id)))
    return await _one(request, case_id)


@routes.post("/api/rating-cases/{id}/appeal")
async def appeal(request: web.Request) -> web.Response:
    """The clerk rated files an appeal (申诉) with a reason; once per case."""
    me = await require_role(request, "clerk", "manager")
    case_id, data = _id(request), await read_json(request)
    reason = field(data, "reason", str, required=True, max_len=MAX_TEXT).strip()
    if not reason:
        raise BadRequest("请填写申诉理由", code="missing_field", field="reason")

    def check(row: sqlite3.Row) -> None:
        if row["clerk_id"] != me.id:
            raise Forbidden("只能对自己收到的差评提出申诉", code="not_your_rating")
        if row["appeal_status"] is not None:
            raise Conflict("此差评已经申诉过了", code="already_appealed")

    at = iso(now(request), center(request).tz)
    sql = (
        "UPDATE rating_cases SET appeal_status = 'pending', appeal_reason = ?, appeal_by = ?, appeal_at = ? "
        "WHERE id = ?"
    )
    await request.app[STORE].write(_update(case_id, check, sql, (reason, me.id, at)))
    return json_response({"id": case_id, "appeal": "pending"})


@routes.post("/api/rating-cases/{id}/appeal/decide")
async def decide(request: web.Request) -> web.Response:
    """``{"uphold": bool, "note"}``: an upheld appeal takes the 差评 out of the statistics."""
    await require_role(request, "manager")
    case_id, data = _id(request), await read_json(request)
    uphold = field(data, "uphold", bool, required=True)
    note = (field(data, "note", str, max_len=MAX_TEXT) or "").strip()

    def check(row: sqlite3.Row) -> None:
        if row["appeal_status"] != "pending":
            raise Conflict("此整改件没有待审核的申诉", code="no_pending_appeal")

    at = iso(now(request), center(request).tz)
    sql = "UPDATE rating_cases SET appeal_status = ?, appeal_note = ?, appeal_decided_at = ? WHERE id = ?"
    status = "upheld" if uphold else "rejected"
    await request.app[STORE].write(_update(case_id, check, sql, (status, note, at)))
    return await _one(request, case_id)


@routes.get("/api/my-bad-ratings")
async def mine(request: web.Request) -> web.Response:
    """The 差评 a clerk received (without the resident's phone), to appeal one."""
    me = await require_role(request, "clerk", "manager")
    rows = await request.app[STORE].fetchall(
        CASES_SQL + " WHERE r.clerk_id = ? ORDER BY rc.id DESC LIMIT 100", (me.id,)
    )
    out = [case_json(r, _matters(request), today(request)) for r in rows]
    for case in out:
        case["phone"] = ""
    return json_response(out)
