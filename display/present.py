"""Turn board data into the exact strings the screen shows (no Kivy, unit-tested)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bianmin import text
from bianmin.protocol import STATUS_NAMES, CallView, CenterInfo, WindowView

NOTICE_SEPARATOR = "　　◆　　"
OFFLINE_TEXT = "连接中断，正在重新连接…"
AUDIO_FAULT_TEXT = "语音故障"  # the header's mark while announcements cannot be played


@dataclass(frozen=True)
class WindowRow:
    number: str
    name: str
    ticket: str
    status: str
    paused: bool
    clerk: str = ""  # the work card (工作牌): name and post of the clerk signed in
    photo: str = ""  # the card photo's URL path on the server, or ""


@dataclass(frozen=True)
class CallLine:
    number: str
    window: str
    recall: bool
    time: str


@dataclass(frozen=True)
class WaitingRow:
    code: str
    name: str
    count: str


def current_call(recent: list[CallView], windows: dict[int, WindowView]) -> CallView | None:
    """The call the big panel shows: the newest one its window is still serving.

    The one place the panel is derived. A call whose window has since paused, moved on
    (no-show, transfer, done) or called someone else is stale and never shown, so the
    panel always agrees with the window table, after a restart's snapshot too.
    """
    for call in recent:  # newest first
        view = windows.get(call.window)
        ticket = view.ticket if view is not None else None
        if view is None or view.paused or ticket is None:
            continue
        if ticket.number == call.number and ticket.status in ("called", "serving"):
            return call
    return None


def big_call(call: CallView | None) -> tuple[str, str, bool]:
    """The big call line as (ticket, window, recall): shown as 请 A012 号 到 3 号窗口."""
    if call is None:
        return "", "", False
    return call.number, str(call.window), call.recall


def window_row(number: int, view: WindowView | None, center: CenterInfo | None) -> WindowRow:
    """One line of the windows table."""
    name = view.name if view else (center.window_names.get(number, "") if center else "")
    paused = bool(view and view.paused)
    ticket = view.ticket if view else None
    if paused:
        status = "暂停服务"
    elif ticket is not None:
        status = STATUS_NAMES.get(ticket.status, "")
    else:
        status = "空闲"
    card = view.card if view else None
    clerk = (f"{card.name}\n{card.post}" if card.post else card.name) if card else "暂无工作人员"
    photo = card.photo_url or "" if card else ""
    return WindowRow(str(number), name, ticket.number if ticket else "—", status, paused, clerk, photo)


def window_rows(views: dict[int, WindowView], center: CenterInfo | None) -> list[WindowRow]:
    """Every window: configured ones first (in config order), then any others the server knows."""
    numbers = [w.number for w in center.windows] if center else []
    numbers += sorted(n for n in views if n not in numbers)
    return [window_row(n, views.get(n), center) for n in numbers]


def notices(center: CenterInfo) -> list[str]:
    """The marquee's lines: the mode of the day (on duty days and closed), the center's
    notices, then today's duty with phones (if any)."""
    lines = [text.mode_line(center.mode), *center.notices, text.duty_line(center.duty)]
    return [line for line in lines if line]


def local_hhmm(at: str, tz: dt.tzinfo | None = None) -> str:
    """``HH:MM`` of a server timestamp in the display's local time."""
    try:
        moment = dt.datetime.fromisoformat(at)
    except (TypeError, ValueError):
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(tz).strftime("%H:%M")


def call_lines(calls: list[CallView], limit: int, tz: dt.tzinfo | None = None) -> list[CallLine]:
    """The recent-calls list (newest first), at most ``limit`` lines."""
    return [CallLine(c.number, str(c.window), c.recall, local_hhmm(c.at, tz)) for c in calls[:limit]]


def waiting_rows(waiting: dict[str, int], center: CenterInfo | None) -> list[WaitingRow]:
    """Waiting counts per category: configured categories in order, zeros included."""
    codes = [c.code for c in center.categories] if center else []
    codes += sorted(c for c in waiting if c not in codes)
    names = center.category_names if center else {}
    return [WaitingRow(c, names.get(c, ""), str(waiting.get(c, 0))) for c in codes]


def date_text(now: dt.datetime) -> str:
    """E.g. ``2026年11月27日 星期五``."""
    return text.date_text(now.date())


def clock_text(now: dt.datetime) -> str:
    return now.strftime("%H:%M")
