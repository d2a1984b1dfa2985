"""``/api/requests``: 委托办理, 上门服务 and 跨部门代办, processed like promised cases.

The plan asks that on the days between office days residents can still get things done:
by an entrusted request a village agent (村级代办员, role ``agent``) brings in for a
villager, a home visit, or a case handed to another department. Each request carries a
due date (the matter's promised working days unless given), an assignee and, once
closed, its outcome, and is reachable by its own code (``WT261201-01``: kind, day, number).
An agent submits entrusted requests and sees only their own; clerks and managers record
any kind, see them all beside the promised cases, and close them with the outcome.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bianmin.center import DEFAULT_PROMISED_DAYS
from bianmin.protocol import REQUEST_KIND_NAMES, REQUEST_KINDS, REQUEST_STATUS_NAMES, RequestView

from . import rules
from .accounts import Clerk
from .api import require_role
from .cases import BUCKET_NAMES
from .errors import BadRequest, Conflict, Forbidden, NotFound
from .keys import SERVICE, STORE
from .service import QueueService
from .web import field, json_response, read_json

routes = web.RouteTableDef()
PREFIX = {"entrusted": "WT", "home_visit": "SM", "cross_department": "DB"}
STAFF = ("clerk", "manager")
MAX_LIST = 500

SELECT = (
    "SELECT r.*, c.name AS creator, a.name AS assignee_name FROM requests r "
    "JOIN clerks c ON c.id = r.created_by LEFT JOIN clerks a ON a.id = r.assignee_id"
)


def setup(app: web.Application) -> None:
    app.router.add_routes(routes)


def view(svc: QueueService, r: sqlite3.Row) -> RequestView:
    matter = svc.center.matters.get(r["matter"]) if r["matter"] else None
    due = dt.date.fromisoformat(r["due"])
    bucket = rules.case_bucket(due, svc.day) if r["status"] == "open" else None
    return RequestView(
        code=r["code"],
        kind=r["kind"],
        kind_name=REQUEST_KIND_NAMES[r["kind"]],
        name=r["name"],
        village=r["village"],
        phone=r["phone"],
        matter=r["matter"],
        matter_name=matter.name if matter else None,
        detail=r["detail"],
        materials=r["materials"],
        department=r["department"],
        due=r["due"],
        status=r["status"],
        status_name=REQUEST_STATUS_NAMES[r["status"]],
        outcome=r["outcome"],
        created_at=r["created_at"],
        created_by=r["creator"],
        assignee=r["assignee_name"],
        closed_at=r["closed_at"],
        bucket=bucket,
        bucket_name=BUCKET_NAMES[bucket] if bucket else "",
    )


async def open_requests(svc: QueueService) -> list[RequestView]:
    """Every open request, soonest due first (the console's case list shows them)."""
    rows = await svc.store.fetchall(SELECT + " WHERE r.status = 'open' ORDER BY r.due, r.id LIMIT ?", (MAX_LIST,))
    return [view(svc, r) for r in rows]


def _text(data: dict, name: str, *, required: bool = False, max_len: int = 200) -> str:
    value = (field(data, name, str, max_len=max_len) or "").strip()
    if required and not value:
        raise BadRequest(f"请填写{FIELD_NAMES.get(name, name)}", code="missing_field", field=name)
    return value


FIELD_NAMES = {"name": "群众姓名", "detail": "办理事项", "department": "承办部门", "outcome": "办理结果"}


def _insert(values: dict[str, Any], prefix: str, day: dt.date) -> Callable[[sqlite3.Connection], str]:
    """The write function: the next code of the day for this kind, then the row."""

    def run(conn: sqlite3.Connection) -> str:
        stem = f"{prefix}{day:%y%m%d}-"
        (n,) = conn.execute("SELECT COUNT(*) FROM requests WHERE code LIKE ?", (stem + "%",)).fetchone()
        code = f"{stem}{n + 1:02d}"
        cols = ", ".join(["code", *values])
        conn.execute(
            f"INSERT INTO requests ({cols}) VALUES ({', '.join('?' * (len(values) + 1))})", (code, *values.values())
        )
        return code

    return run


@routes.post("/api/requests")
async def submit(request: web.Request) -> web.Response:
    me = await require_role(request, "agent", *STAFF)
    svc = request.app[SERVICE]
    data = await read_json(request)
    kind = field(data, "kind", str, default="entrusted", max_len=20)
    if kind not in REQUEST_KINDS:
        raise BadRequest("kind 必须是 entrusted、home_visit 或 cross_department", code="bad_kind", field="kind")
    if me.role == "agent" and kind != "entrusted":
        raise Forbidden("代办员只能提交委托办理", code="role_not_allowed")
    matter = field(data, "matter", str, max_len=10)
    if matter is not None and matter not in svc.center.matters:
        raise BadRequest(f"没有事项“{matter}”", code="unknown_matter", field="matter")
    department = _text(data, "department", required=kind == "cross_department")
    due_text = field(data, "due", str, max_len=10)
    today = svc.day
    if due_text:
        try:
            due = dt.date.fromisoformat(due_text)
        except ValueError:
            raise BadRequest("due 日期格式应为 YYYY-MM-DD", code="bad_date", field="due") from None
        if due < today:
            raise BadRequest("办结日期不能早于今天", code="due_in_past", field="due")
    else:
        days = svc.center.matters[matter].guide.promised_days if matter else DEFAULT_PROMISED_DAYS
        due = rules.add_days(today, days, svc.center.working_days_only, svc.center.calendar)
    assignee = await _assignee(request, field(data, "assignee", str, max_len=64))
    values = {
        "kind": kind,
        "name": _text(data, "name", required=True, max_len=40),
        "village": _text(data, "village", max_len=40),
        "phone": _text(data, "phone", max_len=20),
        "matter": matter,
        "detail": _text(data, "detail", required=True, max_len=500),
        "materials": _text(data, "materials", max_len=500),
        "department": department,
        "due": due.isoformat(),
        "assignee_id": assignee,
        "created_by": me.id,
        "created_at": svc.iso(svc.clock()) or "",
    }
    code = await svc.store.write(_insert(values, PREFIX[kind], today))
    return json_response((await _one(request, code)).to_dict(), status=201)


async def _assignee(request: web.Request, login: str | None) -> int | None:
    if not login:
        return None
    row = await request.app[STORE].fetchone(
        "SELECT id FROM clerks WHERE login = ? AND active = 1 AND role != 'agent'", (login.strip(),)
    )
    if row is None:
        raise BadRequest(f"没有工作人员“{login}”", code="unknown_clerk", field="assignee")
    return row["id"]


async def _one(request: web.Request, code: str, me: Clerk | None = None) -> RequestView:
    row = await request.app[STORE].fetchone(SELECT + " WHERE r.code = ?", (code,))
    if row is None or (me is not None and me.role == "agent" and row["created_by"] != me.id):
        raise NotFound("没有这个编号的委托件", code="request_not_found")
    return view(request.app[SERVICE], row)


@routes.get("/api/requests")
async def list_requests(request: web.Request) -> web.Response:
    """An agent's own requests (newest first); for staff every request, or ``?status=open``."""
    me = await require_role(request, "agent", *STAFF)
    svc = request.app[SERVICE]
    where: list[str] = []
    params: list[Any] = []
    if me.role == "agent":
        where.append("r.created_by = ?")
        params.append(me.id)
    status = request.query.get("status")
    if status:
        if status not in REQUEST_STATUS_NAMES:
            raise BadRequest("status 必须是 open、done 或 rejected", code="bad_field", field="status")
        where.append("r.status = ?")
        params.append(status)
    sql = SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY r.id DESC LIMIT ?"
    rows = await svc.store.fetchall(sql, (*params, MAX_LIST))
    return json_response({"today": svc.day.isoformat(), "requests": [view(svc, r).to_dict() for r in rows]})


@routes.get("/api/request-assignees")
async def assignees(request: web.Request) -> web.Response:
    """The staff a clerk may assign a request to (the console's 承办人 list): login and name."""
    await require_role(request, *STAFF)
    rows = await request.app[STORE].fetchall(
        "SELECT login, name FROM clerks WHERE active = 1 AND role IN ('clerk', 'manager') ORDER BY name LIMIT ?",
        (MAX_LIST,),
    )
    return json_response({"staff": [{"login": r["login"], "name": r["name"]} for r in rows]})


@routes.get("/api/requests/{code}")
async def show(request: web.Request) -> web.Response:
    me = await require_role(request, "agent", *STAFF)
    return json_response((await _one(request, request.match_info["code"][:20], me)).to_dict())


@routes.post("/api/requests/{code}/close")
async def close(request: web.Request) -> web.Response:
    """``{"status": "done"|"rejected", "outcome"}``: the result the agent and villager see."""
    me = await require_role(request, *STAFF)
    svc = request.app[SERVICE]
    code = request.match_info["code"][:20]
    data = await read_json(request)
    status = field(data, "status", str, default="done", max_len=10)
    if status not in ("done", "rejected"):
        raise BadRequest("status 必须是 done 或 rejected", code="bad_field", field="status")
    outcome = _text(data, "outcome", required=True, max_len=500)
    await _one(request, code)
    at = svc.iso(svc.clock()) or ""

    def run(conn: sqlite3.Connection) -> None:
        cur = conn.execute(
            "UPDATE requests SET status = ?, outcome = ?, closed_at = ?, closed_by = ? "
            "WHERE code = ? AND status = 'open'",
            (status, outcome, at, me.id, code),
        )
        if cur.rowcount == 0:
            raise Conflict("这件委托件已经办结", code="already_closed")

    await svc.store.write(run)
    return json_response((await _one(request, code)).to_dict())
