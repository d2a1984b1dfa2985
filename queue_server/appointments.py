"""``/api/appointments``: booking (预约登记), cancelling and the kiosk's check-in (预约取号).

Anyone may book, without a login, under a per-address rate limit: a resident from the
phone page, a clerk or the duty officer for a phone call (电话预约), a village agent for a
villager. Booking is one function on the store's one write path: it counts the slot's taken
places and takes the lowest free one inside the writer's transaction, and the table's
UNIQUE (category, slot, place) backs the count, so a full slot is refused even when many
book its last place at once. A booking's 6-digit code checks in at the kiosk within the
check-in window (:mod:`queue_server.slots`) and gives an appointment ticket, called before
walk-ins of its category (:func:`queue_server.rules.line_rank`).

A cancel and a check-in of the same code never overlap (:class:`CodeLocks`): the check-in
reads the booking, then its ticket and the booking's claim commit together some moments
later, and a cancel written in between would leave both a cancelled booking and its ticket.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from aiohttp import web

from bianmin.passwords import RateLimiter
from bianmin.protocol import BookingInfo, SlotInfo

from . import slots, wait_estimate
from .accounts import Clerk
from .api import require_role
from .errors import BadRequest, Conflict, NotFound, TooManyRequests, Unauthorized
from .guard import LOCAL
from .keys import ACCOUNTS, SERVICE, STORE
from .service import QueueService
from .web import SESSION_COOKIE, field, json_response, read_json

routes = web.RouteTableDef()
BOOKINGS: web.AppKey[RateLimiter] = web.AppKey("booking_limiter")
LOOKUPS: web.AppKey[RateLimiter] = web.AppKey("code_limiter")


class CodeLocks:
    """Striped locks by booking code: a cancel waits for a check-in of its code in flight (and
    the other way round); other codes rarely share a stripe. Bounded: a fixed set of locks."""

    STRIPES = 64

    def __init__(self) -> None:
        self._locks = [asyncio.Lock() for _ in range(self.STRIPES)]

    def __call__(self, code: str) -> asyncio.Lock:
        return self._locks[int(code) % self.STRIPES]


CODE_LOCKS: web.AppKey[CodeLocks] = web.AppKey("booking_code_locks")
BOOK_LIMIT = (20, 3600.0)  # bookings per address per hour (the hall PC itself is exempt)
LOOKUP_LIMIT = (30, 300.0)  # code look-ups and cancels per address per 5 minutes
MAX_RANGE_DAYS = 31
CODE_TRIES = 50


def setup(app: web.Application) -> None:
    app[BOOKINGS] = RateLimiter(*BOOK_LIMIT)
    app[LOOKUPS] = RateLimiter(*LOOKUP_LIMIT)
    app[CODE_LOCKS] = CodeLocks()
    app.router.add_routes(routes)


def _limit(request: web.Request, key: web.AppKey[RateLimiter]) -> None:
    address = request.remote or "?"
    if address in LOCAL:
        return
    limiter, now = request.app[key], time.monotonic()
    wait = limiter.retry_after(address, now)
    if wait > 0:
        raise TooManyRequests(f"操作太频繁，请 {int(wait // 60) + 1} 分钟后再试", code="rate_limited")
    limiter.take(address, now)


async def optional_clerk(request: web.Request) -> Clerk | None:
    """The logged-in person, if any (booking needs no login)."""
    if SESSION_COOKIE not in request.cookies:
        return None
    try:
        return await request.app[ACCOUNTS].session(request.cookies.get(SESSION_COOKIE))
    except Unauthorized:
        return None


def _day(value: str | None, name: str, default: dt.date) -> dt.date:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} 日期格式应为 YYYY-MM-DD", code="bad_date", field=name) from None


def _category(svc: QueueService, value: Any) -> str:
    code = (value or "").strip().upper() if isinstance(value, str) else ""
    if svc.center.category(code) is None:
        raise BadRequest("请选择要办理的业务类别", code="unknown_category", field="category")
    return code


async def _booked(svc: QueueService, category: str, first: str, last: str) -> dict[str, int]:
    rows = await svc.store.fetchall(
        "SELECT slot, COUNT(*) AS n FROM appointments WHERE category = ? AND place IS NOT NULL "
        "AND slot >= ? AND slot < ? GROUP BY slot",
        (category, first, last),
    )
    return {r["slot"]: r["n"] for r in rows}


@routes.get("/api/appointments/slots")
async def list_slots(request: web.Request) -> web.Response:
    svc = request.app[SERVICE]
    category = _category(svc, request.query.get("category"))
    now = svc.clock()
    today = now.astimezone(svc.center.tz).date()
    first = _day(request.query.get("from"), "from", today)
    last = _day(request.query.get("to"), "to", first + dt.timedelta(days=svc.center.appointments.days_ahead))
    if last < first or (last - first).days > MAX_RANGE_DAYS:
        raise BadRequest(f"日期范围最多 {MAX_RANGE_DAYS} 天", code="bad_range", field="to")
    capacity = svc.center.appointments.capacity if slots.bookable(svc.center, category) else 0
    found = slots.open_slots(svc.center, first, last, now) if capacity else []
    booked = await _booked(svc, category, first.isoformat(), (last + dt.timedelta(days=1)).isoformat())
    out = []
    for s in found:
        key = svc.iso(s) or ""
        out.append(SlotInfo(key, capacity, min(capacity, booked.get(key, 0))).to_dict())
    return json_response(out)


def _new_code(conn: sqlite3.Connection) -> str:
    for _ in range(CODE_TRIES):
        code = f"{secrets.randbelow(10**6):06d}"
        if conn.execute("SELECT 1 FROM appointments WHERE code = ?", (code,)).fetchone() is None:
            return code
    raise Conflict("暂时无法生成预约码，请稍后再试", code="code_exhausted")


def book_fn(
    *,
    category: str,
    matter: str | None,
    slot: str,
    capacity: int,
    name: str,
    phone: str,
    source: str,
    booked_by: int | None,
    at: str,
) -> Callable[[sqlite3.Connection], str]:
    """The write function of one booking (writer thread): the lowest free place, or slot_full."""

    def run(conn: sqlite3.Connection) -> str:
        taken = {
            r[0]
            for r in conn.execute(
                "SELECT place FROM appointments WHERE category = ? AND slot = ? AND place IS NOT NULL", (category, slot)
            )
        }
        place = next((p for p in range(capacity) if p not in taken), None)
        if place is None:
            raise Conflict("该时段已约满，请另选时段", code="slot_full")
        code = _new_code(conn)
        conn.execute(
            "INSERT INTO appointments (code, category, matter, slot, place, name, phone, source, booked_by, booked_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (code, category, matter, slot, place, name, phone, source, booked_by, at),
        )
        return code

    return run


@routes.post("/api/appointments")
async def book(request: web.Request) -> web.Response:
    svc = request.app[SERVICE]
    data = await read_json(request)
    clerk = await optional_clerk(request)
    if clerk is None:
        _limit(request, BOOKINGS)
    category = _category(svc, field(data, "category", str, required=True, max_len=4))
    matter = field(data, "matter", str, max_len=10)
    if matter is not None and svc.center.matters.get(matter) is None:
        raise BadRequest(f"没有事项“{matter}”", code="unknown_matter", field="matter")
    if matter is not None and svc.center.matters[matter].category != category:
        raise BadRequest("所选事项不属于该业务类别", code="unknown_matter", field="matter")
    name = (field(data, "name", str, max_len=40) or "").strip()
    phone = (field(data, "phone", str, max_len=20) or "").strip()
    if phone and not phone.replace("-", "").replace(" ", "").isdigit():
        raise BadRequest("电话号码只能包含数字", code="bad_phone", field="phone")
    source = "resident" if clerk is None else ("agent" if clerk.role == "agent" else "phone")
    if source != "resident" and not (name and phone):
        raise BadRequest("代为预约请填写群众的姓名和电话", code="name_required", field="name" if not name else "phone")
    now = svc.clock()
    wanted = slots.parse_slot(field(data, "slot", str, required=True), svc.center)
    slot = slots.check_slot(svc.center, category, wanted, now)
    key = svc.iso(slot) or ""
    code = await svc.store.write(
        book_fn(
            category=category,
            matter=matter,
            slot=key,
            capacity=svc.center.appointments.capacity,
            name=name,
            phone=phone,
            source=source,
            booked_by=clerk.id if clerk else None,
            at=svc.iso(now) or "",
        )
    )
    cat = svc.center.category(category)
    info = BookingInfo(code, key, f"{svc.base_url}/b/{code}", category, cat.name if cat else "")
    return json_response(info.to_dict(), status=201)


def _code(request: web.Request) -> str:
    code = request.match_info["code"]
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise NotFound("预约码应为 6 位数字，请核对", code="appointment_not_found")
    return code


async def booking_row(request: web.Request, code: str) -> sqlite3.Row:
    row = await request.app[STORE].fetchone("SELECT * FROM appointments WHERE code = ?", (code,))
    if row is None:
        raise NotFound("没有这个预约码，请核对后重新输入", code="appointment_not_found")
    return row


def booking_json(svc: QueueService, row: sqlite3.Row) -> dict[str, Any]:
    cat = svc.center.category(row["category"])
    matter = svc.center.matters.get(row["matter"]) if row["matter"] else None
    return {
        "code": row["code"],
        "slot": row["slot"],
        "category": row["category"],
        "category_name": cat.name if cat else row["category"],
        "matter": row["matter"],
        "matter_name": matter.name if matter else None,
        "status": row["status"],
    }


@routes.get("/api/appointments/{code}")
async def show(request: web.Request) -> web.Response:
    _limit(request, LOOKUPS)
    row = await booking_row(request, _code(request))
    return json_response(booking_json(request.app[SERVICE], row))


@routes.delete("/api/appointments/{code}")
async def cancel(request: web.Request) -> web.Response:
    _limit(request, LOOKUPS)
    code = _code(request)
    await booking_row(request, code)

    def run(conn: sqlite3.Connection) -> None:
        cur = conn.execute(
            "UPDATE appointments SET status = 'cancelled', place = NULL WHERE code = ? AND status != 'checked_in'",
            (code,),
        )
        if cur.rowcount == 0:
            raise Conflict("已经取号，不能取消", code="already_used")

    async with request.app[CODE_LOCKS](code):
        await request.app[STORE].write(run)
    return json_response({"ok": True, "code": code, "status": "cancelled"})


CHECKIN_REFUSALS = {
    "too_early": "还没到签到时间：请在预约时段开始前 {before} 分钟内来取号。您的预约时段是 {slot}。",
    "too_late": "已超过签到时间（时段开始后 {after} 分钟内）。请直接取普通号，或重新预约。您的预约时段是 {slot}。",
}


def _slot_text(slot: dt.datetime) -> str:
    return f"{slot.month}月{slot.day}日 {slot:%H:%M}"


@routes.post("/api/appointments/{code}/check-in")
async def check_in(request: web.Request) -> web.Response:
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer ") or not auth[7:].strip():
        raise Unauthorized("缺少取号机令牌（Authorization: Bearer …）", code="device_token_required")
    device = await request.app[ACCOUNTS].device(auth[7:].strip(), "kiosk", request.remote or "?")
    data = await read_json(request)
    request_id = field(data, "request_id", str, max_len=100)
    svc = request.app[SERVICE]
    code = _code(request)
    row = await booking_row(request, code)
    a = svc.center.appointments

    async def claim(ticket_id: int, now: dt.datetime) -> list[tuple[str, tuple]]:
        fresh = await booking_row(request, code)
        if fresh["status"] == "checked_in":
            raise Conflict("这个预约码已经取过号了。如号票丢失，请找大厅工作人员。", code="already_used")
        if fresh["status"] == "cancelled":
            raise Conflict("这个预约已经取消。请取普通号，或重新预约。", code="cancelled")
        slot = dt.datetime.fromisoformat(fresh["slot"])
        verdict = slots.checkin_verdict(svc.center, slot, now)
        if verdict != "ok":
            text = CHECKIN_REFUSALS[verdict]
            raise Conflict(
                text.format(before=a.checkin_before, after=a.checkin_after, slot=_slot_text(slot)), code=verdict
            )
        return [
            (
                "UPDATE appointments SET status = 'checked_in', ticket_id = ? WHERE id = ? AND status = 'booked'",
                (ticket_id, fresh["id"]),
            )
        ]

    async with request.app[CODE_LOCKS](code):  # returns once the ticket and the claim are on disk
        ticket = await svc.issue(
            category=row["category"],
            matter=row["matter"],
            priority=False,
            device_id=device.id,
            request_id=request_id,
            claim=claim,
        )
    ticket = replace(ticket, wait_minutes=await wait_estimate.minutes_for(request.app, ticket.category, ticket.ahead))
    return json_response(ticket.to_dict(), status=201)


@routes.get("/api/appointments")
async def day_list(request: web.Request) -> web.Response:
    """The clerk console's list of a day's appointments (default today), per window."""
    await require_role(request, "clerk", "manager")
    svc = request.app[SERVICE]
    now = svc.clock()
    day = _day(request.query.get("day"), "day", now.astimezone(svc.center.tz).date())
    rows = await svc.store.fetchall(
        "SELECT a.*, t.number, t.status AS ticket_status FROM appointments a LEFT JOIN tickets t ON t.id = a.ticket_id "
        "WHERE a.slot >= ? AND a.slot < ? AND a.status != 'cancelled' ORDER BY a.slot, a.id",
        (day.isoformat(), (day + dt.timedelta(days=1)).isoformat()),
    )
    out = []
    for r in rows:
        item = booking_json(svc, r)
        if r["status"] == "booked":
            late = slots.checkin_verdict(svc.center, dt.datetime.fromisoformat(r["slot"]), now) == "too_late"
            item["status"] = "no_show" if late else "waiting"
        item.update(
            name=r["name"],
            phone=r["phone"],
            source=r["source"],
            ticket=r["number"],
            windows=[w.number for w in svc.center.windows if r["category"] in w.categories],
        )
        out.append(item)
    return json_response({"day": day.isoformat(), "appointments": out})
