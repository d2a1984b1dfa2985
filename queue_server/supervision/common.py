"""What the supervision routes share: the clock and settings of the hall, due dates in
working days, the pad's cookie, and the same-origin rule for writes the pad's cookie carries."""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from bianmin.center import Center
from bianmin.workdays import UnknownYear, due_date

from ..errors import AppError
from ..keys import SERVICE

PAD_COOKIE = "bianmin_pad"  # the rating pad's device token (HttpOnly), set by ``/rate/{n}?pair=``


def center(request: web.Request) -> Center:
    return request.app[SERVICE].center


def now(request: web.Request) -> dt.datetime:
    """The hall's clock (the service's, which tests pass in)."""
    return request.app[SERVICE].clock()


def today(request: web.Request) -> dt.date:
    return now(request).astimezone(center(request).tz).date()


def due_in(c: Center, start: dt.date, days: int) -> dt.date:
    """``days`` (working) days after ``start``. A year whose holidays are not published yet
    counts calendar days instead: a resident's rating or complaint is never refused for it,
    and the earlier date errs on the resident's side."""
    try:
        return due_date(start, days, working_days_only=c.working_days_only, calendar=c.calendar)
    except UnknownYear:
        return start + dt.timedelta(days=days)


def check_same_origin(request: web.Request) -> None:
    """A write carrying the pad's cookie must be JSON from this origin (the CSRF rule of
    ``web.csrf_middleware``, which guards the session cookie only)."""
    if request.content_type != "application/json":
        raise AppError("请求格式不正确", code="json_required", status=415)
    origin = request.headers.get("Origin")
    site = request.headers.get("Sec-Fetch-Site")
    if (origin is not None and origin != f"{request.scheme}://{request.host}") or (
        site is not None and site not in ("same-origin", "none")
    ):
        raise AppError("拒绝来自其他网站的请求", code="cross_origin", status=403)
