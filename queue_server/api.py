"""The JSON API routes (see the contract in README)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import replace

from aiohttp import web

from bianmin.center import center_info
from bianmin.protocol import OUTCOMES, DayModeInfo

from . import county_notices, wait_estimate
from .accounts import Accounts, Clerk
from .duty import duty_on
from .errors import BadRequest, Forbidden, NotFound, Unauthorized
from .keys import ACCOUNTS, HUB, SERVICE, STORE, WINDOWS
from .rules import Completion
from .service import QueueService
from .web import SESSION_COOKIE, field, json_response, path_int, read_json
from .window_actions import WindowActions

routes = web.RouteTableDef()
MAX_PAUSE_REASON = 100  # characters of a pause's reason (休息, 会议 …)


def _svc(request: web.Request) -> QueueService:
    return request.app[SERVICE]


def _desk(request: web.Request) -> WindowActions:
    return request.app[WINDOWS]


def _accounts(request: web.Request) -> Accounts:
    return request.app[ACCOUNTS]


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """200 while the hall can save; 503 naming the cause (磁盘已满…) while writes fail."""
    fault = request.app[STORE].fault
    if fault is not None:
        return json_response({"ok": False, "error": {"code": "degraded", "message": fault}}, status=503)
    return json_response({"ok": True})


@routes.get("/api/center")
async def center(request: web.Request) -> web.Response:
    svc = _svc(request)
    now = svc.clock().astimezone(svc.center.tz)
    mode = svc.mode(now)
    info = center_info(svc.center, mode.now != "closed")
    mode_info = DayModeInfo(mode.now, list(mode.duty_windows), svc.iso(mode.next_open))
    county = await county_notices.display_lines(svc.store, now.date())
    info = dataclasses.replace(
        info, duty=await duty_on(svc.store, now.date()), notices=[*county, *info.notices], mode=mode_info
    )
    return json_response(info.to_dict())


@routes.post("/api/tickets")
async def issue_ticket(request: web.Request) -> web.Response:
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer ") or not auth[7:].strip():
        raise Unauthorized("缺少取号机令牌（Authorization: Bearer …）", code="device_token_required")
    device = await _accounts(request).device(auth[7:].strip(), "kiosk", request.remote or "?")
    data = await read_json(request)
    category = field(data, "category", str, required=True, max_len=4).strip().upper()
    matter = field(data, "matter", str, max_len=10)
    priority = field(data, "priority", bool, default=False)
    request_id = field(data, "request_id", str, max_len=100)
    ticket = await _svc(request).issue(
        category=category, matter=matter, priority=priority, device_id=device.id, request_id=request_id
    )
    body = ticket.to_dict()  # the estimate set on the dict: no dataclass copy per ticket
    body["wait_minutes"] = await wait_estimate.minutes_for(request.app, ticket.category, ticket.ahead)
    return json_response(body, status=201)


@routes.get("/api/tickets/{token}")
async def ticket_state(request: web.Request) -> web.Response:
    state = await wait_estimate.ticket_state(request.app, request.match_info["token"])
    return json_response(state.to_dict())


@routes.get("/api/snapshot")
async def snapshot(request: web.Request) -> web.Response:
    """The public board for anyone; the full hall for a display token or a clerk session."""
    hub = request.app[HUB]
    body = await hub.full_snapshot() if await hub.may_see_all(request) else hub.public_snapshot()
    return web.Response(body=body, content_type="application/json", charset="utf-8")


@routes.post("/api/login")
async def login(request: web.Request) -> web.Response:
    data = await read_json(request)
    name = field(data, "login", str, required=True, max_len=64)
    password = field(data, "password", str, required=True, max_len=200)
    clerk, token = await _accounts(request).login(name, password, request.remote or "?")
    resp = json_response(_clerk_json(request, clerk))
    resp.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Strict", path="/")
    return resp


@routes.post("/api/logout")
async def logout(request: web.Request) -> web.Response:
    await _accounts(request).logout(request.cookies.get(SESSION_COOKIE))
    resp = json_response({"ok": True})
    resp.del_cookie(SESSION_COOKIE, path="/")
    return resp


def _clerk_json(request: web.Request, clerk: Clerk) -> dict:
    numbers = [w.number for w in _svc(request).center.windows]
    return {
        "id": clerk.id,
        "login": clerk.login,
        "name": clerk.name,
        "role": clerk.role,
        "windows": [n for n in numbers if clerk.may_use(n)],
        "must_change": clerk.must_change,
    }


async def current_clerk(request: web.Request) -> Clerk:
    return await _accounts(request).session(request.cookies.get(SESSION_COOKIE))


@routes.post("/api/password")
async def change_password(request: web.Request) -> web.Response:
    """The logged-in person changes their own password (required after a manager's reset)."""
    clerk = await current_clerk(request)
    data = await read_json(request)
    old = field(data, "old", str, required=True, max_len=200)
    new = field(data, "new", str, required=True, max_len=200)
    token = request.cookies.get(SESSION_COOKIE)
    await _accounts(request).change_password(clerk, old, new, request.remote or "?", token)
    return json_response(_clerk_json(request, replace(clerk, must_change=False)))


def _no_pending_change(clerk: Clerk) -> Clerk:
    if clerk.must_change:
        raise Forbidden("管理员已重置您的密码，请先设置新密码", code="password_change_required")
    return clerk


async def working_clerk(request: web.Request) -> Clerk:
    """The logged-in person, refused with 403 while a reset password waits to be changed."""
    return _no_pending_change(await current_clerk(request))


@routes.get("/api/me")
async def me(request: web.Request) -> web.Response:
    return json_response(_clerk_json(request, await current_clerk(request)))


async def require_role(request: web.Request, *roles: str) -> Clerk:
    """The logged-in person, refused with 403 unless their role is one of ``roles``."""
    clerk = await working_clerk(request)
    if clerk.role not in roles:
        if roles == ("manager",):
            raise Forbidden("此功能仅限中心负责人使用", code="manager_only")
        raise Forbidden("您的账号没有这项功能的权限", code="role_not_allowed")
    return clerk


async def _window_clerk(request: web.Request) -> tuple[int, Clerk]:
    number = path_int(request.match_info["n"])
    if number is None:
        raise NotFound("窗口号必须是数字", code="unknown_window")
    if _svc(request).center.window(number) is None:
        raise NotFound(f"没有 {number} 号窗口", code="unknown_window")
    clerk = await working_clerk(request)
    if not clerk.may_use(number):
        raise Forbidden(f"您没有 {number} 号窗口的操作权限", code="window_not_allowed")
    return number, clerk


MAX_REASON = 200  # characters of why a ticket was called out of order or marked green


def _chosen(data: dict) -> tuple[str, str]:
    """``number`` and the required ``reason`` of a call out of order or a green mark."""
    number = field(data, "number", str, required=True, max_len=8)
    reason = (field(data, "reason", str, max_len=MAX_REASON) or "").strip()
    if not reason:
        raise BadRequest("请填写原因（例如：行动不便、急事急办）", code="reason_required", field="reason")
    return number, reason


@routes.post(r"/api/windows/{n}/call")
async def call_next(request: web.Request) -> web.Response:
    """The next ticket; with ``{"number", "reason"}`` that waiting ticket, out of order."""
    number, clerk = await _window_clerk(request)
    data = await read_json(request)
    if data.get("number") is None:
        return json_response({"ticket": (await _desk(request).call_next(number, clerk)).to_dict()})
    chosen, reason = _chosen(data)
    ticket = await _desk(request).call_chosen(number, chosen, reason, clerk)
    return json_response({"ticket": ticket.to_dict()})


@routes.post(r"/api/windows/{n}/green")
async def mark_green(request: web.Request) -> web.Response:
    """``{"number", "reason"}``: put a waiting ticket on the green channel (绿色通道)."""
    number, clerk = await _window_clerk(request)
    chosen, reason = _chosen(await read_json(request))
    ticket = await _desk(request).mark_green(number, chosen, reason, clerk)
    return json_response({"ticket": ticket.to_dict()})


@routes.post(r"/api/windows/{n}/recall")
async def recall(request: web.Request) -> web.Response:
    number, clerk = await _window_clerk(request)
    return json_response({"ticket": (await _desk(request).recall(number, clerk)).to_dict()})


@routes.post(r"/api/windows/{n}/start")
async def start(request: web.Request) -> web.Response:
    number, clerk = await _window_clerk(request)
    return json_response({"ticket": (await _desk(request).start(number, clerk)).to_dict()})


@routes.post(r"/api/windows/{n}/no-show")
async def no_show(request: web.Request) -> web.Response:
    number, clerk = await _window_clerk(request)
    return json_response({"ticket": (await _desk(request).no_show(number, clerk)).to_dict()})


@routes.post(r"/api/windows/{n}/transfer")
async def transfer(request: web.Request) -> web.Response:
    number, clerk = await _window_clerk(request)
    data = await read_json(request)
    to = field(data, "to_window", int, required=True)
    ticket = await _desk(request).transfer(number, to, clerk)
    return json_response({"ticket": ticket.to_dict()})


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} 日期格式应为 YYYY-MM-DD", code="bad_date", field=name) from None


