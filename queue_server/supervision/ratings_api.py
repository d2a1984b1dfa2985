"""Rating routes: the resident's phone (the ticket's own token), the counter's pad (its
device cookie), and the manager's list. The rules are in :mod:`.ratings`, the SQL in
:mod:`.rating_store`; every rating is one write through the store's single writer."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from collections.abc import Callable

from aiohttp import web

from bianmin.passwords import RateLimiter
from bianmin.protocol import RATING_NAMES

from ..api import require_role
from ..errors import BadRequest, Conflict, NotFound, TooManyRequests
from ..keys import STORE
from ..web import json_response, read_json
from . import rating_store
from .common import PAD_COOKIE, center, check_same_origin, due_in, now, today
from .pad import pad_device, window_number
from .ratings import BAD_REASONS, PAD_MINUTES, RatingInput, rating_closes, validate

routes = web.RouteTableDef()
TRIES = web.AppKey("rating_tries", RateLimiter)  # rating attempts per address
MAX_RANGE_DAYS = 400  # of one ratings list


def _limit(request: web.Request) -> None:
    limiter, t = request.app[TRIES], time.monotonic()
    key = request.remote or "?"
    if limiter.retry_after(key, t) > 0:
        raise TooManyRequests("评价太频繁，请稍后再试", code="rating_rate_limited")
    limiter.take(key, t)


def _input(data: dict) -> RatingInput:
    return validate(data.get("level"), data.get("reasons"), data.get("comment"), data.get("phone"))


async def _rate(
    request: web.Request,
    where: str,
    key: object,
    rating: RatingInput,
    source: str,
    extra: Callable[[sqlite3.Row], None] | None = None,
) -> dict:
    c, moment = center(request), now(request)
    write = rating_store.rate(
        where,
        key,
        rating,
        source=source,
        now=moment,
        tz=c.tz,
        days=c.supervision.rating_days,
        case_due=due_in(c, today(request), c.supervision.rectify_days),
        extra=extra,
    )
    rated = await request.app[STORE].write(write)
    return {"id": rated.id, "level": rating.level, "level_name": RATING_NAMES[rating.level], "case": rated.case_id}


@routes.post("/api/tickets/{token}/rating")
async def phone_rating(request: web.Request) -> web.Response:
    """The resident rates from the ticket's QR page (一次一评, shared with the pad)."""
    _limit(request)
    rating = _input(await read_json(request))
    token = request.match_info["token"][:100]
    return json_response(await _rate(request, "token", token, rating, "phone"), status=201)


@routes.get("/api/tickets/{token}/rating")
async def phone_rating_state(request: web.Request) -> web.Response:
    """Whether this ticket may be rated now: ``not_finished``, ``open``, ``rated`` or ``closed``."""
    ticket, rating = await rating_store.rating_of(request.app[STORE], request.match_info["token"][:100])
    if ticket is None:
        raise NotFound("没有这张号票", code="unknown_ticket")
    base = {"levels": RATING_NAMES, "reasons": list(BAD_REASONS)}
    if rating is not None:
        state = "closed" if rating["source"] == "default" else "rated"
        return json_response({**base, "state": state, "level": rating["level"]})
    if ticket["status"] != "done" or not ticket["finished_at"]:
        return json_response({**base, "state": "not_finished"})
    closes = rating_closes(dt.datetime.fromisoformat(ticket["finished_at"]), center(request).supervision.rating_days)
    state = "open" if now(request) < closes else "closed"
    return json_response({**base, "state": state, "closes_at": closes.isoformat(timespec="minutes")})


@routes.get("/api/pad/{window}")
async def pad_state(request: web.Request) -> web.Response:
    """The pad's view: the service just finished at its window and not yet rated (or null)."""
    window = window_number(request)
    await pad_device(request, request.cookies.get(PAD_COOKIE), window)
    c = center(request)
    row = await rating_store.pending_at(request.app[STORE], window, now(request), c.tz, PAD_MINUTES)
    pending = None
    if row is not None:
        matter = c.matters.get(row["matter"]) if row["matter"] else None
        pending = {"ticket": row["id"], "number": row["number"], "matter_name": matter.name if matter else None}
    w = c.window(window)
    return json_response(
        {
            "window": window,
            "window_name": w.name if w else "",
            "center": c.name,
            "pending": pending,
            "levels": RATING_NAMES,
            "reasons": list(BAD_REASONS),
        }
    )


@routes.post("/api/pad/{window}/rating")
async def pad_rating(request: web.Request) -> web.Response:
    """A tap on the pad: ``{"ticket": id, "level", ...}`` for a service of this window just finished."""
    window = window_number(request)
    check_same_origin(request)
    await pad_device(request, request.cookies.get(PAD_COOKIE), window)
    data = await read_json(request)
    ticket = data.get("ticket")
    if not isinstance(ticket, int) or isinstance(ticket, bool):
        raise BadRequest("缺少要评价的号票", code="missing_field", field="ticket")
    rating = _input(data)
    since = now(request) - dt.timedelta(minutes=PAD_MINUTES)

    def own_window(row: sqlite3.Row) -> None:
        finished = dt.datetime.fromisoformat(row["finished_at"]) if row["finished_at"] else None
        if row["window"] != window or (finished is not None and finished < since):
            raise Conflict("这张号票不在本窗口的待评价服务中", code="not_this_window")

    return json_response(await _rate(request, "id", ticket, rating, "pad", own_window), status=201)


def _day(value: str | None, name: str, default: dt.date) -> dt.date:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} 日期格式应为 YYYY-MM-DD", code="bad_date", field=name) from None


@routes.get("/api/ratings")
async def list_ratings(request: web.Request) -> web.Response:
    """The manager's list of ratings of services on days ``from``..``to`` (default: this month)."""
    await require_role(request, "manager")
    day = today(request)
    start = _day(request.query.get("from"), "from", day.replace(day=1))
    end = _day(request.query.get("to"), "to", day)
    if end < start or (end - start).days > MAX_RANGE_DAYS:
        raise BadRequest(f"日期范围须从早到晚，最长 {MAX_RANGE_DAYS} 天", code="bad_range", field="to")
    rows = await rating_store.ratings_between(request.app[STORE], start, end)
    return json_response(
        [
            {
                "ticket": r["number"],
                "day": r["day"],
                "window": r["window"],
                "clerk": r["clerk"],
                "level": r["level"],
                "reasons": json.loads(r["reasons"]),
                "comment": r["comment"],
                "at": r["at"],
                "source": r["source"],
                "defaulted": r["source"] == "default",
                "appeal_upheld": r["appeal_status"] == "upheld",
            }
            for r in rows
        ]
    )


def install(app: web.Application) -> None:
    app[TRIES] = RateLimiter(limit=30, window=60)
    app.router.add_routes(routes)
