"""The kiosk's words for the mode of the day (值班 and closed) and for a ticket's window.

On a duty day (值班) the duty window takes every category; closed, the hall says when it
next opens and how to book. Plain text from ``GET /api/center``'s ``mode`` (no Kivy).
"""

from __future__ import annotations

import datetime as dt

from bianmin.protocol import CenterInfo, IssuedTicket
from bianmin.text import weekday_text

BOOK_HINT = "可打值班电话预约；已预约请点“预约取号”"


def _windows(numbers: list[int]) -> str:
    return "、".join(f"{n} 号" for n in numbers) + "窗口"


def home_help(center: CenterInfo, help_text: str) -> str:
    """The home screen's help: on a duty day its first line says every matter goes to the
    duty window(s)."""
    mode = center.mode
    if mode is None or mode.now != "duty" or not mode.duty_windows:
        return help_text
    rest = help_text.split("\n", 1)[-1]
    return f"今天是值班日：所有业务请到 {_windows(mode.duty_windows)}办理。\n{rest}"


def next_open_note(center: CenterInfo) -> str:
    """Closed: a new line with when the hall opens next, and how to book ("" without a mode)."""
    mode = center.mode
    if mode is None or mode.now != "closed":
        return ""
    when = ""
    if mode.next_open:
        moment = dt.datetime.fromisoformat(mode.next_open)
        when = f"下次开放：{moment.month}月{moment.day}日（{weekday_text(moment.date())}）{moment:%H:%M}\n"
    return f"\n{when}{BOOK_HINT}"


def ticket_note(t: IssuedTicket) -> str:
    """Where the ticket is served on a duty day, and that it is an appointment's."""
    parts = []
    if t.appointment:
        parts.append("预约号，优先叫号")
    if t.window is not None:
        parts.append(f"请到 {t.window} 号窗口（值班窗口）办理")
    return "，".join(parts)