@routes.post(r"/api/windows/{n}/finish")
async def finish(request: web.Request) -> web.Response:
    number, clerk = await _window_clerk(request)
    data = await read_json(request)
    mode = field(data, "outcome", str, required=True, max_len=20)
    if mode not in OUTCOMES:
        raise BadRequest(
            "办理方式必须是 instant、promised、joint、agency、assisted、rejected 之一",
            code="bad_outcome",
            field="outcome",
        )
    out = Completion(
        mode=mode,
        reason=field(data, "reason", str, max_len=500),
        due=_date(field(data, "due", str, max_len=10), "due"),
        joint_window=field(data, "joint_window", int),
        agency_to=field(data, "agency_to", str, max_len=200),
    )
    ticket = await _desk(request).finish(number, out, clerk)
    return json_response({"ticket": ticket.to_dict()})


@routes.post(r"/api/windows/{n}/pause")
async def pause(request: web.Request) -> web.Response:
    number, clerk = await _window_clerk(request)
    reason = (field(await read_json(request), "reason", str, max_len=MAX_PAUSE_REASON) or "").strip() or None
    view = await _desk(request).set_paused(number, True, clerk, reason)
    return json_response({"window": view.to_dict()})


@routes.post(r"/api/windows/{n}/resume")
async def resume(request: web.Request) -> web.Response:
    number, clerk = await _window_clerk(request)
    view = await _desk(request).set_paused(number, False, clerk)
    return json_response({"window": view.to_dict()})


@routes.post(r"/api/windows/{n}/requeue")
async def requeue(request: web.Request) -> web.Response:
    number, clerk = await _window_clerk(request)
    data = await read_json(request)
    ticket_number = field(data, "number", str, required=True, max_len=8)
    ticket = await _desk(request).requeue(number, ticket_number, clerk)
    return json_response({"ticket": ticket.to_dict()})
